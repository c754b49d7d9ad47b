"""The transpose/copy kernel family: its search space and shipped defaults.

A config (see `templates/transpose.cl.mako`) names:

- TX, TY: the tile, TX columns along the output's unit-stride axis by TY rows
  along the input's;
- LOCAL: stage the tile in local memory with a work-group of TX*TY/IPT
  work-items (GPUs), or let one work-item copy a whole tile row by row with
  no barriers (CPUs: on PoCL local memory and barriers cost, see
  PLATFORM_NOTES.md);
- IPT: elements each work-item moves in the local-memory variant;
- WG: the work-group size of the tile-per-work-item variant (0: the driver's choice).

`ops/transpose.py` looks the config up once per launch plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from portatensor.tune.space import Config, DeviceLimits, Space

__all__ = ["FAMILY", "VENDOR_DEFAULTS", "default_config", "geometry", "storage_dtype", "transpose_space"]

FAMILY = "transpose"

#: Elements move as raw bits: the dtype name a kernel and the tuning DB use per item size.
_BY_SIZE = {1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64", 16: "complex128"}


def storage_dtype(itemsize: int) -> str:
    """The dtype name whose bits a transpose of `itemsize`-byte elements moves."""
    return _BY_SIZE[itemsize]


def _work_group(c: Config, lim: DeviceLimits) -> bool:
    """A local-memory group (TX*TY/IPT items) or a private-tile group (WG) fits the device."""
    size = c["TX"] * c["TY"] // c["IPT"] if c["LOCAL"] else c["WG"]
    return size <= lim.max_work_group_size


def _local_memory(c: Config, lim: DeviceLimits) -> bool:
    """The padded tile of the widest element (16 bytes) fits in local memory."""
    return not c["LOCAL"] or c["TX"] * (c["TY"] + 1) * 16 <= lim.local_mem_size


def _canonical(c: Config, lim: DeviceLimits) -> bool:
    """IPT only means something with LOCAL, WG only without: keep one value of the other."""
    return (c["WG"] == 0) if c["LOCAL"] else (c["IPT"] == 1)


#: Shipped starting points. NOTE: the CPU row, a 16x16 tile per work-item with
#: no barriers, measured best on PoCL 3.1 (11 GB/s at 4096^2 float32, against
#: 3 for the strided elementwise copy and 1-8 for other tiles); GPU rows are
#: the classic local-memory transpose: a 32x32 tile moved by 256 work-items,
#: 4 elements each.
VENDOR_DEFAULTS: dict[str, dict[str, object]] = {
    "generic": {"TX": 16, "TY": 16, "LOCAL": False, "IPT": 1, "WG": 0},
    "cpu": {"TX": 16, "TY": 16, "LOCAL": False, "IPT": 1, "WG": 0},
    "nvidia": {"TX": 32, "TY": 32, "LOCAL": True, "IPT": 4, "WG": 0},
    "amd": {"TX": 32, "TY": 32, "LOCAL": True, "IPT": 4, "WG": 0},
    "intel_gpu": {"TX": 16, "TY": 16, "LOCAL": True, "IPT": 2, "WG": 0},
}


def default_config(vendor: str) -> dict[str, object]:
    """The shipped default for a vendor key, else the generic one."""
    return dict(VENDOR_DEFAULTS.get(vendor, VENDOR_DEFAULTS["generic"]))


def transpose_space(limits: DeviceLimits) -> Space:
    """The transpose search space for a device (at most 128 configs)."""
    params: dict[str, Sequence[object]] = {
        "TX": [8, 16, 32, 64],
        "TY": [8, 16, 32, 64],
        "LOCAL": [False, True],
        "IPT": [1, 2, 4, 8],
        "WG": [0, 16, 64, 256],
    }
    return Space(params, [_work_group, _local_memory, _canonical],
                 default=default_config(limits.vendor_key))


def geometry(config: Config, batch: int, rows: int, cols: int) -> tuple[tuple[int, int, int],
                                                                       tuple[int, int, int] | None]:
    """(global size, local size or None) to cover a (batch, rows, cols) transpose."""
    tx, ty = int(config["TX"]), int(config["TY"])
    tiles_c, tiles_r = -(-cols // tx), -(-rows // ty)
    if config["LOCAL"]:
        nt = tx * ty // int(config["IPT"])
        return (tiles_c * nt, tiles_r, batch), (nt, 1, 1)
    wg = int(config["WG"])
    return (tiles_c, tiles_r, batch), ((wg, 1, 1) if wg else None)

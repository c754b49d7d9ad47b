"""The run-time side of tuning: each device's database and config lookup.

One database file per device fingerprint lives in `<cache_dir>/tuning/`.
`TuningDB` re-reads its file only when the file's (inode, mtime, size)
changed, so a program sees what `portatensor tune` wrote without a restart,
and an untouched file costs one `os.stat` per lookup.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from portatensor._config import settings
from portatensor.codegen import template_dirs
from portatensor.tune.db import Lookup, TuningDB, shape_bucket
from portatensor.tune.space import Config, vendor_key

__all__ = ["db_path", "device_db", "device_fingerprint", "family_defaults", "tuned_config"]

_DBS: dict[tuple[str, str], TuningDB] = {}


def device_fingerprint(info: Any) -> dict[str, str]:
    """What identifies tuning results: platform, device, driver and codegen."""
    return {
        "platform": f"{info.platform_name}|{info.platform_version}",
        "device": f"{info.vendor}|{info.name}|{info.device_version}",
        "driver": info.driver_version,
        "codegen": tuned_sources_fingerprint(),
        "vendor": info.vendor,
        "device_type": info.type,
    }


#: The files whose change makes tuned configs stale. NOTE: not the whole
#: codegen fingerprint: an edit to an unrelated template must not throw away
#: every tuned result on the machine.
TUNED_SOURCES = ("xgemm.cl.mako", "elementwise.cl.mako", "reduce.cl.mako", "transpose.cl.mako", "_common.mako",
                 "dtypes.h")
_FP: str | None = None


def tuned_sources_fingerprint() -> str:
    """A hash of the tuned families' templates and headers."""
    global _FP
    if _FP is None:
        h = hashlib.sha256()
        for name in TUNED_SOURCES:
            for root in template_dirs():
                path = Path(root) / name
                if path.is_file():
                    h.update(name.encode() + b"\0" + path.read_bytes())
        _FP = h.hexdigest()[:16]
    return _FP


def db_path(info: Any, cache_dir: Path | None = None) -> Path:
    """`<cache_dir>/tuning/<hash of the fingerprint>.json` for this device."""
    fp = json.dumps(device_fingerprint(info), sort_keys=True).encode()
    name = hashlib.sha256(fp).hexdigest()[:24]
    return Path(cache_dir or settings.cache_dir) / "tuning" / f"{name}.json"


def device_db(device: Any, cache_dir: Path | None = None) -> TuningDB:
    """The (memoized) tuning database of a device."""
    path = db_path(device.info, cache_dir)
    key = (device.info.selector, str(path))
    db = _DBS.get(key)
    if db is None:
        info = device.info
        db = TuningDB(path, device_fingerprint(info), vendor=vendor_key(info.vendor, info.type))
        _DBS[key] = db
    return db


def family_defaults() -> dict[tuple[str, str], dict[str, Any]]:
    """The shipped defaults table: db.DEFAULTS plus each tunable family's vendor rows."""
    from portatensor.tune import db as _db
    from portatensor.tune import elementwise as _ew
    from portatensor.tune import gemm as _gemm
    from portatensor.tune import reduce as _reduce
    from portatensor.tune import transpose as _transpose

    table: dict[tuple[str, str], dict[str, Any]] = dict(_db.DEFAULTS)
    # conv2d is implicit GEMM on the same parameters.
    rows = [("gemm", _gemm.VENDOR_DEFAULTS), ("conv", _gemm.VENDOR_DEFAULTS),
            (_ew.FAMILY, _ew.VENDOR_DEFAULTS), (_reduce.FAMILY, _reduce.VENDOR_DEFAULTS),
            (_transpose.FAMILY, _transpose.VENDOR_DEFAULTS)]
    for family, defaults in rows:
        for vendor, cfg in defaults.items():
            table[(family, vendor)] = dict(cfg)
    return table


_TABLE: dict[tuple[str, str], dict[str, Any]] | None = None

# Answers per (device, family, dtypes, layout, shape bucket), valid while the
# device's database file is unchanged. NOTE: a lookup sits on every matmul's
# path; re-checking the file at most every RECHECK_S keeps it ~1 us while a
# `portatensor tune` run in another process is still picked up without a restart.
RECHECK_S = 0.5
_MEMO: dict[Any, dict[tuple, Lookup]] = {}
_CHECKED: dict[Any, tuple[float, Any]] = {}


def _file_signature(path: str) -> Any:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def recheck(device: Any) -> dict[tuple, Lookup]:
    """The device's lookup memo, re-validated against its database file at most every RECHECK_S.

    When the file changed, the memo starts afresh and the device's cached
    launch plans (``device.plans``: they hold the configs they were made with)
    are dropped, so ops pick up new tunings without a restart. The hot paths
    that skip tuned_config through their plan caches call this first.
    """
    now = time.monotonic()
    checked = _CHECKED.get(device)
    memo = _MEMO.get(device)
    if checked is None or memo is None or now - checked[0] > RECHECK_S:
        sig = _file_signature(device_db(device).path)
        if checked is None or memo is None or sig != checked[1]:
            memo = _MEMO[device] = {}
            if checked is not None:
                device.plans.clear()
        _CHECKED[device] = (now, sig)
    return memo


def tuned_config(device: Any, family: str, dtypes: tuple[str, ...], layout: str,
                 shape: tuple[int, ...], accept: Any = None) -> Lookup:
    """The config to run: exact bucket → nearest bucket → vendor default → generic."""
    global _TABLE
    if _TABLE is None:
        _TABLE = family_defaults()
    if accept is not None:
        return device_db(device).lookup(family, dtypes, layout, shape, _TABLE, accept=accept)
    memo = recheck(device)
    key = (family, dtypes, layout, shape_bucket(shape))
    found = memo.get(key)
    if found is None:
        found = memo[key] = device_db(device).lookup(family, dtypes, layout, shape, _TABLE)
    return found


def as_config(params: dict[str, Any]) -> Config:
    """A Config from a plain dict."""
    return Config.from_dict(params)

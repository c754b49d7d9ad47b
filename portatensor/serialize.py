"""pt.save / pt.load: a safe format (an .npz archive, no pickle) for nested state.

The archive holds one raw array per tensor and a JSON document
(``__portatensor__``) describing the nesting of dicts, lists, tuples, tensors,
numbers, strings and None. Loading never executes code from the file.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

_FORMAT = 1


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, Tensor):
        key = f"t{len(arrays)}"
        host = obj.numpy()
        if obj.dtype is _dt.bfloat16:
            from .tensor import _f32_to_bf16_bits

            host = _f32_to_bf16_bits(host)
        arrays[key] = np.asarray(host, order="C")  # NOTE: ascontiguousarray would make a 0-d array 1-d
        return {"__tensor__": key, "dtype": obj.dtype.name, "shape": list(obj.shape),
                "requires_grad": bool(obj._ag is not None and obj._ag.requires_grad)}
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"pt.save cannot store {type(obj).__name__} (only tensors, dicts, lists, tuples, numbers, "
                    "strings and None)")


def _decode(doc: Any, arrays: Any, device: Any) -> Any:
    if isinstance(doc, list):
        return [_decode(v, arrays, device) for v in doc]
    if isinstance(doc, dict):
        if "__tensor__" in doc:
            dt = _dt.from_name(doc["dtype"])
            host = arrays[doc["__tensor__"]]
            if tuple(host.shape) != tuple(doc["shape"]):
                raise ValueError(f"corrupt file: tensor {doc['__tensor__']} has shape {host.shape}, "
                                 f"expected {tuple(doc['shape'])}")
            from .runtime.device import get_device

            dev = get_device(device)
            if dt is _dt.bfloat16:
                t = Tensor.empty(host.shape, dt, dev)
                if t.size:
                    from .runtime import opencl

                    opencl.write(dev.queue, t._storage.buf, np.ascontiguousarray(host, dtype=np.uint16))
            else:
                t = Tensor.from_numpy(host, dt, dev)
            if doc.get("requires_grad"):
                t.requires_grad_()
            return t
        if "__tuple__" in doc:
            return tuple(_decode(v, arrays, device) for v in doc["__tuple__"])
        if "__dict__" in doc:
            out = {}
            for k, v in doc["__dict__"]:
                out[_decode(k, arrays, device)] = _decode(v, arrays, device)
            return out
        raise ValueError("corrupt file: unknown entry")
    return doc


def save(obj: Any, f: Any) -> None:
    """Write obj (e.g. a state_dict) to a path or binary file object."""
    arrays: dict[str, np.ndarray] = {}
    doc = {"format": _FORMAT, "root": _encode(obj, arrays)}
    arrays["__portatensor__"] = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)
    else:
        # NOTE: np.savez appends ".npz" to paths; write to the exact path given.
        with open(f, "wb") as fh:
            np.savez(fh, **arrays)


def load(f: Any, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read what save() wrote; tensors go to map_location (a device) or the default device."""
    with np.load(f, allow_pickle=False) as z:
        if "__portatensor__" not in z.files:
            raise ValueError("not a portatensor file (no __portatensor__ entry)")
        doc = json.loads(bytes(z["__portatensor__"]).decode())
        if doc.get("format") != _FORMAT:
            raise ValueError(f"unsupported portatensor file format {doc.get('format')!r}")
        arrays = {k: z[k] for k in z.files}
    return _decode(doc["root"], arrays, map_location)


_ = io
__all__ = ["load", "save"]

"""The 2024.12 surface against array-api-strict: names, signatures, the array object, inspection.

array-api-strict implements the standard's signatures exactly, so every function
of its namespace, ``linalg`` and ``fft`` must exist here with the same
parameters: positional-only stays positional-only, keyword-only stays
keyword-only, names and defaults agree. Our PyTorch extras (``dim=``,
``keepdim=``, ``requires_grad=``, ``zeros(2, 3)``) are allowed only as extra
parameters with defaults (or a ``*size`` after the standard's positional ones),
so every call the standard allows still works exactly.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest

import portatensor as pt

xs = pytest.importorskip("array_api_strict")
_StrictArray = type(xs.asarray([1.0]))

# Names array-api-strict exports beyond the 2024.12 standard: its own flag API,
# helpers it re-exports, and 2025.12 additions.
_NEWER = {"": {"broadcast_shapes", "isin"}, "linalg": {"eig", "eigvals"}, "fft": set()}

# Deliberate, documented deviations: (function, parameter) -> reason.
_KNOWN = {
    # PyTorch's unbiased= needs an "unset" marker; None means the standard's 0.0.
    ("std", "correction"): "default None stands for 0.0 (unbiased= takes precedence when given)",
    ("var", "correction"): "default None stands for 0.0 (unbiased= takes precedence when given)",
    # 2024.12 spells expand_dims(x, /, *, axis=0); PyTorch's unsqueeze(x, dim) calls it positionally.
    ("expand_dims", "axis"): "positional-or-keyword with the default 0 (keyword calls work as the standard says)",
}


# Mismatches in files this test's authors do not own, reported to their owner.
_PENDING: dict[str, str] = {}


def _standard_names(module: Any, ours: Any, sub: str) -> list[str]:
    out = []
    for name in module.__all__:
        obj = getattr(module, name)
        if name in _NEWER[sub] or "strict" in name.lower():
            continue
        if sub and not inspect.isfunction(inspect.unwrap(obj)):
            continue  # linalg/fft re-export helpers and dtypes in array-api-strict
        out.append(name)
    return out


_UNSET = {None, "Undef.UNDEF"}


def _same_default(std: inspect.Parameter, our: inspect.Parameter) -> bool:
    if (std.default is std.empty) != (our.default is our.empty):
        return False
    if std.default is std.empty:
        return True
    # array-api-strict marks "not given" with its own sentinel where the standard writes None.
    if str(std.default) in {str(u) for u in _UNSET} and our.default is None:
        return True
    return std.default == our.default and type(std.default) is type(our.default)


def _signature_problems(name: str, std_fn: Any, our_fn: Any, *, method: bool = False) -> list[str]:
    """Why ``our_fn`` cannot take every call ``std_fn``'s signature allows (empty: it can)."""
    std = [p for p in inspect.signature(std_fn).parameters.values() if p.name != "self"]
    our_all = list(inspect.signature(our_fn).parameters.values())
    our = our_all[1:] if method else our_all  # a method's first parameter is self, whatever its name
    problems = []
    P = inspect.Parameter
    positional = [p for p in std if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD, P.VAR_POSITIONAL)]
    for i, s in enumerate(positional):
        if i >= len(our):
            problems.append(f"positional parameter {s.name!r} missing")
            continue
        o = our[i]
        if (name, s.name) in _KNOWN:
            continue
        ok = o.kind is s.kind and (s.kind is P.POSITIONAL_ONLY or o.name == s.name)
        if not ok:
            problems.append(f"parameter {i} is {o.name!r} ({o.kind.description}), "
                            f"the standard has {s.name!r} ({s.kind.description})")
        elif s.kind is not P.VAR_POSITIONAL and not _same_default(s, o):
            problems.append(f"{s.name!r} default {o.default!r}, the standard has {s.default!r}")
    by_name = {o.name: o for o in our}
    for s in std:
        if s.kind not in (P.KEYWORD_ONLY, P.VAR_KEYWORD):
            continue
        o = by_name.get(s.name)
        if o is None:
            problems.append(f"keyword {s.name!r} missing")
        elif (name, s.name) in _KNOWN:
            continue
        elif o.kind is not s.kind:
            problems.append(f"{s.name!r} is {o.kind.description}, the standard has {s.kind.description}")
        elif not _same_default(s, o):
            problems.append(f"{s.name!r} default {o.default!r}, the standard has {s.default!r}")
    std_names = {s.name for s in std}
    for o in our[len(positional):]:
        if o.name in std_names or o.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            continue
        if o.default is o.empty:
            problems.append(f"extra parameter {o.name!r} has no default")
    return problems


def _cases() -> list[Any]:
    names = ([("", n) for n in _standard_names(xs, pt, "")]
             + [("linalg", n) for n in _standard_names(xs.linalg, pt.linalg, "linalg")]
             + [("fft", n) for n in _standard_names(xs.fft, pt.fft, "fft")])
    return [pytest.param(sub, n, marks=pytest.mark.xfail(reason=_PENDING[n])) if n in _PENDING else (sub, n)
            for sub, n in names]


@pytest.mark.parametrize(("sub", "name"), _cases(), ids=lambda v: v or "ns")
def test_name_and_signature(sub: str, name: str) -> None:
    std_mod = getattr(xs, sub) if sub else xs
    our_mod = getattr(pt, sub) if sub else pt
    assert hasattr(our_mod, name), f"{sub + '.' if sub else ''}{name} is missing"
    std_obj, our_obj = getattr(std_mod, name), getattr(our_mod, name)
    if inspect.isfunction(inspect.unwrap(std_obj)):
        assert callable(our_obj)
        problems = _signature_problems(name, std_obj, our_obj)
        assert not problems, f"{name}{inspect.signature(our_obj)}: " + "; ".join(problems)
    assert not sub or name in our_mod.__all__, f"{sub}.{name} not in {sub}.__all__"


_ARRAY_METHODS = sorted(
    n for n, v in vars(_StrictArray).items()
    if callable(v) and (n.startswith("__") and n.endswith("__") or not n.startswith("_"))
    and n not in {"__init__", "__new__", "__repr__", "__buffer__", "__hash__", "__array__",
                  "__iter__", "__len__", "__getstate__", "__setstate__"})


@pytest.mark.parametrize("name", _ARRAY_METHODS)
def test_array_method_signature(name: str) -> None:
    std_fn = getattr(_StrictArray, name)
    our_fn = getattr(pt.Tensor, name, None)
    assert our_fn is not None, f"Tensor.{name} is missing"
    std = inspect.signature(std_fn)
    if name == "to_device":
        # array-api-strict leaves stream positional-or-keyword; 2024.12 makes it keyword-only.
        std = std.replace(parameters=[p.replace(kind=p.KEYWORD_ONLY) if p.name == "stream" else p
                                      for p in std.parameters.values()])
        std_fn = _with_signature(std)
    problems = _signature_problems(name, std_fn, our_fn, method=True)
    assert not problems, f"Tensor.{name}{inspect.signature(our_fn)}: " + "; ".join(problems)


def _with_signature(sig: inspect.Signature) -> Any:
    def f(*args: Any, **kwargs: Any) -> None:
        """A stand-in carrying ``sig``."""
    f.__signature__ = sig  # type: ignore[attr-defined]
    return f


@pytest.mark.parametrize("name", ["T", "mT", "device", "dtype", "ndim", "shape", "size"])
def test_array_attributes(device: Any, name: str) -> None:
    x = pt.reshape(pt.arange(6, dtype=pt.float32, device=device), (2, 3))
    value = getattr(x, name)
    expected = {"T": (3, 2), "mT": (3, 2), "ndim": 2, "shape": (2, 3), "size": 6}
    if name in ("T", "mT"):
        assert value.shape == expected[name]
    elif name == "device":
        assert value == device
    elif name == "dtype":
        assert value == pt.float32
    else:
        assert value == expected[name]


def test_array_namespace_versions(device: Any) -> None:
    x = pt.zeros((2,), device=device)
    for v in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
        assert x.__array_namespace__(api_version=v) is pt
    with pytest.raises(ValueError, match="2025.12"):
        x.__array_namespace__(api_version="2025.12")
    assert pt.__array_api_version__ == "2024.12"
    assert x.to_device(device) is not None and x.to_device(device, stream=None).device == device


def test_dlpack_keywords(device: Any) -> None:
    np = pytest.importorskip("numpy")
    x = pt.asarray([1.0, 2.0, 3.0], device=device)
    kind, _ = x.__dlpack_device__()
    if device.info.type != "cpu":
        pytest.skip("DLPack export without a host copy exists only for CPU devices")
    assert int(kind) == 1  # kDLCPU
    for kwargs in ({}, {"stream": None}, {"max_version": (1, 0)}, {"dl_device": (1, 0)}, {"copy": True},
                   {"stream": None, "max_version": (1, 0), "dl_device": (1, 0), "copy": None}):
        assert x.__dlpack__(**kwargs) is not None
    np.testing.assert_array_equal(np.from_dlpack(x), [1.0, 2.0, 3.0])


def test_compat_sees_the_namespace(device: Any) -> None:
    compat = pytest.importorskip("array_api_compat")
    x = pt.ones((2, 2), device=device)
    assert compat.is_array_api_obj(x)
    assert compat.array_namespace(x) is pt
    assert compat.array_namespace(x, api_version="2024.12") is pt


def test_info_surface(device: Any) -> None:
    info = pt.__array_namespace_info__()
    caps = info.capabilities()
    assert set(caps) >= {"boolean indexing", "data-dependent shapes", "max dimensions"}
    assert caps["max dimensions"] is None or isinstance(caps["max dimensions"], int)
    assert info.default_device() in info.devices()
    assert device in info.devices()
    for dev in (None, device):
        defaults = info.default_dtypes(device=dev)
        assert set(defaults) == {"real floating", "complex floating", "integral", "indexing"}
        assert defaults["real floating"] == pt.float32 and defaults["indexing"] == pt.int64
        everything = info.dtypes(device=dev)
        assert {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float32", "complex64"} <= set(everything)
        assert all(everything[k] == getattr(pt, k) for k in everything)
    assert set(info.dtypes(kind="bool")) == {"bool"}
    assert set(info.dtypes(kind="signed integer")) == {"int8", "int16", "int32", "int64"}
    assert set(info.dtypes(kind=("unsigned integer", "bool"))) == {"bool", "uint8", "uint16", "uint32", "uint64"}
    fp64 = device.supports(pt.float64)
    assert ("float64" in info.dtypes(device=device, kind="real floating")) == fp64
    assert ("complex128" in info.dtypes(device=device, kind="complex floating")) == fp64
    with pytest.raises(ValueError):
        info.dtypes(kind="no such kind")
    for name, std_fn in vars(type(xs.__array_namespace_info__())).items():
        if callable(std_fn) and not name.startswith("_"):
            problems = _signature_problems(name, std_fn, getattr(type(info), name), method=True)
            assert not problems, f"info.{name}: " + "; ".join(problems)


def test_constants() -> None:
    assert pt.e == math.e and pt.pi == math.pi
    assert math.isinf(pt.inf) and pt.inf > 0 and math.isnan(pt.nan)
    assert pt.newaxis is None
    for name in ("e", "pi", "inf", "nan"):
        assert type(getattr(pt, name)) is float


_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float32", "float64", "complex64", "complex128")


def test_dtype_objects_compare_and_hash() -> None:
    objs = [getattr(pt, n) for n in _DTYPES]
    for i, a in enumerate(objs):
        for j, b in enumerate(objs):
            assert (a == b) == (i == j) and (a != b) == (i != j)
    assert len({*objs, *objs}) == len(objs)
    assert {d: n for d, n in zip(objs, _DTYPES, strict=True)}[pt.float32] == "float32"
    assert pt.asarray([1.0]).dtype == pt.float32 and hash(pt.asarray([1]).dtype) == hash(pt.int64)
    assert pt.float32 != "float64" and pt.float32 is not None


def test_standard_calls_still_work(device: Any) -> None:
    """The standard's spellings of the functions our PyTorch extras widened."""
    assert pt.zeros((2, 3), dtype=pt.int32, device=device).shape == (2, 3)
    assert pt.ones(shape=4, device=device).shape == (4,)
    assert pt.empty((), device=device).shape == ()
    assert pt.zeros(2, 3, device=device).shape == (2, 3)  # PyTorch's spelling
    assert pt.isdtype(dtype=pt.float32, kind="real floating")
    x = pt.asarray([[1.0, 2.0], [3.0, 5.0]], device=device)
    assert float(pt.std(x)) == pytest.approx(1.479019945774904)  # correction 0 by default
    assert float(pt.var(x, correction=1)) == pytest.approx(2.9166666666666665)
    assert pt.expand_dims(x, axis=1).shape == (2, 1, 2)
    assert pt.matmul(x, x).shape == (2, 2)
    with pytest.raises(TypeError):
        pt.matmul(x1=x, x2=x)

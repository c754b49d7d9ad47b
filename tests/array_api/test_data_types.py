"""Data type functions and the promotion table (Array API 2024.12), against the standard's rules."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt

INTS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}
UINTS = {"uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64}
STD = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64",
       "complex64", "complex128"]


def _standard_promotion(a: str, b: str) -> str | None:
    """The standard's promotion lattice, written out independently of portatensor.dtypes."""
    if a == b:
        return a
    if "bool" in (a, b):
        return None
    if a in INTS and b in INTS:
        return max(a, b, key=INTS.get)
    if a in UINTS and b in UINTS:
        return max(a, b, key=UINTS.get)
    if {a, b} & set(INTS) and {a, b} & set(UINTS):
        s, u = (a, b) if a in INTS else (b, a)
        if INTS[s] > UINTS[u]:
            return s
        return {8: "int16", 16: "int32", 32: "int64"}.get(UINTS[u])
    if {a, b} & (set(INTS) | set(UINTS)):
        return None
    prec = {"float32": 32, "float64": 64, "complex64": 32, "complex128": 64}
    p = max(prec[a], prec[b])
    if "complex" in a + b:
        return "complex128" if p == 64 else "complex64"
    return "float64" if p == 64 else "float32"


@pytest.mark.parametrize("a", STD)
def test_promotion_table(a):
    for b in STD:
        want = _standard_promotion(a, b)
        da, db = getattr(pt, a), getattr(pt, b)
        if want is None:
            with pytest.raises(TypeError):
                pt.result_type(da, db)
        else:
            assert pt.result_type(da, db) == getattr(pt, want), (a, b)
            assert pt.result_type(db, da) == getattr(pt, want), (b, a)


def test_result_type_arrays_and_scalars(device):
    x = pt.asarray(np.array([1, 2], np.int8), device=device)
    f = pt.asarray(np.array([1.0], np.float32), device=device)
    assert pt.result_type(x, pt.uint8) == pt.int16
    assert pt.result_type(x, pt.int8, 3) == pt.int8
    assert pt.result_type(f, 1) == pt.float32
    assert pt.result_type(f, 1.5) == pt.float32
    assert pt.result_type(f, 1j) == pt.complex64
    assert pt.result_type(pt.float64, 1j) == pt.complex128
    assert pt.result_type(pt.bool, True) == pt.bool
    assert pt.result_type(pt.int8, pt.int16, pt.int32, pt.int64) == pt.int64
    for bad in ((x, 1.5), (pt.bool, 1), (pt.int32, 1j), (f, True)):
        with pytest.raises(TypeError):
            pt.result_type(*bad)
    with pytest.raises(ValueError):
        pt.result_type(1, 2.0)
    with pytest.raises(TypeError):
        pt.result_type("float32", pt.int8)


def test_can_cast(device):
    assert pt.can_cast(pt.int8, pt.int16)
    assert not pt.can_cast(pt.int16, pt.int8)
    assert pt.can_cast(pt.uint8, pt.int16)
    assert not pt.can_cast(pt.int8, pt.uint64)
    assert not pt.can_cast(pt.int32, pt.float64)  # cross-kind: not a promotion
    assert pt.can_cast(pt.float32, pt.complex64)
    assert not pt.can_cast(pt.complex64, pt.float32)
    assert pt.can_cast(pt.bool, pt.bool) and not pt.can_cast(pt.bool, pt.int8)
    assert pt.can_cast(pt.asarray([1.0], device=device), pt.float64)
    with pytest.raises(TypeError):
        pt.can_cast(1, pt.int8)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64", "complex128"])
def test_finfo(name):
    info = pt.finfo(getattr(pt, name))
    real = {"complex64": "float32", "complex128": "float64"}.get(name, name)
    ref = np.finfo(real)
    assert info.dtype == getattr(pt, real)
    assert info.bits == ref.bits
    assert info.eps == float(ref.eps) and info.max == float(ref.max) and info.min == float(ref.min)
    assert info.smallest_normal == float(ref.smallest_normal)
    assert all(isinstance(v, float) for v in (info.eps, info.max, info.min, info.smallest_normal))


def test_finfo_bfloat16_and_errors(device):
    info = pt.finfo(pt.bfloat16)
    assert (info.bits, info.eps, info.smallest_normal) == (16, 2.0**-7, 2.0**-126)
    assert info.max == 3.3895313892515355e38 and info.min == -info.max
    assert pt.finfo(pt.asarray([1.0], device=device)).dtype == pt.float32
    with pytest.raises(TypeError, match="iinfo"):
        pt.finfo(pt.int32)


@pytest.mark.parametrize("name", list(INTS) + list(UINTS))
def test_iinfo(name):
    info = pt.iinfo(getattr(pt, name))
    ref = np.iinfo(name)
    assert (info.bits, info.max, info.min, info.dtype) == (ref.bits, ref.max, ref.min, getattr(pt, name))
    assert isinstance(info.max, int)


def test_iinfo_errors(device):
    assert pt.iinfo(pt.asarray([1], device=device)).dtype == pt.int64
    for bad in (pt.float32, pt.bool):
        with pytest.raises(TypeError):
            pt.iinfo(bad)


KIND_MEMBERS = {
    "bool": {"bool"},
    "signed integer": set(INTS),
    "unsigned integer": set(UINTS),
    "integral": set(INTS) | set(UINTS),
    "real floating": {"float16", "bfloat16", "float32", "float64"},
    "complex floating": {"complex64", "complex128"},
    "numeric": set(INTS) | set(UINTS) | {"float16", "bfloat16", "float32", "float64", "complex64", "complex128"},
}


@pytest.mark.parametrize("kind", sorted(KIND_MEMBERS))
def test_isdtype(kind):
    for name in [*STD, "float16", "bfloat16"]:
        assert pt.isdtype(getattr(pt, name), kind) == (name in KIND_MEMBERS[kind]), (name, kind)


def test_isdtype_tuples_and_errors():
    assert pt.isdtype(pt.float32, ("integral", "real floating"))
    assert not pt.isdtype(pt.complex64, ("integral", "real floating"))
    assert pt.isdtype(pt.int8, pt.int8) and not pt.isdtype(pt.int8, pt.int16)
    assert pt.isdtype(pt.uint8, (pt.int8, "unsigned integer"))
    with pytest.raises(ValueError, match="unknown dtype kind"):
        pt.isdtype(pt.int8, "integer")
    with pytest.raises(TypeError):
        pt.isdtype("int8", "integral")
    with pytest.raises(TypeError):
        pt.isdtype(pt.int8, 3)


@pytest.mark.parametrize("src,dst", [("float32", "int32"), ("int64", "float32"), ("bool", "float32"),
                                     ("float32", "bool"), ("int32", "uint8"), ("float32", "complex64"),
                                     ("complex64", "complex128"), ("float16", "float32")])
def test_astype(device, src, dst):
    x = np.array([0.0, 1.0, -2.0, 3.0, 200.0], np.float64)
    if src == "bool":
        x = x != 0
    if src.startswith("uint") or dst.startswith("uint"):
        x = np.abs(x)
    host = x.astype(src)
    if not device.info.fp64 and dst in ("float64", "complex128"):
        with pytest.raises(TypeError, match=f"{dst} needs cl_khr_fp64"):
            pt.astype(pt.asarray(host, device=device), getattr(pt, dst))
        return
    got = pt.astype(pt.asarray(host, device=device), getattr(pt, dst))
    assert got.dtype == getattr(pt, dst)
    np.testing.assert_array_equal(got.numpy(), host.astype(dst))


def test_astype_copy_and_errors(device):
    x = pt.asarray(np.arange(3, dtype=np.float32), device=device)
    assert pt.astype(x, pt.float32, copy=False) is x
    y = pt.astype(x, "float32")
    assert y is not x and y.numpy().tolist() == [0.0, 1.0, 2.0]
    z = pt.asarray(np.array([1 + 1j], np.complex64), device=device)
    for dst in (pt.float32, pt.int32, pt.bool):
        with pytest.raises(TypeError, match="complex64"):
            pt.astype(z, dst)
    with pytest.raises(TypeError):
        pt.astype(x, "not-a-dtype")
    with pytest.raises(TypeError):
        pt.astype([1.0], pt.float32)

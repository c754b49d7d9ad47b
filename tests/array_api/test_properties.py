"""Hypothesis properties against NumPy: broadcasting, indexing (get and set) and dtype promotion.

NOTE: each distinct dtype / collapsed rank / layout builds a new kernel (~0.5 s
cold on PoCL), so the array properties use float32 only, small shapes and a
fixed, bounded set of examples (``derandomize=True``: the same examples every
run, so a warm kernel cache makes a re-run cheap). Promotion works on empty
arrays, which launch no kernel, and so can afford many examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import portatensor as pt


def _settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _values(shape: tuple[int, ...]) -> np.ndarray:
    """Distinct float32 values, so a wrong element cannot pass for a right one."""
    return (np.arange(int(np.prod(shape)), dtype=np.float32) + 1).reshape(shape)


def _outcome(fn):
    """fn()'s value, or the exception type it raised."""
    try:
        return fn()
    except (ValueError, IndexError, TypeError) as e:
        return type(e)


def _assert_same(got, want):
    """Both raised the same exception type, or both gave equal arrays."""
    event(f"numpy: {want.__name__ if isinstance(want, type) else 'value'}")
    if isinstance(want, type):
        assert got is want, f"NumPy raised {want.__name__}, portatensor gave {got!r}"
        return
    assert not isinstance(got, type), f"portatensor raised {got.__name__}, NumPy gave shape {want.shape}"
    assert_close(got, want)


# -- (a) broadcasting ------------------------------------------------------------------------------------

SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


@st.composite
def shape_pairs(draw):
    """Two shapes that mostly broadcast (sides replaced by 1, leading dims dropped), sometimes not."""
    a = draw(SHAPES)
    if draw(st.booleans()):
        return a, draw(SHAPES)
    b = [1 if draw(st.booleans()) else n for n in a]
    return a, tuple(b[draw(st.integers(0, len(b))):])


@pytest.mark.parametrize("swap", [False, True])
@_settings(100)
@given(shapes=shape_pairs())
def test_add_broadcasts_like_numpy(device, swap, shapes):
    sa, sb = shapes[::-1] if swap else shapes
    a, b = _values(sa), -_values(sb)
    A, B = pt.asarray(a, device=device), pt.asarray(b, device=device)
    _assert_same(_outcome(lambda: (A + B).numpy()), _outcome(lambda: a + b))


@_settings(80)
@given(shapes=shape_pairs())
def test_broadcast_to_and_arrays(device, shapes):
    sa, target = shapes
    a = _values(sa)
    A = pt.asarray(a, device=device)
    _assert_same(_outcome(lambda: pt.broadcast_to(A, target).numpy()), _outcome(lambda: np.broadcast_to(a, target)))
    b = _values(target)
    got = _outcome(lambda: pt.broadcast_arrays(A, pt.asarray(b, device=device)))
    want = _outcome(lambda: np.broadcast_arrays(a, b))
    if isinstance(want, type):
        assert got is want
    else:
        assert not isinstance(got, type), f"portatensor raised {got.__name__} for shapes {sa} and {target}"
        for g, w in zip(got, want, strict=True):
            assert_close(g.numpy(), w)


# -- (b) indexing --------------------------------------------------------------------------------------

SMALL = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)


@st.composite
def basic_keys(draw):
    """(shape, key): ints, slices (negative steps too), None and Ellipsis; ints may be out of bounds."""
    shape = draw(SMALL)
    key = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    if draw(st.integers(0, 4)) == 0:
        # an integer that may be out of bounds for axis 0
        key = draw(st.integers(-shape[0] - 2, shape[0] + 1))
    return shape, key


@_settings(150)
@given(case=basic_keys())
def test_basic_getitem(device, case):
    shape, key = case
    a = _values(shape)
    A = pt.asarray(a, device=device)
    _assert_same(_outcome(lambda: np.asarray(A[key].numpy())), _outcome(lambda: np.asarray(a[key])))


@_settings(80)
@given(case=basic_keys(), scalar=st.booleans())
def test_basic_setitem(device, case, scalar):
    shape, key = case
    a = _values(shape)
    A = pt.asarray(a, device=device)
    sel = _outcome(lambda: a[key])
    value = -7.5 if scalar or isinstance(sel, type) else -_values(np.shape(sel)[1:])  # broadcasts over the first axis

    def np_set():
        a[key] = value
        return a

    def pt_set():
        A[key] = value if scalar or isinstance(sel, type) else pt.asarray(value, device=device)
        return A.numpy()

    _assert_same(_outcome(pt_set), _outcome(np_set))


@st.composite
def integer_array_keys(draw):
    """(shape, axis, index array): indices drawn from a range a little wider than the axis."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    axis = draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    idx = draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=3),
                          elements=st.integers(-n - 1, n)))
    return shape, axis, idx


@_settings(60)
@given(case=integer_array_keys())
def test_integer_array_getitem(device, case):
    shape, axis, idx = case
    a = _values(shape)
    A = pt.asarray(a, device=device)
    key = (slice(None),) * axis + (idx,)
    pkey = (slice(None),) * axis + (pt.asarray(idx, device=device),)
    _assert_same(_outcome(lambda: A[pkey].numpy()), _outcome(lambda: a[key]))


@_settings(40)
@given(case=integer_array_keys())
def test_integer_array_setitem(device, case):
    shape, axis, idx = case
    # NOTE: with repeated indices which write wins is unspecified, so only distinct positions,
    # every other one spelled negative.
    n = shape[axis]
    pos = np.unique(idx % n)
    idx = pos - n * (np.arange(pos.size) % 2)
    a = _values(shape)
    A = pt.asarray(a, device=device)
    key = (slice(None),) * axis + (idx,)
    pkey = (slice(None),) * axis + (pt.asarray(idx, device=device),)

    def np_set():
        a[key] = -1.5
        return a

    def pt_set():
        A[pkey] = -1.5
        return A.numpy()

    _assert_same(_outcome(pt_set), _outcome(np_set))


@st.composite
def mask_keys(draw):
    """(shape, mask) with the mask covering the leading k dims."""
    shape = draw(SMALL)
    k = draw(st.integers(1, len(shape)))
    return shape, draw(hnp.arrays(np.bool_, shape[:k]))


@_settings(50)
@given(case=mask_keys())
def test_boolean_mask_get_and_set(device, case):
    shape, mask = case
    a = _values(shape)
    A = pt.asarray(a, device=device)
    M = pt.asarray(mask, device=device)
    assert_close(A[M].numpy(), a[mask])
    a[mask] = 0.5
    A[M] = 0.5
    assert_close(A.numpy(), a)
    wrong = np.ones(tuple(n + 1 for n in mask.shape), dtype=bool)
    with pytest.raises(IndexError):
        _ = A[pt.asarray(wrong, device=device)]


# -- (c) promotion ---------------------------------------------------------------------------------------

STANDARD = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
            "float32", "float64", "complex64", "complex128"]


def _standard_pair(a: str, b: str) -> str | None:
    """The 2024.12 table's result for two dtypes, or None where the standard leaves it undefined.

    Inside each defined category NumPy agrees with the table, so NumPy gives the value.
    """
    ka, kb = np.dtype(a).kind, np.dtype(b).kind
    if a == b:
        return a
    if ka in "iu" and kb in "iu":
        if "uint64" in (a, b) and "i" in (ka, kb):
            return None  # NumPy says float64; the standard leaves it undefined
        return np.result_type(a, b).name
    if ka in "fc" and kb in "fc":
        return np.result_type(a, b).name
    return None  # bool with numbers, integers with floats: undefined


def _standard_scalar(d: str, s: bool | int | float | complex) -> str | None:
    """The dtype of ``array(d) op s`` for a Python scalar s (2024.12), or None where it is undefined."""
    k = np.dtype(d).kind
    if isinstance(s, bool):
        return d if k == "b" else None
    if isinstance(s, int):
        return d if k in "iufc" else None
    if isinstance(s, float):
        return d if k in "fc" else None
    if k == "f":
        return {"float32": "complex64", "float64": "complex128"}[d]  # complex scalar with a real float array
    return d if k == "c" else None


def _usable(device) -> list[str]:
    return [d for d in STANDARD if device.info.fp64 or d not in ("float64", "complex128")]


@_settings(200)
@given(data=st.data())
def test_promotion_pairs(device, data):
    names = _usable(device)
    a, b = data.draw(st.sampled_from(names)), data.draw(st.sampled_from(names))
    want = _standard_pair(a, b)
    da, db = getattr(pt, a), getattr(pt, b)
    A, B = pt.empty((0,), dtype=da, device=device), pt.empty((2, 0), dtype=db, device=device)
    if want is None:
        with pytest.raises(TypeError):
            pt.result_type(da, db)
        with pytest.raises(TypeError):
            _ = A + B
        return
    assert pt.result_type(da, db).name == want
    assert pt.result_type(A, B).name == want
    out = A & B if want == "bool" else A + B  # add is numeric-only; & takes bool
    assert out.dtype.name == want and out.shape == (2, 0)


@_settings(100)
@given(data=st.data())
def test_promotion_scalars(device, data):
    d = data.draw(st.sampled_from(_usable(device)))
    s = data.draw(st.sampled_from([True, False, 0, 1, 100, 2.5, -0.0, float("inf"), 1j, complex(2, -1)]))
    want = _standard_scalar(d, s)
    A = pt.empty((0,), dtype=getattr(pt, d), device=device)
    if want is None:
        with pytest.raises(TypeError):
            pt.result_type(A, s)
        with pytest.raises(TypeError):
            _ = A + s
        with pytest.raises(TypeError):
            _ = s * A
        return
    assert pt.result_type(A, s).name == want
    assert pt.result_type(getattr(pt, d), s).name == want
    if want == "bool":
        assert (A & s).dtype.name == (s & A).dtype.name == want
    else:
        assert (A + s).dtype.name == (s * A).dtype.name == want

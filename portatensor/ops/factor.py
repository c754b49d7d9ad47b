"""Matrix factorisations on the device: templates/factor.cl.mako, one work-group per matrix.

Each routine copies its input stack into a contiguous buffer of the compute
type (float32, float64, complex64 or complex128; float16 and bfloat16 compute
in float32 and are cast back) and runs one kernel per routine and dtype over it,
whatever the matrix size, in as many launches as keep each under _LOOP_CAP
loop iterations per work-item (Mesa rusticl's silent loop cap). What the standard composes from a factorisation
(inv and solve from LU, pinv and matrix_rank from the SVD) composes device
kernels here too; nothing computes on the host.

Complex stacks run the same kernels with complex arithmetic: cholesky and
eigh take Hermitian matrices, "transpose" is the conjugate transpose (L^H,
V^H, U^H), eigenvalues and singular values are real, and slogdet's sign is
a complex unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..tensor import Tensor
from ..views import broadcast_shapes
from .creation import eye
from .elementwise import apply, astype, contiguous
from .manipulate import broadcast_to, matrix_transpose


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


# NOTE: the kernels tree-reduce across the work-group, so its size is a power of two; 64 lanes cover the rows of
# the matrices these routines meet (larger ones loop) without idling most of a CPU work-group.
_MAX_WG = 64


def _wg(device: Any) -> int:
    limit = min(_MAX_WG, device.info.max_work_group_size, device.info.max_work_item_sizes[0])
    return 1 << (limit.bit_length() - 1)


def _run(device: Any, entry: str, dtype: _dt.DType, nb: int, args: list[Any]) -> None:
    """Launch entry of factor.cl.mako over nb matrices, one work-group each."""
    wg = _wg(device)
    kernel = device.kernel(KernelSpec.make("factor", entry, (dtype.name,), tunables={"wg": wg}))
    launch(device, kernel, (nb * wg,), (wg,), args)


# NOTE: Mesa's llvmpipe (rusticl) silently ends every loop of a kernel once a work-item has run 65535 loop
# iterations in all, over all the kernel's loops together (measured 2026-11-27 with two plain loops of 40000: the
# second stopped at 25534); one launch per factorisation made lu/qr wrong there from about n = 150, cholesky from
# about n = 300 and eigh/svd from n = 129. So every launch is planned to stay under this many iterations per
# work-item, counted from the kernels' loops (the _Step and _jacobi costs below mirror factor.cl.mako's loops);
# right on rusticl at n = 160 and 320 (2026-11-27). PoCL has no such cap; the same plans cost it a few more
# launches and no measurable time (det/inv/qr at n = 256 and 512). Not split yet, so wrong on rusticl past these
# sizes at 64 lanes: one Jacobi unit (eigh n > 1920, square svd n > 1537), eigh's set-up (n > 1110) and svd's
# finish (square n > 1362).
_LOOP_CAP = 60_000
# The hi of a launch that takes all the rows or columns of its steps.
_ALL = 2**31 - 1


class _Step(NamedTuple):
    """What step j of a factorisation costs a work-item: fixed iterations, plus per_item for each of its items
    in [first, end) (rows or columns, spread over the work-group)."""

    fixed: int
    first: int
    end: int
    per_item: int


def _plan(steps: range, cost: Callable[[int], _Step], wg: int) -> list[tuple[int, int, int, int]]:
    """The launches (j0, j1, lo, hi) that run steps (in their order) under _LOOP_CAP iterations per work-item.

    Consecutive steps share a launch while their costs add up under the cap; a step that alone exceeds it runs
    its items in chunks over several launches, the first with lo = 0 (the step's head: pivot, reflector). At
    least one launch, so a kernel with no steps still runs its set-up.
    """
    out: list[tuple[int, int, int, int]] = []
    block: list[int] = []
    total = 0

    def flush() -> None:
        if block:
            out.append((min(block), max(block) + 1, 0, _ALL))
            block.clear()

    for j in steps:
        st = cost(j)
        c = st.fixed + -(-(st.end - st.first) // wg) * st.per_item
        if total + c > _LOOP_CAP:
            flush()
            total = 0
        if c <= _LOOP_CAP:
            block.append(j)
            total += c
            continue
        chunk = wg * max(1, (_LOOP_CAP - st.fixed) // st.per_item)
        out.extend((j, j + 1, 0 if lo == st.first else lo, min(lo + chunk, _ALL))
                   for lo in range(st.first, st.end, chunk))
    flush()
    return out or [(steps.start, steps.start, 0, _ALL)]


def _run_steps(device: Any, entry: str, dtype: _dt.DType, nb: int, args: list[Any], steps: range,
               cost: Callable[[int], _Step], tail: tuple[Any, ...] = ()) -> None:
    """Run entry over the planned launches of steps: args, then j0, j1, lo, hi, then tail."""
    for plan in _plan(steps, cost, _wg(device)):
        _run(device, entry, dtype, nb, args + list(plan) + list(tail))


# The Jacobi iterations stop after this many sweeps at the latest.
_MAX_SWEEPS = 60


def _jacobi(device: Any, entry: str, dtype: _dt.DType, nb: int, args: list[Any], per_sweep: int, unit: int,
            setup: int, finish: int) -> None:
    """Run the Jacobi entry (eigh, svd) over nb matrices to convergence, as many units a launch as _LOOP_CAP allows.

    A sweep is per_sweep units (rounds, or eigh's half-rounds) of unit loop iterations per work-item; the first
    launch also runs setup iterations and the last finish ones. One launch does everything when that fits under
    the cap; otherwise the convergence flags are read back after each launch that ends a sweep.
    """
    wg = _wg(device)
    total = _MAX_SWEEPS * per_sweep
    flags = wg + 3  # a sweep's end: every lane reads every lane's rotation flag
    conv = Tensor.empty((nb, 2), _dt.int32, device)

    def run(u0: int, u1: int, stage: int) -> None:
        _run(device, entry, dtype, nb, args + [conv._storage.buf, u0, u1, stage])

    if setup + total * unit + (_MAX_SWEEPS + 1) * flags + finish <= _LOOP_CAP:
        run(0, total, 3)
        return
    u = 0
    while u < total:
        room = _LOOP_CAP - (0 if u else setup) - 2 * flags
        u1 = min(total, u + max(1, room * per_sweep // (unit * per_sweep + flags)))
        run(u, u1, 0 if u else 1)
        ended_sweep, u = u1 // per_sweep > u // per_sweep, u1
        if ended_sweep and conv.numpy()[:, 0].all():
            break
    run(u, u, 2)


def _compute_dtype(name: str, dtype: _dt.DType) -> _dt.DType:
    if dtype.kind == "c":
        return dtype
    if dtype.kind != "f":
        raise TypeError(f"linalg.{name} needs a floating-point array, got {dtype.name}")
    return _dt.float64 if dtype is _dt.float64 else _dt.float32


def _mh(t: Tensor) -> Tensor:
    """The conjugate transpose of the last two axes (a view for real t)."""
    return apply("conj", matrix_transpose(t)) if t.dtype.kind == "c" else matrix_transpose(t)


def _matrices(name: str, x: Any, square: bool) -> tuple[Tensor, _dt.DType, int]:
    """(a contiguous compute-type copy of x, the compute dtype, the number of matrices); checks x."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.{name}: expected an array, got {type(x).__name__}")
    ct = _compute_dtype(name, x.dtype)
    if x.ndim < 2:
        raise ValueError(f"linalg.{name} needs at least 2 dimensions, got shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"linalg.{name} needs square matrices, got shape {x.shape}")
    return astype(x, ct), ct, _count(x.shape[:-2])


def _count(batch: tuple[int, ...]) -> int:
    nb = 1
    for s in batch:
        nb *= s
    return nb


def _back(t: Tensor, dtype: _dt.DType) -> Tensor:
    """t in the caller's dtype (float16/bfloat16 inputs were computed in float32)."""
    return t if t.dtype is dtype else astype(t, dtype)


def _back_real(t: Tensor, dtype: _dt.DType) -> Tensor:
    """The real t (eigenvalues, singular values) in the real dtype of the caller's dtype."""
    return _back(t, _dt.real_dtype(dtype))


def _eye(n: int, m: int, dtype: _dt.DType, device: Any) -> Tensor:
    """The n x m identity in dtype; complex ones converted from the real one."""
    # NOTE: eye's kernel writes a complex one as 1+1j (a scalar cast to float2 fills both lanes).
    if dtype.kind == "c":
        return astype(eye(n, m, dtype=_dt.real_dtype(dtype), device=device), dtype)
    return eye(n, m, dtype=dtype, device=device)


def _eye_stack(n: int, batch: tuple[int, ...], dtype: _dt.DType, device: Any) -> Tensor:
    return contiguous(broadcast_to(_eye(n, n, dtype, device), batch + (n, n)))


def cholesky(x: Tensor, /, *, upper: bool = False) -> Tensor:
    """The Cholesky factor L (x = L L^H) of each Hermitian positive-definite matrix, or U = L^H with upper=True.

    Only the lower triangle of x (and the real part of its diagonal) is read; a matrix that is not positive
    definite gives NaNs.
    """
    a, _, nb = _matrices("cholesky", x, square=True)
    n = x.shape[-1]
    if nb:
        wg = _wg(a.device)
        _run_steps(a.device, "cholesky", a.dtype, nb, [a._storage.buf, n], range(n),
                   lambda j: _Step(2 + (n - j) // wg, j, n, n - j + 2))
    if upper:
        a = contiguous(_mh(a))
    return _back(a, x.dtype)


def _lu(a: Tensor, b: Tensor | None, nb: int) -> Tensor:
    """LU-factorise the stack a in place (and solve a x = b in place); returns (..., 3): det, sign, log|det|."""
    n = a.shape[-1]
    res = Tensor.empty(a.shape[:-2] + (3,), a.dtype, a.device)
    if nb:
        k = 0 if b is None else b.shape[-1]
        rhs = a if b is None or b.size == 0 else b
        args = [a._storage.buf, rhs._storage.buf, res._storage.buf, n, k]
        wg = _wg(a.device)
        spread = (2 * n + k) // wg + wg.bit_length() + 5
        _run_steps(a.device, "lu", a.dtype, nb, args, range(n), lambda j: _Step(spread, j + 1, n, n - j + k + 2), (0,))
        if k:
            _run_steps(a.device, "lu", a.dtype, nb, args, range(n - 1, -1, -1), lambda j: _Step(2, 0, k, j + 2), (1,))
    return res


def det(x: Tensor, /) -> Tensor:
    """The determinant of each square matrix (LU with partial pivoting)."""
    a, _, nb = _matrices("det", x, square=True)
    return _back(contiguous(_lu(a, None, nb)[..., 0]), x.dtype)


def slogdet(x: Tensor, /) -> SlogdetResult:
    """(sign, log|det|) of each square matrix; a singular one gives sign 0 and logabsdet -inf.

    For complex x the sign is the complex unit det / |det| and logabsdet is real.
    """
    a, _, nb = _matrices("slogdet", x, square=True)
    res = _lu(a, None, nb)
    logabs = apply("real", res[..., 2]) if a.dtype.kind == "c" else contiguous(res[..., 2])
    return SlogdetResult(_back(contiguous(res[..., 1]), x.dtype), _back_real(logabs, x.dtype))


def inv(x: Tensor, /) -> Tensor:
    """The inverse of each square matrix (LU with partial pivoting against the identity)."""
    a, ct, nb = _matrices("inv", x, square=True)
    n = x.shape[-1]
    b = _eye_stack(n, x.shape[:-2], ct, x.device)
    _lu(a, b, nb)
    return _back(b, x.dtype)


def solve(x1: Tensor, x2: Tensor, /) -> Tensor:
    """The solution X of x1 X = x2 for each square matrix of x1.

    x2 of shape (M,) is one right-hand side for every matrix (the result has shape (..., M));
    otherwise x2 is a stack (..., M, K) whose stack dims broadcast against x1's.
    """
    if not isinstance(x2, Tensor):
        raise TypeError(f"linalg.solve: expected an array for x2, got {type(x2).__name__}")
    if not isinstance(x1, Tensor):
        raise TypeError(f"linalg.solve: expected an array for x1, got {type(x1).__name__}")
    dtype = _dt.result_type(x1.dtype, x2.dtype)
    ct = _compute_dtype("solve", dtype)
    if x1.ndim < 2 or x1.shape[-1] != x1.shape[-2]:
        raise ValueError(f"linalg.solve needs square matrices in x1, got shape {x1.shape}")
    if x1.device is not x2.device:
        raise ValueError(f"linalg.solve: arrays are on different devices ({x1.device} and {x2.device})")
    n = x1.shape[-1]
    vector = x2.ndim == 1
    rhs = x2[:, None] if vector else x2
    if x2.ndim == 0 or rhs.shape[-2] != n:
        raise ValueError(f"linalg.solve: x2 of shape {x2.shape} does not match x1 of shape {x1.shape}")
    try:
        batch = broadcast_shapes(x1.shape[:-2], rhs.shape[:-2])
    except ValueError:
        raise ValueError(f"linalg.solve: the stacks of shapes {x1.shape} and {x2.shape} do not broadcast") from None
    a = astype(broadcast_to(x1, batch + (n, n)), ct)
    b = astype(broadcast_to(rhs, batch + rhs.shape[-2:]), ct)
    _lu(a, b, _count(batch))
    return _back(b[..., 0] if vector else b, dtype)


def _qr_into(a: Tensor, nb: int, kq: int, signfix: bool) -> Tensor:
    """Householder QR of the stack a in place (a becomes R); returns the first kq columns of Q."""
    m, n = a.shape[-2:]
    q = Tensor.empty(a.shape[:-2] + (m, kq), a.dtype, a.device)
    if nb and min(m, n):
        k = min(m, n)
        tau = Tensor.empty(a.shape[:-2] + (k,), a.dtype, a.device)
        args = [a._storage.buf, q._storage.buf, tau._storage.buf, m, n, kq, int(signfix)]
        wg = _wg(a.device)
        _run_steps(a.device, "qr", a.dtype, nb, args, range(k),
                   lambda j: _Step(2 * (m - j) // wg + wg.bit_length() + 4, j + 1, n, 2 * (m - j) + 2), (0,))
        _run_steps(a.device, "qr", a.dtype, nb, args, range(k - 1, -1, -1),
                   lambda j: _Step((m - j) // wg + 3, 0, kq, 2 * (m - j) + 2 + m * ((j == k - 1) + (j == 0))), (1,))
    elif q.size:
        q = contiguous(broadcast_to(_eye(m, kq, a.dtype, a.device), q.shape))
    return q


def qr(x: Tensor, /, *, mode: str = "reduced") -> QRResult:
    """The QR factorisation (Householder) of each matrix: mode 'reduced' (Q is M x K, K = min(M, N)) or 'complete'.

    R's diagonal is real (LAPACK's reflectors), also for complex x.
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"linalg.qr: mode must be 'reduced' or 'complete', got {mode!r}")
    a, _, nb = _matrices("qr", x, square=False)
    m, n = x.shape[-2:]
    rows = min(m, n) if mode == "reduced" else m
    q = _qr_into(a, nb, rows, signfix=False)
    return QRResult(_back(q, x.dtype), _back(contiguous(a[..., :rows, :]), x.dtype))


def _eigh(name: str, x: Tensor, vectors: bool) -> tuple[Tensor, Tensor]:
    a, ct, nb = _matrices(name, x, square=True)
    n = x.shape[-1]
    w = Tensor.empty(x.shape[:-1], _dt.real_dtype(ct), x.device)
    v = Tensor.empty(x.shape, ct, x.device) if vectors else a
    if nb and n:
        rot = Tensor.empty(x.shape[:-2] + (n + 2,), ct, x.device)
        wg = _wg(x.device)
        rows, pairs = -(-n // wg), -(-((n + 1) // 2) // wg)
        _jacobi(a.device, "eigh", ct, nb, [a._storage.buf, v._storage.buf, w._storage.buf, rot._storage.buf, n,
                                           int(vectors)],
                2 * (n - 1 + (n & 1)), pairs * (2 * n + 2) + 2, rows * (3 * n + 2) + wg.bit_length() + 2, rows + 1)
        w, vs = _sorted(w, [v] if vectors else [], descending=False)
        v = vs[0] if vectors else v
    return _back_real(w, x.dtype), _back(v, x.dtype)


def _sorted(values: Tensor, stacks: list[Tensor], descending: bool) -> tuple[Tensor, list[Tensor]]:
    """values sorted along the last axis (the Jacobi kernels leave them in pair order), and the columns of each
    stack of matrices in stacks (at most two, contiguous) permuted the same way.

    One sort_cols launch (n^2 comparisons a matrix) where its loops fit _LOOP_CAP, else argsort and gathers.
    """
    from .index import take_along
    from .sort import argsort

    n = values.shape[-1]
    rows = [t.shape[-2] for t in stacks] + [0] * (2 - len(stacks))
    dense = all(t.offset == 0 and t.is_contiguous() for t in (values, *stacks))
    if dense and values.size and -(-n // _wg(values.device)) * (n + sum(rows)) <= _LOOP_CAP:
        ct = stacks[0].dtype if stacks else values.dtype
        w = Tensor.empty(values.shape, values.dtype, values.device)
        outs = [Tensor.empty(t.shape, t.dtype, t.device) for t in stacks]
        bufs: list[Any] = []
        for i in range(2):  # NOTE: a missing stack (0 rows) is never read or written; any buffer will do
            bufs += [outs[i]._storage.buf, stacks[i]._storage.buf] if i < len(stacks) else [w._storage.buf] * 2
        _run(values.device, "sort_cols", ct, _count(values.shape[:-1]),
             [w._storage.buf, values._storage.buf, *bufs, n, *rows, int(descending)])
        return w, outs
    order = argsort(values, axis=-1, descending=descending)
    cols = order[..., None, :]
    return take_along(values, order, -1, True), [contiguous(take_along(t, cols, -1, True)) for t in stacks]


def eigh(x: Tensor, /) -> EighResult:
    """Eigenvalues (ascending, real) and eigenvectors (as columns) of each symmetric/Hermitian matrix (cyclic Jacobi).

    Only the lower triangle of x (and the real part of its diagonal) is read, as NumPy does.
    """
    w, v = _eigh("eigh", x, True)
    return EighResult(w, v)


def eigvalsh(x: Tensor, /) -> Tensor:
    """The eigenvalues (ascending, real) of each symmetric/Hermitian matrix (cyclic Jacobi, lower triangle read)."""
    return _eigh("eigvalsh", x, False)[0]


def _svd(name: str, x: Tensor, vectors: bool, full: bool) -> tuple[Tensor | None, Tensor, Tensor | None]:
    """(U, S, Vh) of the stack x (U and Vh None without vectors), in the compute dtype."""
    # NOTE: one-sided Jacobi wants at least as many rows as columns: a wide x factors as x^H = V S U^H instead.
    wide = isinstance(x, Tensor) and x.ndim >= 2 and x.shape[-2] < x.shape[-1]
    a, ct, nb = _matrices(name, _mh(x) if wide else x, square=False)
    M, N = x.shape[-2:]
    batch = x.shape[:-2]
    m, n = a.shape[-2:]
    s = Tensor.empty(batch + (n,), _dt.real_dtype(ct), x.device)
    if n == 0:
        if not vectors:
            return None, s, None
        u = _eye_stack(M, batch, ct, x.device) if full else Tensor.empty(batch + (M, 0), ct, x.device)
        vh = _eye_stack(N, batch, ct, x.device) if full else Tensor.empty(batch + (0, N), ct, x.device)
        return u, s, vh
    v = Tensor.empty(batch + (n, n), ct, x.device) if vectors else a
    if nb:
        wg = _wg(x.device)
        cols, pairs = -(-n // wg), -(-((n + 1) // 2) // wg)
        _jacobi(a.device, "svd", ct, nb, [a._storage.buf, v._storage.buf, s._storage.buf, m, n, int(vectors)],
                n - 1 + (n & 1), pairs * (2 * m + n + 2) + 2, cols * (n + 1) + 1, cols * (2 * m + 2) + 1)
        s, stacks = _sorted(s, [a, v] if vectors else [], descending=True)
        if vectors:
            a, v = stacks
    if not vectors:
        return None, s, None
    # The left vectors of zero singular values come out as zero columns: Householder QR of the normalised
    # columns completes them to an orthonormal basis (of all m dims when full), signs fixed to keep the others.
    left = _qr_into(a, nb, m if full else n, signfix=True)
    if wide:
        return v, s, contiguous(_mh(left))
    return left, s, contiguous(_mh(v))


def svd(x: Tensor, /, *, full_matrices: bool = True) -> SVDResult:
    """U, S, Vh with x = U diag(S) Vh for each matrix, S descending and real (one-sided Jacobi).

    With full_matrices U is M x M and Vh N x N, else M x K and K x N (K = min(M, N)).
    """
    u, s, vh = _svd("svd", x, True, bool(full_matrices))
    assert u is not None and vh is not None
    return SVDResult(_back(u, x.dtype), _back_real(s, x.dtype), _back(vh, x.dtype))


def svdvals(x: Tensor, /) -> Tensor:
    """The singular values of each matrix, descending and real."""
    return _back_real(_svd("svdvals", x, False, False)[1], x.dtype)


def _cutoff(name: str, s: Tensor, shape: tuple[int, ...], rtol: Any) -> Tensor | float:
    """rtol times the largest singular value, shaped (..., 1) against s; rtol None means max(M, N) * eps."""
    if rtol is None:
        rtol = max(shape[-2:]) * float(np.finfo(s.dtype.np).eps)
    elif isinstance(rtol, Tensor):
        if rtol.dtype.kind != "f":
            raise TypeError(f"linalg.{name}: rtol must be real floating-point, got {rtol.dtype.name}")
        rtol = rtol[..., None]
    elif not isinstance(rtol, int | float) or isinstance(rtol, bool):
        raise TypeError(f"linalg.{name}: rtol must be a real number or an array, got {type(rtol).__name__}")
    return apply("multiply", s[..., :1], rtol)


def matrix_rank(x: Tensor, /, *, rtol: Any = None) -> Tensor:
    """The number of singular values above rtol times the largest (rtol None: max(M, N) * eps), per matrix."""
    from .reduce import sum as _sum

    s = _svd("matrix_rank", x, False, False)[1]
    keep = apply("greater", s, _cutoff("matrix_rank", s, x.shape, rtol))
    return _sum(keep, axis=-1, dtype=_dt.default_int)


def pinv(x: Tensor, /, *, rtol: Any = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix via the SVD, singular values <= rtol * max(S) dropped."""
    from .linalg import matmul
    from .search import where

    u, s, vh = _svd("pinv", x, True, False)
    assert u is not None and vh is not None
    inv_s = where(apply("greater", s, _cutoff("pinv", s, x.shape, rtol)), apply("reciprocal", s), 0.0)
    scaled = apply("multiply", _mh(u), inv_s[..., :, None])
    return _back(matmul(_mh(vh), scaled), x.dtype)


__all__ = ["EighResult", "QRResult", "SVDResult", "SlogdetResult", "cholesky", "det", "eigh", "eigvalsh", "inv",
           "matrix_rank", "pinv", "qr", "slogdet", "solve", "svd", "svdvals"]

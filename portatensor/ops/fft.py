"""The FFT driver: complex transforms of any length along one axis, on the device.

A length factors into radices 4, 2, 3, 5, 7 (unrolled Stockham passes of
templates/fft.cl.mako) and primes up to DIRECT_MAX (one O(n p) pass each);
a length with a larger prime factor runs Bluestein's chirp-z algorithm on a
power-of-two transform of size >= 2n - 1. One launch per pass, ping-pong
buffers, twiddles from a table that one kernel computes per transform. The
first pass reads the caller's view (cropping or zero padding it) and the last
writes the result in its final layout, scaled by the norm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..tensor import Tensor
from ..views import collapse_dims
from .creation import fill_
from .elementwise import apply, contiguous

# Radices with an unrolled butterfly, tried in this order (radix 4 first: half the passes of radix 2).
UNROLLED = (4, 2, 3, 5, 7)
# Prime factors up to this run as one direct pass; above it Bluestein is cheaper than O(n p).
DIRECT_MAX = 64


def factor(n: int) -> list[int] | None:
    """The radices of n's passes (their product is n), or None when a prime factor exceeds DIRECT_MAX."""
    radices = []
    for r in UNROLLED:
        while n % r == 0:
            radices.append(r)
            n //= r
    for p in range(11, DIRECT_MAX + 1, 2):
        while n % p == 0:
            radices.append(p)
            n //= p
    return radices if n == 1 else None


@dataclass(frozen=True)
class Geometry:
    """Where the rows of a transform live: row b, element i at off + (b // B2)*s1 + (b % B2)*s2 + i*es.

    ``length`` is how many elements a row holds (reads past it give zero;
    writes past it are dropped). ``owner`` is the tensor whose buffer this is:
    holding it keeps the buffer out of the pool while passes still use it.
    """

    owner: Tensor
    off: int
    s1: int
    s2: int
    es: int
    length: int

    @classmethod
    def rows(cls, t: Tensor, B2: int) -> Geometry:
        """A contiguous (B, L) tensor's rows."""
        L = t.shape[-1]
        return cls(t, t.offset, B2 * L, L, 1, L)

    def cropped(self, length: int) -> Geometry:
        return Geometry(self.owner, self.off, self.s1, self.s2, self.es, length)


class _Run:
    """The launches of one transform on one device in one complex dtype."""

    def __init__(self, device: Any, dtype: _dt.DType) -> None:
        self.device, self.dtype = device, dtype

    def rows(self, entry: str, gsize: tuple[int, int], src: Geometry, dst: Geometry, head: list[Any], B2: int,
             **flags: int) -> None:
        """Launch fft.cl.mako's entry over gsize = (row elements, rows): its own args, then the geometry."""
        kernel = self.device.kernel(KernelSpec.make("fft", entry, (self.dtype.name,), **flags))
        args = [dst.owner._storage.buf, src.owner._storage.buf, *head, B2,
                src.off, src.s1, src.s2, src.es, src.length, dst.off, dst.s1, dst.s2, dst.es, dst.length]
        launch(self.device, kernel, gsize, None, args)

    def temp(self, B: int, L: int) -> Tensor:
        return Tensor.empty((B, L), self.dtype, self.device)

    def passes(self, src: Geometry, dst: Geometry, n: int, sign: int, scale: float, B: int, B2: int) -> None:
        """dst = scale * DFT_n(src) along B rows; sign -1 forward, +1 inverse."""
        radices = factor(n)
        if radices is None:
            self.bluestein(src, dst, n, sign, scale, B, B2)
            return
        # NOTE: n == 1 still needs one pass: it copies, crops or pads, and scales.
        radices = radices or [1]
        table = self.temp(1, n)
        kernel = self.device.kernel(KernelSpec.make("fft", "twiddles", (self.dtype.name,)))
        launch(self.device, kernel, (n,), None, [table._storage.buf, n])
        w = table._storage.buf
        cur, Ns = src, 1
        for i, R in enumerate(radices):
            last = i == len(radices) - 1
            nxt = dst if last else Geometry.rows(self.temp(B, n), B2)
            s = scale if last else 1.0
            if R in UNROLLED:
                self.rows("radix", (n // R, B), cur, nxt, [w, n, Ns, sign, s], B2, R=R)
            else:
                self.rows("dft", (n, B), cur, nxt, [w, n, R, Ns, sign, s], B2)
            cur, Ns = nxt, Ns * R

    def bluestein(self, src: Geometry, dst: Geometry, n: int, sign: int, scale: float, B: int, B2: int) -> None:
        """Chirp-z: DFT_n as a cyclic convolution of size M = 2**k >= 2n - 1 between two chirps."""
        M = 1 << (2 * n - 2).bit_length()
        filt = Geometry.rows(self.temp(1, M), 1)
        self.rows("chirp", (M, 1), filt, filt, [n, 1, sign, 1.0], 1)  # mode 1 reads nothing
        filt_hat = self.temp(1, M)
        self.passes(filt, Geometry.rows(filt_hat, 1), M, -1, 1.0, 1, 1)
        a = Geometry.rows(self.temp(B, M), B2)
        self.rows("chirp", (M, B), src.cropped(min(src.length, n)), a, [n, 0, sign, 1.0], B2)
        a_hat = self.temp(B, M)
        self.passes(a, Geometry.rows(a_hat, B2), M, -1, 1.0, B, B2)
        conv = Geometry.rows(self.temp(B, M), B2)
        self.passes(Geometry.rows(apply("multiply", a_hat, filt_hat), B2), conv, M, 1, 1.0 / M, B, B2)
        self.rows("chirp", (min(n, dst.length), B), conv.cropped(n), dst, [n, 2, sign, scale], B2)


def _prepare(x: Tensor, out: Tensor, ax: int) -> tuple[Tensor, int, int, tuple[int, int], tuple[int, int]]:
    """(x, B, B2, x's batch strides, out's batch strides) with the batch as at most two dims.

    x is copied to a contiguous layout only when its batch dims do not collapse with out's.
    """
    bshape = x.shape[:ax] + x.shape[ax + 1:]
    ostrides = out.strides[:ax] + out.strides[ax + 1:]
    cshape, (xs, os) = collapse_dims(bshape, x.strides[:ax] + x.strides[ax + 1:], ostrides)
    if len(cshape) > 2:
        # NOTE: both contiguous, the dims before ax and those after it each collapse: two at most.
        x = contiguous(x)
        cshape, (xs, os) = collapse_dims(bshape, x.strides[:ax] + x.strides[ax + 1:], ostrides)
    pad = 2 - len(cshape)
    cshape, xs, os = (1,) * pad + cshape, (0,) * pad + xs, (0,) * pad + os
    return x, cshape[0] * cshape[1], cshape[1], xs, os


def _axis_geometry(t: Tensor, ax: int, bstrides: tuple[int, int], length: int) -> Geometry:
    return Geometry(t, t.offset, bstrides[0], bstrides[1], t.strides[ax], length)


def _check(x: Tensor) -> None:
    if x.dtype.kind != "c":
        raise TypeError(f"the FFT kernels take complex64 or complex128, got {x.dtype.name}")
    x.device.check_dtype(x.dtype)


def transform(x: Tensor, ax: int, n: int, sign: int, scale: float, keep: int | None = None) -> Tensor:
    """scale * DFT_n of complex x along axis ax (cropped or zero padded to n), first keep outputs.

    sign is the exponent's sign (-1 forward, +1 inverse); the result is a new
    contiguous array shaped like x with keep (default n) along ax.
    """
    _check(x)
    keep = n if keep is None else keep
    out = Tensor.empty(x.shape[:ax] + (keep,) + x.shape[ax + 1:], x.dtype, x.device)
    if out.size == 0:
        return out
    if x.size == 0:
        return fill_(out, 0)  # the transform of an all-zero (fully padded) signal
    x, B, B2, xs, os = _prepare(x, out, ax)
    _Run(x.device, x.dtype).passes(_axis_geometry(x, ax, xs, x.shape[ax]), _axis_geometry(out, ax, os, keep),
                                   n, sign, scale, B, B2)
    return out


def hermitian_transform(x: Tensor, ax: int, n: int, sign: int, scale: float) -> Tensor:
    """The real scale * DFT_n along ax of the Hermitian signal whose first n // 2 + 1 terms are x's.

    sign +1 gives irfft, -1 hfft (the real part of a transform of a Hermitian
    spectrum is the same either way up to conjugating the input). A new
    contiguous real array shaped like x with n along ax.
    """
    _check(x)
    y = Tensor.empty(x.shape[:ax] + (n,) + x.shape[ax + 1:], x.dtype, x.device)
    if y.size == 0 or x.size == 0:
        return apply("real", y if y.size == 0 else fill_(y, 0))
    x, B, B2, xs, os = _prepare(x, y, ax)
    run = _Run(x.device, x.dtype)
    ext = Geometry.rows(run.temp(B, n), B2)
    run.rows("hermitian", (n, B), _axis_geometry(x, ax, xs, min(x.shape[ax], n // 2 + 1)), ext, [n], B2)
    run.passes(ext, _axis_geometry(y, ax, os, n), n, sign, scale, B, B2)
    return apply("real", y)

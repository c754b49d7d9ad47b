"""Timing candidates in a worker process, so a compiler crash costs one candidate.

PoCL 3.0's LLVM aborts the whole process on some valid kernels, and a bad
config can hang; so every candidate is built, first launched, checked against
a reference and timed in a child process (multiprocessing 'spawn'). The child
answers over a pipe; a child that dies or misses its deadline is killed and
the candidate scores inf. A healthy child is reused for the next candidate
(its import and context cost ~1 s). Candidates' binaries never enter the
shared program cache: the child never flushes them.

Timing uses OpenCL profiling events on a profiling queue of the child's own:
one checked warm-up launch, one timed run (a candidate already `cutoff` times
slower than the best stops there), then the median of `reps` runs.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import statistics
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConvProblem", "ElementwiseProblem", "GemmProblem", "Measurement", "ReduceProblem", "TransposeProblem",
           "Worker"]


@dataclass(frozen=True)
class GemmProblem:
    """One GEMM to time: sizes, dtype and which operands are stored transposed."""

    M: int
    N: int
    K: int
    dtype: str = "float32"
    layout: str = "nn"
    batch: int = 1
    family = "gemm"

    @property
    def flops(self) -> float:
        return 2.0 * self.M * self.N * self.K * self.batch

    @property
    def label(self) -> str:
        b = f"{self.batch}x" if self.batch > 1 else ""
        return f"{b}{self.M}x{self.N}x{self.K} {self.dtype} {self.layout}"

    @property
    def db_key(self) -> tuple[tuple[str, ...], str, tuple[int, ...]]:
        """(dtypes, layout, shape) under which the tuning DB stores this problem."""
        return (self.dtype,) * 3, self.layout, (self.M, self.N, self.K)


@dataclass(frozen=True)
class ConvProblem:
    """One conv2d to time: batch N, C -> O channels, H x W images, KH x KW kernels.

    layout "nchw" is the forward, "wgrad" the weight gradient (both implicit GEMM, see ops/conv.py).
    """

    N: int
    C: int
    H: int
    W: int
    O: int  # noqa: E741 - the conventional name
    KH: int = 3
    KW: int = 3
    stride: int = 1
    padding: int = 1
    dtype: str = "float32"
    layout: str = "nchw"
    family = "conv"

    @property
    def out_hw(self) -> tuple[int, int]:
        return ((self.H + 2 * self.padding - self.KH) // self.stride + 1,
                (self.W + 2 * self.padding - self.KW) // self.stride + 1)

    @property
    def flops(self) -> float:
        oh, ow = self.out_hw
        return 2.0 * self.N * self.O * self.C * self.KH * self.KW * oh * ow

    @property
    def label(self) -> str:
        return (f"conv {self.N}x{self.C}x{self.H}x{self.W}->{self.O} {self.KH}x{self.KW}"
                f"{f' s{self.stride}' if self.stride != 1 else ''} {self.dtype}"
                f"{' wgrad' if self.layout == 'wgrad' else ''}")

    @property
    def acc_dtype(self) -> str:
        """The dtype of the kernel's output: the weight gradient of float16 accumulates in float32."""
        return "float32" if self.layout == "wgrad" and self.dtype == "float16" else self.dtype

    @property
    def db_key(self) -> tuple[tuple[str, ...], str, tuple[int, ...]]:
        """The key ops/conv.py looks up: (O, OH*OW, C*KH*KW) in layout 'nchw' for the forward,
        (C*KH*KW, O, N*OH*OW) in layout 'wgrad' for the weight gradient."""
        oh, ow = self.out_hw
        k = self.C * self.KH * self.KW
        if self.layout == "wgrad":
            return (self.dtype, self.dtype, self.acc_dtype), "wgrad", (k, self.O, self.N * oh * ow)
        return (self.dtype,) * 3, "nchw", (self.O, oh * ow, k)


@dataclass(frozen=True)
class ElementwiseProblem:
    """``c = a + b`` over n contiguous elements: what every elementwise kernel's loop does."""

    n: int
    dtype: str = "float32"
    family = "elementwise"

    @property
    def bytes(self) -> float:
        import numpy as np

        return 3.0 * self.n * np.dtype(self.dtype).itemsize

    @property
    def label(self) -> str:
        return f"a+b {self.n} {self.dtype}"

    @property
    def db_key(self) -> tuple[tuple[str, ...], str, tuple[int, ...]]:
        """The key ops/elementwise.py looks up for a flat (contiguous) kernel."""
        return (self.dtype,), "flat", (self.n,)


@dataclass(frozen=True)
class ReduceProblem:
    """``sum`` of each of `rows` contiguous rows of n elements (rows=1: the whole array)."""

    n: int
    rows: int = 1
    dtype: str = "float32"
    family = "reduce"

    @property
    def bytes(self) -> float:
        import numpy as np

        return float(self.rows * self.n * np.dtype(self.dtype).itemsize)

    @property
    def label(self) -> str:
        return f"sum {self.rows}x{self.n} {self.dtype}" if self.rows > 1 else f"sum {self.n} {self.dtype}"

    @property
    def db_key(self) -> tuple[tuple[str, ...], str, tuple[int, ...]]:
        """The key ops/reduce.py looks up for contiguous rows."""
        return (self.dtype,), "contig", (self.rows, self.n)


@dataclass(frozen=True)
class TransposeProblem:
    """The contiguous copy of a (batch, n, m) array's last two axes swapped: ``x.permute(0, 2, 1)`` copied."""

    n: int
    m: int
    batch: int = 1
    dtype: str = "float32"
    family = "transpose"

    @property
    def bytes(self) -> float:
        import numpy as np

        return 2.0 * self.batch * self.n * self.m * np.dtype(self.dtype).itemsize

    @property
    def label(self) -> str:
        b = f"{self.batch}x" if self.batch > 1 else ""
        return f"transpose {b}{self.n}x{self.m} {self.dtype}"

    @property
    def db_key(self) -> tuple[tuple[str, ...], str, tuple[int, ...]]:
        """The key ops/transpose.py looks up: (batch, rows, cols) of the output, by element size."""
        import numpy as np

        from portatensor.tune.transpose import storage_dtype

        return (storage_dtype(np.dtype(self.dtype).itemsize),), "tile", (self.batch, self.m, self.n)


#: Anything the worker can time.
Problem = GemmProblem | ConvProblem | ElementwiseProblem | ReduceProblem | TransposeProblem


@dataclass
class Measurement:
    """A candidate's median time in seconds (inf on failure) and why it failed."""

    seconds: float
    error: str | None = None
    runs: list[float] = field(default_factory=list)


class Worker:
    """A reusable child process that measures candidates for one device."""

    def __init__(self, selector: str, timeout_s: float = 60.0, cache_dir: str | None = None) -> None:
        self.selector = selector
        self.timeout_s = timeout_s
        self.cache_dir = cache_dir
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        env = {"PORTATENSOR_CACHE_DIR": self.cache_dir} if self.cache_dir else {}
        self._proc = ctx.Process(target=_worker_main, args=(child, self.selector, env), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def measure(self, problem: Problem, config: dict[str, Any], reps: int = 5,
                cutoff_s: float = math.inf, timeout_s: float | None = None) -> Measurement:
        """Build, check and time one config; inf with the reason if anything fails."""
        if self._proc is None or not self._proc.is_alive():
            self._start()
        job = {"family": problem.family, "problem": problem.__dict__, "config": dict(config), "reps": reps,
               "cutoff": cutoff_s}
        try:
            self._conn.send(job)
            if not self._conn.poll(timeout_s or self.timeout_s):
                self.close()
                return Measurement(math.inf, f"timed out after {timeout_s or self.timeout_s:.0f} s")
            seconds, error, runs = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._proc.exitcode if self._proc is not None else None
            self.close()
            return Measurement(math.inf, f"worker died (exit code {code})")
        return Measurement(seconds, error, runs)

    def close(self) -> None:
        """Stop the child (kill it if it does not stop at once)."""
        if self._proc is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------
# the child


def _worker_main(conn: Any, selector: str, env: dict[str, str]) -> None:
    """Serve measurement jobs until the pipe closes."""
    os.environ.update(env)
    state = _WorkerState(selector)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = state.run(job)
        except Exception as exc:  # noqa: BLE001 - any failure of a candidate scores inf, with its reason
            text = str(exc).strip().splitlines()
            result = (math.inf, f"{type(exc).__name__}: {text[0] if text else ''}"[:500], [])
        conn.send(result)


class _Shim:
    """The device as launch() and the ops see it, but with the child's profiling queue."""

    def __init__(self, device: Any, queue: Any) -> None:
        self._device = device
        self.queue = queue
        self.plans: dict[Any, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._device, name)


class _WorkerState:
    """The child's device, profiling queue and the current problem's data."""

    def __init__(self, selector: str) -> None:
        from portatensor.runtime import opencl
        from portatensor.runtime.device import get_device

        self.device = get_device(selector)
        self.queue = opencl.make_queue(self.device.context, self.device._handle, True)
        self.shim = _Shim(self.device, self.queue)
        self.key: Any = None

    def _prepare(self, family: str, p: dict[str, Any]) -> None:
        import numpy as np

        key = (family, tuple(sorted(p.items())))
        if key == self.key:
            return
        rng = np.random.default_rng(0)
        prepare = {"gemm": self._prepare_gemm, "conv": self._prepare_conv, "elementwise": self._prepare_ew,
                   "reduce": self._prepare_reduce, "transpose": self._prepare_transpose}
        prepare[family](p, rng)
        self.device.synchronize()
        self.key = key

    def _prepare_gemm(self, p: dict[str, Any], rng: Any) -> None:
        import numpy as np

        import portatensor as pt
        from portatensor.tensor import Tensor

        M, N, K, nb, dt, layout = p["M"], p["N"], p["K"], p["batch"], p["dtype"], p["layout"]
        ta, tb = layout[0] == "t", layout[1] == "t"
        A = rng.uniform(-1, 1, (nb, K, M) if ta else (nb, M, K)).astype(dt)
        B = rng.uniform(-1, 1, (nb, N, K) if tb else (nb, K, N)).astype(dt)
        An = np.swapaxes(A, 1, 2) if ta else A
        Bn = np.swapaxes(B, 1, 2) if tb else B
        wide = np.float64 if dt != "float16" else np.float32
        self.ref = np.matmul(An.astype(wide), Bn.astype(wide))
        self.a = pt.asarray(A, device=self.device)
        self.b = pt.asarray(B, device=self.device)
        self.c = Tensor.empty((nb, M, N), getattr(pt, dt), self.device)
        self.ag = (0, M * K, 1, M) if ta else (0, M * K, K, 1)
        self.bg = (0, N * K, 1, K) if tb else (0, N * K, N, 1)

    def _prepare_conv(self, p: dict[str, Any], rng: Any) -> None:
        import numpy as np

        import portatensor as pt
        from portatensor.ops import conv as _conv
        from portatensor.tensor import Tensor

        problem = ConvProblem(**p)
        dt, s, pad = p["dtype"], p["stride"], p["padding"]
        x = rng.uniform(-1, 1, (p["N"], p["C"], p["H"], p["W"])).astype(dt)
        w = rng.uniform(-1, 1, (p["O"], p["C"], p["KH"], p["KW"])).astype(dt)
        wide = np.float64 if dt != "float16" else np.float32
        xp = np.pad(x.astype(wide), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        win = np.lib.stride_tricks.sliding_window_view(xp, (p["KH"], p["KW"]), axis=(2, 3))[:, :, ::s, ::s]
        self.xp = _conv._padded(pt.asarray(x, device=self.device), (pad, pad))
        oh, ow = problem.out_hw
        self.kofs = _conv._row_offsets(self.device, p["C"], p["KH"], p["KW"], self.xp.shape[2], self.xp.shape[3],
                                       1, 1)
        self.conv_args = (ow, (s, s))
        if problem.layout == "wgrad":
            # The transposed weight gradient (1, C*KH*KW, O) from grad_out g, as conv2d_grad_weight computes it.
            g = rng.uniform(-1, 1, (p["N"], p["O"], oh, ow)).astype(dt)
            gw = np.einsum("nohw,nchwij->ocij", g.astype(wide), win, optimize=True)
            self.ref = gw.reshape(p["O"], -1).T[None]
            self.gt = pt.asarray(np.ascontiguousarray(g.transpose(0, 2, 3, 1)), device=self.device)
            self.c = Tensor.empty(self.ref.shape, getattr(pt, problem.acc_dtype), self.device)
            return
        self.ref = np.einsum("nchwij,ocij->nohw", win, w.astype(wide), optimize=True)
        self.w = pt.asarray(w, device=self.device)
        self.c = Tensor.empty((p["N"], p["O"], oh, ow), getattr(pt, dt), self.device)

    def _prepare_ew(self, p: dict[str, Any], rng: Any) -> None:
        import portatensor as pt
        from portatensor.tensor import Tensor

        a = rng.uniform(-1, 1, p["n"]).astype(p["dtype"])
        b = rng.uniform(-1, 1, p["n"]).astype(p["dtype"])
        self.ref = a + b
        self.a, self.b = pt.asarray(a, device=self.device), pt.asarray(b, device=self.device)
        self.c = Tensor.empty((p["n"],), getattr(pt, p["dtype"]), self.device)

    def _prepare_reduce(self, p: dict[str, Any], rng: Any) -> None:
        import numpy as np

        import portatensor as pt
        from portatensor.tensor import Tensor

        x = rng.uniform(0, 1, (p["rows"], p["n"])).astype(p["dtype"])
        self.ref = x.astype(np.float64).sum(axis=1)
        self.x = pt.asarray(x, device=self.device)
        self.c = Tensor.empty((p["rows"],), getattr(pt, p["dtype"]), self.device)

    def _prepare_transpose(self, p: dict[str, Any], rng: Any) -> None:
        import numpy as np

        import portatensor as pt
        from portatensor.ops import transpose as T
        from portatensor.tensor import Tensor
        from portatensor.views import collapse_dims

        x = rng.uniform(-1, 1, (p["batch"], p["n"], p["m"])).astype(p["dtype"])
        self.ref = np.ascontiguousarray(np.swapaxes(x, 1, 2))
        self.x = pt.asarray(x, device=self.device)
        self.c = Tensor.empty(self.ref.shape, getattr(pt, p["dtype"]), self.device)
        view = pt.permute_dims(self.x, (0, 2, 1))
        cshape, (cout, cin) = collapse_dims(view.shape, self.c.strides, view.strides)
        self.transpose_geo = T.transpose_geometry(cshape, cout, cin)
        if self.transpose_geo is None:
            raise ValueError(f"{p['batch']}x{p['n']}x{p['m']}: a side under {T.MIN_SIDE} runs no transpose kernel")

    def _launch(self, family: str, config: Any, p: dict[str, Any]) -> float:
        from portatensor.ops.conv import run_wgrad, run_xconv
        from portatensor.ops.linalg import run_xgemm
        from portatensor.runtime import opencl

        dt = p["dtype"]
        if family == "reduce":
            from portatensor.ops import reduce as R

            geo = R._geometry(self.x, (1,))
            events = R.run_reduce(self.shim, R.REDUCE["sum"], self.x, self.c, self.x.dtype, geo, config)
        elif family == "elementwise":
            from portatensor.ops.elementwise import make_plan
            from portatensor.ops.table import ELEMENTWISE
            from portatensor.runtime.launch import launch

            plan = make_plan(ELEMENTWISE["add"], (self.a, self.b), config=config)
            events = [launch(self.shim, plan.kernel, plan.gsize, plan.lsize,
                             (self.c._storage.buf, 0, self.a._storage.buf, 0, self.b._storage.buf, 0, *plan.tail))]
        elif family == "transpose":
            from portatensor.ops.transpose import make_plan as transpose_plan
            from portatensor.runtime.launch import launch

            plan = transpose_plan(self.shim, self.c.dtype, self.c.shape, self.c.strides, self.transpose_geo, False,
                                  config)
            events = [launch(self.shim, plan.kernel, plan.gsize, plan.lsize,
                             (self.c._storage.buf, 0, self.x._storage.buf, 0, *plan.tail))]
        elif family == "conv" and p["layout"] == "wgrad":
            events = run_wgrad(self.shim, config, self.c, self.xp, self.gt, self.kofs, self.conv_args[1], 1, False)
        elif family == "gemm":
            events = run_xgemm(self.shim, config, self.c._storage.buf, self.a._storage.buf, self.b._storage.buf,
                               dt, dt, dt, p["M"], p["N"], p["K"], p["batch"], self.ag, self.bg, False)
        else:
            ow, stride = self.conv_args
            events = run_xconv(self.shim, config, self.c, self.w, self.xp, self.kofs, 1, ow, stride, False)
        opencl.wait(events[-1])
        start = opencl.event_times(events[0])[2]
        end = opencl.event_times(events[-1])[3]
        return (end - start) * 1e-9

    def run(self, job: dict[str, Any]) -> tuple[float, str | None, list[float]]:
        import numpy as np

        from portatensor.runtime import opencl
        from portatensor.tune.space import Config

        family, p = job.get("family", "gemm"), job["problem"]
        self._prepare(family, p)
        config = Config.from_dict(job["config"])
        self._launch(family, config, p)  # build + first launch + check
        got = np.empty(self.ref.shape, dtype=self.c.dtype.name)
        opencl.read(self.queue, got, self.c._storage.buf)
        scale = float(np.abs(self.ref).max()) or 1.0
        err = float(np.abs(got.astype(self.ref.dtype) - self.ref).max()) / scale
        tol = {"float16": 1e-2, "float32": 1e-4, "float64": 1e-10}.get(p["dtype"], 1e-4)
        if not err <= tol:
            return math.inf, f"wrong result (relative error {err:.3g} > {tol:g})", []
        runs = [self._launch(family, config, p)]
        if runs[0] > job["cutoff"]:
            return runs[0], None, runs
        runs += [self._launch(family, config, p) for _ in range(max(0, job["reps"] - 1))]
        return statistics.median(runs), None, runs

"""`portatensor tune`: search, store and show tuned configs for a device.

    portatensor tune [--device SEL] [--family gemm,conv,reduce,elementwise,transpose|all] [--dtype float32,...]
                     [--shapes 1024,2048x2048x512,32x64x56x56x64,...] [--budget SECONDS]
                     [--strategy auto|exhaustive|random|local] [--resume] [--json]
    portatensor tune show | clear | export FILE | import FILE

Tuning writes each problem's best config to the device's database as soon as
it is found, so Ctrl-C keeps what was found and every later program (even one
already running) uses it.

Shapes: N or MxNxK is a GEMM; NxCxHxWxO[xK] a conv2d, its forward and its
weight gradient each tuned (batch N, C -> O channels, H x W images, K x K
kernel, default 3, stride 1, padding K // 2);
eN an elementwise a + b over N elements; r[ROWSx]N a sum over rows of N;
t[Bx]NxM the contiguous copy of a (B, N, M) array with its last two axes
swapped (transpose).
Each family takes the shapes of its form, or its defaults when none is given.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["main", "tune_problem"]

FAMILIES = ("gemm", "conv", "reduce", "elementwise", "transpose")
DEFAULT_SHAPES = {"gemm": "1024,2048", "conv": "32x64x56x56x64", "reduce": "r16777216,r1024x4096",
                  "elementwise": "e16777216", "transpose": "t4096x4096,t64x512x512"}
DEFAULT_BUDGET_S = 240.0


@dataclass
class Outcome:
    """Before/after figures of one tuned problem."""

    problem: Any
    default_s: float
    tuned_s: float
    config: dict[str, Any]
    trials: int
    stopped: str

    def row(self) -> dict[str, Any]:
        unit = _unit(self.problem)
        return {
            "family": self.problem.family, "problem": self.problem.label,
            "default_s": self.default_s, "tuned_s": self.tuned_s, "unit": unit,
            "default_rate": _rate(self.problem, self.default_s), "tuned_rate": _rate(self.problem, self.tuned_s),
            "speedup": self.default_s / self.tuned_s if self.tuned_s > 0 else math.inf,
            "config": self.config, "trials": self.trials, "stopped": self.stopped,
        }


def _unit(problem: Any) -> str:
    """GFLOP/s for compute-bound families, GB/s for memory-bound ones."""
    return "GFLOP/s" if hasattr(problem, "flops") else "GB/s"


def _rate(problem: Any, seconds: float) -> float:
    """The problem's GFLOP/s or GB/s at this time (0 when it failed)."""
    if not (math.isfinite(seconds) and seconds > 0):
        return 0.0
    return (problem.flops if hasattr(problem, "flops") else problem.bytes) / seconds / 1e9


def _parse_shapes(text: str) -> dict[str, list[tuple[int, ...]]]:
    """--shapes text as {family: [dims, ...]}: GEMM (M, N, K), conv (N, C, H, W, O, K), elementwise (n,),
    reduce (rows, n), transpose (batch, n, m)."""
    shapes: dict[str, list[tuple[int, ...]]] = {f: [] for f in FAMILIES}
    for part in text.split(","):
        word = part.strip().lower()
        if word[:1] == "t":
            dims = word[1:].split("x")
            if not all(d.isdigit() and int(d) > 0 for d in dims) or len(dims) not in (2, 3):
                raise ValueError(f"--shapes: {part!r} is not t[Bx]NxM with positive sizes")
            shapes["transpose"].append(tuple(int(d) for d in ([1] + dims)[-3:]))
            continue
        if word[:1] in ("e", "r"):
            dims = word[1:].split("x")
            if not all(d.isdigit() and int(d) > 0 for d in dims) or len(dims) > (1 if word[0] == "e" else 2):
                raise ValueError(f"--shapes: {part!r} is not eN or r[ROWSx]N with positive sizes")
            if word[0] == "e":
                shapes["elementwise"].append((int(dims[0]),))
            else:
                shapes["reduce"].append((1, int(dims[0])) if len(dims) == 1 else (int(dims[0]), int(dims[1])))
            continue
        try:
            dims = [int(x) for x in part.strip().lower().split("x") if x]
        except ValueError:
            dims = []
        if len(dims) == 1:
            dims = dims * 3
        if len(dims) == 5:
            dims.append(3)
        if len(dims) not in (3, 6) or min(dims) <= 0:
            raise ValueError(f"--shapes: {part!r} is not N, MxNxK, NxCxHxWxO[xK], eN or r[ROWSx]N with positive "
                             "sizes")
        shapes["gemm" if len(dims) == 3 else "conv"].append(tuple(dims))
    return shapes


def _problems(families: tuple[str, ...], dtypes: list[str], text: str | None) -> list[Any]:
    """The problems to tune, in order: each family's shapes (or its defaults) per dtype."""
    from portatensor.tune.measure import ConvProblem, ElementwiseProblem, GemmProblem, ReduceProblem, TransposeProblem

    given = _parse_shapes(text) if text else None
    problems: list[Any] = []
    for family in families:
        shapes = given[family] if given else _parse_shapes(DEFAULT_SHAPES[family])[family]
        for dt in dtypes:
            for dims in shapes:
                if family == "gemm":
                    problems.append(GemmProblem(dims[0], dims[1], dims[2], dt))
                elif family == "elementwise":
                    problems.append(ElementwiseProblem(dims[0], dt))
                elif family == "reduce":
                    problems.append(ReduceProblem(dims[1], dims[0], dt))
                elif family == "transpose":
                    problems.append(TransposeProblem(dims[1], dims[2], dims[0], dt))
                else:
                    n, c, h, w, o, k = dims
                    # NOTE: the forward and the weight gradient look up different layouts of the family.
                    problems += [ConvProblem(n, c, h, w, o, k, k, 1, k // 2, dt, layout)
                                 for layout in ("nchw", "wgrad")]
    return problems


class _Progress:
    """Progress on stderr: one line redrawn in place on a terminal; a line every LOG_EVERY_S seconds otherwise.

    A log file or CI output then holds a few readable lines per problem instead of one redrawn per candidate.
    """

    LOG_EVERY_S = 15.0

    def __init__(self, problem: Any, enabled: bool) -> None:
        self.problem, self.enabled = problem, enabled
        self.tty = enabled and sys.stderr.isatty()
        self.last_line, self.last_log = "", time.monotonic()

    def __call__(self, done: int, total: int | None, best: float, left: float) -> None:
        if not self.enabled:
            return
        todo = f"{done}/{total}" if total else f"{done}"
        best_txt = f"{_rate(self.problem, best):7.1f} {_unit(self.problem)}" if math.isfinite(best) else "    -"
        self.last_line = f"  {self.problem.label}: {todo} candidates, best {best_txt}, {left:5.0f} s left"
        if self.tty:
            sys.stderr.write(f"\r{self.last_line}   ")
        elif time.monotonic() - self.last_log >= self.LOG_EVERY_S:
            self.last_log = time.monotonic()
            sys.stderr.write(self.last_line + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
        elif self.enabled and self.last_line:
            sys.stderr.write(self.last_line + "\n")


def tune_problem(device: Any, problem: Any, budget_s: float, strategy: str = "auto", worker: Any = None,
                 progress: bool = True, db: Any = None, resume: bool = False) -> Outcome:
    """Search configs for one GEMM, conv, reduce, elementwise or transpose problem; store the best in the device's DB.

    conv2d is implicit GEMM on the same parameters, so both search the GEMM space.
    """
    from portatensor.tune import elementwise as E
    from portatensor.tune import gemm as G
    from portatensor.tune import reduce as R
    from portatensor.tune import strategies as S
    from portatensor.tune import transpose as T
    from portatensor.tune.lookup import device_db
    from portatensor.tune.measure import Worker
    from portatensor.tune.space import Config

    limits = G.limits_of(device.info)
    spaces = {E.FAMILY: E.elementwise_space, R.FAMILY: R.reduce_space, T.FAMILY: T.transpose_space}
    space = spaces.get(problem.family, G.gemm_space)(limits)
    db = db or device_db(device)
    dtypes, layout, shape = problem.db_key
    own = worker is None
    worker = worker or Worker(device.info.selector)
    default = space.default(limits)
    best_seen = [math.inf]
    try:
        before = worker.measure(problem, default.as_dict(), reps=3)
        best_seen[0] = before.seconds

        def cost(config: Config) -> float:
            # NOTE: a candidate 3x slower than the best so far is timed once only.
            m = worker.measure(problem, config.as_dict(), reps=5, cutoff_s=3 * best_seen[0])
            if m.error:
                raise RuntimeError(m.error)
            best_seen[0] = min(best_seen[0], m.seconds)
            return m.seconds

        bar = _Progress(problem, progress)
        starts = [default]
        old = db.get(problem.family, dtypes, layout, shape) if resume else None
        if old is not None and space.is_valid(old.config, limits):
            starts.insert(0, old.config)
        if strategy == "exhaustive":
            result = S.exhaustive(space, limits, cost, budget_s, progress=bar)
        elif strategy == "random":
            result = S.random_search(space, limits, cost, budget_s, rng=0, progress=bar)
        elif strategy == "local":
            result = S.local_search(space, limits, cost, budget_s, start=starts, progress=bar)
        else:
            result = S.auto(space, limits, cost, budget_s, rng=0, samples=24, progress=bar)
        bar.end()
        # Re-time the top few with more runs: single timings on a shared machine are noisy.
        finite = sorted((t for t in result.trials if math.isfinite(t.cost)), key=lambda t: t.cost)[:3]
        tuned, tuned_s = default, before.seconds
        for t in finite:
            m = worker.measure(problem, t.config.as_dict(), reps=7)
            if m.seconds < tuned_s:
                tuned, tuned_s = t.config, m.seconds
        if math.isfinite(tuned_s):
            speed = {"gflops" if _unit(problem) == "GFLOP/s" else "gbps": _rate(problem, tuned_s)}
            db.record(problem.family, dtypes, layout, shape, tuned, tuned_s, keep_better=resume, **speed)
        return Outcome(problem, before.seconds, tuned_s, tuned.as_dict(), len(result.trials), result.stopped_reason)
    finally:
        if own:
            worker.close()


def _table(rows: list[dict[str, Any]]) -> str:
    head = f"{'problem':34s} {'default':>10s} {'rate':>8s} {'tuned':>10s} {'rate':>8s} {'speedup':>8s}  unit"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['problem']:34s} {r['default_s'] * 1e3:8.2f}ms {r['default_rate']:8.1f} "
                     f"{r['tuned_s'] * 1e3:8.2f}ms {r['tuned_rate']:8.1f} {r['speedup']:7.2f}x  {r['unit']}")
    return "\n".join(lines)


def _cmd_tune(args: argparse.Namespace) -> int:
    from portatensor.runtime.device import get_device
    from portatensor.tune.measure import Worker

    device = get_device(args.device)
    families = FAMILIES if args.family in ("all", None) else tuple(f.strip() for f in args.family.split(","))
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        print(f"tune: family {', '.join(unknown)} is not tunable yet (tunable: {', '.join(FAMILIES)})",
              file=sys.stderr)
        return 2
    dtypes = [d.strip() for d in args.dtype.split(",")]
    for dt in dtypes:
        if dt not in ("float32", "float64", "float16"):
            print(f"tune: kernels tune float32, float64 and float16, not {dt!r}", file=sys.stderr)
            return 2
        if dt == "float64" and not device.info.fp64:
            print(f"tune: {device} has no float64", file=sys.stderr)
            return 2
    try:
        problems = _problems(families, dtypes, args.shapes)
    except ValueError as exc:
        print(f"tune: {exc}", file=sys.stderr)
        return 2
    if not problems:
        print(f"tune: none of --shapes is a {' or '.join(families)} shape (see --help)", file=sys.stderr)
        return 2
    per = args.budget / len(problems)
    show = not args.json
    if show:
        print(f"tuning {', '.join(families)} on {device} ({len(problems)} problems, {args.budget:.0f} s)",
              file=sys.stderr)
    rows: list[dict[str, Any]] = []
    interrupted = False
    with Worker(device.info.selector) as worker:
        for problem in problems:
            try:
                rows.append(tune_problem(device, problem, per, args.strategy, worker, progress=show,
                                         resume=args.resume).row())
            except KeyboardInterrupt:
                interrupted = True
                break
    if args.json:
        print(json.dumps({"device": str(device), "results": rows, "interrupted": interrupted}, indent=1))
    else:
        print(_table(rows))
        if interrupted:
            print("interrupted: the results above are stored", file=sys.stderr)
    return 130 if interrupted else 0


def _db_for(args: argparse.Namespace) -> Any:
    from portatensor.runtime.device import get_device
    from portatensor.tune.lookup import device_db

    return device_db(get_device(args.device))


def _cmd_show(args: argparse.Namespace) -> int:
    db = _db_for(args)
    entries = db.entries()
    if args.json:
        print(json.dumps({"path": db.path, "entries": [e.to_json() for e in entries]}, indent=1))
        return 0
    print(f"{db.path}: {len(entries)} entries")
    for e in sorted(entries, key=lambda e: (e.family, e.dtypes, e.layout, e.bucket)):
        speed = f"{e.gflops:.1f} GFLOP/s" if e.gflops else (f"{e.gbps:.1f} GB/s" if e.gbps else "")
        cfg = " ".join(f"{k}={v}" for k, v in e.config.as_dict().items())
        print(f"  {e.family} {','.join(e.dtypes)} {e.layout} {'x'.join(map(str, e.bucket))}: {speed} {cfg}")
    return 0


def _cmd_clear(args: argparse.Namespace) -> int:
    import os

    db = _db_for(args)
    try:
        os.unlink(db.path)
        print(f"removed {db.path}")
    except FileNotFoundError:
        print(f"nothing to clear ({db.path} does not exist)")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    n = _db_for(args).export(args.file)
    print(f"exported {n} entries to {args.file}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    try:
        n = _db_for(args).import_(args.file, allow_other_device=args.force)
    except (ValueError, OSError) as exc:
        print(f"tune import: {exc}", file=sys.stderr)
        return 1
    print(f"imported {n} entries from {args.file}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="portatensor tune", description="Autotune kernels for a device.")
    p.add_argument("--device", default=None, help="device selector (index, 'platform:device' or name fragment)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    sub = p.add_subparsers(dest="command")
    for name in ("show", "clear"):
        sp = sub.add_parser(name)
        sp.add_argument("--device", default=argparse.SUPPRESS)
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    for name in ("export", "import"):
        sp = sub.add_parser(name)
        sp.add_argument("file")
        sp.add_argument("--device", default=argparse.SUPPRESS)
        if name == "import":
            sp.add_argument("--force", action="store_true", help="accept a file from another device")
    p.add_argument("--family", default="gemm", help="comma-separated families, or all")
    p.add_argument("--dtype", default="float32", help="comma-separated dtypes")
    p.add_argument("--shapes", default=None,
                   help="comma-separated N or MxNxK (GEMM), NxCxHxWxO[xK] (conv), eN (elementwise), "
                        "r[ROWSx]N (reduce), t[Bx]NxM (transpose); default: each family's own")
    p.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds for the whole search")
    p.add_argument("--strategy", default="auto", choices=("auto", "exhaustive", "random", "local"))
    p.add_argument("--resume", action="store_true", help="start from stored results and keep better ones")
    return p


def main(argv: list[str]) -> int:
    """Run `portatensor tune ...` with argv (without the 'tune' word); return the exit code."""
    args = _parser().parse_args(argv)
    if args.budget < 0:
        print("tune: --budget must be >= 0", file=sys.stderr)
        return 2
    commands = {"show": _cmd_show, "clear": _cmd_clear, "export": _cmd_export, "import": _cmd_import}
    start = time.monotonic()
    code = commands[args.command](args) if args.command else _cmd_tune(args)
    if args.command is None and not args.json:
        print(f"done in {time.monotonic() - start:.0f} s", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))

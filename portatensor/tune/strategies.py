"""Search strategies: exhaustive, random, local (hill climbing) and auto.

Every strategy takes a `cost(config) -> seconds` function and a time budget.
A failing candidate (math.inf, NaN, or an exception from `cost`) scores as
infinitely slow, as Triton's autotuner does, so one bad config never stops a
search. No config is measured twice. Ctrl-C returns what was found so far.

>>> from portatensor.tune.space import DeviceLimits, Space
>>> space = Space({"x": list(range(8))})
>>> limits = DeviceLimits(256, 32768, 4, "cpu", "Example")
>>> exhaustive(space, limits, lambda c: (c["x"] - 5) ** 2, budget_s=10).best
Config(x=5)
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from portatensor.tune.space import Config, DeviceLimits, Space

__all__ = [
    "CostFn",
    "ProgressFn",
    "SearchResult",
    "Trial",
    "auto",
    "exhaustive",
    "local_search",
    "random_search",
]

#: Measures one config; returns seconds, math.inf for a failure.
CostFn = Callable[[Config], float]
#: progress(done, total or None, best cost so far, seconds left).
ProgressFn = Callable[[int, "int | None", float, float], None]
Clock = Callable[[], float]

#: Spaces at most this big are searched exhaustively by `auto`.
EXHAUSTIVE_THRESHOLD = 256


@dataclass(frozen=True)
class Trial:
    """One measured config: its cost in seconds and the error, if it failed."""

    config: Config
    cost: float
    error: str | None = None


@dataclass
class SearchResult:
    """What a strategy found.

    `stopped_reason` is one of: "exhausted" (every valid config measured),
    "converged" (local search reached a local minimum), "samples" (random
    search drew all its samples), "budget" (time ran out), "interrupted"
    (KeyboardInterrupt) or "empty" (no valid config).
    """

    best: Config | None
    best_cost: float
    trials: list[Trial]
    stopped_reason: str
    elapsed_s: float = 0.0


class _BudgetExhausted(Exception):
    """Raised inside a search when the deadline has passed."""


@dataclass
class _Run:
    """The shared state of one search: memo, trials, best, clock and deadline."""

    cost: CostFn
    clock: Clock
    deadline: float
    progress: ProgressFn | None = None
    total: int | None = None
    start: float = 0.0
    memo: dict[Config, float] = field(default_factory=dict)
    trials: list[Trial] = field(default_factory=list)
    best: Config | None = None
    best_cost: float = math.inf

    @classmethod
    def begin(
        cls,
        cost: CostFn,
        budget_s: float | None,
        clock: Clock,
        progress: ProgressFn | None,
        total: int | None = None,
    ) -> _Run:
        """Start the clock; a budget of None means no time limit."""
        start = clock()
        budget = math.inf if budget_s is None else float(budget_s)
        if budget < 0 or math.isnan(budget):
            raise ValueError(f"budget_s must be >= 0, got {budget_s!r}")
        return cls(cost, clock, start + budget, progress, total, start)

    def time_left(self) -> float:
        """Seconds until the deadline, never negative."""
        return max(0.0, self.deadline - self.clock())

    def evaluate(self, config: Config) -> float:
        """Return the cost of `config`, measuring it only the first time."""
        if config in self.memo:
            return self.memo[config]
        # NOTE: checked before, not after, a measurement: one slow candidate
        # may overrun the budget, but no new one starts past the deadline.
        if self.clock() >= self.deadline:
            raise _BudgetExhausted
        cost, error = _measure(self.cost, config)
        self.memo[config] = cost
        self.trials.append(Trial(config, cost, error))
        if cost < self.best_cost:
            self.best, self.best_cost = config, cost
        if self.progress is not None:
            self.progress(len(self.trials), self.total, self.best_cost, self.time_left())
        return cost

    def result(self, reason: str) -> SearchResult:
        """Package the state as a SearchResult."""
        elapsed = self.clock() - self.start
        return SearchResult(self.best, self.best_cost, list(self.trials), reason, elapsed)


def _measure(cost: CostFn, config: Config) -> tuple[float, str | None]:
    """Call `cost`, turning exceptions and non-numbers into (inf, error)."""
    try:
        value = cost(config)
    except Exception as exc:  # noqa: BLE001 - any failure of a candidate scores inf
        return math.inf, f"{type(exc).__name__}: {exc}"
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return math.inf, f"cost returned {value!r}, not a number"
    if math.isnan(seconds) or seconds < 0:
        return math.inf, f"cost returned {seconds!r}"
    return seconds, None


def _drive(run: _Run, body: Callable[[], str]) -> SearchResult:
    """Run a search body, mapping budget expiry and Ctrl-C to stop reasons."""
    try:
        reason = body()
    except _BudgetExhausted:
        reason = "budget"
    except KeyboardInterrupt:
        reason = "interrupted"
    return run.result(reason)


def _as_rng(rng: random.Random | int | None) -> random.Random:
    """Accept a Random, a seed or None (fresh, unseeded)."""
    return rng if isinstance(rng, random.Random) else random.Random(rng)


def exhaustive(
    space: Space,
    limits: DeviceLimits,
    cost: CostFn,
    budget_s: float | None,
    *,
    clock: Clock = time.monotonic,
    progress: ProgressFn | None = None,
) -> SearchResult:
    """Measure every valid config, in enumeration order, until the budget ends."""
    configs = list(space.configs(limits))
    run = _Run.begin(cost, budget_s, clock, progress, total=len(configs))

    def body() -> str:
        for config in configs:
            run.evaluate(config)
        return "exhausted" if configs else "empty"

    return _drive(run, body)


def random_search(
    space: Space,
    limits: DeviceLimits,
    cost: CostFn,
    budget_s: float | None,
    rng: random.Random | int | None = None,
    samples: int = 64,
    *,
    clock: Clock = time.monotonic,
    progress: ProgressFn | None = None,
) -> SearchResult:
    """Measure up to `samples` distinct valid configs drawn at random."""
    run = _Run.begin(cost, budget_s, clock, progress, total=samples)
    generator = _as_rng(rng)
    return _drive(run, lambda: _random_phase(run, space, limits, generator, samples))


def _random_phase(
    run: _Run, space: Space, limits: DeviceLimits, rng: random.Random, samples: int
) -> str:
    """Measure `samples` configs not yet in the memo; return the stop reason."""
    if space.size <= max(4 * samples, 4096):
        # NOTE: a small space is cheaper to enumerate and shuffle than to
        # sample with rejection, and that never draws a config twice.
        pool = list(space.configs(limits))
        rng.shuffle(pool)
        fresh = [c for c in pool if c not in run.memo]
        for config in fresh[:samples]:
            run.evaluate(config)
        if not pool:
            return "empty"
        return "samples" if len(fresh) > samples else "exhausted"
    return _rejection_phase(run, space, limits, rng, samples)


def _rejection_phase(
    run: _Run, space: Space, limits: DeviceLimits, rng: random.Random, samples: int
) -> str:
    """Sample a large space, skipping repeats, until `samples` are measured."""
    done, repeats = 0, 0
    while done < samples:
        try:
            config = space.sample(rng, limits)
        except ValueError:
            return "empty" if not run.memo else "exhausted"
        if config in run.memo:
            repeats += 1
            # NOTE: many repeats in a row mean the valid set is nearly used up.
            if repeats > 100:
                return "exhausted"
            continue
        repeats = 0
        run.evaluate(config)
        done += 1
    return "samples"


def local_search(
    space: Space,
    limits: DeviceLimits,
    cost: CostFn,
    budget_s: float | None,
    start: Config | Sequence[Config] | None = None,
    *,
    clock: Clock = time.monotonic,
    progress: ProgressFn | None = None,
) -> SearchResult:
    """Steepest-descent hill climbing from `start` (or each of several starts).

    Each step measures all neighbours (one parameter moved one step) and moves
    to the best if it is strictly faster; a search ends at a local minimum.
    `start` defaults to `space.default(limits)`.
    """
    starts = _starts(space, limits, start)
    run = _Run.begin(cost, budget_s, clock, progress)
    return _drive(run, lambda: _climb_all(run, space, limits, starts))


def _starts(
    space: Space, limits: DeviceLimits, start: Config | Sequence[Config] | None
) -> list[Config]:
    """Normalise and validate the start points of a local search."""
    if start is None:
        return [space.default(limits)]
    starts = [start] if isinstance(start, Config) else list(start)
    for config in starts:
        if not space.is_valid(config, limits):
            raise ValueError(f"start point {config} is not a valid config of {space!r}")
    return starts


def _climb_all(run: _Run, space: Space, limits: DeviceLimits, starts: list[Config]) -> str:
    """Climb from each start in turn, sharing the memo."""
    for config in starts:
        _climb(run, space, limits, config)
    return "converged"


def _climb(run: _Run, space: Space, limits: DeviceLimits, config: Config) -> Config:
    """Hill-climb from `config` to a local minimum and return it."""
    current, current_cost = config, run.evaluate(config)
    while True:
        step, step_cost = current, current_cost
        for other in space.neighbours(current, limits):
            other_cost = run.evaluate(other)
            if other_cost < step_cost:
                step, step_cost = other, other_cost
        if step == current:
            return current
        current, current_cost = step, step_cost


def auto(
    space: Space,
    limits: DeviceLimits,
    cost: CostFn,
    budget_s: float | None,
    rng: random.Random | int | None = None,
    *,
    samples: int = 64,
    sample_fraction: float = 0.5,
    top_k: int = 3,
    exhaustive_threshold: int = EXHAUSTIVE_THRESHOLD,
    clock: Clock = time.monotonic,
    progress: ProgressFn | None = None,
) -> SearchResult:
    """Exhaustive for small spaces; else random sampling, then local search.

    Random sampling gets at most `sample_fraction` of the budget (and at most
    `samples` configs); local search then climbs from the `top_k` best found,
    with what remains.
    """
    if space.size <= exhaustive_threshold:
        return exhaustive(space, limits, cost, budget_s, clock=clock, progress=progress)
    if not 0.0 <= sample_fraction <= 1.0:
        raise ValueError(f"sample_fraction must be in [0, 1], got {sample_fraction!r}")
    run = _Run.begin(cost, budget_s, clock, progress)
    generator = _as_rng(rng)

    def body() -> str:
        full_deadline = run.deadline
        # NOTE: cap sampling so that climbing always has time left; an infinite
        # budget stays infinite (inf * fraction) and `samples` bounds it.
        run.deadline = min(full_deadline, run.start + (full_deadline - run.start) * sample_fraction)
        try:
            reason = _random_phase(run, space, limits, generator, samples)
        except _BudgetExhausted:
            reason = "budget"
        finally:
            run.deadline = full_deadline
        if reason in ("empty", "exhausted"):
            return reason
        return _climb_all(run, space, limits, _best_starts(run, space, limits, top_k))

    return _drive(run, body)


def _best_starts(run: _Run, space: Space, limits: DeviceLimits, k: int) -> list[Config]:
    """The `k` fastest measured configs, or the space's default if none worked."""
    finite = sorted((t for t in run.trials if math.isfinite(t.cost)), key=lambda t: t.cost)
    starts = [t.config for t in finite[:k]]
    return starts or [space.default(limits)]

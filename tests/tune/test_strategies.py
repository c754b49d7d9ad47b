"""Search strategies against synthetic cost models, with a fake clock."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable

import pytest

from portatensor.tune.space import Config, DeviceLimits, Space
from portatensor.tune.strategies import (
    SearchResult,
    auto,
    exhaustive,
    local_search,
    random_search,
)

LIMITS = DeviceLimits(256, 32768, 8, "GPU", "Example")


class FakeClock:
    """A clock that moves only when a test (or a cost function) says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Counted:
    """A cost function that counts its calls per config and may tick a clock."""

    def __init__(
        self, fn: Callable[[Config], float], clock: FakeClock | None = None, tick: float = 1.0
    ) -> None:
        self.fn, self.clock, self.tick = fn, clock, tick
        self.calls: Counter[Config] = Counter()

    def __call__(self, config: Config) -> float:
        self.calls[config] += 1
        if self.clock is not None:
            self.clock.now += self.tick
        return self.fn(config)


def grid(n: int, dims: int = 3) -> Space:
    """An n**dims grid of integer parameters x0, x1, ..."""
    return Space({f"x{i}": list(range(n)) for i in range(dims)})


def quadratic(optimum: tuple[int, ...]) -> Callable[[Config], float]:
    """A separable quadratic bowl with its minimum (1.0) at `optimum`."""

    def cost(config: Config) -> float:
        return 1.0 + sum((config[f"x{i}"] - o) ** 2 for i, o in enumerate(optimum))

    return cost


def seeded_noise(fn: Callable[[Config], float], scale: float) -> Callable[[Config], float]:
    """Add noise that is fixed per config (seeded by its bytes) and < scale."""

    def cost(config: Config) -> float:
        return fn(config) + scale * random.Random(config.canonical_bytes()).random()

    return cost


def assert_no_repeats(result: SearchResult, cost: Counted) -> None:
    """Every config was measured once, and the trials list says so."""
    assert all(n == 1 for n in cost.calls.values())
    assert len({t.config for t in result.trials}) == len(result.trials) == sum(cost.calls.values())


# -- finding optima ----------------------------------------------------------


def test_exhaustive_finds_the_optimum_of_a_small_space() -> None:
    space = Space({"x0": list(range(5)), "x1": list(range(4))}, [lambda c, lim: c["x0"] != 3])
    cost = Counted(quadratic((3, 1)))  # the true optimum is excluded by the constraint
    result = exhaustive(space, LIMITS, cost, budget_s=None)
    assert result.stopped_reason == "exhausted"
    assert len(result.trials) == 16
    assert result.best_cost == 2.0
    assert result.best in {
        Config.from_dict({"x0": 2, "x1": 1}),
        Config.from_dict({"x0": 4, "x1": 1}),
    }
    assert_no_repeats(result, cost)


def test_local_search_descends_a_separable_quadratic() -> None:
    space = grid(20)
    cost = Counted(quadratic((13, 4, 17)))
    start = Config.from_dict({"x0": 0, "x1": 19, "x2": 0})
    result = local_search(space, LIMITS, cost, budget_s=None, start=start)
    assert result.stopped_reason == "converged"
    assert result.best == Config.from_dict({"x0": 13, "x1": 4, "x2": 17})
    assert result.best_cost == 1.0
    assert len(result.trials) < space.size // 20  # it walked, it did not enumerate
    assert_no_repeats(result, cost)


def test_local_search_defaults_to_the_space_default() -> None:
    space = Space({"x0": list(range(10))}, default={"x0": 9})
    result = local_search(space, LIMITS, Counted(quadratic((6,))), budget_s=None)
    assert result.trials[0].config == Config.from_dict({"x0": 9})
    assert result.best == Config.from_dict({"x0": 6})


def test_local_search_refuses_an_invalid_start() -> None:
    space = Space({"x0": list(range(4))}, [lambda c, lim: c["x0"] < 2])
    with pytest.raises(ValueError):
        local_search(space, LIMITS, quadratic((0,)), None, start=Config.from_dict({"x0": 3}))


def test_auto_finds_the_optimum_of_a_noisy_large_space() -> None:
    space = grid(16)  # 4096 points: too many for exhaustive
    cost = Counted(seeded_noise(quadratic((11, 3, 7)), scale=0.5))
    result = auto(space, LIMITS, cost, budget_s=None, rng=random.Random(1234), samples=40)
    assert result.stopped_reason == "converged"
    assert result.best == Config.from_dict({"x0": 11, "x1": 3, "x2": 7})
    assert len(result.trials) < 400
    assert_no_repeats(result, cost)


def test_auto_is_exhaustive_on_small_spaces() -> None:
    cost = Counted(quadratic((2, 3)))
    result = auto(grid(5, dims=2), LIMITS, cost, budget_s=None, rng=0)
    assert result.stopped_reason == "exhausted"
    assert len(result.trials) == 25


def test_random_search_draws_distinct_valid_samples() -> None:
    space = Space(
        {"x0": list(range(30)), "x1": list(range(30))}, [lambda c, lim: c["x0"] <= c["x1"]]
    )
    cost = Counted(quadratic((5, 5)))
    result = random_search(space, LIMITS, cost, budget_s=None, rng=random.Random(7), samples=50)
    assert result.stopped_reason == "samples"
    assert len(result.trials) == 50
    assert all(space.is_valid(t.config, LIMITS) for t in result.trials)
    assert result.best_cost == min(t.cost for t in result.trials)
    assert_no_repeats(result, cost)


def test_random_search_is_reproducible_with_a_seed() -> None:
    space = grid(100)  # large enough for rejection sampling
    first = random_search(space, LIMITS, quadratic((1, 2, 3)), None, rng=42, samples=20)
    again = random_search(space, LIMITS, quadratic((1, 2, 3)), None, rng=42, samples=20)
    assert [t.config for t in first.trials] == [t.config for t in again.trials]
    assert len({t.config for t in first.trials}) == 20


def test_random_search_stops_when_the_space_is_used_up() -> None:
    result = random_search(grid(3, dims=2), LIMITS, quadratic((1, 1)), None, rng=0, samples=50)
    assert result.stopped_reason == "exhausted"
    assert len(result.trials) == 9


# -- budget, failures, interruption --------------------------------------------


STRATEGIES: dict[str, Callable[..., SearchResult]] = {
    "exhaustive": lambda s, c, b, clock: exhaustive(s, LIMITS, c, b, clock=clock),
    "random": lambda s, c, b, clock: random_search(s, LIMITS, c, b, 0, 500, clock=clock),
    "local": lambda s, c, b, clock: local_search(s, LIMITS, c, b, clock=clock),
    "auto": lambda s, c, b, clock: auto(s, LIMITS, c, b, 0, clock=clock),
}


@pytest.mark.parametrize("name", STRATEGIES)
def test_budget_is_honoured(name: str) -> None:
    clock = FakeClock()
    cost = Counted(quadratic((9, 9, 9)), clock=clock, tick=1.0)  # each trial takes 1 s
    result = STRATEGIES[name](grid(10), cost, 10.0, clock)
    assert result.stopped_reason == "budget"
    assert len(result.trials) == 10  # started at t=0..9; none started at t>=10
    assert result.elapsed_s == 10.0
    assert_no_repeats(result, cost)


def test_auto_splits_the_budget_between_sampling_and_climbing() -> None:
    clock = FakeClock()
    cost = Counted(quadratic((9, 9, 9)), clock=clock)
    result = auto(
        grid(10), LIMITS, cost, 20.0, rng=0, samples=1000, sample_fraction=0.25, clock=clock
    )
    assert result.stopped_reason == "budget"
    assert len(result.trials) == 20
    # the first 5 s sampled at random; the rest climbed from the best of them
    best_sampled = min(result.trials[:5], key=lambda t: t.cost).config
    assert result.trials[5].config in grid(10).neighbours(best_sampled, LIMITS) + [best_sampled]


def test_zero_budget_measures_nothing() -> None:
    clock = FakeClock()
    result = exhaustive(grid(3), LIMITS, quadratic((0, 0, 0)), 0.0, clock=clock)
    assert result.stopped_reason == "budget"
    assert result.trials == [] and result.best is None and result.best_cost == math.inf


def test_failures_score_inf_and_record_the_error() -> None:
    def cost(config: Config) -> float:
        if config["x0"] == 0:
            raise RuntimeError("CL_OUT_OF_RESOURCES")
        if config["x0"] == 1:
            return math.inf
        if config["x0"] == 2:
            return math.nan
        return float(config["x0"])

    result = exhaustive(Space({"x0": list(range(5))}), LIMITS, cost, None)
    by_x = {t.config["x0"]: t for t in result.trials}
    assert by_x[0].cost == math.inf and by_x[0].error == "RuntimeError: CL_OUT_OF_RESOURCES"
    assert by_x[1].cost == math.inf and by_x[1].error is None
    assert by_x[2].cost == math.inf and "nan" in (by_x[2].error or "")
    assert result.best == Config.from_dict({"x0": 3}) and result.best_cost == 3.0
    assert result.stopped_reason == "exhausted"


def test_all_failures_leave_no_best() -> None:
    def cost(config: Config) -> float:
        raise ValueError("build failed")

    result = auto(grid(8), LIMITS, cost, None, rng=0, samples=10)
    assert result.best is None and result.best_cost == math.inf
    assert all(t.error == "ValueError: build failed" for t in result.trials)


@pytest.mark.parametrize("name", STRATEGIES)
def test_ctrl_c_returns_what_was_found(name: str) -> None:
    calls = 0

    def cost(config: Config) -> float:
        nonlocal calls
        calls += 1
        if calls == 6:
            raise KeyboardInterrupt
        return quadratic((9, 9, 9))(config)

    result = STRATEGIES[name](grid(10), cost, None, FakeClock())
    assert result.stopped_reason == "interrupted"
    assert len(result.trials) == 5  # the interrupted trial is not recorded
    assert result.best_cost == min(t.cost for t in result.trials)


def test_ctrl_c_in_progress_callback_is_an_interruption() -> None:
    def progress(done: int, total: int | None, best: float, left: float) -> None:
        if done == 3:
            raise KeyboardInterrupt

    result = exhaustive(grid(3), LIMITS, quadratic((1, 1, 1)), None, progress=progress)
    assert result.stopped_reason == "interrupted" and len(result.trials) == 3


def test_progress_reports_counts_best_and_time_left() -> None:
    clock = FakeClock()
    seen: list[tuple[int, int | None, float, float]] = []
    cost = Counted(lambda c: 10.0 - c["x0"], clock=clock, tick=2.0)
    exhaustive(Space({"x0": [0, 1, 2]}), LIMITS, cost, 100.0, clock=clock,
               progress=lambda *args: seen.append(args))  # fmt: skip
    assert seen == [(1, 3, 10.0, 98.0), (2, 3, 9.0, 96.0), (3, 3, 8.0, 94.0)]
    seen.clear()
    local_search(grid(3, dims=1), LIMITS, quadratic((2,)), None, clock=clock,
                 progress=lambda *args: seen.append(args))  # fmt: skip
    assert seen[0][1] is None and seen[0][3] == math.inf


def test_empty_space_is_reported() -> None:
    nothing = Space({"x0": [1, 2]}, [lambda c, lim: False])
    assert exhaustive(nothing, LIMITS, quadratic((1,)), None).stopped_reason == "empty"
    assert random_search(nothing, LIMITS, quadratic((1,)), None, rng=0).stopped_reason == "empty"
    big_nothing = Space({"x0": list(range(300))}, [lambda c, lim: False])
    assert auto(big_nothing, LIMITS, quadratic((1,)), None, rng=0).stopped_reason == "empty"


def test_negative_budget_is_an_error() -> None:
    with pytest.raises(ValueError):
        exhaustive(grid(2), LIMITS, quadratic((0, 0, 0)), -1.0)

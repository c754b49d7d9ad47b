"""Configs, spaces, constraints and device limits."""

from __future__ import annotations

import pickle
import random

import pytest

from portatensor.tune.space import Config, DeviceLimits, Space, vendor_key

GPU = DeviceLimits(256, 49152, 80, "GPU", "NVIDIA Corporation")
SMALL = DeviceLimits(64, 16384, 4, "GPU", "Example")


def wg_limit(config: Config, limits: DeviceLimits) -> bool:
    """Work-group size must fit the device."""
    return config["wg"] * config["vec"] <= limits.max_work_group_size


def space() -> Space:
    """A 4 x 3 space with a work-group constraint."""
    return Space({"wg": [16, 32, 64, 128], "vec": [1, 2, 4]}, [wg_limit])


# -- Config ------------------------------------------------------------------


def test_config_is_order_independent_and_hashable() -> None:
    a = Config.from_dict({"wg": 64, "vec": 2})
    b = Config.from_dict({"vec": 2, "wg": 64})
    assert a == b and hash(a) == hash(b)
    assert a.keys() == ("vec", "wg")
    assert {a: 1}[b] == 1


def test_config_roundtrips_through_dict_and_json() -> None:
    params = {"wg": 64, "name": "nn", "flag": True, "ratio": 0.5}
    config = Config.from_dict(params)
    assert config.as_dict() == params
    assert config.canonical_bytes() == b'{"flag":true,"name":"nn","ratio":0.5,"wg":64}'
    assert Config.from_json(config.canonical_bytes()) == config


def test_config_values_are_typed() -> None:
    # 1 == True == 1.0 in Python, but they render differently in a kernel.
    assert Config.from_dict({"x": 1}) != Config.from_dict({"x": True})
    assert Config.from_dict({"x": 1}) != Config.from_dict({"x": 1.0})


def test_config_is_immutable_and_pickles() -> None:
    config = Config.from_dict({"wg": 64})
    with pytest.raises(AttributeError):
        config.wg = 32  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(config)) == config
    assert config.replace(wg=32) == Config.from_dict({"wg": 32})
    assert config["wg"] == 64 and config.get("missing", 7) == 7 and "wg" in config
    assert repr(config) == "Config(wg=64)"


@pytest.mark.parametrize(
    "params, error",
    [
        ({"x": [1]}, TypeError),
        ({"x": None}, TypeError),
        ({"x": float("nan")}, ValueError),
        ({"": 1}, TypeError),
    ],
)
def test_config_rejects_bad_values(params: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        Config.from_dict(params)


# -- Space -------------------------------------------------------------------


def test_size_counts_points_before_constraints() -> None:
    assert space().size == 12


def test_configs_enumerate_only_valid_points_in_order() -> None:
    configs = list(space().configs(SMALL))
    assert all(c["wg"] * c["vec"] <= 64 for c in configs)
    assert len(configs) == 6  # 16x{1,2,4}, 32x{1,2}, 64x1
    assert configs[0] == Config.from_dict({"wg": 16, "vec": 1})
    assert len(list(space().configs(GPU))) == 11  # only 128 x 4 breaks 256


def test_sample_is_valid_and_seeded() -> None:
    rng_a, rng_b = random.Random(3), random.Random(3)
    draws_a = [space().sample(rng_a, SMALL) for _ in range(50)]
    draws_b = [space().sample(rng_b, SMALL) for _ in range(50)]
    assert draws_a == draws_b
    assert all(space().is_valid(c, SMALL) for c in draws_a)
    assert len(set(draws_a)) > 1


def test_sample_finds_a_sparse_valid_point() -> None:
    only = Space({"x": list(range(100))}, [lambda c, lim: c["x"] == 73])
    assert only.sample(random.Random(0), SMALL, max_tries=5) == Config.from_dict({"x": 73})
    with pytest.raises(ValueError):
        only.sample(random.Random(0), SMALL, max_tries=5, enumerate_limit=10)


def test_sample_raises_when_nothing_is_valid() -> None:
    none = Space({"x": [1, 2, 3]}, [lambda c, lim: False])
    with pytest.raises(ValueError, match="no valid config"):
        none.sample(random.Random(0), SMALL)
    with pytest.raises(ValueError):
        none.default(SMALL)


def test_neighbours_step_one_parameter_by_one_and_stay_valid() -> None:
    s = space()
    found = s.neighbours(Config.from_dict({"wg": 32, "vec": 2}), SMALL)
    assert set(found) == {
        Config.from_dict({"wg": 16, "vec": 2}),  # wg down
        Config.from_dict({"wg": 32, "vec": 1}),  # vec down
    }  # wg=64 and vec=4 break the 64 limit
    edge = s.neighbours(Config.from_dict({"wg": 16, "vec": 1}), GPU)
    assert set(edge) == {
        Config.from_dict({"wg": 32, "vec": 1}),
        Config.from_dict({"wg": 16, "vec": 2}),
    }


def test_neighbours_of_a_foreign_config_raise() -> None:
    with pytest.raises(ValueError):
        space().neighbours(Config.from_dict({"wg": 48, "vec": 1}), GPU)
    with pytest.raises(ValueError):
        space().neighbours(Config.from_dict({"wg": 16}), GPU)


def test_default_prefers_declared_then_first_valid() -> None:
    s = Space(
        {"wg": [16, 32, 64, 128], "vec": [1, 2, 4]}, [wg_limit], default={"wg": 128, "vec": 1}
    )
    assert s.default(GPU) == Config.from_dict({"wg": 128, "vec": 1})
    assert s.default(SMALL) == Config.from_dict({"wg": 16, "vec": 1})  # 128 breaks 64
    with pytest.raises(ValueError):
        Space({"wg": [16]}, default={"wg": 32})


def test_violations_name_the_broken_constraints() -> None:
    assert space().violations(Config.from_dict({"wg": 128, "vec": 4}), GPU) == ["wg_limit"]
    assert space().violations(Config.from_dict({"wg": 16, "vec": 1}), GPU) == []


@pytest.mark.parametrize(
    "params",
    [{}, {"x": []}, {"x": [1, 1]}, {"x": "abc"}, {"x": [None]}],
)
def test_bad_spaces_are_refused(params: dict) -> None:
    with pytest.raises((ValueError, TypeError)):
        Space(params)


@pytest.mark.parametrize(
    "vendor, kind, key",
    [
        ("NVIDIA Corporation", "GPU", "nvidia"),
        ("Advanced Micro Devices, Inc.", "GPU", "amd"),
        ("AMD", "GPU", "amd"),
        ("Intel(R) Corporation", "GPU", "intel_gpu"),
        ("Intel(R) Corporation", "CPU", "cpu"),
        ("The pocl project", "CPU", "cpu"),
        ("Apple", "GPU", "generic"),
        ("Samd Labs", "GPU", "generic"),
    ],
)
def test_vendor_key(vendor: str, kind: str, key: str) -> None:
    assert vendor_key(vendor, kind) == key
    assert DeviceLimits(1, 1, 1, kind, vendor).vendor_key == key

"""Search spaces for the autotuner: frozen configs, parameters and constraints.

A tunable kernel family declares a `Space`: named parameters, each with a
finite, ordered list of values, plus constraints that a config must satisfy on
a given device (tile sizes dividing each other, work-group and local-memory
limits). Strategies walk the space; the tuning database stores `Config`s.

>>> space = Space({"wg": [32, 64, 128], "vec": [1, 2, 4]},
...               [lambda c, lim: c["wg"] * c["vec"] <= lim.max_work_group_size])
>>> limits = DeviceLimits(128, 32768, 8, "gpu", "Example")
>>> [c.as_dict() for c in space.neighbours(Config.from_dict({"wg": 64, "vec": 2}), limits)]
[{'vec': 2, 'wg': 32}, {'vec': 1, 'wg': 64}]
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Config",
    "Constraint",
    "DeviceLimits",
    "Space",
    "Value",
    "vendor_key",
]

#: A parameter value: JSON scalars only, so configs serialise exactly.
Value = bool | int | float | str

VENDOR_KEYS = ("nvidia", "amd", "intel_gpu", "cpu", "generic")


def vendor_key(vendor: str, device_type: str) -> str:
    """Map an OpenCL vendor string and device type to a defaults-table key.

    >>> vendor_key("Advanced Micro Devices, Inc.", "GPU")
    'amd'
    >>> vendor_key("Intel(R) Corporation", "CPU")
    'cpu'
    """
    kind = device_type.lower()
    name = vendor.lower()
    # NOTE: the device type wins: a CPU device behaves like a CPU whoever made
    # the driver (Intel's CPU runtime, PoCL, AMD's old CPU runtime).
    if "cpu" in kind:
        return "cpu"
    if "nvidia" in name:
        return "nvidia"
    if "advanced micro devices" in name or "amd" in name.replace(",", " ").split():
        return "amd"
    if "intel" in name and "gpu" in kind:
        return "intel_gpu"
    return "generic"


@dataclass(frozen=True)
class DeviceLimits:
    """The device facts that constraints may consult."""

    max_work_group_size: int
    local_mem_size: int
    max_compute_units: int
    device_type: str
    vendor: str

    @property
    def vendor_key(self) -> str:
        """The defaults-table key for this device (see `vendor_key`)."""
        return vendor_key(self.vendor, self.device_type)


def _check_value(name: str, value: object) -> Value:
    """Return `value` if it is a JSON scalar a config may hold, else raise."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"parameter {name!r}: non-finite float {value!r}")
    if not isinstance(value, (bool, int, float, str)):
        raise TypeError(
            f"parameter {name!r}: value {value!r} of type {type(value).__name__} "
            "is not a bool, int, float or str"
        )
    return value


class Config:
    """A frozen, hashable assignment of values to named parameters.

    Parameters are kept sorted by name, so equal configs have equal bytes and
    equal hashes whatever order they were built in. Values are typed: a config
    with ``vec=1`` is not equal to one with ``vec=True``.

    >>> Config.from_dict({"wg": 64, "vec": 4})
    Config(vec=4, wg=64)
    """

    __slots__ = ("_items", "_key")

    _items: tuple[tuple[str, Value], ...]
    _key: tuple[tuple[str, str, Value], ...]

    def __init__(self, items: Iterable[tuple[str, Value]] = ()) -> None:
        pairs = sorted(items, key=lambda kv: kv[0])
        names = [name for name, _ in pairs]
        for name in names:
            if not isinstance(name, str) or not name:
                raise TypeError(f"parameter names must be non-empty strings, got {name!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate parameter names in {names}")
        checked = tuple((name, _check_value(name, value)) for name, value in pairs)
        object.__setattr__(self, "_items", checked)
        # NOTE: the type name is part of the key because 1 == True == 1.0 in
        # Python, but they render differently in a kernel.
        object.__setattr__(self, "_key", tuple((n, type(v).__name__, v) for n, v in checked))

    @classmethod
    def from_dict(cls, params: Mapping[str, Value]) -> Config:
        """Build a config from a mapping of parameter name to value."""
        return cls(params.items())

    @classmethod
    def from_json(cls, data: bytes | str) -> Config:
        """Parse the output of `canonical_bytes` (or any JSON object of scalars)."""
        obj = json.loads(data)
        if not isinstance(obj, dict):
            raise ValueError(f"a config must be a JSON object, got {type(obj).__name__}")
        return cls.from_dict(obj)

    def as_dict(self) -> dict[str, Value]:
        """Return the parameters as a new dict, in name order."""
        return dict(self._items)

    def canonical_bytes(self) -> bytes:
        """Return compact, key-sorted JSON: the stable identity of this config."""
        return json.dumps(
            self.as_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("ascii")

    def items(self) -> tuple[tuple[str, Value], ...]:
        """Return the (name, value) pairs in name order."""
        return self._items

    def keys(self) -> tuple[str, ...]:
        """Return the parameter names in order."""
        return tuple(name for name, _ in self._items)

    def get(self, name: str, default: Any = None) -> Any:
        """Return the value of `name`, or `default` if the config lacks it."""
        for key, value in self._items:
            if key == name:
                return value
        return default

    def replace(self, **changes: Value) -> Config:
        """Return a copy with some parameters changed or added."""
        params = self.as_dict()
        params.update(changes)
        return Config.from_dict(params)

    def __getitem__(self, name: str) -> Value:
        for key, value in self._items:
            if key == name:
                return value
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Config is immutable; use .replace()")

    def __reduce__(self) -> tuple[Any, ...]:
        # NOTE: __slots__ plus a blocked __setattr__ defeat default pickling,
        # and multiprocessing tuners send configs between processes.
        return (Config, (self._items,))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={value!r}" for name, value in self._items)
        return f"Config({inner})"


#: A constraint: True when the config is allowed on a device with these limits.
Constraint = Callable[[Config, DeviceLimits], bool]


class Space:
    """Named parameters with finite value lists, filtered by constraints.

    The order of the parameters and of each value list matters: enumeration
    follows it, and `neighbours` steps along each value list.
    """

    def __init__(
        self,
        params: Mapping[str, Sequence[Value]],
        constraints: Iterable[Constraint] = (),
        *,
        default: Mapping[str, Value] | None = None,
    ) -> None:
        if not params:
            raise ValueError("a space needs at least one parameter")
        self._params: dict[str, tuple[Value, ...]] = {}
        for name, values in params.items():
            self._params[name] = self._check_values(name, values)
        self.constraints: tuple[Constraint, ...] = tuple(constraints)
        self._default = None if default is None else Config.from_dict(default)
        if self._default is not None and not self.contains(self._default):
            raise ValueError(f"default {self._default} is not a point of this space")

    @staticmethod
    def _check_values(name: str, values: Sequence[Value]) -> tuple[Value, ...]:
        """Validate one parameter's value list: non-empty, scalars, no repeats."""
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"parameter {name!r}: values must be a sequence, got {values!r}")
        vals = tuple(_check_value(name, v) for v in values)
        if not vals:
            raise ValueError(f"parameter {name!r} has no values")
        typed = [(type(v).__name__, v) for v in vals]
        if len(set(typed)) != len(typed):
            # NOTE: a repeated value would make "one step" ambiguous.
            raise ValueError(f"parameter {name!r} repeats a value: {list(vals)}")
        return vals

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in declaration order."""
        return tuple(self._params)

    def values(self, name: str) -> tuple[Value, ...]:
        """The ordered value list of parameter `name`."""
        return self._params[name]

    @property
    def size(self) -> int:
        """The number of points before constraints are applied."""
        return math.prod(len(v) for v in self._params.values())

    def contains(self, config: Config) -> bool:
        """True if `config` sets exactly this space's parameters to listed values."""
        if set(config.keys()) != set(self._params):
            return False
        return all(self._index(name, config[name]) is not None for name in self._params)

    def violations(self, config: Config, limits: DeviceLimits) -> list[str]:
        """Names of the constraints that `config` breaks (empty when valid)."""
        return [_constraint_name(c) for c in self.constraints if not c(config, limits)]

    def is_valid(self, config: Config, limits: DeviceLimits) -> bool:
        """True if `config` is a point of the space that meets every constraint."""
        return self.contains(config) and all(c(config, limits) for c in self.constraints)

    def configs(self, limits: DeviceLimits) -> Iterator[Config]:
        """Enumerate the valid configs, in declaration order (last name fastest)."""
        names = self.names
        for combo in itertools.product(*self._params.values()):
            config = Config(zip(names, combo, strict=True))
            if all(c(config, limits) for c in self.constraints):
                yield config

    def sample(
        self,
        rng: random.Random,
        limits: DeviceLimits,
        *,
        max_tries: int = 1000,
        enumerate_limit: int = 65536,
    ) -> Config:
        """Draw a valid config uniformly by rejection sampling.

        After `max_tries` rejections a space of at most `enumerate_limit`
        points is enumerated instead, so a sparse but small space still yields
        a config. Raises ValueError when no valid config was found.
        """
        names = self.names
        for _ in range(max_tries):
            config = Config((n, rng.choice(self._params[n])) for n in names)
            if all(c(config, limits) for c in self.constraints):
                return config
        if self.size <= enumerate_limit:
            valid = list(self.configs(limits))
            if valid:
                return rng.choice(valid)
        raise ValueError(f"no valid config found in {max_tries} draws from {self!r}")

    def neighbours(self, config: Config, limits: DeviceLimits) -> list[Config]:
        """Valid configs that differ from `config` by one step in one parameter."""
        if not self.contains(config):
            raise ValueError(f"{config} is not a point of this space")
        found = []
        for name, values in self._params.items():
            i = self._index(name, config[name])
            assert i is not None  # contains() checked it
            for j in (i - 1, i + 1):
                if 0 <= j < len(values):
                    other = config.replace(**{name: values[j]})
                    if all(c(other, limits) for c in self.constraints):
                        found.append(other)
        return found

    def default(self, limits: DeviceLimits) -> Config:
        """The declared default if valid on this device, else the first valid config."""
        if self._default is not None and self.is_valid(self._default, limits):
            return self._default
        for config in self.configs(limits):
            return config
        raise ValueError(f"no config of {self!r} is valid on {limits}")

    def _index(self, name: str, value: Value) -> int | None:
        """Position of `value` in the list of `name`, matching the type too."""
        for i, v in enumerate(self._params[name]):
            if type(v) is type(value) and v == value:
                return i
        return None

    def __repr__(self) -> str:
        params = ", ".join(f"{n}={_short(v)}" for n, v in self._params.items())
        return f"Space({params}; {len(self.constraints)} constraints)"


def _constraint_name(constraint: Constraint) -> str:
    """A readable name for a constraint, for error messages."""
    return getattr(constraint, "__name__", None) or repr(constraint)


def _short(values: tuple[Value, ...]) -> str:
    """A value list for reprs, elided past eight values."""
    if len(values) <= 8:
        return repr(list(values))
    head = ", ".join(repr(v) for v in values[:3])
    return f"[{head}, ... {values[-1]!r}] ({len(values)} values)"

"""KernelSpec: the value that names one kernel variant.

A spec is the memo key, the tuner key and the input to rendering. Everything
that changes the kernel text is in it; nothing that is only a launch argument
(sizes, strides, scalar values) is, so a few variants serve every shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class KernelSpec:
    """One kernel variant: template family, entry point, dtypes, rank and flags.

    ``flags`` and ``tunables`` are tuples of (name, value) pairs kept sorted so
    equal specs compare and hash equal whatever order they were given in.
    """

    family: str
    entry: str
    dtypes: tuple[str, ...] = ()
    rank: int = 1
    flags: tuple[tuple[str, Any], ...] = ()
    tunables: tuple[tuple[str, int], ...] = ()
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", tuple(sorted(self.flags)))
        object.__setattr__(self, "tunables", tuple(sorted(self.tunables)))
        object.__setattr__(self, "_hash",
                           hash((self.family, self.entry, self.dtypes, self.rank, self.flags, self.tunables)))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def make(cls, family: str, entry: str, dtypes: tuple[str, ...] = (), rank: int = 1,
             tunables: dict[str, int] | None = None, **flags: Any) -> KernelSpec:
        """Build a spec from keyword flags: ``KernelSpec.make("elementwise", "ew", ("float32",), expr="a+b")``."""
        return cls(family, entry, tuple(dtypes), rank, tuple(flags.items()), tuple((tunables or {}).items()))

    @property
    def template(self) -> str:
        return f"{self.family}.cl.mako"

    def template_args(self) -> dict[str, Any]:
        """The keyword arguments a template's entry receives (besides the dialect)."""
        args: dict[str, Any] = {"dtypes": self.dtypes, "rank": self.rank}
        args.update(self.flags)
        args.update(self.tunables)
        return args

    def canonical_bytes(self) -> bytes:
        """A stable byte encoding, the same in every process and Python version."""
        doc = {
            "family": self.family, "entry": self.entry, "dtypes": list(self.dtypes), "rank": self.rank,
            "flags": [[k, _jsonable(v)] for k, v in self.flags],
            "tunables": [[k, v] for k, v in self.tunables],
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    return v

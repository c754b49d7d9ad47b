"""Environment knobs, read once at import.

Every ``PORTATENSOR_*`` variable the package honours is read here and nowhere
else, so ``portatensor info`` can show the whole configuration in one place.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


def _default_cache_dir() -> Path:
    """The per-user cache directory of this platform, without extra packages."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "portatensor"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "portatensor" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "portatensor"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    """What the environment asked for when portatensor was imported."""

    device: str | None
    cache_dir: Path
    profile: bool
    profile_out: str | None
    test_devices: str | None


def _read() -> Settings:
    env = os.environ
    cache = env.get("PORTATENSOR_CACHE_DIR")
    return Settings(
        device=env.get("PORTATENSOR_DEVICE") or None,
        cache_dir=Path(cache).expanduser() if cache else _default_cache_dir(),
        profile=_flag(env.get("PORTATENSOR_PROFILE")),
        profile_out=env.get("PORTATENSOR_PROFILE_OUT") or None,
        test_devices=env.get("PORTATENSOR_TEST_DEVICES") or None,
    )


settings = _read()

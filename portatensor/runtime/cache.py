"""ProgramCache: built programs in memory per context and as binaries on disk.

Key: SipHash-2-4 over canonical bytes of everything that can change a binary
(schema, codegen fingerprint, source, options, platform, device, driver,
pyopencl version). Each entry stores its full key material and is checked on
load; writes go to a temp file and ``os.replace``; a truncated or corrupt entry
is a miss that gets rebuilt. A cache dir we cannot write degrades to memory
only with one warning; one that other users can write is not read at all.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from siphash24 import siphash24

SCHEMA = 1
MAGIC = b"PTPROG1\n"
# NOTE: a fixed key: the hash names entries, it does not authenticate them.
CACHE_KEY = b"portatensor-pc-1"


def key_material(source: str, options: str, ident: dict[str, str], fingerprint: str) -> bytes:
    """Canonical bytes of everything that determines a program binary."""
    doc = {"schema": SCHEMA, "fingerprint": fingerprint, "source": source, "options": options, **ident}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def key_hash(material: bytes) -> str:
    return siphash24(material, key=CACHE_KEY).hexdigest()


def _checksum(data: bytes) -> bytes:
    return siphash24(data, key=CACHE_KEY).digest()


def encode_entry(material: bytes, binary: bytes) -> bytes:
    return b"".join([MAGIC, len(material).to_bytes(4, "little"), material,
                     len(binary).to_bytes(8, "little"), binary, _checksum(material + binary)])


def decode_entry(blob: bytes, material: bytes) -> bytes | None:
    """The binary in ``blob`` if it is whole and was stored under ``material``."""
    if not blob.startswith(MAGIC):
        return None
    pos = len(MAGIC)
    n = int.from_bytes(blob[pos:pos + 4], "little")
    pos += 4
    if blob[pos:pos + n] != material:
        return None
    pos += n
    m = int.from_bytes(blob[pos:pos + 8], "little")
    pos += 8
    binary = blob[pos:pos + m]
    if len(binary) != m or blob[pos + m:] != _checksum(material + binary):
        return None
    return binary


def ensure_private_dir(path: Path) -> bool:
    """Create ``path`` (0700) if needed; False when it is writable by others."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name != "posix":
        return True
    st = path.stat()
    sticky_own = bool(st.st_mode & stat.S_ISVTX and st.st_uid == os.getuid())
    return not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)) or sticky_own


class ProgramCache:
    """Programs for one device context: a memory dict in front of a directory."""

    def __init__(self, directory: Path | None, ident: dict[str, str], fingerprint: str) -> None:
        self.ident = ident
        self.fingerprint = fingerprint
        self.memory: dict[tuple[str, str], Any] = {}
        self.stats = {"memory_hits": 0, "disk_hits": 0, "builds": 0, "corrupt": 0, "stored": 0}
        self.directory: Path | None = None
        self._warned = False
        if directory is not None:
            self._open(directory / "programs")

    def _open(self, directory: Path) -> None:
        try:
            private = ensure_private_dir(directory)
        except OSError as exc:
            self._warn(f"cannot create kernel cache dir {directory} ({exc}); caching in memory only")
            return
        if not private:
            self._warn(f"kernel cache dir {directory} is writable by other users; not loading binaries from it")
            return
        self.directory = directory

    def _warn(self, msg: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(msg, RuntimeWarning, stacklevel=4)

    def path_for(self, material: bytes) -> Path | None:
        return None if self.directory is None else self.directory / f"{key_hash(material)}.bin"

    def get(self, source: str, options: str, build_source: Callable[[], Any],
            build_binary: Callable[[bytes], Any]) -> tuple[Any, bytes | None]:
        """The program for (source, options), and its key material if it still needs storing."""
        mem_key = (source, options)
        prog = self.memory.get(mem_key)
        if prog is not None:
            self.stats["memory_hits"] += 1
            return prog, None
        material = key_material(source, options, self.ident, self.fingerprint)
        prog = self._load(material, build_binary)
        pending = None
        if prog is None:
            prog = build_source()
            self.stats["builds"] += 1
            pending = material if self.directory is not None else None
        self.memory[mem_key] = prog
        return prog, pending

    def _load(self, material: bytes, build_binary: Callable[[bytes], Any]) -> Any:
        path = self.path_for(material)
        if path is None:
            return None
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            return None
        binary = decode_entry(blob, material)
        if binary is None:
            self.stats["corrupt"] += 1
            return None
        try:
            prog = build_binary(binary)
        except Exception:  # noqa: BLE001 - a binary the driver rejects is a miss, rebuilt from source
            self.stats["corrupt"] += 1
            return None
        self.stats["disk_hits"] += 1
        return prog

    def store(self, material: bytes, binary: bytes) -> None:
        """Write an entry atomically; a failure degrades to memory only, once warned."""
        path = self.path_for(material)
        if path is None or not binary:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(encode_entry(material, binary))
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:
            self._warn(f"cannot write kernel cache {path.parent} ({exc}); caching in memory only")
            self.directory = None
            return
        self.stats["stored"] += 1


def dir_size(directory: Path) -> tuple[int, int]:
    """(files, bytes) below directory."""
    files = size = 0
    if directory.is_dir():
        for p in directory.rglob("*"):
            if p.is_file():
                files += 1
                size += p.stat().st_size
    return files, size

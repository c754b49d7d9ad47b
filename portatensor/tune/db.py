"""The tuning database: measured best configs per device, with lookup fallbacks.

One JSON file per device fingerprint (the caller names the file, e.g. by a hash
of device + driver + codegen fingerprint). Entries are keyed by problem class:
(family, dtypes, layout, shape bucket). At run time `TuningDB.lookup` falls
back from the exact bucket to the nearest tuned bucket, then to the shipped
defaults for the device's vendor, then to the family's generic default, so an
untuned device still runs.

Writes are read-modify-write under an exclusive lock, through a temp file and
`os.replace`, so concurrent tuners never lose each other's entries and readers
never see half a file. The file and its directory are private to the user; a
file others could have written is not trusted.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portatensor.tune.space import VENDOR_KEYS, Config, Value, vendor_key

try:  # NOTE: fcntl is POSIX only; elsewhere an O_EXCL lock file stands in.
    import fcntl
except ImportError:  # pragma: no cover - exercised on Windows only
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "DEFAULTS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Entry",
    "Lookup",
    "TuningDB",
    "TuningDBWarning",
    "bucket_distance",
    "shape_bucket",
]

SCHEMA = "portatensor-tuning-db"
SCHEMA_VERSION = 1
#: Files larger than this are refused rather than parsed.
MAX_FILE_BYTES = 64 * 1024 * 1024
LOCK_TIMEOUT_S = 30.0

Key = tuple[str, tuple[str, ...], str, tuple[int, ...]]

#: Shipped starting points per (family, vendor key), used when nothing was
#: tuned. Each tunable family keeps its rows beside its space (tune/gemm.py,
#: tune/elementwise.py, tune/reduce.py); lookup.family_defaults() merges them
#: over this table, which holds rows for families without a module of their own.
DEFAULTS: dict[tuple[str, str], dict[str, Value]] = {}


class TuningDBWarning(RuntimeWarning):
    """A tuning database file was ignored (corrupt, foreign or insecure)."""


def shape_bucket(shape: Iterable[int]) -> tuple[int, ...]:
    """Round each dimension up to a power of two (0 stays 0).

    >>> shape_bucket((1000, 3, 1, 0))
    (1024, 4, 1, 0)
    """
    bucket = []
    for dim in shape:
        d = int(dim)
        if d < 0:
            raise ValueError(f"negative dimension {dim} in shape {tuple(shape)!r}")
        bucket.append(0 if d == 0 else 1 << (d - 1).bit_length())
    return tuple(bucket)


def bucket_distance(a: Sequence[int], b: Sequence[int]) -> int:
    """Sum of |log2 differences| between two buckets of the same rank.

    An empty dimension (0) counts as one step below 1.
    """
    if len(a) != len(b):
        raise ValueError(f"buckets of different rank: {tuple(a)} and {tuple(b)}")
    # NOTE: bit_length() is log2 + 1 for powers of two and 0 for 0.
    return sum(abs(int(x).bit_length() - int(y).bit_length()) for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class Entry:
    """One tuned result: the problem class, the best config and its speed."""

    family: str
    dtypes: tuple[str, ...]
    layout: str
    bucket: tuple[int, ...]
    config: Config
    cost: float
    gflops: float | None = None
    gbps: float | None = None
    timestamp: float = 0.0

    @property
    def key(self) -> Key:
        """The database key: (family, dtypes, layout, bucket)."""
        return (self.family, self.dtypes, self.layout, self.bucket)

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON-ready dict."""
        return {
            "family": self.family,
            "dtypes": list(self.dtypes),
            "layout": self.layout,
            "bucket": list(self.bucket),
            "config": self.config.as_dict(),
            "cost": self.cost,
            "gflops": self.gflops,
            "gbps": self.gbps,
            "timestamp": self.timestamp,
        }


@dataclass(frozen=True)
class Lookup:
    """A lookup answer: the config, which fallback level gave it, and the entry.

    `source` is "exact", "nearest", "vendor" or "generic"; `entry` is None for
    the last two.
    """

    config: Config
    source: str
    entry: Entry | None = None


# --------------------------------------------------------------------------
# validation of what is read


def _fail(where: str, problem: str) -> ValueError:
    """A ValueError naming the file and the place of the problem."""
    return ValueError(f"{where}: {problem}")


def _is_number(x: object) -> bool:
    """True for finite ints and floats, but not bools."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _reject_constant(name: str) -> Any:
    """json.loads hook: NaN and Infinity are not JSON and never valid here."""
    raise ValueError(f"non-standard JSON constant {name}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads hook: a repeated key is an error, not last-one-wins."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _decode(raw: bytes, where: str) -> Any:
    """Parse strict JSON from bytes, turning every failure into ValueError."""
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(where, f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        return json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except RecursionError:
        raise _fail(where, "JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError included
        raise _fail(where, f"not valid JSON ({exc})") from None


def _check_keys(obj: object, required: set[str], optional: set[str], where: str) -> dict:
    """Check that `obj` is a dict with exactly the required (+ optional) keys."""
    if not isinstance(obj, dict):
        raise _fail(where, f"expected an object, got {type(obj).__name__}")
    missing = required - obj.keys()
    if missing:
        raise _fail(where, f"missing field(s) {sorted(missing)}")
    unknown = obj.keys() - required - optional
    if unknown:
        raise _fail(where, f"unknown field(s) {sorted(unknown)}")
    return obj


def _check_scalar_map(obj: object, where: str, allow_none: bool) -> dict[str, Any]:
    """Check a JSON object of string keys to scalar values."""
    if not isinstance(obj, dict):
        raise _fail(where, f"expected an object, got {type(obj).__name__}")
    for key, value in obj.items():
        ok = isinstance(value, (bool, str)) or _is_number(value) or (allow_none and value is None)
        if not ok:
            raise _fail(f"{where}.{key}", f"expected a scalar, got {value!r}")
    return obj


def _parse_entry(obj: object, where: str) -> Entry:
    """Validate one JSON entry and build the Entry."""
    e = _check_keys(
        obj,
        {"family", "dtypes", "layout", "bucket", "config", "cost", "timestamp"},
        {"gflops", "gbps"},
        where,
    )
    if not isinstance(e["family"], str) or not e["family"]:
        raise _fail(f"{where}.family", f"expected a non-empty string, got {e['family']!r}")
    if not isinstance(e["dtypes"], list) or not all(isinstance(d, str) for d in e["dtypes"]):
        raise _fail(f"{where}.dtypes", f"expected a list of strings, got {e['dtypes']!r}")
    if not isinstance(e["layout"], str):
        raise _fail(f"{where}.layout", f"expected a string, got {e['layout']!r}")
    bucket = e["bucket"]
    if not isinstance(bucket, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in bucket
    ):
        raise _fail(f"{where}.bucket", f"expected a list of non-negative ints, got {bucket!r}")
    if tuple(bucket) != shape_bucket(bucket):
        raise _fail(f"{where}.bucket", f"dimensions must be powers of two or 0, got {bucket!r}")
    config = _check_scalar_map(e["config"], f"{where}.config", allow_none=False)
    for name in ("cost", "timestamp"):
        if not _is_number(e[name]) or e[name] < 0:
            raise _fail(f"{where}.{name}", f"expected a finite number >= 0, got {e[name]!r}")
    for name in ("gflops", "gbps"):
        value = e.get(name)
        if value is not None and (not _is_number(value) or value < 0):
            raise _fail(f"{where}.{name}", f"expected null or a number >= 0, got {value!r}")
    return Entry(
        e["family"], tuple(e["dtypes"]), e["layout"], tuple(bucket), Config.from_dict(config),
        float(e["cost"]), _opt_float(e.get("gflops")), _opt_float(e.get("gbps")),
        float(e["timestamp"]),
    )  # fmt: skip


def _opt_float(value: float | None) -> float | None:
    """float(value), keeping None."""
    return None if value is None else float(value)


def parse_document(raw: bytes, where: str) -> tuple[dict[str, Any], dict[Key, Entry]]:
    """Validate a database file's bytes; return (fingerprint, entries by key).

    Raises ValueError naming the first problem found.
    """
    doc = _check_keys(
        _decode(raw, where), {"schema", "version", "fingerprint", "entries"}, set(), where
    )
    if doc["schema"] != SCHEMA:
        raise _fail(f"{where}.schema", f"expected {SCHEMA!r}, got {doc['schema']!r}")
    if doc["version"] != SCHEMA_VERSION or isinstance(doc["version"], bool):
        raise _fail(f"{where}.version", f"expected {SCHEMA_VERSION}, got {doc['version']!r}")
    fingerprint = _check_scalar_map(doc["fingerprint"], f"{where}.fingerprint", allow_none=True)
    if not isinstance(doc["entries"], list):
        raise _fail(f"{where}.entries", f"expected a list, got {type(doc['entries']).__name__}")
    entries: dict[Key, Entry] = {}
    for i, obj in enumerate(doc["entries"]):
        entry = _parse_entry(obj, f"{where}.entries[{i}]")
        if entry.key in entries:
            raise _fail(f"{where}.entries[{i}]", f"duplicate key {entry.key}")
        entries[entry.key] = entry
    return fingerprint, entries


def render_document(fingerprint: Mapping[str, Any], entries: Iterable[Entry]) -> bytes:
    """Serialise a database; entries sorted so that files diff well."""
    ordered = sorted(entries, key=lambda e: json.dumps(list(e.key)))
    doc = {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "fingerprint": dict(fingerprint),
        "entries": [e.to_json() for e in ordered],
    }
    return (json.dumps(doc, indent=1, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------
# files: locking, atomic writes, permissions


def _insecure_reason(st: os.stat_result, what: str) -> str | None:
    """Why a file or directory with this stat cannot be trusted, or None."""
    if os.name != "posix":
        return None  # NOTE: POSIX modes mean nothing on Windows; ACLs rule there.
    if st.st_uid not in (os.getuid(), 0):
        return f"{what} is owned by uid {st.st_uid}, not by this user"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{what} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
    return None


@contextlib.contextmanager
def exclusive_lock(
    lock_path: str, timeout: float = LOCK_TIMEOUT_S, use_flock: bool | None = None
) -> Iterator[None]:
    """Hold an exclusive inter-process lock for the duration of the block.

    Uses fcntl.flock where available; otherwise (or with use_flock=False) an
    O_EXCL lock file. Raises TimeoutError after `timeout` seconds.
    """
    if use_flock is None:
        use_flock = fcntl is not None
    if use_flock:
        with _flock(lock_path, timeout):
            yield
    else:
        with _excl_lock(lock_path + "-excl", timeout):
            yield


@contextlib.contextmanager
def _flock(lock_path: str, timeout: float) -> Iterator[None]:
    """flock on a lock file that is never deleted (deleting it would race)."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _retry(lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB), timeout, lock_path)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _excl_lock(lock_path: str, timeout: float) -> Iterator[None]:
    """A lock file created with O_EXCL and removed on release."""

    def acquire() -> None:
        try:
            fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            _break_stale(lock_path, stale_after=max(2 * timeout, 60.0))
            raise BlockingIOError(lock_path) from None
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    _retry(acquire, timeout, lock_path)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)


def _break_stale(lock_path: str, stale_after: float) -> None:
    """Remove a lock file left by a process that died holding it."""
    with contextlib.suppress(FileNotFoundError):
        if time.time() - os.stat(lock_path).st_mtime > stale_after:
            os.unlink(lock_path)


def _retry(acquire: Callable[[], None], timeout: float, lock_path: str) -> None:
    """Call `acquire` until it stops raising BlockingIOError, or time out."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            acquire()
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"could not lock {lock_path} within {timeout} s") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def _write_private(path: str, data: bytes) -> None:
    """Write `data` to `path` atomically, as a 0600 file (temp + os.replace)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp creates the file 0600
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _make_private_dir(directory: str) -> None:
    """Create `directory` as 0700 if missing; refuse one others can write."""
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)  # NOTE: makedirs' mode is filtered by umask
    reason = _insecure_reason(os.stat(directory), f"directory {directory}")
    if reason:
        raise PermissionError(f"refusing to write the tuning database: {reason}")


def _read_bytes(path: str) -> bytes:
    """Read at most MAX_FILE_BYTES + 1 bytes, so a huge file fails validation."""
    with open(path, "rb") as f:
        return f.read(MAX_FILE_BYTES + 1)


# --------------------------------------------------------------------------
# the database


class TuningDB:
    """A per-device tuning database stored in one JSON file.

    `fingerprint` (device, driver, codegen...) is stored in the file; a file
    holding another fingerprint is set aside like a corrupt one. With
    fingerprint=None any stored fingerprint is accepted and kept.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fingerprint: Mapping[str, Any] | None = None,
        *,
        vendor: str | None = None,
        lock_timeout: float = LOCK_TIMEOUT_S,
        use_flock: bool | None = None,
    ) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.fingerprint = None if fingerprint is None else dict(fingerprint)
        if self.fingerprint is not None:
            _check_scalar_map(self.fingerprint, "fingerprint", allow_none=True)
        self.vendor = vendor or self._vendor_from_fingerprint()
        if self.vendor not in VENDOR_KEYS:
            raise ValueError(f"vendor must be one of {VENDOR_KEYS}, got {self.vendor!r}")
        self.lock_timeout = lock_timeout
        self.use_flock = use_flock
        self._cache: tuple[tuple[int, int, int], dict[Key, Entry]] | None = None
        self._warned: set[str] = set()

    def _vendor_from_fingerprint(self) -> str:
        """The vendor key implied by the fingerprint's vendor/device_type fields."""
        fp = self.fingerprint or {}
        vendor, kind = fp.get("vendor"), fp.get("device_type")
        if isinstance(vendor, str) and isinstance(kind, str):
            return vendor_key(vendor, kind)
        return "generic"

    # -- reading ----------------------------------------------------------

    def entries(self) -> list[Entry]:
        """All entries currently in the file (empty if missing or untrusted)."""
        return list(self._load().values())

    def get(
        self, family: str, dtypes: Sequence[Any], layout: str, shape: Sequence[int]
    ) -> Entry | None:
        """The entry for exactly this problem class (shape is bucketed), or None."""
        return self._load().get(_key(family, dtypes, layout, shape))

    def lookup(
        self,
        family: str,
        dtypes: Sequence[Any],
        layout: str,
        shape: Sequence[int],
        defaults: Mapping[tuple[str, str], Mapping[str, Value]] | None = None,
        *,
        vendor: str | None = None,
        accept: Callable[[Config], bool] | None = None,
    ) -> Lookup:
        """The config to use: exact bucket, nearest bucket, vendor, generic default.

        `accept` may reject a stored or vendor config (e.g. one that breaks this
        device's limits), and the chain moves on; the generic default is the
        last resort and is always returned. Raises KeyError if `defaults` has
        no generic entry for `family`.
        """
        table = DEFAULTS if defaults is None else defaults
        ok = accept or (lambda config: True)
        key = _key(family, dtypes, layout, shape)
        entries = self._load()
        exact = entries.get(key)
        if exact is not None and ok(exact.config):
            return Lookup(exact.config, "exact", exact)
        for entry in self._nearest(entries, key):
            if ok(entry.config):
                return Lookup(entry.config, "nearest", entry)
        vendor_config = table.get((family, vendor or self.vendor))
        if vendor_config is not None and (vendor or self.vendor) != "generic":
            config = Config.from_dict(vendor_config)
            if ok(config):
                return Lookup(config, "vendor")
        if (family, "generic") not in table:
            raise KeyError(f"no generic default config for kernel family {family!r}")
        return Lookup(Config.from_dict(table[(family, "generic")]), "generic")

    @staticmethod
    def _nearest(entries: Mapping[Key, Entry], key: Key) -> list[Entry]:
        """Same family/dtypes/layout/rank entries, nearest bucket first."""
        family, dtypes, layout, bucket = key
        same = [
            e for k, e in entries.items()
            if k[:3] == (family, dtypes, layout) and len(k[3]) == len(bucket) and k != key
        ]  # fmt: skip
        # NOTE: ties break on the bucket itself, so the answer never depends
        # on the order of the file.
        return sorted(same, key=lambda e: (bucket_distance(e.bucket, bucket), e.bucket))

    def _load(self) -> dict[Key, Entry]:
        """The file's entries, re-read only when the file changed."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._cache = None
            return {}
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache is not None and self._cache[0] == stamp:
            return self._cache[1]
        entries = self._read_trusted(st)
        self._cache = (stamp, entries)
        return entries

    def _read_trusted(self, st: os.stat_result) -> dict[Key, Entry]:
        """Read and validate the file; untrusted or bad files give {}."""
        reason = self._untrusted(st)
        if reason:
            self._warn_once(reason, f"ignoring tuning database {self.path}: {reason}")
            return {}
        try:
            raw = _read_bytes(self.path)
        except FileNotFoundError:
            return {}
        try:
            return self._parse(raw)
        except ValueError:
            # NOTE: recheck under the lock: a writer may have just replaced
            # the file, and a good file must never be set aside.
            return self._set_aside_if_bad()

    def _untrusted(self, st: os.stat_result) -> str | None:
        """Why the file or its directory cannot be trusted, or None."""
        directory = os.path.dirname(self.path)
        return _insecure_reason(os.stat(directory), f"directory {directory}") or _insecure_reason(
            st, f"file {self.path}"
        )

    def _parse(self, raw: bytes) -> dict[Key, Entry]:
        """Validate bytes of this DB's file, fingerprint included."""
        fingerprint, entries = parse_document(raw, self.path)
        if self.fingerprint is not None and fingerprint != self.fingerprint:
            raise _fail(self.path, f"fingerprint {fingerprint} is not {self.fingerprint}")
        return entries

    def _set_aside_if_bad(self) -> dict[Key, Entry]:
        """Under the lock, rename a still-bad file aside with one warning."""
        try:
            with self._lock():
                return self._read_for_update()
        except (OSError, TimeoutError) as exc:  # e.g. a read-only directory
            self._warn_once("unusable", f"ignoring unusable tuning database {self.path}: {exc}")
            return {}

    def _read_for_update(self) -> dict[Key, Entry]:
        """With the lock held: the current entries, setting a bad file aside."""
        try:
            raw = _read_bytes(self.path)
        except FileNotFoundError:
            return {}
        reason = self._untrusted(os.stat(self.path))
        if reason:
            # NOTE: an untrusted file is replaced by the write, not merged.
            self._warn_once(reason, f"ignoring tuning database {self.path}: {reason}")
            return {}
        try:
            return self._parse(raw)
        except ValueError as exc:
            aside = self._aside_name()
            os.replace(self.path, aside)
            warnings.warn(
                f"tuning database {self.path} is unusable ({exc}); moved it to {aside} "
                "and starting empty",
                TuningDBWarning,
                stacklevel=4,
            )
            return {}

    def _aside_name(self) -> str:
        """A free `<name>.corrupt-<timestamp>[-n]` path next to the file."""
        base = f"{self.path}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}"
        candidate, n = base, 1
        while os.path.exists(candidate):
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def _warn_once(self, tag: str, message: str) -> None:
        """Warn about `tag` once per TuningDB object."""
        if tag not in self._warned:
            self._warned.add(tag)
            warnings.warn(message, TuningDBWarning, stacklevel=4)

    # -- writing ----------------------------------------------------------

    def record(
        self,
        family: str,
        dtypes: Sequence[Any],
        layout: str,
        shape: Sequence[int],
        config: Config | Mapping[str, Value],
        cost: float,
        *,
        gflops: float | None = None,
        gbps: float | None = None,
        timestamp: float | None = None,
        keep_better: bool = False,
    ) -> Entry:
        """Store the best config for a problem class (shape is bucketed).

        With keep_better=True an existing entry with a lower cost is kept.
        """
        cfg = config if isinstance(config, Config) else Config.from_dict(config)
        family_, dtypes_, layout_, bucket = _key(family, dtypes, layout, shape)
        entry = Entry(
            family_, dtypes_, layout_, bucket, cfg, float(cost), _opt_float(gflops),
            _opt_float(gbps), time.time() if timestamp is None else float(timestamp),
        )  # fmt: skip
        # NOTE: validate through the same code that reads files, so nothing
        # is written that a later load would reject.
        _parse_entry(json.loads(json.dumps(entry.to_json())), "entry")
        self.record_many([entry], keep_better=keep_better)
        return entry

    def record_many(self, entries: Iterable[Entry], *, keep_better: bool = False) -> None:
        """Store several entries under one lock and one file write."""
        new = list(entries)

        def merge(current: dict[Key, Entry]) -> None:
            for entry in new:
                old = current.get(entry.key)
                if keep_better and old is not None and old.cost <= entry.cost:
                    continue
                current[entry.key] = entry

        self._update(merge)

    def _update(self, mutate: Callable[[dict[Key, Entry]], None]) -> None:
        """Read-modify-write the file under the lock, atomically."""
        _make_private_dir(os.path.dirname(self.path))
        with self._lock():
            entries = self._read_for_update()
            mutate(entries)
            fingerprint = self.fingerprint if self.fingerprint is not None else self._stored_fp()
            _write_private(self.path, render_document(fingerprint, entries.values()))
            st = os.stat(self.path)
            self._cache = ((st.st_ino, st.st_mtime_ns, st.st_size), entries)

    def _stored_fp(self) -> dict[str, Any]:
        """The fingerprint in the current file, or {} (no fingerprint given)."""
        try:
            fingerprint, _ = parse_document(_read_bytes(self.path), self.path)
        except (OSError, ValueError):
            return {}
        return fingerprint

    def _lock(self) -> contextlib.AbstractContextManager[None]:
        """The exclusive lock guarding this file."""
        return exclusive_lock(self.path + ".lock", self.lock_timeout, self.use_flock)

    # -- export / import --------------------------------------------------

    def export(self, path: str | os.PathLike[str]) -> int:
        """Write all entries (with the fingerprint) to `path`; return how many."""
        entries = self._load()
        fingerprint = self.fingerprint if self.fingerprint is not None else self._stored_fp()
        target = os.path.abspath(os.fspath(path))
        directory = os.path.dirname(target)
        if not os.path.isdir(directory):
            os.makedirs(directory, mode=0o700, exist_ok=True)
        _write_private(target, render_document(fingerprint, entries.values()))
        return len(entries)

    def import_(self, path: str | os.PathLike[str], *, allow_other_device: bool = False) -> int:
        """Merge entries from an exported file; return how many were imported.

        The file is validated first (ValueError naming the problem); a file
        from another device fingerprint is refused unless allow_other_device.
        Imported entries replace existing ones with the same key.
        """
        source = os.fspath(path)
        fingerprint, entries = parse_document(_read_bytes(source), source)
        if (
            self.fingerprint is not None
            and fingerprint != self.fingerprint
            and not allow_other_device
        ):
            raise ValueError(
                f"{source}: fingerprint {fingerprint} does not match this device's "
                f"{self.fingerprint}"
            )
        self.record_many(entries.values())
        return len(entries)


def _dtype_name(dtype: Any) -> str:
    """A dtype's name: str as is, else its `.name`, else str()."""
    if isinstance(dtype, str):
        return dtype
    name = getattr(dtype, "name", None)
    return name if isinstance(name, str) else str(dtype)


def _key(family: str, dtypes: Sequence[Any], layout: str, shape: Sequence[int]) -> Key:
    """Normalise a problem class to a database key."""
    return (family, tuple(_dtype_name(d) for d in dtypes), layout, shape_bucket(shape))

"""The tuning database: buckets, lookup fallbacks, files, locks and import."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import stat
import time
import warnings
from pathlib import Path

import pytest

from portatensor.tune.db import (
    DEFAULTS,
    SCHEMA,
    SCHEMA_VERSION,
    TuningDB,
    TuningDBWarning,
    bucket_distance,
    exclusive_lock,
    shape_bucket,
)
from portatensor.tune.space import VENDOR_KEYS, Config

FP = {"vendor": "NVIDIA Corporation", "device_type": "GPU", "device": "H100", "driver": "550.1"}
F32 = ("float32", "float32", "float32")
TABLE = {
    ("gemm", "generic"): {"tile": 8},
    ("gemm", "nvidia"): {"tile": 64},
    ("gemm", "amd"): {"tile": 32},
}


@pytest.fixture
def db(tmp_path: Path) -> TuningDB:
    """A database in a not-yet-existing private directory."""
    return TuningDB(tmp_path / "tune" / "device.json", FP)


def mode(path: Path) -> int:
    """The permission bits of a path."""
    return stat.S_IMODE(os.stat(path).st_mode)


def document(**overrides: object) -> dict:
    """A valid database document with one entry; `overrides` patch the entry."""
    entry = {
        "family": "gemm", "dtypes": list(F32), "layout": "nn", "bucket": [64, 64],
        "config": {"tile": 16}, "cost": 1e-4, "gflops": 12.5, "gbps": None, "timestamp": 1.0,
    }  # fmt: skip
    entry.update(overrides)
    return {"schema": SCHEMA, "version": SCHEMA_VERSION, "fingerprint": FP, "entries": [entry]}


# -- buckets -------------------------------------------------------------------


def test_shape_bucket_rounds_up_to_powers_of_two() -> None:
    assert shape_bucket((1, 2, 3, 5, 1000, 1024, 1025, 0)) == (1, 2, 4, 8, 1024, 1024, 2048, 0)
    assert shape_bucket(()) == ()
    with pytest.raises(ValueError):
        shape_bucket((-1,))


def test_bucket_distance_sums_log2_steps() -> None:
    assert bucket_distance((64, 64), (64, 64)) == 0
    assert bucket_distance((64, 64), (256, 32)) == 3
    assert bucket_distance((1,), (0,)) == 1
    with pytest.raises(ValueError):
        bucket_distance((1,), (1, 1))


# -- lookup fallback chain -----------------------------------------------------


def test_lookup_exact_bucket(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (100, 100), {"tile": 16}, 1e-4, gflops=20.0)
    found = db.lookup("gemm", F32, "nn", (128, 65), TABLE)  # same bucket (128, 128)
    assert found.source == "exact" and found.config == Config.from_dict({"tile": 16})
    assert found.entry is not None and found.entry.gflops == 20.0


def test_lookup_nearest_bucket_of_the_same_class(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (64, 64), {"tile": 16}, 1.0)
    db.record("gemm", F32, "nn", (1024, 1024), {"tile": 32}, 1.0)
    db.record("gemm", F32, "tn", (512, 512), {"tile": 99}, 1.0)  # other layout
    db.record("gemm", ("float64",) * 3, "nn", (512, 512), {"tile": 98}, 1.0)  # other dtypes
    db.record("gemm", F32, "nn", (512, 512, 2), {"tile": 97}, 1.0)  # other rank
    found = db.lookup("gemm", F32, "nn", (500, 500), TABLE)
    assert found.source == "nearest" and found.config["tile"] == 32  # 2 steps vs 6
    assert db.lookup("gemm", F32, "nn", (100, 100), TABLE).config["tile"] == 16


def test_lookup_nearest_breaks_ties_deterministically(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (256, 64), {"tile": 1}, 1.0)
    db.record("gemm", F32, "nn", (64, 256), {"tile": 2}, 1.0)
    assert db.lookup("gemm", F32, "nn", (128, 128), TABLE).config["tile"] == 2


def test_lookup_vendor_then_generic_default(tmp_path: Path) -> None:
    nvidia = TuningDB(tmp_path / "a.json", FP)
    assert nvidia.vendor == "nvidia"
    found = nvidia.lookup("gemm", F32, "nn", (64, 64), TABLE)
    assert (found.source, found.config["tile"]) == ("vendor", 64)
    amd = nvidia.lookup("gemm", F32, "nn", (64, 64), TABLE, vendor="amd")
    assert (amd.source, amd.config["tile"]) == ("vendor", 32)
    intel = TuningDB(tmp_path / "b.json", {"vendor": "Intel(R) Corporation", "device_type": "GPU"})
    found = intel.lookup("gemm", F32, "nn", (64, 64), TABLE)  # no intel_gpu row
    assert (found.source, found.config["tile"]) == ("generic", 8)
    assert TuningDB(tmp_path / "c.json").lookup("gemm", F32, "nn", (8,), TABLE).source == "generic"


def test_lookup_accept_skips_configs_this_device_cannot_run(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (64, 64), {"tile": 128}, 1.0)
    db.record("gemm", F32, "nn", (128, 128), {"tile": 16}, 1.0)
    small = lambda config: config["tile"] <= 16  # noqa: E731
    assert db.lookup("gemm", F32, "nn", (64, 64), TABLE, accept=small).source == "nearest"
    tiny = lambda config: config["tile"] < 16  # noqa: E731
    assert db.lookup("gemm", F32, "nn", (64, 64), TABLE, accept=tiny).source == "generic"


def test_lookup_without_a_generic_default_raises(db: TuningDB) -> None:
    with pytest.raises(KeyError, match="no_such_family"):
        db.lookup("no_such_family", F32, "nn", (4,))


def test_shipped_defaults_have_a_generic_row_per_family() -> None:
    from portatensor.tune.lookup import family_defaults

    table = family_defaults()
    assert {f for f, _ in table} >= {"gemm", "conv", "elementwise", "reduce"}
    assert all(table[k] == v for k, v in DEFAULTS.items())
    for family, vendor in table:
        assert vendor in VENDOR_KEYS
        assert (family, "generic") in table
        Config.from_dict(table[(family, vendor)])


def test_dtype_objects_are_keyed_by_name(db: TuningDB) -> None:
    class DType:
        name = "float32"

    db.record("gemm", [DType()] * 3, "nn", (8, 8), {"tile": 4}, 1.0)
    assert db.lookup("gemm", F32, "nn", (8, 8), TABLE).source == "exact"


# -- writes ----------------------------------------------------------------------


def test_files_are_private(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 1.0)
    path = Path(db.path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_file_stores_schema_fingerprint_and_entries(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 2.5, gbps=100.0, timestamp=5.0)
    doc = json.loads(Path(db.path).read_text())
    assert doc["schema"] == SCHEMA and doc["version"] == SCHEMA_VERSION
    assert doc["fingerprint"] == FP
    assert doc["entries"] == [{
        "family": "gemm", "dtypes": list(F32), "layout": "nn", "bucket": [8, 8],
        "config": {"tile": 4}, "cost": 2.5, "gflops": None, "gbps": 100.0, "timestamp": 5.0,
    }]  # fmt: skip


def test_record_replaces_or_keeps_the_better(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 1.0)
    db.record("gemm", F32, "nn", (8, 8), {"tile": 8}, 2.0, keep_better=True)
    assert db.get("gemm", F32, "nn", (8, 8)).config["tile"] == 4  # type: ignore[union-attr]
    db.record("gemm", F32, "nn", (8, 8), {"tile": 8}, 2.0)
    assert db.get("gemm", F32, "nn", (8, 8)).config["tile"] == 8  # type: ignore[union-attr]
    assert len(db.entries()) == 1


@pytest.mark.parametrize("cost", [math.inf, math.nan, -1.0])
def test_record_refuses_costs_a_load_would_reject(db: TuningDB, cost: float) -> None:
    with pytest.raises(ValueError):
        db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, cost)
    assert not os.path.exists(db.path)


def test_other_instances_see_new_entries(db: TuningDB) -> None:
    other = TuningDB(db.path, FP)
    assert other.lookup("gemm", F32, "nn", (8, 8), TABLE).source == "vendor"
    db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 1.0)
    assert other.lookup("gemm", F32, "nn", (8, 8), TABLE).source == "exact"


# -- corruption ------------------------------------------------------------------


def write_raw(db: TuningDB, data: bytes) -> None:
    """Put bytes where the database file lives, with safe permissions."""
    os.makedirs(os.path.dirname(db.path), mode=0o700, exist_ok=True)
    with open(db.path, "wb") as f:
        f.write(data)
    os.chmod(db.path, 0o600)


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"\xff\xfe",
        json.dumps(document() | {"version": 999}).encode(),
        json.dumps(document() | {"schema": "something-else"}).encode(),
        json.dumps(document() | {"fingerprint": {"device": "another"}}).encode(),
        json.dumps(document(cost="fast")).encode(),
        json.dumps([1, 2, 3]).encode(),
    ],
    ids=["json", "utf8", "version", "schema", "fingerprint", "entry", "not-an-object"],
)
def test_corrupt_file_is_set_aside_with_one_warning(db: TuningDB, data: bytes) -> None:
    write_raw(db, data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert db.lookup("gemm", F32, "nn", (64, 64), TABLE).source == "vendor"
        assert db.lookup("gemm", F32, "nn", (64, 64), TABLE).source == "vendor"
        assert TuningDB(db.path, FP).entries() == []
    assert [w.category for w in caught] == [TuningDBWarning]
    assert not os.path.exists(db.path)
    aside = [p for p in Path(db.path).parent.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].name.startswith("device.json.corrupt-")
    assert aside[0].read_bytes() == data
    db.record("gemm", F32, "nn", (64, 64), {"tile": 4}, 1.0)  # and life goes on
    assert TuningDB(db.path, FP).lookup("gemm", F32, "nn", (64, 64), TABLE).source == "exact"


def test_corrupt_file_is_set_aside_by_a_writer_too(db: TuningDB) -> None:
    write_raw(db, b"garbage")
    with pytest.warns(TuningDBWarning, match="corrupt|unusable"):
        db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 1.0)
    assert len(TuningDB(db.path, FP).entries()) == 1


def test_unreadable_directory_still_warns_once(db: TuningDB, tmp_path: Path) -> None:
    write_raw(db, b"garbage")
    # an O_EXCL lock that can never be taken stands in for a read-only directory
    locked = TuningDB(db.path, FP, lock_timeout=0.05, use_flock=False)
    Path(db.path + ".lock-excl").write_text("held")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert locked.entries() == [] and locked.entries() == []
    assert len(caught) == 1 and "unusable" in str(caught[0].message)
    assert os.path.exists(db.path)  # not set aside without the lock


# -- permissions -----------------------------------------------------------------


def test_db_in_a_group_writable_directory_is_not_loaded(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 1.0)
    os.chmod(os.path.dirname(db.path), 0o777)
    fresh = TuningDB(db.path, FP)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert fresh.lookup("gemm", F32, "nn", (8, 8), TABLE).source == "vendor"
        assert fresh.entries() == []
    assert len(caught) == 1 and "writable by group or others" in str(caught[0].message)
    with pytest.raises(PermissionError):
        fresh.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 1.0)
    assert os.path.exists(db.path)  # untouched


def test_db_file_writable_by_others_is_not_loaded(db: TuningDB) -> None:
    db.record("gemm", F32, "nn", (8, 8), {"tile": 4}, 1.0)
    os.chmod(db.path, 0o666)
    with pytest.warns(TuningDBWarning, match="writable"):
        assert TuningDB(db.path, FP).entries() == []


# -- locks and concurrency -------------------------------------------------------


@pytest.mark.parametrize("use_flock", [True, False], ids=["flock", "excl"])
def test_lock_times_out_while_held(tmp_path: Path, use_flock: bool) -> None:
    lock = str(tmp_path / "x.lock")
    with exclusive_lock(lock, 1.0, use_flock), pytest.raises(TimeoutError):  # noqa: SIM117
        with exclusive_lock(lock, 0.05, use_flock):
            pass
    with exclusive_lock(lock, 0.05, use_flock):  # released again
        pass


def test_stale_excl_lock_is_broken(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    stale = tmp_path / "x.lock-excl"
    stale.write_text("12345")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    with exclusive_lock(str(lock), 1.0, use_flock=False):
        pass
    assert not stale.exists()


def _writer(path: str, worker: int, use_flock: bool, barrier: object) -> None:
    """Child process: record 20 entries, one write each."""
    db = TuningDB(path, FP, use_flock=use_flock)
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(20):
        db.record("gemm", F32, f"w{worker}", (i + 1,), {"tile": i}, float(i + 1))


@pytest.mark.parametrize("use_flock", [True, False], ids=["flock", "excl"])
def test_two_processes_writing_at_once_keep_every_entry(tmp_path: Path, use_flock: bool) -> None:
    path = str(tmp_path / "tune" / "device.json")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(path, w, use_flock, barrier)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid file: no warning at all
        entries = TuningDB(path, FP).entries()
    # buckets: i+1 for i < 20 rounds to 1, 2, 4, 4, 8, ... so keys repeat; the
    # later (larger) i wins within a bucket, and every bucket of both workers is there
    expected = {(f"w{w}", shape_bucket((i + 1,))) for w in (0, 1) for i in range(20)}
    assert {(e.layout, e.bucket) for e in entries} == expected
    for e in entries:
        assert e.config["tile"] == max(i for i in range(20) if shape_bucket((i + 1,)) == e.bucket)


def _writer_distinct(path: str, worker: int, barrier: object) -> None:
    """Child process: record 20 entries with distinct keys."""
    db = TuningDB(path, FP)
    barrier.wait()  # type: ignore[attr-defined]
    for i in range(20):
        db.record("gemm", F32, "nn", (worker + 1, 1 << i), {"tile": i}, 1.0)


def test_forty_concurrent_writes_leave_forty_entries(tmp_path: Path) -> None:
    path = str(tmp_path / "tune" / "device.json")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer_distinct, args=(path, w, barrier)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    doc = json.loads(Path(path).read_text())
    assert len(doc["entries"]) == 40
    assert len(TuningDB(path, FP).entries()) == 40
    assert mode(Path(path)) == 0o600


# -- export / import ---------------------------------------------------------------


def test_export_import_roundtrip(db: TuningDB, tmp_path: Path) -> None:
    db.record("gemm", F32, "nn", (64, 64), {"tile": 16, "vec": 4}, 1e-4, gflops=1.5e3)
    db.record(
        "reduce", ("float16", "float32"), "c", (1 << 20,), {"local_size": 256}, 2e-5, gbps=800.0
    )
    out = tmp_path / "export" / "db.json"
    assert db.export(out) == 2
    assert mode(out) == 0o600
    other = TuningDB(tmp_path / "other" / "device.json", FP)
    assert other.import_(out) == 2
    assert sorted(other.entries(), key=lambda e: e.family) == sorted(
        db.entries(), key=lambda e: e.family
    )


def test_import_refuses_another_device(db: TuningDB, tmp_path: Path) -> None:
    src = tmp_path / "foreign.json"
    src.write_text(json.dumps(document() | {"fingerprint": {"device": "another"}}))
    with pytest.raises(ValueError, match="fingerprint"):
        db.import_(src)
    assert db.import_(src, allow_other_device=True) == 1


@pytest.mark.parametrize(
    "doc, problem",
    [
        ("{", "not valid JSON"),
        ('{"a": 1, "a": 2}', "duplicate key"),
        (json.dumps(document()).replace("0.0001", "NaN"), "NaN"),
        (json.dumps([document()]), "expected an object"),
        (json.dumps(document() | {"version": 2}), "version"),
        (json.dumps(document() | {"version": True}), "version"),
        (json.dumps(document() | {"schema": "x"}), "schema"),
        (json.dumps(document() | {"extra": 1}), "unknown field"),
        (json.dumps({k: v for k, v in document().items() if k != "entries"}), "missing field"),
        (json.dumps(document() | {"entries": {}}), "entries: expected a list"),
        (json.dumps(document() | {"fingerprint": {"x": [1]}}), "fingerprint.x"),
        (json.dumps(document(cost=-1)), r"entries\[0\].cost"),
        (json.dumps(document(cost=True)), r"entries\[0\].cost"),
        (json.dumps(document(gflops="fast")), "gflops"),
        (json.dumps(document(bucket=[100])), "powers of two"),
        (json.dumps(document(bucket=[-2])), "non-negative"),
        (json.dumps(document(dtypes="float32")), "dtypes"),
        (json.dumps(document(family="")), "family"),
        (json.dumps(document(config={"tile": [16]})), "config.tile"),
        (json.dumps(document(surprise=1)), "unknown field"),
        (json.dumps(document(cost=None)), "cost"),
        (
            '{"schema": "portatensor-tuning-db", "version": 1, "fingerprint": {}, "entries": ['
            + "[" * 100000
            + "]" * 100000
            + "]}",
            "nested too deeply|expected an object",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_import_rejects_garbage_naming_the_problem(
    db: TuningDB, tmp_path: Path, doc: str, problem: str
) -> None:
    src = tmp_path / "bad.json"
    src.write_text(doc)
    with pytest.raises(ValueError, match=problem):
        db.import_(src)
    assert not os.path.exists(db.path)


def test_import_rejects_duplicate_entries(db: TuningDB, tmp_path: Path) -> None:
    doc = document()
    doc["entries"] = doc["entries"] * 2
    src = tmp_path / "dup.json"
    src.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="duplicate key"):
        db.import_(src)

"""End to end: `portatensor tune` in a temp cache dir, then matmul uses the result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import portatensor as pt
    from portatensor.tune.cli import main
    from portatensor.tune.lookup import tuned_config
    dev = pt.default_device()
    A = np.random.default_rng(0).standard_normal((64, 64)).astype("float32")
    before = tuned_config(dev, "gemm", ("float32",) * 3, "nn", (64, 64, 64))
    pt.matmul(pt.asarray(A), pt.asarray(A)).numpy()          # runs (and memoizes) the default
    code = main(["--shapes", "64", "--budget", "6", "--json"])
    after = tuned_config(dev, "gemm", ("float32",) * 3, "nn", (64, 64, 64))
    got = pt.matmul(pt.asarray(A), pt.asarray(A)).numpy()
    used = [k[1].as_dict() for k in dev.plans if isinstance(k, tuple) and k and k[0] == "xgemm"]
    print("RESULT" + json.dumps({"code": code, "before": before.source, "after": after.source,
                                 "config": after.config.as_dict(), "used": used,
                                 "err": float(np.abs(got - A @ A).max())}))
""")


@pytest.mark.slow
def test_tune_then_matmul_uses_tuned_config(tmp_path):
    env = dict(os.environ, PORTATENSOR_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    # NOTE: kernels compile in the fresh cache; reuse PoCL's own cache to stay fast.
    env.setdefault("POCL_CACHE_DIR", str(ROOT / ".cache" / "test-kernels" / "pocl"))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT"))
    res = json.loads(line[len("RESULT"):])
    assert res["code"] == 0
    assert res["before"] in ("vendor", "generic") and res["after"] == "exact"
    assert res["config"] in res["used"]  # matmul ran the tuned config, with no restart
    assert res["err"] < 1e-3
    files = list((tmp_path / "cache" / "tuning").glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["entries"][0]["family"] == "gemm"


def test_cli_show_export_import_clear(tmp_path, capsys):
    env_dir = tmp_path / "cache"
    from portatensor.runtime.device import default_device
    from portatensor.tune.db import TuningDB
    from portatensor.tune.lookup import device_fingerprint

    # show/export/import work on the device's real DB path; use a private DB file through the API.
    db = TuningDB(env_dir / "tuning" / "x.json", device_fingerprint(default_device().info))
    db.record("gemm", ("float32",) * 3, "nn", (64, 64, 64), {"WM": 4}, 1e-3, gflops=1.0)
    out = tmp_path / "export.json"
    assert db.export(out) == 1
    db2 = TuningDB(env_dir / "tuning" / "y.json", device_fingerprint(default_device().info))
    assert db2.import_(out) == 1


def test_cli_rejects_bad_arguments(capsys):
    from portatensor.tune.cli import main

    assert main(["--family", "winograd"]) == 2
    assert main(["--family", "conv", "--shapes", "64"]) == 2  # no conv shape given
    assert main(["--dtype", "int8"]) == 2
    assert main(["--shapes", "0x3"]) == 2

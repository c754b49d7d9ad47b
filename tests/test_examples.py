"""The three examples run end to end as subprocesses with short settings: exit 0, a falling loss, sane accuracy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, *args: str) -> str:
    if "digits" in script:
        pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    r = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], capture_output=True, text=True,
                       env=env, timeout=120, cwd=ROOT)
    assert r.returncode == 0, f"{script} exited {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r.stdout


def _losses(out: str) -> list[float]:
    return [float(v) for v in re.findall(r"loss (\d+\.\d+)", out)]


@pytest.mark.slow
def test_mlp_digits_example():
    out = _run("mlp_digits.py", "--epochs", "3")
    acc = float(re.search(r"test accuracy (\d+\.\d+)%", out.splitlines()[-1]).group(1))
    assert acc >= 85.0, out
    losses = _losses(out)
    assert losses[-1] < losses[0], out


@pytest.mark.slow
def test_cnn_digits_example():
    out = _run("cnn_digits.py", "--epochs", "2")
    losses = _losses(out)
    assert len(losses) == 2 and losses[1] < losses[0], out
    acc = float(re.search(r"final test accuracy (\d+\.\d+)%", out).group(1))
    assert acc >= 85.0, out


@pytest.mark.slow
def test_char_transformer_example():
    out = _run("char_transformer.py", "--steps", "50", "--batch", "16")
    losses = _losses(out)
    assert len(losses) >= 2 and losses[-1] < losses[0], out
    assert "NOT below" not in out and "below by" in out, out

"""The wheel ships templates/ and kernels_cl/ and runs a kernel from a fresh venv."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_and_runs_a_kernel(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, text=True)
    wheel = next(dist.glob("portatensor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "portatensor/_templates/elementwise.cl.mako" in names
    assert "portatensor/_kernels_cl/dtypes.h" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    # Every subpackage of the source tree is in the wheel (setup.cfg lists them explicitly).
    for init in (ROOT / "portatensor").rglob("__init__.py"):
        rel = init.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} is missing from the wheel: add its package to setup.cfg"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # Dependencies (pyopencl, numpy, mako, siphash24) come from this environment,
    # appended after the venv's own site-packages, so portatensor itself is the wheel's copy.
    (Path(site) / "_deps_from_parent.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # --ignore-installed: the parent environment may hold portatensor itself (CI installs it), visible through the .pth.
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
                   check=True,
                   capture_output=True, text=True)
    env = dict(os.environ, PORTATENSOR_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("PYTHONPATH", None)
    code = ("import portatensor as pt, numpy as np; assert 'site-packages' in pt.__file__, pt.__file__;"
            "from portatensor.codegen import template_dirs; assert '_templates' in str(template_dirs()[0]);"
            "y = (pt.asarray(np.arange(4, dtype=np.float32)) + 1).numpy(); assert y.tolist() == [1, 2, 3, 4], y;"
            "print('ran on', pt.default_device())")
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "ran on" in out.stdout, out.stderr
    cli = subprocess.run([str(venv / "bin" / "portatensor"), "info"], cwd=tmp_path, env=env, capture_output=True,
                         text=True)
    assert cli.returncode == 0 and "_templates" in cli.stdout, cli.stderr

"""scikit-learn (array_api_dispatch) and SciPy (SCIPY_ARRAY_API=1) run on portatensor arrays, checked with NumPy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


SKLEARN_CHILD = textwrap.dedent("""
    import os, sys
    os.environ["SCIPY_ARRAY_API"] = "1"
    import numpy as np
    import sklearn
    import portatensor as pt
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    x = np.random.default_rng(3).standard_normal((20, 4)).astype(np.float32)
    t = pt.asarray(x)
    try:
        with sklearn.config_context(array_api_dispatch=True):
            got = MinMaxScaler().fit_transform(t)
            got2 = StandardScaler().fit_transform(t)
    except ImportError as exc:  # array-api-compat missing for dispatch
        print("SKIP", exc)
        sys.exit(0)
    assert isinstance(got, pt.Tensor) and isinstance(got2, pt.Tensor), (type(got), type(got2))
    np.testing.assert_allclose(got.numpy(), MinMaxScaler().fit_transform(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got2.numpy(), StandardScaler().fit_transform(x), rtol=1e-4, atol=1e-5)
    print("ok")
""")


def _child(code: str) -> str:
    env = dict(os.environ, SCIPY_ARRAY_API="1", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout.strip()
    if out.startswith("SKIP"):
        pytest.skip(out)
    return out


@pytest.mark.slow
def test_sklearn_scalers_subprocess() -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    assert _child(SKLEARN_CHILD).endswith("ok")


SCIPY_CHILD = textwrap.dedent("""
    import os, sys
    os.environ["SCIPY_ARRAY_API"] = "1"
    import numpy as np
    import portatensor as pt
    from scipy.special import logsumexp
    from scipy import stats
    x = np.random.default_rng(5).standard_normal((6, 7)).astype(np.float32)
    t = pt.asarray(x)
    r = logsumexp(t, axis=1)
    assert isinstance(r, pt.Tensor), type(r)
    np.testing.assert_allclose(r.numpy(), logsumexp(x, axis=1), rtol=1e-5, atol=1e-6)
    z = stats.zscore(t, axis=0)
    assert isinstance(z, pt.Tensor), type(z)
    np.testing.assert_allclose(z.numpy(), stats.zscore(x, axis=0), rtol=1e-4, atol=1e-5)
    print("ok")
""")


@pytest.mark.slow
def test_scipy_array_api_subprocess() -> None:
    pytest.importorskip("scipy")
    assert _child(SCIPY_CHILD).endswith("ok")

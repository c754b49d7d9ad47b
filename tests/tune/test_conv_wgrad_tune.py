"""Tuning conv2d's weight gradient: the "wgrad" layout of the conv family is measured, checked and stored."""

from __future__ import annotations

import math

import pytest

from portatensor.tune import gemm as G
from portatensor.tune.cli import _problems, tune_problem
from portatensor.tune.db import TuningDB
from portatensor.tune.lookup import device_fingerprint, family_defaults
from portatensor.tune.measure import ConvProblem, Worker


def test_conv_family_tunes_forward_and_weight_gradient():
    problems = _problems(("conv",), ["float32", "float16"], "2x4x9x9x8")
    assert [(p.layout, p.dtype) for p in problems] == [("nchw", "float32"), ("wgrad", "float32"),
                                                        ("nchw", "float16"), ("wgrad", "float16")]
    # the keys ops/conv.py looks up: conv2d_forward (O, OH*OW, K), conv2d_grad_weight (K, O, N*OH*OW)
    assert problems[0].db_key == (("float32",) * 3, "nchw", (8, 81, 36))
    assert problems[1].db_key == (("float32",) * 3, "wgrad", (36, 8, 162))
    assert problems[3].db_key == (("float16", "float16", "float32"), "wgrad", (36, 8, 162))
    assert "wgrad" in problems[1].label and problems[1].flops == problems[0].flops


@pytest.mark.slow
def test_tune_wgrad_stores_a_checked_config(device, tmp_path):
    problem = ConvProblem(2, 4, 9, 9, 8, layout="wgrad")
    limits = G.limits_of(device.info)
    with Worker(device.info.selector) as worker:
        default = G.gemm_space(limits).default(limits)
        m = worker.measure(problem, default.as_dict(), reps=2)
        assert m.error is None and math.isfinite(m.seconds)  # built, launched per image, checked
        db = TuningDB(tmp_path / "tuning.json", device_fingerprint(device.info))
        out = tune_problem(device, problem, 4.0, worker=worker, progress=False, db=db)
    assert math.isfinite(out.tuned_s) and out.trials >= 1
    dtypes, layout, shape = problem.db_key
    found = db.lookup("conv", dtypes, layout, shape, family_defaults())
    assert found.source == "exact" and found.config.as_dict() == out.config

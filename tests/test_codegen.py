"""KernelSpec, rendering through the dialect, errors with context, the fingerprint."""

from __future__ import annotations

import dataclasses

import pytest

from portatensor.codegen import KernelSpec, OpenCLDialect, codegen_fingerprint, render
from portatensor.errors import BuildError, RenderError


def test_spec_is_frozen_canonical_and_order_free():
    a = KernelSpec.make("elementwise", "ew", ("float32",), expr="a+b", flat=True)
    b = KernelSpec.make("elementwise", "ew", ("float32",), flat=True, expr="a+b")
    assert a == b and hash(a) == hash(b) and a.canonical_bytes() == b.canonical_bytes()
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.rank = 2  # type: ignore[misc]
    assert KernelSpec.make("elementwise", "ew", ("float32",), expr="a-b", flat=True).canonical_bytes() != \
        a.canonical_bytes()


def test_render_uses_the_dialect_and_records_the_signature():
    spec = KernelSpec.make("elementwise", "ew", ("float32",), rank=2, expr="a * b",
                           ins=(("float32", "t"), ("float32", "s")), out="float32", compute="float32",
                           flat=False, idx64=False)
    r = render(spec, OpenCLDialect(fp64=False))
    assert "PT_KERNEL ew(" in r.source and "get_global_id(0)" in r.source
    assert "#define PT_KERNEL __kernel void" in r.source  # the dialect header spells it
    assert "#pragma OPENCL EXTENSION cl_khr_fp64" not in r.source
    kinds = [k for k, _, _ in r.signatures["ew"]]
    assert kinds[0] == "out" and "scalar" in kinds


class _Recording(OpenCLDialect):
    """A dialect that marks its spellings, proving templates go through it."""

    def global_id(self, dim):
        return f"GID_{dim}"


def test_templates_spell_ids_through_the_dialect():
    spec = KernelSpec("probe", "probe")
    assert "GID_0" in render(spec, _Recording()).source
    assert "get_global_id" not in render(spec, _Recording()).source


def test_render_error_names_template_and_arguments():
    spec = KernelSpec.make("elementwise", "ew", ("float32",), expr="a")  # missing required arguments
    with pytest.raises(RenderError) as e:
        render(spec, OpenCLDialect())
    msg = str(e.value)
    assert "elementwise.cl.mako:ew" in msg and "expr='a'" in msg
    with pytest.raises(RenderError, match="no_such_family"):
        render(KernelSpec("no_such_family", "x"), OpenCLDialect())


def test_strict_undefined():
    spec = KernelSpec.make("reduce", "reduce", ("float32",))
    with pytest.raises(RenderError, match="NameError|undefined|missing"):
        render(spec, OpenCLDialect())


def test_build_error_carries_log_and_numbered_source(device):
    with pytest.raises(BuildError) as e:
        device.compile_source("__kernel void k(__global int* o) { o[0] = undefined_name; }", "k")
    msg = str(e.value)
    assert "undefined_name" in e.value.log or "undeclared" in e.value.log
    assert "   1 | __kernel void k" in msg and str(device) in msg


def test_fingerprint_is_stable_hex():
    fp = codegen_fingerprint()
    assert len(fp) == 16 and int(fp, 16) >= 0 and codegen_fingerprint() == fp


def test_fingerprint_covers_templates(tmp_path, monkeypatch):
    import importlib
    import shutil

    fingerprint = importlib.import_module("portatensor.codegen.fingerprint")
    render_mod = importlib.import_module("portatensor.codegen.render")

    t, k = render_mod.template_dirs()
    shutil.copytree(t, tmp_path / "templates")
    shutil.copytree(k, tmp_path / "kernels_cl")
    monkeypatch.setattr(fingerprint, "template_dirs", lambda: (tmp_path / "templates", tmp_path / "kernels_cl"))
    fingerprint.codegen_fingerprint.cache_clear()
    try:
        before = fingerprint.codegen_fingerprint()
        (tmp_path / "kernels_cl" / "dtypes.h").write_text((k / "dtypes.h").read_text() + "\n// edit\n")
        fingerprint.codegen_fingerprint.cache_clear()
        assert fingerprint.codegen_fingerprint() != before
    finally:
        fingerprint.codegen_fingerprint.cache_clear()

"""Export round trips: JSON srepr rebuilds each expression, LaTeX has one labelled equation per
result, the standalone Python module reproduces `ldmstop curve` to 1e-12 on every schedule,
Markdown has $$ math; the catalogue export equals a fresh SymPy derivation."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair

from ldmstop import Problem
from ldmstop.curve import compute_curve
from ldmstop.derivations import export as ex
from ldmstop.derivations.results import get_result, result_names

NAMESPACE = {**vars(sp), "ExprCondPair": ExprCondPair}


def test_json_round_trip():
    doc = json.loads(ex.render("json"))
    names = [r["name"] for r in doc["results"]]
    assert names == result_names()
    for r in doc["results"]:
        rebuilt = eval(r["srepr"], NAMESPACE)  # srepr is SymPy's own executable representation
        orig = get_result(r["name"]).expr
        # Rebuilding re-evaluates (log(-(x - 1)) becomes log(1 - x)): equal up to simplification.
        assert rebuilt == orig or sp.simplify(rebuilt - orig) == 0, r["name"]
        assert r["latex"] and r["source"]
        for fs in r["free_symbols"]:
            assert "name" in fs and "assumptions" in fs


def test_latex_one_labelled_equation_per_result():
    tex = ex.render("latex")
    assert "\\documentclass{article}" in tex and "\\csname ldmstop@end\\endcsname" in tex
    for n in result_names():
        assert tex.count("\\label{eq:ldmstop-" + n.replace("_", "-") + "}") == 1
    assert tex.count("\\begin{equation}") == len(result_names())
    assert "Prop 2" in tex
    # compiled with pdflatex and lualatex in tests/test_latex_export.py


def test_markdown_has_math_blocks():
    md = ex.render("markdown")
    assert md.count("$$") == 2 * len(result_names())
    assert "Prop 4" in md


def _load_module(path):
    spec = importlib.util.spec_from_file_location("ldm_export", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "derivations.py"
    path.write_text(ex.render("python"))
    return path


def test_python_export_is_standalone_and_every_function_runs(exported):
    src = exported.read_text()
    imports = {ln.split()[1] for ln in src.splitlines() if ln.startswith(("import ", "from "))}
    assert imports <= {"numpy", "functools"}  # numpy and the standard library only
    mod = _load_module(exported)
    names = [n for n in mod.__all__ if n not in ("w2_curve", "SCHEDULES", "DEFAULT_T")]
    assert set(names) == {r.name for r in map(get_result, result_names())
                          if r.args and not isinstance(r.expr, sp.Eq) and not r.expr.has(sp.Sum)}
    for n in names:  # every function runs (a missing import would raise NameError here)
        f = getattr(mod, n)
        k = f.__code__.co_argcount
        with np.errstate(all="ignore"):
            f(*([0.3] * k))
            f(*([np.array([0.3, 0.7])] * k))


@pytest.mark.parametrize("schedule, T", [("ou", 2.0), ("vp-linear", 1.0), ("vp-cosine", None),
                                         ("rectified-flow", None)])
def test_python_export_matches_curve(exported, schedule, T):
    mod = _load_module(exported)
    var = [0.9, 0.2, 0.35, 1e-6, 0.05]
    est = [0.95, 0.18, 0.3, 2e-6, 0.06]
    times, W = mod.w2_curve(var, est, T=T, schedule=schedule, grid=257)
    res = compute_curve(Problem.from_variances(var, estimated=est, schedule=schedule, T=T), grid=257)
    np.testing.assert_allclose(times, res.times, rtol=0, atol=0)
    np.testing.assert_allclose(W, res.w2_squared, rtol=1e-12, atol=1e-15)


def test_python_export_rejects_an_unknown_schedule(exported):
    mod = _load_module(exported)
    with pytest.raises(ValueError, match="schedule must be one of .*got 'cosine'"):
        mod.w2_curve([1.0, 0.5], schedule="cosine")


@pytest.mark.parametrize("fmt", ["latex", "json", "python", "markdown"])
def test_catalogue_export_equals_a_fresh_derivation(fmt):
    """What derive prints from the generated catalogue is what SymPy derives now."""
    assert ex.render(fmt) == ex.render(fmt, fresh=True)


def test_export_writes_atomically(tmp_path):
    paths = ex.export(tmp_path)
    assert sorted(os.path.basename(p) for p in paths) == sorted(
        ["derivations.tex", "derivations.json", "derivations.py", "derivations.md"])
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".tmp-")]


def test_cli_derive_all(tmp_path):
    out = tmp_path / "exp"
    r = subprocess.run([sys.executable, "-m", "ldmstop", "derive", "--format", "all", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert len(os.listdir(out)) == 4
    r = subprocess.run([sys.executable, "-m", "ldmstop", "derive", "--format", "all"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "needs --out" in r.stderr and "Traceback" not in r.stderr


def test_atomic_files_get_normal_permissions(tmp_path):
    from ldmstop.atomic import write_text_atomic

    umask = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(umask)
    assert (os.stat(tmp_path / "a.txt").st_mode & 0o777) == 0o644


def test_mpmath_backend_keeps_relative_precision_at_tiny_noise():
    import mpmath as mp

    from ldmstop.derivations.backends import mpmath_function

    with mp.workdps(50):
        x = mp.mpf("3e-10")
        got = mpmath_function("ou_inverse_a2")(x)
        assert abs(got / (-mp.log1p(-x) / 2) - 1) < mp.mpf(10) ** -48

"""The generated backends: never stale, deterministic, SymPy-free, one-way layering, greppable.

``derivations/generated/*.py`` are written by ``python -m ldmstop.derivations.generate`` from
the SymPy derivations and committed. These tests regenerate them (under two hash seeds, so
that an ordering that depends on ``PYTHONHASHSEED`` is caught), compare every generated
function with SymPy's own ``lambdify`` of the same expression, check that Numba compiles the
``math`` form, and check the import structure of ``derivations/`` statically.
"""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
import zlib
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DERIV = ROOT / "derivations"
GENERATED = DERIV / "generated"
GENERATED_FILES = ("numpy_backend.py", "mpmath_backend.py", "math_backend.py", "catalogue.py")


def test_generated_modules_are_up_to_date_and_deterministic():
    """A fresh generation equals the committed files, byte for byte, under two hash seeds (the
    two runs in parallel: ~20 s of SymPy each)."""
    procs = []
    for seed in ("0", "1"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        procs.append(subprocess.Popen([sys.executable, "-m", "ldmstop.derivations.generate", "--check"],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for seed, p in zip(("0", "1"), procs):
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, f"PYTHONHASHSEED={seed}: {err}"
        assert "up to date" in out


def test_headers_name_the_generator_sympy_version_and_source_hash():
    import sympy

    from ldmstop.derivations.generate import source_hash

    digest = source_hash()
    for name in GENERATED_FILES:
        head = (GENERATED / name).read_text(encoding="utf-8").splitlines()[:4]
        assert head[0].startswith("# GENERATED FILE - DO NOT EDIT"), name
        # the same minor version (pinned in pyproject.toml); a patch release may differ
        recorded = head[2].removeprefix("# SymPy version: ")
        assert recorded.split(".")[:2] == sympy.__version__.split(".")[:2], (name, recorded)
        assert head[3] == f"# Source SHA-256: {digest}", name


def test_check_reports_a_stale_module(tmp_path):
    """``--check`` on a directory whose copy was edited by hand fails and names the file."""
    from ldmstop.derivations.generate import check

    for name in GENERATED_FILES:
        (tmp_path / name).write_text((GENERATED / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (tmp_path / "numpy_backend.py").read_text(encoding="utf-8")
    edited = text.replace("    return ", "    return 1.0 + ", 1)  # a hand edit of the first formula
    assert edited != text
    (tmp_path / "numpy_backend.py").write_text(edited, encoding="utf-8")
    assert check(tmp_path) == ["numpy_backend.py"]


# --------------------------------------------------------------------------- against lambdify
def _numeric_results():
    from ldmstop.derivations.generate import numeric_results

    return numeric_results()


def _args(name: str, k: int, n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return [10 ** rng.uniform(-8, 0.4, n) for _ in range(k)]


def test_every_generated_function_equals_sympy_lambdify():
    """numpy (with CSE), mpmath (30 digits) and math forms against ``sympy.lambdify`` of the
    stabilised expression, on random arguments over eight decades: equal bit for bit (the same
    operations in the same order), NaN where lambdify gives NaN."""
    import sympy as sp

    from ldmstop.derivations import backends as B
    from ldmstop.derivations.printing import stabilise

    results = _numeric_results()
    assert len(results) == len(B.result_names()) >= 60
    for r in results:
        expr = stabilise(r.expr)
        k = len(r.args)
        xs = _args(r.name, k, 200)
        ref = sp.lambdify(r.args, expr, modules="numpy", cse=True)
        with np.errstate(all="ignore"):
            want = np.asarray(ref(*xs), dtype=float) * np.ones(200)
            got = np.asarray(B.numpy_function(r.name)(*xs), dtype=float) * np.ones(200)
        np.testing.assert_array_equal(got, want, err_msg=r.name)
        ref_mp = sp.lambdify(r.args, expr, modules="mpmath")
        ref_math = sp.lambdify(r.args, expr, modules="math")
        with mp.workdps(30):
            for j in range(5):
                a = [mp.mpf(float(x[j])) for x in xs]
                try:
                    want_mp = ref_mp(*a)
                except (ValueError, ZeroDivisionError, TypeError) as exc:
                    with pytest.raises(type(exc)):
                        B.mpmath_function(r.name)(*a)
                else:
                    assert B.mpmath_function(r.name)(*a) == want_mp, r.name
                f = [float(x[j]) for x in xs]
                try:
                    want_f = ref_math(*f)
                except (ValueError, ZeroDivisionError, OverflowError) as exc:
                    with pytest.raises(type(exc)):
                        B.math_function(r.name)(*f)
                else:
                    got_f = B.math_function(r.name)(*f)
                    assert got_f == want_f or (got_f != got_f and want_f != want_f), r.name


def test_numba_compiles_the_math_backend():
    """The ``math`` forms of each kind of printed construct (nested piecewise, min, max,
    expm1/log1p, acos/cos/pi, exp) compile with ``numba.njit`` and agree with the same form run
    by Python (to a few ulp: Numba's libm may round differently)."""
    from ldmstop.derivations import backends as B

    names = ["ou_threshold_time_plugin", "score_minimiser_capped",
             "rectified_flow_threshold_time_plugin", "vp_linear_a2", "vp_cosine_inverse_a2",
             "variance_uncapped"]
    for n in names:
        k = len(inspect.signature(B.math_function(n)).parameters)
        xs = [float(v[0]) for v in _args(n, k, 1)]
        want = B.math_function(n)(*xs)
        assert B.numba_function(n)(*xs) == pytest.approx(want, rel=4e-16, abs=0), n


# --------------------------------------------------------------------------- look-ups
def test_lookup_by_name_and_by_schedule():
    from ldmstop.derivations import backends as B
    from ldmstop.derivations.generated import mpmath_backend, numpy_backend

    # the names verify builds at run time keep working (its entry point)
    for key in ("ou", "vp_linear", "vp_cosine", "rectified_flow"):
        assert B.mpmath_function(f"{key}_inverse_a2") is getattr(mpmath_backend, f"{key}_inverse_a2")
        assert B.numpy_function(f"{key}_threshold_time_exact") is getattr(numpy_backend, f"{key}_threshold_time_exact")
    assert B.mpmath_function("threshold_x_plugin") is mpmath_backend.threshold_x_plugin
    assert B.numpy_schedule("vp-linear").threshold_time_plugin is numpy_backend.vp_linear_threshold_time_plugin
    assert B.mpmath_schedule("ou").inverse_a2 is mpmath_backend.ou_inverse_a2
    rf = B.numpy_schedule("rectified-flow")
    assert not rf.variance_preserving and rf.w2 is None and rf.threshold_exit_plugin is not None
    assert B.numpy_schedule("vp-cosine").variance_preserving
    with pytest.raises(KeyError, match="did you mean ou_inverse_a2"):
        B.numpy_function("ou_inverse_a")
    with pytest.raises(ValueError, match="unknown schedule 'vp'"):
        B.numpy_schedule("vp")


def _calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            yield name, node


def test_run_time_lookups_use_literal_names():
    """In api/, sim/ and derivations/, every look-up of a derived result by name
    (``numpy_function(...)``, ``get_result(...)``…) takes a string literal, so a search for the
    result's name finds every use (verify/ builds names: its own business)."""
    lookups = {"numpy_function", "mpmath_function", "math_function", "numba_function", "get_result",
               "numpy_schedule", "mpmath_schedule"}
    bad = []
    files = [*ROOT.joinpath("api").rglob("*.py"), *ROOT.joinpath("sim").rglob("*.py"),
             *DERIV.glob("*.py")]
    for path in files:
        if path.name in ("backends.py", "generate.py", "results.py"):
            continue  # the look-up functions themselves and the generator's registry walk
        for name, node in _calls(path):
            if name in lookups and node.args and name not in ("numpy_schedule", "mpmath_schedule"):
                if not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not bad, bad


# --------------------------------------------------------------------------- layering
#: Rank of each derivations module: a module may import only modules of lower rank.
RANKS = {
    "symbols": 0,
    "wasserstein": 1, "schedules": 1, "score_matching": 1, "variance_ode": 1,
    "thresholds": 2, "stationarity": 2,
    "results": 3, "printing": 3,
    "generate": 4,
    "generated": 5, "generated.numpy_backend": 5, "generated.mpmath_backend": 5,
    "generated.math_backend": 5, "generated.catalogue": 5,
    "backends": 6,
    "export": 7,
}
SYMPY_FREE = {"generated", "generated.numpy_backend", "generated.mpmath_backend",
              "generated.math_backend", "generated.catalogue", "backends"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(DERIV).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _strip(name: str) -> str:
    """``ldmstop.derivations.results`` -> ``results`` (absolute imports count too)."""
    prefix = "ldmstop.derivations."
    return name[len(prefix):] if name.startswith(prefix) else name


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, inside a module-level ``__getattr__`` compatibility alias)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    pkg = here[:-1] if path.name != "__init__.py" else here
    out = []
    compat = {id(n) for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "__getattr__"
              for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
                targets = [mod] if node.module else [".".join([*base, a.name]) for a in node.names]
                if node.module:  # `from .generated import numpy_backend` imports the submodule
                    targets += [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in RANKS]
            else:
                targets = [_strip(node.module)] + [_strip(f"{node.module}.{a.name}") for a in node.names]
            out += [(t, node.lineno, id(node) in compat) for t in targets]
        elif isinstance(node, ast.Import):
            out += [(_strip(a.name), node.lineno, id(node) in compat) for a in node.names]
    return out


def test_derivations_layering_is_one_way():
    files = [p for p in DERIV.rglob("*.py") if p.name != "__init__.py" or p.parent != DERIV]
    assert {_module_name(p) for p in files} == set(RANKS), "every module needs a rank"
    bad = []
    for path in files:
        me = _module_name(path)
        for target, line, compat in _imports(path):
            if target in RANKS and not compat and RANKS[target] >= RANKS[me]:
                bad.append(f"{me}:{line} imports {target}")
            if me in SYMPY_FREE and (target.split(".")[0] == "sympy" or
                                     (target in RANKS and target not in SYMPY_FREE)):
                bad.append(f"{me}:{line} imports {target} (must stay SymPy-free)")
    assert not bad, bad


def test_generated_and_backends_import_without_sympy():
    code = ("import sys\n"
            "import ldmstop.derivations.backends as B\n"
            "from ldmstop.derivations.generated import numpy_backend, mpmath_backend, math_backend, catalogue\n"
            "B.numpy_schedule('vp-cosine'); B.mpmath_function('ou_a2'); B.schedule_coefficients('ou')\n"
            "print(sorted(m for m in ('sympy', 'numba', 'matplotlib') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_lookups_happen_at_call_time(monkeypatch):
    """Replacing ``backends.numpy_function`` reaches the curve, by name and by schedule (verify's
    code-side negative controls rely on it; a cached or imported-by-value function would not
    see the replacement)."""
    from ldmstop import Problem
    from ldmstop.curve import threshold_times, w2_map
    from ldmstop.derivations import backends as B

    p = Problem.from_variances([1.0, 0.2, 0.05], T=2.0)
    times = np.linspace(0.0, 2.0, 5)
    base_t, base_w = threshold_times(p), w2_map(p, times)
    original = B.numpy_function

    def patched(name):
        f = original(name)
        if name in ("ou_threshold_time_exact", "component_error_stable"):
            return lambda *a: f(*a) * 0.5
        return f

    monkeypatch.setattr(B, "numpy_function", patched)
    np.testing.assert_allclose(threshold_times(p)[1:-1], base_t[1:-1] * 0.5)
    assert not np.allclose(w2_map(p, times), base_w)
    assert B.numpy_schedule("ou").threshold_time_exact(0.3, 2.0) == pytest.approx(
        0.5 * original("ou_threshold_time_exact")(0.3, 2.0))

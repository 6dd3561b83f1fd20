"""Run-time commands import no SymPy: each runs in a fresh interpreter that then reports whether
``sympy`` (or anything of the SymPy side of ``ldmstop.derivations``) was loaded.

SymPy is for ``python -m ldmstop.derivations.generate``, ``ldmstop derive --fresh`` and
verify's symbolic identity checks only; the numeric backends are generated ahead of time
(``tests/test_generated.py``). Timings live in ``benchmarks/bench_start.py``, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

SYMPY_SIDE = ("sympy", "ldmstop.derivations.symbols", "ldmstop.derivations.results",
              "ldmstop.derivations.schedules", "ldmstop.derivations.generate",
              "ldmstop.derivations.printing")

_RUNNER = """
import contextlib, io, json, sys
import ldmstop.cli as cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    rc = cli.main({argv!r})
print(json.dumps({{"rc": rc, "loaded": [m for m in {side!r} if m in sys.modules],
                  "stdout": out.getvalue()[:200]}}))
"""


def _run_cli(argv, timeout=600):
    code = _RUNNER.format(argv=list(argv), side=SYMPY_SIDE)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["curve", "--variances", "1,0.5", "--json"],
    ["curve", "--variances", "1,0.5,0.01", "--estimated", "1.1,0.4,0.02", "--schedule", "vp-linear"],
    ["curve", "--variances", "1,0.5", "--schedule", "vp-cosine", "--scheme", "ei", "--steps", "8", "--json"],
    ["curve", "--variances", "1,0.5", "--schedule", "rectified-flow", "--scheme", "heun", "--steps", "8"],
    ["simulate", "--variances", "1,0.5", "--paths", "256", "--steps", "5", "--json"],
    ["derive", "--format", "latex"],
], ids=["curve-ou", "curve-vp-linear-plugin", "curve-vp-cosine-ei", "curve-rf-heun", "simulate",
        "derive"])
def test_command_loads_no_sympy(argv):
    res = _run_cli(argv)
    assert res["rc"] == 0
    assert res["stdout"]
    assert res["loaded"] == []


def test_advise_loads_no_sympy(tmp_path):
    spec = tmp_path / "eig.npy"
    np.save(spec, np.array([2.0, 1.0, 0.3, 0.05, 0.01]))
    res = _run_cli(["advise", "--spectrum", str(spec), "--schedule", "vp-linear", "--scheme", "heun",
                    "--steps", "10", "--json"])
    assert res["rc"] == 0 and res["loaded"] == []


def test_frechet_command_loads_no_sympy(tmp_path):
    rng = np.random.default_rng(0)
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(a, rng.standard_normal((200, 3)))
    np.save(b, 1.5 * rng.standard_normal((300, 3)))
    res = _run_cli(["frechet", str(a), str(b), "--json"])
    assert res["rc"] == 0 and res["loaded"] == []


def test_derive_out_all_loads_no_sympy(tmp_path):
    res = _run_cli(["derive", "--format", "all", "--out", str(tmp_path / "d")])
    assert res["rc"] == 0 and res["loaded"] == []
    assert len(list((tmp_path / "d").iterdir())) == 4


def test_verify_numeric_claim_loads_no_sympy():
    """A verify claim whose checks are float64 (the curve) and mpmath (the generated backend)."""
    res = _run_cli(["verify", "--only", "fig4-left", "--quick", "--no-mc", "--dps", "30", "--json"])
    assert res["rc"] == 0 and res["loaded"] == []


def test_frechet_and_recursions_api_load_no_sympy():
    """The Fréchet distance (a ``frechet`` command's engine) and the discrete-sampler recursions."""
    code = ("import sys, numpy as np\n"
            "from ldmstop.frechet import frechet_distance2\n"
            "from ldmstop import Problem\n"
            "from ldmstop.sim.recursions import discrete_w2_map, discrete_variances\n"
            "frechet_distance2(np.diag([2.0, 1.0]), np.eye(2))\n"
            "discrete_w2_map(Problem.from_variances([1.0, 0.5]), steps=4, scheme='ei')\n"
            "discrete_variances(np.array([1.0, 0.5]), schedule='rectified-flow', T=1.0,"
            " steps=4, scheme='heun')\n"
            f"print([m for m in {SYMPY_SIDE!r} if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_derive_fresh_loads_sympy():
    """The control: the one command path meant to derive with SymPy does load it (so the
    checks above can see SymPy when it is there)."""
    res = _run_cli(["derive", "--format", "markdown", "--fresh"])
    assert res["rc"] == 0 and "sympy" in res["loaded"]


def test_strategies_without_hypothesis_name_the_extra():
    """The public strategies module needs the `testing` extra; without Hypothesis it says so."""
    code = ("import sys, builtins\n"
            "real = builtins.__import__\n"
            "def fake(name, *a, **k):\n"
            "    if name == 'hypothesis' or name.startswith('hypothesis.'):\n"
            "        raise ImportError('no hypothesis')\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = fake\n"
            "try:\n"
            "    import ldmstop.verify.strategies\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "ldm-stopping[testing]" in out.stdout, out.stdout + out.stderr

"""``ldmstop simulate``: JSON contract, plot, input errors, lazy Numba import, confirmations."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ldmstop.cli import main

FIG4 = ["--variances", "10,0.2,0.2,0.2,0,0", "--samples", "1000", "--seed", "3"]


def _run(argv, capsys):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_contract_and_plot(capsys, tmp_path):
    png = tmp_path / "sim.png"
    rc, out, err = _run(["simulate", *FIG4, "--paths", "60000", "--steps", "200", "--d", "4",
                         "--checkpoints", "1.9,1.95,1.97", "--json", "--plot", str(png)], capsys)
    assert rc == 0, err
    doc = json.loads(out)
    M = len(doc["times"])
    assert doc["times"][-1] == 2.0 and 1.98 in doc["times"]  # end of grid and t* added
    assert len(doc["mc"]["w2_squared"]) == 1 and len(doc["mc"]["w2_squared"][0]) == M
    assert len(doc["mc"]["stderr"][0]) == M and len(doc["theory"]["w2_squared"][0]) == M
    assert doc["z_max"] <= 4.0
    stop = doc["optimal_stop"]
    for key in ("theory", "mc", "gain", "gain_stderr", "confirmed"):
        assert key in stop
    assert stop["theory"]["d"] == 4 and stop["confirmed"] is True
    assert stop["gain"] > 5 * stop["gain_stderr"]
    assert doc["throughput"] > 0
    assert png.stat().st_size > 10_000


def test_all_dimensions_table(capsys):
    rc, out, err = _run(["simulate", "--variances", "1,0.5,0.1", "--paths", "2000", "--steps", "20",
                         "--checkpoints", "4", "--scheme", "em", "--init", "normal", "--cap", "3",
                         "--threads", "1"], capsys)
    assert rc == 0, err
    assert "max |z|" in out and "optimal stop" in out


@pytest.mark.parametrize("flags,match", [
    (["--paths", "1"], "paths"),
    (["--steps", "0"], "steps"),
    (["--checkpoints", "0.5,2.5"], "checkpoints"),
    (["--checkpoints", "-1.0"], "checkpoints"),
    (["--cap", "1"], "cap"),
    (["--cap", "0.3"], "cap"),
    (["--d", "9"], "--d"),
    (["--d", "two"], "--d"),
    (["--threads", "0"], "threads"),
    (["--schedule", "rectified-flow"], "smaller T"),  # an SDE scheme at T = 1: infinite drift
    (["--schedule", "rectified-flow", "--T", "0.99", "--cap", "3"], "VP schedules only"),
])
def test_bad_inputs_exit_2_with_one_line(flags, match, capsys):
    rc, out, err = _run(["simulate", "--variances", "1,0.5", "--paths", "100", "--steps", "5",
                         *flags], capsys)
    assert rc == 2
    assert err.count("\n") == 1 and match in err and "Traceback" not in err


def test_z_max_shows_its_bar_and_unconfirmed_stop_says_why(capsys):
    # few paths: the predicted early-stop gain cannot reach 5 standard errors
    rc, out, err = _run(["simulate", *FIG4, "--paths", "400", "--steps", "200", "--d", "4",
                         "--checkpoints", "1.9,1.96"], capsys)
    assert rc == 0, err
    assert "(bar 4: MC agrees with the exact recursion)" in out
    line = [ln for ln in out.splitlines() if ln.startswith("optimal stop")][0]
    assert "NOT confirmed (" in line and "try --paths " in line
    need = int(line.split("try --paths ")[1].split(")")[0])
    assert need > 400


@pytest.mark.parametrize("scheme,T", [("em", "0.99"), ("ei", "0.99"), ("euler-ode", "1"), ("heun", "1")])
def test_rectified_flow_mc_agrees_with_its_recursion(scheme, T, capsys):
    """The rectified flow (not VP) through the Numba kernels: MC vs the general-schedule
    recursion (itself checked against hand-typed sample paths in tests/test_sim_schedules.py)."""
    rc, out, err = _run(["simulate", "--variances", "1,0.5,0.1", "--estimated", "1.3,0.3,0.2",
                         "--schedule", "rectified-flow", "--T", T, "--scheme", scheme,
                         "--paths", "40000", "--steps", "12", "--checkpoints", "4", "--json"], capsys)
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["agrees"] and doc["z_max"] <= doc["z_bar"] == 4.0


def test_rectified_flow_mc_rejects_a_wrong_recursion():
    """Negative control: the same MC against the recursion of another grid (8 steps, not 12)
    must disagree, or the agreement above certifies nothing."""
    import numpy as np

    from ldmstop import Problem
    from ldmstop.sim.recursions import discrete_variances
    from ldmstop.sim.simulate import simulate

    p = Problem.from_variances([1, 0.5, 0.1], estimated=[1.3, 0.3, 0.2], schedule="rectified-flow", T=0.99)
    r = simulate(p, paths=40_000, steps=12, scheme="em", checkpoints=[0.99], seed=1)
    _, V = discrete_variances(p.sigma2_used, schedule="rectified-flow", T=0.99, steps=8, scheme="em")
    s2 = r.moments.s2.sum(0)[-1] / r.moments.n
    assert np.max(np.abs(s2 / V[-1] - 1) / np.sqrt(2 / r.moments.n)) > 5


def test_help_does_not_import_numba():
    code = ("import sys, contextlib, io\nimport ldmstop.cli as c\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: c.main(['simulate', '--help'])\n"
            "    except SystemExit: pass\n"
            "print('numba' in sys.modules, 'sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_confirmations_quick():
    """The verification report's entry point: every confirmation holds in quick mode."""
    from ldmstop.sim.confirm import run_confirmations

    res = run_confirmations(quick=True, seed=0)
    ids = [r["id"] for r in res]
    assert ids == ["agreement", "convergence", "standard-errors", "stop-fig4-right",
                   "stop-fig4-right-control", "stop-large-gain", "optimal-dimension"]
    for r in res:
        assert {"id", "description", "confirmed", "gain", "gain_stderr", "z_max",
                "fails_run"} <= set(r)
        assert r["confirmed"] and not r["fails_run"], r
    by_id = {r["id"]: r for r in res}
    fig4 = by_id["stop-fig4-right"]
    assert fig4["gain"] >= 5 * fig4["gain_stderr"] and fig4["gain_theory"] > 0
    assert by_id["stop-fig4-right-control"]["gain_theory"] == 0.0

"""``ldmstop verify`` fails, with the reason in its table, when a Monte Carlo confirmation
errors (instead of passing without it)."""

from __future__ import annotations

import sys
import types

import numpy as np

from ldmstop.cli import main


def _fake_confirm(monkeypatch, fn):
    fake = types.ModuleType("ldmstop.sim.confirm")
    fake.run_confirmations = fn
    monkeypatch.setitem(sys.modules, "ldmstop.sim.confirm", fake)


def _boom(quick=False, seed=0):
    raise RuntimeError("cannot cache function: no locator available")


def _ok(quick=False, seed=0):
    return [{"id": "x", "description": "d", "confirmed": True, "gain": None,
             "gain_stderr": None, "z_max": 0.5}]


def test_erroring_confirmation_fails_verify(monkeypatch, capsys):
    argv = ["verify", "--only", "prop1", "--quick", "--dps", "30"]
    _fake_confirm(monkeypatch, _ok)
    assert main(argv) == 0  # the same run passes when the Monte Carlo runs
    capsys.readouterr()
    _fake_confirm(monkeypatch, _boom)
    rc = main(argv)
    out = capsys.readouterr().out
    assert rc == 1
    assert "Monte Carlo: error: RuntimeError: cannot cache function" in out


def test_missing_simulator_fails_verify(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ldmstop.sim.confirm", None)  # the import fails
    rc = main(["verify", "--only", "prop1", "--quick", "--dps", "30"])
    assert rc == 1 and "Monte Carlo: unavailable" in capsys.readouterr().out


def test_mc_off_is_not_a_failure(monkeypatch, capsys):
    _fake_confirm(monkeypatch, _boom)
    assert main(["verify", "--only", "prop1", "--quick", "--dps", "30", "--mc", "off"]) == 0


def test_a_confirmation_that_fails_the_run_fails_verify(monkeypatch, capsys):
    """``fails_run`` (a defect of the simulator beyond chance) fails the run and is named; a stop
    check merely not confirmed (power) is reported and does not."""
    argv = ["verify", "--only", "prop1", "--quick", "--dps", "30", "--json"]
    weak = dict(_ok()[0], id="stop-weak", confirmed=False, fails_run=False)
    _fake_confirm(monkeypatch, lambda quick=False, seed=0: [weak])
    assert main(argv) == 0
    capsys.readouterr()
    bad = dict(_ok()[0], id="convergence", confirmed=False, fails_run=True)
    _fake_confirm(monkeypatch, lambda quick=False, seed=0: [weak, bad])
    assert main(argv) == 1
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["monte_carlo_disagrees"] == ["convergence"]
    assert doc["summary"]["monte_carlo_unconfirmed"] == ["stop-weak", "convergence"]


# --- the confirmations themselves, each against the defect it is there to catch -------------

def test_convergence_catches_a_rate_table_shared_by_kernel_and_recursion(monkeypatch):
    """A VP rate table that returns 2w² (the β-vs-w² convention slip) is read by the kernels and
    the recursion alike, so MC and recursion agree; only the recursion's convergence to the
    continuous-time process (built from B(s) and a_s², not from the rate) shows it."""
    from ldmstop.sim import confirm
    from ldmstop.sim.schedule_tables import ScheduleTable

    clean = confirm.confirm_convergence()
    assert clean["confirmed"] and not clean["fails_run"], clean["defects"]
    assert 0.45 < clean["worst_ratio"] <= confirm.CONVERGENCE_RATIO
    original = ScheduleTable.beta
    monkeypatch.setattr(ScheduleTable, "beta", lambda self, s: 2.0 * original(self, s))
    bad = confirm.confirm_convergence()
    assert bad["fails_run"] and bad["defects"]


def test_standard_errors_check_catches_formula_and_scale_errors(monkeypatch):
    """The estimator's formula is compared with its definition (so the floor added outside the
    square root, or a dropped bias correction, fails) and a jackknife variance G times too large
    fails the calibration as well."""
    import ldmstop.sim.statistics as st
    from ldmstop.sim import confirm

    clean = confirm.confirm_standard_errors(seed=0, runs=40)
    assert clean["confirmed"] and not clean["fails_run"], clean["defects"]
    original = st.w2_estimates

    def floor_added(mom, sigma2, *, encoder=None):
        est, se, reps = original(mom, sigma2, encoder=encoder)
        floor = st.second_order_floor(mom)
        return est, np.sqrt(se**2 - floor) + np.sqrt(floor), reps

    monkeypatch.setattr(st, "w2_estimates", floor_added)
    bad = confirm.confirm_standard_errors(seed=0, runs=4)
    assert bad["fails_run"] and "definition" in bad["defects"][0]
    monkeypatch.setattr(st, "w2_estimates", lambda mom, sigma2, *, encoder=None: (
        original(mom, sigma2)[2][0],) + original(mom, sigma2)[1:])  # no bias correction
    bad = confirm.confirm_standard_errors(seed=0, runs=4)
    assert bad["fails_run"] and "definition" in bad["defects"][0]

    def inflated(mom, sigma2, *, encoder=None):
        est, se, reps = original(mom, sigma2, encoder=encoder)
        return est, se * np.sqrt(mom.chunks), reps

    monkeypatch.setattr(st, "w2_estimates", inflated)
    import ldmstop.sim.simulate as sm

    monkeypatch.setattr(sm, "w2_estimates", inflated)
    bad = confirm.confirm_standard_errors(seed=0, runs=40)
    assert bad["fails_run"] and any("mis-scaled" in d for d in bad["defects"]), bad["defects"]


def test_stop_check_catches_wrong_times_and_a_wrong_end(monkeypatch):
    """Checkpoints snapped to the wrong grid times, or a stop gain measured against the
    penultimate checkpoint, are seen by the deterministic parts of the stop confirmation and the
    agreement check (their MC criteria alone only turned 'not confirmed')."""
    from ldmstop import Problem
    from ldmstop.sim import confirm, recorder, stopping

    p = Problem.from_variances([0.2] * 4 + [0, 0], estimated=[0.05] * 4 + [0, 0])
    kw = dict(id="x", description="d", paths=8000, steps=100)
    clean = confirm.confirm_optimal_stop(p, **kw)
    assert clean["confirmed"] and not clean["fails_run"], clean["defects"]
    original_check = stopping.stop_check

    def penultimate(res, **k):  # the theory gain against the checkpoint before the end
        out = original_check(res, **k)
        r, j = stopping.theory_optimum(res.theory)
        out["theory"]["gain"] = float(res.theory[r, -2] - res.theory[r, j])
        return out

    monkeypatch.setattr(stopping, "stop_check", penultimate)
    bad = confirm.confirm_optimal_stop(p, **kw)
    assert bad["fails_run"] and "stop analysis" in bad["defects"][0]
    monkeypatch.setattr(stopping, "stop_check", original_check)
    original_resolve = recorder.resolve_checkpoints
    monkeypatch.setattr(recorder, "resolve_checkpoints",
                        lambda spec, grid, T: np.unique(np.maximum(original_resolve(spec, grid, T) - 1, 1)))
    bad = confirm.confirm_optimal_stop(p, **kw)
    assert bad["fails_run"] and "recorded grid steps" in bad["defects"][0]
    agree = confirm.confirm_agreement(paths=400, steps=10, coarse_paths=400)
    assert agree["fails_run"] and "recorded grid steps" in agree["defects"][0]

"""Real bugs in the code under check must fail verify's code comparisons (not only the wrapped
backends of the claims' code-side controls): the extended inverse clipped at the wrong end in
the SymPy derivation itself, a wrong component order in ldmstop.Problem, a wrong estimator."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from ldmstop.verify.claim import Context

CTX = Context(dps=30, quick=True, seed=0)


@pytest.fixture(autouse=True)
def _precision():
    with mp.workdps(CTX.dps):  # what Claim.run sets for the checks
        yield


def test_extended_inverse_clipped_at_the_wrong_end_is_caught(monkeypatch):
    """The generated plug-in threshold with its two clipping ends swapped (T where the extended
    inverse gives 0, 0 where it gives T): the code's threshold_times must disagree with the
    transcription. The generated modules are plain code, so the bug is planted in what they
    return, through the look-up every caller goes through."""
    from ldmstop.derivations import backends
    from ldmstop.verify.threshold_rule import compare_thresholds

    assert compare_thresholds(CTX, plugin=True, seed_name="prop2-plugin").ok  # the real code

    original = backends.numpy_function

    def swapped(name):
        f = original(name)
        if not name.endswith("_threshold_time_plugin"):
            return f

        def wrong(*args):
            t, T = np.asarray(f(*args), dtype=float), args[-1]
            return np.where(t == 0.0, T, np.where(t == T, 0.0, t))

        return wrong

    monkeypatch.setattr(backends, "numpy_function", swapped)
    out = compare_thresholds(CTX, plugin=True, seed_name="prop2-plugin")
    assert not out.ok
    assert any("threshold_time" in v.get("what", "") or "threshold_times" in v.get("what", "")
               for v in out.violations)


def test_problem_ordering_bug_is_caught(monkeypatch):
    from ldmstop import problem as pr
    from ldmstop.verify.threshold_rule import compare_thresholds

    orig = np.argsort

    def ascending(a, *args, **kw):  # sorts by increasing estimate: a plausible sign slip
        return orig(-np.asarray(a), *args, **kw)

    monkeypatch.setattr(pr.np, "argsort", ascending)
    out = compare_thresholds(CTX, plugin=True, seed_name="prop2-plugin")
    assert not out.ok and any("orders the components" in v.get("what", "") for v in out.violations)


def test_centred_estimator_is_caught(monkeypatch):
    from ldmstop import problem as pr
    from ldmstop.verify.claims.prop9 import Prop9

    orig = pr.draw_plugin_estimate
    monkeypatch.setattr(pr, "draw_plugin_estimate",
                        lambda sigma2, n, seed: orig(sigma2, max(n - 1, 1), seed))
    assert not Prop9().compare_code(CTX).ok


def test_code_disagreement_fails_the_run_for_a_known_erratum_too(monkeypatch):
    """Prop 4 is a known erratum of the paper; a bug in the code it compares (the derived capped
    minimiser ignoring its cap) must still fail ``ldmstop verify`` (exit status 1), not hide
    behind the erratum's verdict."""
    from ldmstop.derivations import backends
    from ldmstop.verify.suite import exit_status, run_suite

    original = backends.mpmath_function

    def uncapped(name):
        f = original(name)
        if name != "score_minimiser_capped":
            return f
        return lambda a, b, sh, C: 1 / (a**2 + b**2 * sh**2)  # the cap C forgotten

    ctx = Context(dps=30, quick=True, seed=0)
    clean = run_suite(ctx, only="prop4", monte_carlo=False, show_progress=False)
    assert clean["summary"]["code_disagrees"] == 0 and exit_status(clean) == 0
    monkeypatch.setattr(backends, "mpmath_function", uncapped)
    doc = run_suite(ctx, only="prop4", monte_carlo=False, show_progress=False)
    assert doc["claims"][0]["verdict"] == "known-erratum"
    assert doc["summary"]["code_disagrees_ids"] == ["prop4"]
    assert exit_status(doc) == 1


def test_prop5_code_comparison_sees_the_uncapped_phase(monkeypatch):
    """A wrong closed form of the uncapped phase of Prop 5 (the OU plug-in score with b_s for
    b_s², as a mistyped derivation would give) must make the code comparison fail."""
    import mpmath as mp

    from ldmstop.derivations import backends
    from ldmstop.verify.claims.prop5 import Prop5

    assert Prop5().compare_code(CTX).ok
    original = backends.mpmath_function

    def wrong(name):
        f = original(name)
        if name != "variance_uncapped":
            return f
        return lambda t, T, sh, v0: f(t, T, sh, v0) * (1 + mp.mpf(10) ** -12)

    monkeypatch.setattr(backends, "mpmath_function", wrong)
    assert not Prop5().compare_code(CTX).ok


@pytest.mark.slow
def test_monte_carlo_disagreement_fails_the_run(monkeypatch):
    """The Euler–Maruyama kernel with half the noise variance (its noise table sqrt(w²Δ) for
    sqrt(2w²Δ)): the Monte Carlo agreement check sees it (z ~ 30) and the run must fail. It
    only printed 'NOT confirmed' and exited 0 (the mutation harness found this)."""
    import ldmstop.sim.schemes as schemes
    from ldmstop.sim.confirm import FAIL_Z
    from ldmstop.verify.suite import exit_status, run_suite

    ctx = Context(dps=30, quick=True, seed=0)
    clean = run_suite(ctx, only="prop1", monte_carlo="quick", show_progress=False)
    assert not clean["summary"]["monte_carlo_disagrees"] and exit_status(clean) == 0
    original = schemes.step_tables

    def half_noise(*args, **kw):
        t = original(*args, **kw)
        if kw.get("scheme", args[4] if len(args) > 4 else None) == "em":
            object.__setattr__(t, "noise_sd", t.noise_sd * np.sqrt(0.5))
        return t

    monkeypatch.setattr(schemes, "step_tables", half_noise)
    doc = run_suite(ctx, only="prop1", monte_carlo="quick", show_progress=False)
    agreement = next(m for m in doc["monte_carlo"]["results"] if m["id"] == "agreement")
    assert agreement["z_max"] > FAIL_Z and agreement["fails_run"]
    assert doc["summary"]["monte_carlo_disagrees"] == ["agreement"] and exit_status(doc) == 1


def test_fig4_right_sees_a_stop_found_too_coarsely(monkeypatch):
    """Twenty bisection steps instead of 200 leave the stationary point (hence s* = T − t*) off
    by ~1e-6 of a grid cell, which W² — flat to second order there — cannot show: the code
    comparison checks s* itself."""
    from ldmstop import curve
    from ldmstop.verify.claims.fig4 import Fig4Right

    assert Fig4Right().compare_code(CTX).ok
    original = curve._bisect_root
    monkeypatch.setattr(curve, "_bisect_root", lambda g, lo, hi, iters=200: original(g, lo, hi, iters=20))
    assert not Fig4Right().compare_code(CTX).ok


def test_fig4_right_pins_the_default_horizon(monkeypatch):
    """A user who omits --T gets the paper's OU horizon T = 2 (Figure 4)."""
    from ldmstop import problem
    from ldmstop.verify.claims.fig4 import Fig4Right

    monkeypatch.setitem(problem.DEFAULT_T, "ou", 1.0)
    out = Fig4Right().compare_code(CTX)
    assert not out.ok and any("default OU horizon" in v.get("what", "") for v in out.violations)

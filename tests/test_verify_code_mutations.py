"""Real bugs in the code under check must fail verify's code comparisons (not only the wrapped
backends of the claims' code-side controls): the extended inverse clipped at the wrong end in
the SymPy derivation itself, a wrong component order in ldmstop.Problem, a wrong estimator."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from ldmstop.verify.claim import Context

CTX = Context(dps=30, quick=True, seed=0)


@pytest.fixture(autouse=True)
def _precision():
    with mp.workdps(CTX.dps):  # what Claim.run sets for the checks
        yield


def _clear_derivation_caches():
    from ldmstop.derivations import backends, results

    results.get_result.cache_clear()
    for fn in (backends.mpmath_function, backends.numpy_function, backends.math_function,
               backends.schedule_functions):
        fn.cache_clear()


@pytest.fixture
def fresh_derivations():
    _clear_derivation_caches()
    yield
    _clear_derivation_caches()


def test_extended_inverse_clipped_at_the_wrong_end_is_caught(monkeypatch, fresh_derivations):
    from ldmstop.derivations import results
    from ldmstop.derivations.schedules import get_schedule
    from ldmstop.derivations.symbols import T, s, x
    from ldmstop.verify.claims.prop2 import compare_thresholds

    assert compare_thresholds(CTX, plugin=False, seed_name="prop2").ok  # the real derivation

    def wrong(schedule_name):
        sch = get_schedule(schedule_name)
        xr = sp.Symbol("x", real=True)
        # the two clipping ends swapped: T below 0, 0 above a_T²
        return sp.Piecewise((T, xr < 0), (sch.inverse_a2.subs(x, xr), xr <= sch.a2.subs(s, T)),
                            (0, True))

    monkeypatch.setattr(results, "extended_inverse_a2", wrong)
    _clear_derivation_caches()
    out = compare_thresholds(CTX, plugin=True, seed_name="prop2-plugin")
    assert not out.ok
    assert any("threshold_time" in v.get("what", "") or "threshold_times" in v.get("what", "")
               for v in out.violations)


def test_problem_ordering_bug_is_caught(monkeypatch):
    from ldmstop import problem as pr
    from ldmstop.verify.claims.prop2 import compare_thresholds

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

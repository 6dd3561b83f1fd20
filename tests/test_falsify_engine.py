"""The search engine of ldmstop.verify.search on toy falsifiers whose answers are known: float64
noise is never a refutation, the budget is spent in full, counterexamples are shrunk to
readable values and certified at 50/100 digits, validity boundaries are found where they are."""

from __future__ import annotations

import math

import mpmath as mp
import pytest

from ldmstop.verify.planted import planted
from ldmstop.verify.search import BUDGETS, Coord, F64, Falsifier, readable, run_search
from ldmstop.verify.validity import validity_report


class _Noise(Falsifier):
    """True statement whose float64 margin is rounding noise: (0.1 + x) − x − 0.1 ≥ 0 in
    float64 for many x, exactly 0 in exact arithmetic."""

    claim_id = "toy-noise"
    readable_T = None
    coords = [Coord("x", 1e-3, 1e3, log=True)]

    def decode(self, z):
        return {"x": float(z[0])}

    def margin(self, s, M):
        x = M.num(s["x"])
        return (M.num("0.1") + x) - x - M.num("0.1")


class _Threshold(Falsifier):
    """False for T below 0.3 exactly: margin 0.3 − T (T in the log box), readable shrink."""

    claim_id = "toy-threshold"
    scalars = ("T", "y")
    coords = [Coord("T", 1e-4, 50.0, log=True), Coord("y", 0.0, 1.0)]

    def decode(self, z):
        return {"T": float(z[0]), "y": float(z[1])}

    def margin(self, s, M):
        return M.num("0.3") - M.num(s["T"])


def test_float64_noise_is_a_precision_artefact_not_a_counterexample():
    res = run_search(_Noise(), budget="quick", seed=0)
    assert res.best_margin64 > 0          # float64 says "violated" somewhere
    assert not res.refuted                # 50 digits say otherwise
    assert res.precision_artefacts >= 1


def test_budget_is_spent_even_on_a_flat_margin():
    class Flat(_Noise):
        def margin(self, s, M):
            return 0 * M.num(1)

    res = run_search(Flat(), budget="quick", seed=0)
    b = BUDGETS["quick"]
    assert res.evaluations >= b.random + 0.8 * b.de_evals  # DE did not stop on a flat landscape


def test_shrinks_to_the_largest_readable_failing_horizon_and_certifies():
    res = run_search(_Threshold(), budget="quick", seed=0)
    assert res.refuted
    T = float(res.counterexample["T"])
    assert 0.2 <= T < 0.3                  # moved towards T = 2 as far as it still fails
    assert len(f"{T:g}") <= 4              # readable: one or two significant digits
    cert = res.certificate
    assert cert["confirmed"] and cert["margin_50_digits"] == pytest.approx(0.3 - T)
    assert cert["digits_agreeing"] >= 45


def test_validity_boundary_at_the_planted_threshold():
    f = _Threshold()
    res = run_search(f, budget="quick", seed=0)
    v = validity_report(f, res.setting)
    [b] = [x for x in v["boundaries"] if x["axis"] == "T"]
    assert len(b["changes"]) == 1 and b["changes"][0]["fails_below"]
    assert b["changes"][0]["at"] == pytest.approx(0.3, rel=1e-6)
    assert "fails for T below 0.3" in v["statement"]


def test_planted_small_T_threshold_boundary_is_stated():
    f = planted("prop2-late-threshold-small-T")
    res = run_search(f, budget="default", seed=0)
    v = validity_report(f, res.setting)
    assert "fails for T below 0.1" in v["statement"], v["statement"]


def test_readable_rounding():
    assert readable(0.123456, 2) == "0.12" and readable(1234.5, 1) == "1e+03"
    assert float(readable(math.pi, 3)) == 3.14


def test_f64_and_mp_namespaces_agree_on_a_margin():
    f = _Threshold()
    s = {"T": 0.25, "y": 0.5}
    with mp.workdps(50):
        m = f.margin(s, __import__("ldmstop.verify.search", fromlist=["x"]).mp_namespace())
    assert float(m) == pytest.approx(f.margin(s, F64), abs=1e-15)

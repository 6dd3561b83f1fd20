"""Interval certificates (ldmstop.verify.certify): each closes on its box, planted false
statements and boxes reaching outside the hypotheses do not, and every failing box carries a
witness that an independent route confirms at 50 digits."""

from __future__ import annotations

import json
from fractions import Fraction
from functools import lru_cache

import mpmath as mp
import pytest
import sympy as sp
from mpmath import iv

from ldmstop.verify import transcribe as tr
from ldmstop.verify.certify import (CLAIM_IDS, Certificate, certificate_for, certify_lemma1,
                                    certify_prop1, certify_prop2, certify_prop9,
                                    chi2_failure_enclosure, variance_gap_enclosure)
from ldmstop.verify.ode import solve_linear

@lru_cache(maxsize=None)
def _certificate(claim: str, quick: bool) -> Certificate:
    """One computation per claim and budget for the whole module (prop9's default is seconds)."""
    return certificate_for(claim, quick)


KEYS = {"claim", "statement", "box", "certified", "boxes", "max_depth", "seconds",
        "failing_box", "method"}


def _inside(cert: Certificate) -> None:
    """The witness lies in the reported failing box."""
    fb = cert.failing_box
    for name, value in fb["witness"].items():
        lo, hi = fb["box"][name]
        assert lo <= value <= hi, (name, value, lo, hi)


# --------------------------------------------------------------------------- the interface


@pytest.mark.parametrize("claim", CLAIM_IDS)
@pytest.mark.parametrize("quick", [True, False])
def test_each_certificate_closes_on_its_box(claim, quick):
    cert = _certificate(claim, quick)
    assert isinstance(cert, Certificate)
    assert cert.claim == claim
    assert cert.certified, cert.failing_box
    assert cert.failing_box is None
    assert cert.boxes >= 1 and cert.max_depth >= 0 and cert.seconds >= 0
    doc = cert.to_json()
    assert set(doc) == KEYS
    assert all(len(v) == 2 and v[0] <= v[1] for v in doc["box"].values())
    json.dumps(doc)  # plain JSON


def test_boxes_reach_the_printed_hypotheses():
    """The default boxes span the ranges the brief asks for (not a neighbourhood of the
    paper's settings)."""
    b2 = _certificate("prop2", True).box
    assert b2["sigma2"][0] <= 1e-6 and b2["sigma2"][1] >= 1e6
    assert b2["T"][0] <= 1e-4 and b2["T"][1] >= 50 and b2["t/T"] == (0.0, 1.0)
    bl = _certificate("lemma1", True).box
    assert bl["sigmahat2"][0] <= 1e-6 and bl["sigmahat2"][1] >= 1e6
    assert bl["C"][0] <= 1 and bl["C"][1] >= 1e6 and bl["T"][1] >= 50
    b1 = _certificate("prop1", True).box
    assert b1["x"] == (0.0, 1.0) and b1["sigmahat2"][0] <= 1e-6
    b9 = _certificate("prop9", False).box
    assert b9["n"][0] == 1 and b9["n"][1] >= 100 and b9["eps"][0] == 0


def test_suite_knows_which_claims_are_certified():
    """verify's suite names the certified claims itself (so that other claims never import the
    SymPy-based certifier); the two lists must be the same."""
    from ldmstop.verify.suite import CERTIFIED_CLAIMS

    assert CERTIFIED_CLAIMS == set(CLAIM_IDS)


def test_unknown_claim_has_no_certificate():
    assert certificate_for("prop7", quick=True) is None


def test_certificates_are_deterministic():
    a = certify_prop2(coefficient="4.1").to_json()
    b = certify_prop2(coefficient="4.1").to_json()
    a.pop("seconds"), b.pop("seconds")
    assert a == b


def test_bad_ranges_are_value_errors():
    with pytest.raises(ValueError, match="eps"):
        certify_prop9(N=3, eps=("-2", "1"))
    with pytest.raises(ValueError, match="n_min"):
        certify_prop9(N=3, n_min=5)


# --------------------------------------------------------------------------- Prop 2


def test_prop2_planted_coefficient_fails_in_the_sign_rule():
    cert = certify_prop2(coefficient="3.9", schedules=())
    assert not cert.certified
    fb = cert.failing_box
    assert fb["kind"] == "violation" and fb["part"] == "sign rule"
    _inside(cert)
    assert "Not identities" in cert.method
    with mp.workdps(50):
        s2, v = mp.mpf(fb["witness"]["sigma2"]), mp.mpf(fb["witness"]["v"])
        delta = v - 2 * mp.sqrt(s2) * mp.sqrt(v)
        assert (delta <= 0) != (v <= mp.mpf("3.9") * s2)


@pytest.mark.parametrize("schedule", ["ou", "vp-linear"])
@pytest.mark.parametrize("coefficient", ["3.9", "4.1"])
def test_prop2_planted_threshold_time_fails(schedule, coefficient):
    """``t_d`` with ``(c-1)σ²`` for ``3σ²``: the witness is checked with the project's mpmath
    transcription (``findroot`` inverse for VP-linear), independent of the interval code."""
    cert = certify_prop2(coefficient=coefficient, schedules=(schedule,), sign_rule=False)
    assert not cert.certified
    fb = cert.failing_box
    assert fb["kind"] == "violation" and schedule in fb["part"]
    _inside(cert)
    w = fb["witness"]
    with mp.workdps(50):
        sch = tr.schedule(schedule)
        s2, T = mp.mpf(w["sigma2"]), mp.mpf(w["T"])
        t = mp.mpf(w["t/T"]) * T
        sig = mp.sqrt(s2)
        delta = tr.increment(sch.a2(T - t), sig, sig)
        xd = tr.pos_ratio((mp.mpf(coefficient) - 1) * s2, 1 - s2)
        td = T - sch.ext_inv(xd, T)
        assert (delta <= 0) != (t >= td)


def test_prop2_threshold_matches_the_project_derivation():
    assert "claimed x_d = derivations.threshold_x_exact()" in _certificate("prop2", True).method


# --------------------------------------------------------------------------- Prop 1


def _f_second_derivative(s2, h2, x, sign=-1):
    f = lambda y: (mp.sqrt(y + (1 - y) * h2) + sign * mp.sqrt(s2)) ** 2  # noqa: E731
    return mp.diff(f, x, 2)


def test_prop1_planted_concave_function_fails():
    """``(sqrt(v) + σ)²`` in place of ``(sqrt(v) - σ)²``: the factor ``q = φ''(v)`` of
    ``f'' = (1-σ̂²)² φ''(v)`` is negative (checked by numerical differentiation in ``v``), and on a
    box away from ``σ̂² = 1`` the literal ``f'' > 0`` fails too (differentiation in ``x``)."""
    cert = certify_prop1(sign=1)
    assert not cert.certified and cert.failing_box["kind"] == "violation"
    _inside(cert)
    w = cert.failing_box["witness"]
    with mp.workdps(50):
        s2, h2, x = (mp.mpf(w[k]) for k in ("sigma2", "sigmahat2", "x"))
        phi = lambda v: (mp.sqrt(v) + mp.sqrt(s2)) ** 2  # noqa: E731
        assert mp.diff(phi, x + (1 - x) * h2, 2) < -mp.mpf(10) ** -10
    cert = certify_prop1(sign=1, strict=True, sigmahat2=("2", "1e6"))
    assert not cert.certified
    _inside(cert)
    w = cert.failing_box["witness"]
    with mp.workdps(50):
        assert _f_second_derivative(mp.mpf(w["sigma2"]), mp.mpf(w["sigmahat2"]),
                                    mp.mpf(w["x"]), sign=1) < -mp.mpf(10) ** -10


def _exact_second_derivative(s2: Fraction, h2: Fraction, x: Fraction):
    X = sp.Symbol("x")
    f = (sp.sqrt(X + (1 - X) * sp.Rational(h2)) - sp.sqrt(sp.Rational(s2))) ** 2
    return sp.simplify(sp.diff(f, X, 2).subs(X, sp.Rational(x)))


def test_prop1_printed_strict_inequality_fails_at_unit_estimate():
    """The printed ``f'' > 0`` fails at ``σ̂² = 1`` (``f`` is constant there)."""
    cert = certify_prop1(strict=True)
    assert not cert.certified
    w = cert.failing_box["witness"]
    assert w["sigmahat2"] == 1.0
    _inside(cert)
    assert _exact_second_derivative(Fraction(w["sigma2"]), Fraction(1), Fraction(w["x"])) == 0
    with mp.workdps(50):
        assert abs(_f_second_derivative(mp.mpf(w["sigma2"]), 1, mp.mpf(w["x"]) or
                                        mp.mpf("0.5"))) < mp.mpf(10) ** -30


def test_prop1_box_outside_the_hypotheses_fails():
    """σ = 0 is outside ``σ > 0``: there ``f`` is linear, not strictly convex."""
    cert = certify_prop1(sigma2=("0", "1"), scale="lin")
    assert not cert.certified
    w = cert.failing_box["witness"]
    assert w["sigma2"] == 0.0
    _inside(cert)
    assert _exact_second_derivative(Fraction(0), Fraction(w["sigmahat2"]),
                                    Fraction(w["x"])) == 0


def test_prop1_strict_certificate_holds_away_from_one():
    assert certify_prop1(strict=True, sigmahat2=("1e-6", "0.999")).certified
    assert certify_prop1(strict=True, sigmahat2=("1.001", "1e6")).certified


# --------------------------------------------------------------------------- Lemma 1


def _variance(h2, C, T, t):
    """``V_t`` by the project's Gauss–Legendre integrator at 50 digits (an independent route:
    no closed form, no interval arithmetic)."""
    with mp.workdps(50):
        h2, C, T, t = (mp.mpf(v) for v in (h2, C, T, t))
        m = lambda tau: min(C, 1 / (1 - mp.exp(-2 * (T - tau)) * (1 - h2)))  # noqa: E731
        return solve_linear(lambda tau: 2 * (1 - 2 * m(tau)), lambda tau: mp.mpf(2), 0, t, 1, 64)


@pytest.mark.parametrize("kw, side", [(dict(above="0.99"), "below"),
                                      (dict(below="1.01"), "above"),
                                      (dict(C=("0.6", "2"), C_scale="lin"), "above")])
def test_lemma1_planted_and_outside_hypotheses_fail(kw, side):
    """``σ̂² ≥ 0.99 ⇒ V ≥ 1`` and ``σ̂² ≤ 1.01 ⇒ V ≤ 1`` are false; so is Lemma 1 with a cap
    ``C < 1`` (outside Prop 4's ``C > 1``)."""
    cert = certify_lemma1(**kw)
    assert not cert.certified and cert.failing_box["kind"] == "violation"
    _inside(cert)
    w = cert.failing_box["witness"]
    V = _variance(w["sigmahat2"], w["C"], w["T"], w["t/T"] * w["T"])
    assert (V < 1) if side == "below" else (V > 1)


@pytest.mark.parametrize("h2, C, T, frac", [("0.3", "4", "2", "1"), ("0.01", "10", "3", "0.7"),
                                            ("5", "2", "0.5", "0.4"), ("1e-4", "1.5", "20", "1"),
                                            ("0.5", "0.7", "1", "1")])
def test_lemma1_enclosure_contains_the_ode_solution(h2, C, T, frac):
    """The validated enclosure of ``V_t - 1`` contains the Gauss–Legendre solution, on point
    boxes and on a box around the point."""
    t = mp.mpf(frac) * mp.mpf(T)
    gap = _variance(h2, C, T, t) - 1
    with mp.workdps(50):
        point = variance_gap_enclosure(iv.mpf(h2), iv.mpf(C), iv.mpf(T), iv.mpf(frac))
        assert point.a <= gap <= point.b
        box = variance_gap_enclosure(iv.mpf([mp.mpf(h2) * 0.9, mp.mpf(h2) * 1.1]), iv.mpf(C),
                                     iv.mpf([mp.mpf(T) * 0.9, mp.mpf(T)]), iv.mpf([0, frac]))
        assert box.a <= gap <= box.b


# --------------------------------------------------------------------------- Prop 9


def _failure_probability(n, eps):
    with mp.workdps(50):
        k, eps = mp.mpf(n) / 2, mp.mpf(eps)
        lower = mp.gammainc(k, 0, n * (1 - eps) / 2, regularized=True) if eps < 1 else 0
        return lower + mp.gammainc(k, n * (1 + eps) / 2, mp.inf, regularized=True)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 17, 60, 201])
@pytest.mark.parametrize("eps", ["0.001", "0.37", "1", "2.5", "40"])
def test_chi2_enclosure_contains_the_exact_probability(n, eps):
    """Both branches of erfc (z ≤ 16 and above), integer and half-integer n/2, ε < 1 and ≥ 1."""
    box = chi2_failure_enclosure(n, mp.mpf(float(eps)), prec=96)
    with mp.workdps(50):
        exact = _failure_probability(n, mp.mpf(float(eps)))
        assert box.a <= exact <= box.b
        assert box.b - box.a <= mp.mpf(10) ** -18 * exact


@pytest.mark.parametrize("terms", [2, 3, 6])
@pytest.mark.parametrize("z", ["50", "123.25"])
def test_erfc_asymptotic_enclosure_with_few_terms(z, terms):
    """The enveloping remainder of erfc's asymptotic series (DLMF 7.12(i)): with K terms the
    enclosure still contains erfc(√z), and its width is the first omitted term."""
    from ldmstop.verify.certify import _erfc_sqrt, _prec
    with _prec(200):
        box = _erfc_sqrt(Fraction(z), terms=terms)
    with mp.workdps(60):
        zz = mp.mpf(z)
        exact = mp.erfc(mp.sqrt(zz))
        assert box.a <= exact <= box.b
        omitted = mp.rf(mp.mpf(1) / 2, terms) / zz**terms * mp.exp(-zz) / mp.sqrt(mp.pi * zz)
        assert omitted * mp.mpf("0.999") <= box.b - box.a <= omitted * mp.mpf("1.001")


@pytest.mark.parametrize("kw", [dict(N=50, n_min=46, constant="2.5"),
                                dict(N=8, n_min=7, constant="2", eps=("0", "12"))])
def test_prop9_planted_bounds_fail(kw):
    """``4(ε+1)`` replaced by ``2.5(ε+1)`` (first fails at n = 46) or ``2(ε+1)`` (n = 7)."""
    cert = certify_prop9(**kw)
    assert not cert.certified and cert.failing_box["kind"] == "violation"
    _inside(cert)
    w = cert.failing_box["witness"]
    n, eps = w["n"], mp.mpf(w["eps"])
    with mp.workdps(50):
        bound = 2 * mp.exp(-eps**2 * n / (mp.mpf(kw["constant"]) * (eps + 1)))
        assert _failure_probability(n, eps) > bound


def test_prop9_box_outside_the_hypotheses_fails():
    """``ε < 0`` (outside ``ε > 0``): ``P[|χ²/n - 1| ≤ ε] = 0`` is below the bound."""
    cert = certify_prop9(N=10, eps=("-0.5", "1"))
    assert not cert.certified and cert.failing_box["kind"] == "violation"
    w = cert.failing_box["witness"]
    assert w["eps"] < 0
    with mp.workdps(50):
        eps = mp.mpf(w["eps"])
        assert 1 - 2 * mp.exp(-eps**2 * w["n"] / (4 * (eps + 1))) > 0


def test_prop9_tangent_bound_is_unresolved_not_certified():
    """With factor 1 the bound touches the probability at ε = 0 (both are 1): the method cannot
    close there and says so instead of certifying."""
    cert = certify_prop9(N=2, factor="1", eps=("0", "1"), max_depth=60)
    assert not cert.certified and cert.failing_box["kind"] == "unresolved"
    assert cert.failing_box["box"]["eps"][0] == 0.0

"""The VP-cosine and rectified-flow schedules, derived in SymPy, checked against
formulas typed here from their definitions (not from the code under test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from ldmstop.derivations.schedules import get_schedule, schedule_coefficients
from ldmstop.derivations.symbols import s, sigh, sigma
from ldmstop.derivations.backends import numpy_function

SCHEDULES = ("ou", "vp-linear", "vp-cosine", "rectified-flow")


@pytest.mark.parametrize("name", SCHEDULES)
def test_marginal_variance_obeys_forward_variance_ode(name):
    # dv/ds = 2 f v + g² must hold for the derived f and g², every schedule (Itô on X²).
    sch = get_schedule(name)
    v = sch.marginal_variance
    resid = sp.diff(v, s) - (2 * sch.drift * v + sch.diffusion2)
    for sv, hv in [(0.1, 0.3), (0.5, 2.0), (0.9, 0.01)]:
        assert abs(float(resid.subs({s: sv, sigh: hv}))) < 1e-12


def test_rectified_flow_coefficients_by_hand():
    c = schedule_coefficients("rectified-flow")
    ss = np.array([0.0, 0.2, 0.5, 0.9])
    np.testing.assert_allclose(c["drift"](ss), -1 / (1 - ss), rtol=1e-14)
    np.testing.assert_allclose(c["diffusion2"](ss), 2 * ss / (1 - ss), rtol=1e-14, atol=1e-300)
    sh = 0.7
    v = ss**2 + (1 - ss) ** 2 * sh**2
    # backward SDE coefficient -f - g²/v and ODE -f - g²/(2v), by hand
    np.testing.assert_allclose(c["sde_coefficient"](ss, sh), 1 / (1 - ss) - 2 * ss / ((1 - ss) * v), rtol=1e-12)
    np.testing.assert_allclose(c["ode_coefficient"](ss, sh), ((1 - ss) * sh**2 - ss) / v, rtol=1e-12)
    # finite at s = 1 although f and g² are not: the velocity of the linear interpolant
    assert c["ode_coefficient"](1.0, sh) == pytest.approx(-1.0, rel=1e-14)


def test_vp_linear_coefficients_match_pierret_galerne():
    # P&G: EM factor β(1 - 2/λ_s), Euler-ODE β(1 - 1/λ_s), β(s) = 0.05 + 9.95 s (their β = our w²).
    c = schedule_coefficients("vp-linear")
    ss = np.linspace(0.01, 1, 7)
    lam = 0.3
    B = 0.05 * ss + 9.95 * ss**2 / 2
    lam_s = np.exp(-2 * B) * lam + 1 - np.exp(-2 * B)
    beta = 0.05 + 9.95 * ss
    # near s = 1, λ_s → 1 and both sides compute 1 - 1/λ_s with round-off ~1e-16·β: hence atol.
    np.testing.assert_allclose(c["sde_coefficient"](ss, math.sqrt(lam)), beta * (1 - 2 / lam_s), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(c["ode_coefficient"](ss, math.sqrt(lam)), beta * (1 - 1 / lam_s), rtol=1e-12, atol=1e-13)
    # EI weight b_{s'}(G(s) - G(s')) = 2γ1 = 2(e^{B(s)-B(s')} - 1)
    s1, s2 = 0.6, 0.55
    G = c["ei_antiderivative"]
    w = c["b"](s2) * (G(s1) - G(s2))
    dB = (0.05 * s1 + 9.95 * s1**2 / 2) - (0.05 * s2 + 9.95 * s2**2 / 2)
    assert w == pytest.approx(2 * math.expm1(dB), rel=1e-10)


def test_vp_cosine_matches_nichol_dhariwal():
    # ᾱ(s) = f(s)/f(0), f(s) = cos²((s + 0.008)/1.008 · π/2)  (Nichol & Dhariwal 2021, eq. (17))
    c = schedule_coefficients("vp-cosine")
    ss = np.linspace(0, 0.99, 9)
    f = lambda u: np.cos((u + 0.008) / 1.008 * np.pi / 2) ** 2  # noqa: E731
    np.testing.assert_allclose(c["b"](ss) ** 2, f(ss) / f(0), rtol=1e-12)
    np.testing.assert_allclose(c["a2"](ss), 1 - f(ss) / f(0), rtol=1e-10, atol=1e-15)
    inv = numpy_function("vp_cosine_inverse_a2")
    np.testing.assert_allclose(inv(c["a2"](ss[1:])), ss[1:], rtol=1e-9)
    # w² = -d log b/ds, by hand: π/(2·1.008) tan((s + 0.008)/1.008 · π/2)
    w2 = numpy_function("vp_cosine_w2")(ss)
    np.testing.assert_allclose(w2, np.pi / 2 / 1.008 * np.tan((ss + 0.008) / 1.008 * np.pi / 2), rtol=1e-12)


@pytest.mark.parametrize("name", ["ou", "vp-linear", "vp-cosine", "rectified-flow"])
def test_noise_variance_and_its_inverse_keep_relative_precision_near_the_end(name):
    """Regression: ``a_s²`` and its inverse at forward times down to 1e-14 agree with the
    schedule's definition at 50 digits to 1e-14 relative. VP-cosine's ``a² = 1 − b²`` kept only
    5 digits at s = 1e-9 (2e-6 relative), its inverse ``acos(sqrt(1 − x) cos θ0)`` 6 (5e-6):
    the end of sampling, where optimal stops and thresholds of small variances live."""
    import mpmath as mp

    import ldm_reference as ref

    key = name.replace("-", "_")
    a2, inv = numpy_function(f"{key}_a2"), numpy_function(f"{key}_inverse_a2")
    with mp.workdps(50):
        for sv in (1e-14, 1e-11, 1e-9, 1e-6, 1e-3, 0.1, 0.5, 0.9):
            exact = ref.a2_mp(name, sv)
            assert abs(float(a2(sv)) - float(exact)) <= 1e-14 * float(exact), (sv, a2(sv), float(exact))
            assert abs(float(inv(float(exact))) - float(ref.inverse_a2_mp(name, float(exact)))) \
                <= 1e-14 * sv, sv


def _brute_window(sig2, hat2, T, n=200001):
    """Backward times on a fine grid where v = s² + (1-s)² σ̂² ≤ 4σ² (rectified flow)."""
    t = np.linspace(0, T, n)
    sf = T - t
    ok = sf**2 + (1 - sf) ** 2 * hat2 <= 4 * sig2
    return t, ok


@pytest.mark.parametrize("sig2,hat2", [(0.05, 0.05), (0.01, 0.2), (0.3, 0.31), (0.02, 0.5), (0.1, 0.5), (0.4, 0.3)])
def test_rectified_flow_threshold_window_brute_force(sig2, hat2):
    T = 1.0
    np.seterr(invalid="ignore")  # the Piecewise evaluates the sqrt branch where it is unused
    enter = float(numpy_function("rectified_flow_threshold_time_plugin")(math.sqrt(sig2), math.sqrt(hat2), T))
    leave = float(numpy_function("rectified_flow_threshold_exit_plugin")(math.sqrt(sig2), math.sqrt(hat2), T))
    t, ok = _brute_window(sig2, hat2, T)
    if not ok.any():
        assert enter == leave == T
        return
    assert t[ok].min() == pytest.approx(enter, abs=2e-5)
    assert t[ok].max() == pytest.approx(leave, abs=2e-5)
    assert np.all(ok[(t > enter + 1e-4) & (t < leave - 1e-4)])  # one window, no holes


def test_rectified_flow_plugin_window_closes_before_the_end():
    # σ̂² > 4σ²: at the end (s = 0) v = σ̂² > 4σ², but in the middle v dips below: a window that
    # the VP half-line rule cannot express.
    sig2, hat2 = 0.1, 0.5
    leave = float(numpy_function("rectified_flow_threshold_exit_plugin")(math.sqrt(sig2), math.sqrt(hat2), 1.0))
    assert leave < 1.0


def test_rectified_flow_exact_threshold_formula():
    # s_+ = (σ² + σ sqrt(4σ² + 3))/(1 + σ²), typed from solving s² + (1-s)²σ² = 4σ² by hand.
    for sg in (0.05, 0.2, 0.45):
        sp_ = (sg**2 + sg * math.sqrt(4 * sg**2 + 3)) / (1 + sg**2)
        got = float(numpy_function("rectified_flow_threshold_time_exact")(sg, 1.0))
        assert got == pytest.approx(max(0.0, 1 - sp_), abs=1e-14)


def test_threshold_negative_control_vp_rule_is_wrong_for_rectified_flow():
    # The VP rule x_d = 3σ²/(1-σ²) with x = a² = s² would give a different threshold: a check
    # that could not tell them apart would be worthless.
    sg = 0.2
    vp_rule = 1 - math.sqrt(3 * sg**2 / (1 - sg**2))
    rf = float(numpy_function("rectified_flow_threshold_time_exact")(sg, 1.0))
    assert abs(vp_rule - rf) > 1e-2

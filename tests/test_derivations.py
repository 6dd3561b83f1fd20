"""Each SymPy derivation against an independent evaluation (typed-in paper formula, mpmath
quadrature / root finding / ODE integration, or a symbolic identity)."""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from ldmstop.derivations import get_schedule
from ldmstop.derivations.backends import mpmath_function, numpy_function
from ldmstop.derivations.results import get_result, result_names
from ldmstop.derivations.symbols import a, b, delta, m, omh, s, sigh, sigma, x

DPS = 50


@pytest.fixture(autouse=True)
def _mp_precision():
    with mp.workdps(DPS):
        yield


def test_frechet_1d_from_trace_formula():
    # (sqrt(v) - sigma)^2 : typed in from the 1-D Fréchet distance, compared symbolically
    v = sp.Symbol("v", positive=True)
    expr = get_result("frechet_1d").expr
    assert sp.simplify(expr - (sp.sqrt(v) - sigma) ** 2) == 0


def test_stable_form_equals_naive_form():
    naive = get_result("component_error").expr
    stable = get_result("component_error_stable").expr
    assert sp.simplify(naive - stable.subs({delta: sigh**2 - sigma**2, omh: 1 - sigh**2})) == 0


def test_stable_form_keeps_precision_near_end():
    # s = 1e-8 on a large (CIFAR-like top) variance, exact score: float64 stable form versus the
    # 50-digit value; the naive trace form loses most digits (why the stable one exists).
    f = numpy_function("component_error_stable")
    naive = numpy_function("component_error")
    g = mpmath_function("component_error")
    xs, sg = 2e-8, np.sqrt(2.0)
    sh = sg
    exact = g(mp.mpf(xs), mp.mpf(sg), mp.mpf(sh))
    rel_stable = abs(f(xs, sg, sh, sh**2 - sg**2, 1 - sh**2) - exact) / exact
    rel_naive = abs(naive(xs, sg, sh) - exact) / exact
    assert rel_stable < 1e-12
    assert rel_naive > 1e-3


def test_discarded_error_is_variance():
    assert sp.simplify(get_result("discarded_error").expr - sigma**2) == 0


@pytest.mark.parametrize("sig2, hat2", [("0.216", "0.216"), ("0.1", "0.12"), ("0.01", "0.03"),
                                        ("0.3", "0.2")])
def test_threshold_is_root_of_increment(sig2, hat2):
    inc = mpmath_function("increment")
    thr = mpmath_function("threshold_x_plugin")
    sg, sh = mp.sqrt(mp.mpf(sig2)), mp.sqrt(mp.mpf(hat2))
    xd = thr(sg, sh)
    assert abs(inc(xd, sg, sh)) < mp.mpf(10) ** (-DPS + 3)
    # the sign changes there: keeping the component helps below x_d, hurts above
    if 0 < xd < 1:
        assert inc(xd * mp.mpf("0.99"), sg, sh) < 0 < inc(xd * mp.mpf("1.01") if xd * 1.01 < 1 else (1 + xd) / 2, sg, sh)


def test_threshold_matches_paper_prop2():
    # Wu et al. 2025, Prop 2, typed in: 3 sigma^2 / (1 - sigma^2) and (4 sigma^2 - sigmahat^2)/(1 - sigmahat^2)
    for sg, sh in [(mp.mpf("0.3"), mp.mpf("0.35")), (mp.mpf("0.1"), mp.mpf("0.09"))]:
        assert abs(mpmath_function("threshold_x_exact")(sg) - 3 * sg**2 / (1 - sg**2)) < mp.mpf(10) ** -45
        assert abs(mpmath_function("threshold_x_plugin")(sg, sh)
                   - (4 * sg**2 - sh**2) / (1 - sh**2)) < mp.mpf(10) ** -45


def test_ou_schedule_from_definition():
    sch = get_schedule("ou")
    assert sp.simplify(sch.b - sp.exp(-s)) == 0
    assert sp.simplify(sch.a2 - (1 - sp.exp(-2 * s))) == 0
    assert sp.simplify(sch.drift + 1) == 0
    assert sp.simplify(sch.diffusion2 - 2) == 0


def test_vp_linear_schedule_against_quadrature():
    # b_s = exp(-∫ beta/2), beta(s) = 0.1 + 19.9 s, integrated numerically by mpmath
    a2 = mpmath_function("vp_linear_a2")
    for sv in ["0.01", "0.3", "1"]:
        sv = mp.mpf(sv)
        integral = mp.quad(lambda r: (mp.mpf("0.1") + r * (20 - mp.mpf("0.1"))) / 2, [0, sv])
        assert abs(a2(sv) - (1 - mp.exp(-2 * integral))) < mp.mpf(10) ** -45
    sch = get_schedule("vp-linear")
    assert sp.simplify(sch.diffusion2 - 2 * sch.w2) == 0
    assert sp.simplify(sch.drift + sch.w2) == 0


@pytest.mark.parametrize("name", ["ou", "vp_linear"])
def test_inverse_of_a2(name):
    a2 = mpmath_function(f"{name}_a2")
    inv = mpmath_function(f"{name}_inverse_a2")
    for xv in ["1e-12", "0.001", "0.5", "0.9"]:
        xv = mp.mpf(xv)
        assert abs(a2(inv(xv)) - xv) < mp.mpf(10) ** -44 * max(1, 1 / xv) * xv
        assert inv(xv) > 0
    # the float64 version keeps relative precision for tiny x (expm1/log1p rewrites)
    f = numpy_function(f"{name}_inverse_a2")
    assert abs(f(1e-14) / float(inv(mp.mpf("1e-14"))) - 1) < 1e-12


def test_threshold_time_ou_matches_paper_with_extended_inverse():
    f = numpy_function("ou_threshold_time_exact")
    T = 2.0
    for sg2 in [0.216, 0.05, 0.001]:
        xd = 3 * sg2 / (1 - sg2)
        expected = T - (-0.5 * np.log1p(-xd)) if xd <= 1 - np.exp(-2 * T) else 0.0
        assert f(np.sqrt(sg2), T) == pytest.approx(expected, rel=1e-13)
    # 4 sigma^2 >= 1: always kept (t_d = 0); sigma^2 >= 1 too
    assert f(np.sqrt(0.3), T) == 0.0 and f(np.sqrt(1.5), T) == 0.0
    # plug-in with estimate >= 1 and 4 sigma^2 < sigmahat^2: never kept (t = T)
    g = numpy_function("ou_threshold_time_plugin")
    assert g(np.sqrt(0.2), np.sqrt(1.2), T) == T
    assert g(np.sqrt(0.4), np.sqrt(1.2), T) == 0.0


def test_slope_and_monotonicity_term():
    slope = mpmath_function("component_slope")
    err = mpmath_function("component_error")
    mono = mpmath_function("monotonicity_term")
    for sg, sh, xv in [("0.3", "0.4", "0.2"), ("1.2", "0.9", "0.7"), ("0.5", "0.45", "0.01")]:
        sg, sh, xv = mp.mpf(sg), mp.mpf(sh), mp.mpf(xv)
        num = mp.diff(lambda z: err(z, sg, sh), xv)
        assert abs(slope(xv, sg, sh) - num) < mp.mpf(10) ** -40
        # Prop 1 printed term (1 - sigma/sigmahat)(1 - sigmahat^2)
        assert abs(mono(sg, sh) - (1 - sg / sh) * (1 - sh**2)) < mp.mpf(10) ** -45


def test_curvature_non_negative_and_correct():
    curv = mpmath_function("component_curvature")
    err = mpmath_function("component_error")
    for sg, sh, xv in [("0.3", "0.4", "0.2"), ("1.2", "0.9", "0.7")]:
        sg, sh, xv = mp.mpf(sg), mp.mpf(sh), mp.mpf(xv)
        num = mp.diff(lambda z: err(z, sg, sh), xv, 2)
        assert abs(curv(xv, sg, sh) - num) < mp.mpf(10) ** -35
        assert curv(xv, sg, sh) >= 0


def test_score_risk_against_gaussian_quadrature():
    risk = mpmath_function("score_risk")
    samples = [mp.mpf("0.7"), mp.mpf("-1.3"), mp.mpf("0.2")]
    sh2 = mp.fsum(v * v for v in samples) / len(samples)
    mv, av, bv = mp.mpf("0.8"), mp.mpf("0.6"), mp.mpf("0.8")
    phi = lambda e: mp.exp(-e * e / 2) / mp.sqrt(2 * mp.pi)  # noqa: E731
    direct = mp.fsum(
        mp.quad(lambda e: (-mv * (bv * X + av * e) + e / av) ** 2 * phi(e), [-mp.inf, mp.inf])
        for X in samples) / len(samples)
    assert abs(risk(mv, av, bv, mp.sqrt(sh2)) - direct) < mp.mpf(10) ** -40


def test_capped_minimiser_against_brute_force():
    risk = numpy_function("score_risk")
    mhat = numpy_function("score_minimiser_capped")
    grid = np.linspace(-5, 5, 2_000_001)
    for av, bv, sh, C in [(0.3, 0.95, 0.5, 3.0), (0.9, 0.4, 1.1, 3.0), (0.1, 0.99, 0.2, 2.0)]:
        best = grid[np.argmin(risk(grid, av, bv, sh) + np.where(np.abs(grid) <= C, 0, np.inf))]
        assert mhat(av, bv, sh, C) == pytest.approx(best, abs=1e-5)
        assert mhat(av, bv, sh, C) == pytest.approx(min(C, 1 / (av**2 + bv**2 * sh**2)), rel=1e-14)


def test_variance_ode_solutions_against_mpmath_odefun():
    with mp.workdps(30):
        # constant score coefficient (cap binding)
        const = mpmath_function("variance_constant_score")
        Cv, V0 = mp.mpf("1.7"), mp.mpf("0.4")
        sol = mp.odefun(lambda t, y: 2 * (1 - 2 * Cv) * y + 2, 0, V0)
        for tv in ["0.3", "1.1"]:
            assert abs(const(mp.mpf(tv), Cv, V0) - sol(mp.mpf(tv))) < mp.mpf(10) ** -25
        # uncapped plug-in score m = 1/(1 - (1 - sh^2) e^{-2(T - t)}), OU
        unc = mpmath_function("variance_uncapped")
        T, sh = mp.mpf(2), mp.mpf("0.45")
        msc = lambda t: 1 / (1 - (1 - sh**2) * mp.exp(-2 * (T - t)))  # noqa: E731
        sol2 = mp.odefun(lambda t, y: 2 * (1 - 2 * msc(t)) * y + 2, 0, mp.mpf(1))
        for tv in ["0.5", "1.9"]:
            assert abs(unc(mp.mpf(tv), T, sh, mp.mpf(1)) - sol2(mp.mpf(tv))) < mp.mpf(10) ** -20
        # started at p_T the process keeps the forward marginal v(T - t)
        vT = sh**2 + (1 - sh**2) * (1 - mp.exp(-2 * T))
        tv = mp.mpf("1.3")
        v_marg = sh**2 + (1 - sh**2) * (1 - mp.exp(-2 * (T - tv)))
        assert abs(unc(tv, T, sh, vT) - v_marg) < mp.mpf(10) ** -25


def test_every_result_has_source_and_numeric_backend():
    names = result_names()
    assert len(names) >= 30
    for n in names:
        r = get_result(n)
        assert r.source and r.title
        if r.args and not isinstance(r.expr, sp.Eq) and not r.expr.has(sp.Sum):
            numpy_function(n)  # generates without error


_ = (a, b, m, sigh, x)

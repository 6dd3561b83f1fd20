"""The independent routes the claims rest on: transcription, ODE integrator, matrix Fréchet,
golden-section search, chi-square tails."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from ldmstop.verify import transcribe as tr
from ldmstop.verify.ode import solve_linear


@pytest.fixture(autouse=True)
def _dps():
    with mp.workdps(40):
        yield


def test_schedules_invert():
    for sch in (tr.OU, tr.VP_LINEAR):
        for x in ("1e-12", "0.3", "0.97"):
            x = mp.mpf(x)
            assert abs(sch.a2(sch.inv_a2(x)) - x) < mp.mpf(10) ** -38 * (1 + x)
    # extended inverse: 0 below 0, T above a_T², y/0_+ = ±∞ conventions
    assert tr.OU.ext_inv(mp.mpf(-1), 2) == 0
    assert tr.OU.ext_inv(mp.inf, 2) == 2 and tr.OU.ext_inv(mp.mpf("0.999"), 2) == 2
    assert tr.pos_ratio(1, 0) == mp.inf and tr.pos_ratio(-1, -2) == -mp.inf


def test_vp_linear_constants_follow_precision():
    # a module-level mpf("0.1") would be frozen at 15 digits; the schedule must not be
    with mp.workdps(60):
        s = mp.mpf("0.37")
        exact = -mp.expm1(-(s / 10 + (20 - mp.mpf(1) / 10) * s**2 / 2))
        assert abs(tr.VP_LINEAR.a2(s) - exact) < mp.mpf(10) ** -58


def test_gauss_legendre_order_20_on_exact_solution():
    # V' = -2V + 2, V(0) = 3: V = 1 + 2 e^{-2t}
    exact = 1 + 2 * mp.exp(-4)
    e8 = abs(solve_linear(lambda t: -2, lambda t: 2, 0, 2, 3, 8) - exact)
    e16 = abs(solve_linear(lambda t: -2, lambda t: 2, 0, 2, 3, 16) - exact)
    assert e16 < mp.mpf(10) ** -36
    assert e8 / e16 > 2**18  # order ~20


def test_matrix_frechet_matches_diagonal_form_when_rotated():
    rng = np.random.default_rng(1)
    lam = [mp.mpf(v) for v in (1.3, 0.4, 0.05)]
    with mp.workdps(90):
        O = tr.random_orthogonal(rng, 3)
        S = O * mp.diag(lam) * O.T
        rS = tr.sym_sqrt((S + S.T) / 2)
        G = O * mp.diag([mp.mpf("0.7"), mp.mpf("0.2"), mp.mpf("0.01")]) * O.T
    d2 = tr.frechet2(G, rS, mp.fsum(lam))
    ref = mp.fsum((mp.sqrt(a) - mp.sqrt(b)) ** 2 for a, b in zip(lam, ("0.7", "0.2", "0.01")))
    assert abs(d2 - ref) < mp.mpf(10) ** -35


def test_golden_min_finds_boundary_and_interior():
    x, v = tr.golden_min(lambda x: (x - mp.mpf(1) / 3) ** 2, 0, 1)
    assert abs(x - mp.mpf(1) / 3) < mp.mpf(10) ** -18 and v < mp.mpf(10) ** -36
    x, v = tr.golden_min(lambda x: x + 1, 0, 1)
    assert x == 0 and v == 1


def test_chi_square_tails_two_routes():
    from ldmstop.verify.claims.prop9 import (_upper_cf, density_failure_probability,
                                             failure_probability)

    for n, e in ((1, "0.5"), (7, "0.3"), (40, "1.5")):
        q, r = failure_probability(n, mp.mpf(e)), density_failure_probability(n, mp.mpf(e))
        assert abs(q - r) / q < mp.mpf(10) ** -35
    ref = mp.gammainc(300, 700, mp.inf, regularized=True)
    assert abs(_upper_cf(mp.mpf(300), mp.mpf(700)) - ref) / ref < mp.mpf(10) ** -35


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(sig2=st.floats(1e-4, 0.24), T=st.floats(0.2, 3.0))
def test_threshold_is_the_root_of_the_increment(sig2, T):
    """Prop 2 transcription: where t_d is interior, Δ_{d,t_d} = 0 and Δ goes from + to −."""
    from ldmstop.verify.threshold_rule import threshold_forward_times

    s = mp.sqrt(mp.mpf(sig2))
    T = mp.mpf(T)
    delta = threshold_forward_times(tr.OU, T, [mp.mpf(1), s])[1]
    if not 0 < delta < T:
        return
    assert abs(tr.increment(tr.OU.a2(delta), s, s)) < mp.mpf(10) ** -30 * s**2
    h = delta * mp.mpf("1e-3")
    assert tr.increment(tr.OU.a2(delta + h), s, s) > 0 > tr.increment(tr.OU.a2(delta - h), s, s)

"""Prop 3 / Prop 8 (low-rank data): optimal dimension at late times, the stationarity root and
the global optimum over (t, d).

Setting: ``Σ = diag(σ², …, σ², 0, …, 0)`` with ``d0`` equal non-zero entries, ``σ̂_i = 0`` for
``i > d0`` and ``|σ̂_i² − σ²| ≤ εσ²`` for ``i ≤ d0``. Expected values: 50-digit mpmath evaluation
of the definitions and a brute-force minimisation over every ``d'`` and ``t``; the package's
``optimal_stop`` is checked against the same brute force.
"""

from __future__ import annotations

from collections import Counter

import mpmath as mp
import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

import ldm_reference as ref
from ldmstop import Problem
from ldmstop.curve import optimal_stop
from ldmstop.verify import strategies as lst

pytestmark = pytest.mark.property


class LowRank:
    """One Prop 3 instance, components in PCA order of the estimate (zeros last)."""

    def __init__(self, sigma2: float, d0: int, zeros: int, hat: np.ndarray, eps: float,
                 schedule: str, T: float):
        self.sigma2, self.d0, self.eps, self.schedule, self.T = sigma2, d0, eps, schedule, T
        hat = np.sort(hat)[::-1]
        self.sig2 = np.concatenate([np.full(d0, sigma2), np.zeros(zeros)])
        self.hat2 = np.concatenate([hat, np.zeros(zeros)])

    def __repr__(self) -> str:
        return (f"LowRank(σ²={self.sigma2!r}, σ̂²={self.hat2.tolist()!r}, ε={self.eps!r}, "
                f"{self.schedule}, T={self.T!r})")


@st.composite
def low_rank_settings(draw, max_eps: float = 0.99) -> LowRank:
    d0 = draw(st.integers(1, 4))
    zeros = draw(st.integers(0, 2))
    sigma2 = draw(lst.variance_values(1e-4, 4.0))
    eps = draw(st.one_of(st.sampled_from([0.1, 0.5]), st.floats(0.0, max_eps)))
    hat = draw(lst.plugin_estimates(np.full(d0, sigma2), eps))
    sched = draw(lst.schedules())
    return LowRank(sigma2, d0, zeros, hat, eps, sched, draw(lst.horizons(sched)))


def _g(x, lr: LowRank) -> mp.mpf:
    """``g(x) = Σ_{i≤d0} (1 − σ/sqrt(σ̂_i² + (1 − σ̂_i²)x))(1 − σ̂_i²)`` (Prop 3(b))."""
    s = mp.sqrt(ref.mpf(lr.sigma2))
    return mp.fsum((1 - s / mp.sqrt(ref.mpf(h) + (1 - ref.mpf(h)) * x)) * (1 - ref.mpf(h))
                   for h in lr.hat2[:lr.d0])


def _w2_all(x, lr: LowRank) -> list:
    return [ref.w2_mp(x, lr.sig2, lr.hat2, d) for d in range(1, lr.sig2.size + 1)]


@given(low_rank_settings(), st.floats(0.0, 1.0))
def test_prop3a_d0_optimal_at_late_times(lr, frac):
    """Prop 3(a): for ``t ∈ [T − ā^{-2}(((3−ε)/(1+ε)) σ̂_1²/(1−σ̂_1²)_+), T]`` (``σ̂_1`` the
    largest estimate) ``d0`` minimises ``W²(t, ·)`` (50 digits, ties allowed)."""
    with mp.workdps(ref.DPS):
        h1 = ref.mpf(lr.hat2[0])
        eps = ref.mpf(lr.eps)
        arg = ref.div_plus((3 - eps) / (1 + eps) * h1, 1 - h1)
        t_start = mp.mpf(lr.T) - ref.extended_inverse_a2_mp(lr.schedule, arg, lr.T)
        t = t_start + (mp.mpf(lr.T) - t_start) * ref.mpf(frac)
        x = ref.a2_mp(lr.schedule, mp.mpf(lr.T) - t)
        vals = _w2_all(x, lr)
        gap = vals[lr.d0 - 1] - min(vals)
        note(f"{lr!r} t_start={float(t_start)!r} t={float(t)!r} W2={[float(v) for v in vals]}")
        assert gap <= mp.mpf(10) ** -40 * (1 + sum(vals))


def _prop3b_root_case(lr: LowRank, counts: Counter) -> None:
    with mp.workdps(30):
        counts["examples"] += 1
        cond = _g(mp.mpf(0), lr)
        if cond >= 0:
            event("condition >= 0 (no early stop)")
            return
        counts["checked"] += 1
        grid = [_g(mp.mpf(k) / 200, lr) for k in range(201)]
        note(f"{lr!r} g(0)={float(grid[0])!r} g(1)={float(grid[-1])!r}")
        assert all(b > a for a, b in zip(grid, grid[1:]))
        changes = sum(1 for a, b in zip(grid, grid[1:]) if (a < 0) != (b < 0))
        assert changes == (1 if grid[-1] >= 0 else 0)
        counts["root"] += grid[-1] >= 0
        event("root in [0, 1]" if grid[-1] >= 0 else "no root in [0, 1] (g(1) < 0)")


def test_prop3b_stationarity_root_unique():
    """Prop 3(b): if ``Σ_{i≤d0}(1 − σ/σ̂_i)(1 − σ̂_i²) < 0`` the stationarity equation ``g(x) = 0``
    has a unique root. Checked on ``[0, 1]`` (the noise levels): ``g(0) < 0``, ``g`` is strictly
    increasing on a 201-point grid (at most one sign change) and changes sign iff ``g(1) > 0``.
    Whether the root exists in ``[0, 1]`` at all is recorded as an event (it need not: see the
    report; the optimum is then at ``t = 0``, checked by the global-optimality property).
    Examples where the condition holds assert nothing: at least 20 % must have it fail and 10 %
    a root in ``[0, 1]`` (measured 36 % and 36 % under the default profile; exact estimates,
    ``u = 0``, are drawn first), else the property is vacuous."""
    counts: Counter = Counter()

    @given(low_rank_settings())
    def prop3b(lr):
        _prop3b_root_case(lr, counts)

    prop3b()
    assert counts["checked"] >= 0.2 * counts["examples"], counts
    assert counts["root"] >= 0.1 * counts["examples"], counts


def _claimed_optimum(lr: LowRank):
    """Prop 3(b)'s candidate ``(d0, t = T − ā^{-2}(x*))`` (``t = T`` when the condition holds).
    ``x*`` is the root of ``g`` (bisection at 50 digits); no root in ``[0, 1]`` means ``g < 0``
    there, ``x* > a_T²`` and ``t = 0`` under the extended-inverse convention."""
    with mp.workdps(ref.DPS):
        T = mp.mpf(lr.T)
        if _g(mp.mpf(0), lr) >= 0:
            return T, mp.mpf(0)
        xT = ref.a2_mp(lr.schedule, T)
        if _g(xT, lr) <= 0:
            return mp.mpf(0), xT
        lo, hi = mp.mpf(0), xT
        for _ in range(200):
            mid = (lo + hi) / 2
            if _g(mid, lr) < 0:
                lo = mid
            else:
                hi = mid
        xs = (lo + hi) / 2
        return T - ref.inverse_a2_mp(lr.schedule, xs), xs


@given(low_rank_settings())
def test_prop3b_global_optimum(lr):
    """Prop 3(b): ``(d0, T − δ̂)`` minimises ``d_F`` over all ``t ∈ [0, T]`` and all ``d'``: its
    50-digit ``W²`` is ≤ the brute-force minimum over every ``(d', t)`` (grid + golden section)."""
    t, x = _claimed_optimum(lr)
    with mp.workdps(ref.DPS):
        claimed = float(ref.w2_mp(x, lr.sig2, lr.hat2, lr.d0))
    brute, d_bf, x_bf = ref.brute_force_min_w2(lr.sig2, lr.hat2, lr.schedule, lr.T)
    note(f"{lr!r} claimed (d0={lr.d0}, t={float(t)!r}) W2={claimed!r}; brute d={d_bf} x={x_bf!r} W2={brute!r}")
    assert claimed <= brute + 1e-12 * (lr.sig2.sum() + brute)


@given(low_rank_settings())
def test_optimal_stop_finds_prop3_optimum(lr):
    """The package's ``optimal_stop`` on Prop 3 instances reaches the paper's optimum value
    (50-digit re-evaluation) to 1e-9 relative."""
    p = Problem.from_variances(lr.sig2, estimated=lr.hat2, schedule=lr.schedule, T=lr.T)
    res = optimal_stop(p, np.linspace(0.0, lr.T, 201))
    t, x = _claimed_optimum(lr)
    with mp.workdps(ref.DPS):
        claimed = float(ref.w2_mp(x, lr.sig2, lr.hat2, lr.d0))
    note(f"{lr!r} res={res!r} claimed={claimed!r}")
    assert abs(res["w2_squared"] - claimed) <= 1e-9 * claimed + 1e-13 * lr.sig2.sum()

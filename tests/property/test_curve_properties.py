"""Properties of the exact W² map, its increments and the threshold rule (Props 1 and 2).

Code under test: :mod:`ldmstop.curve` (``w2_map``, ``threshold_times``, ``optimal_stop``) and the
generated formulas it uses. Expected values come from ``ldm_reference`` (docs/theory.md's definitions
typed again, evaluated in 50-digit mpmath or as a plain float64 brute force) or from the
full-matrix Fréchet distance of the actual projected covariances; never from the code under test.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

import ldm_reference as ref
from ldmstop import Problem
from ldmstop.curve import noise_levels, optimal_stop, threshold_times, w2_map
from ldmstop.frechet import frechet_distance2
from ldmstop.verify import strategies as lst

pytestmark = pytest.mark.property


def _sorted_pair(sig2: np.ndarray, hat2: np.ndarray | None):
    """The documented component order (docs/design.md): decreasing estimate, else decreasing truth,
    stable. Re-derived here rather than read from ``Problem.order``."""
    key = hat2 if hat2 is not None else sig2
    order = np.argsort(-key, kind="stable")
    return sig2[order], (hat2 if hat2 is not None else sig2)[order], order


def _times_near_end(T: float) -> st.SearchStrategy[float]:
    """Backward times, with ``s = T − t`` reaching down to 1e-14 T (the end of sampling)."""
    return st.one_of(st.sampled_from([T, 0.0]), st.floats(0.0, T),
                     st.floats(-14.0, 0.0).map(lambda e: T - T * 10.0**e))


# ----------------------------------------------------------------------------- W² map
@given(st.data())
def test_w2_map_equals_full_matrix_frechet_of_projected_covariances(data):
    """``W²(t, d)`` equals ``d_F²(N(0, O P_d diag(v) P_d Oᵀ), N(0, O Σ Oᵀ))`` computed as a full
    matrix Fréchet distance after a random rotation O (eq. (3) of Wu et al. from first
    principles: the LDM output is the projection of the plug-in marginal), for every built-in
    schedule (``v = a_s² + b_s² σ̂²``), horizons 1e-4..50 and estimate ratios σ̂²/σ² up to 9."""
    est = data.draw(lst.spectra_with_estimates(lst.any_spectra(1, 5, zeros=True), max_eps=8.0))
    use_hat = data.draw(st.booleans())
    sched = data.draw(lst.schedules(lst.ALL_SCHEDULES))
    T = data.draw(lst.horizons(sched))
    t = data.draw(_times_near_end(T))
    O = data.draw(lst.orthogonal_matrices(est.sigma2.size))
    hat = est.sigma2_hat if use_hat else None
    p = Problem.from_variances(est.sigma2, estimated=hat, schedule=sched, T=T)
    code = w2_map(p, np.array([t]))[:, 0]
    sig2, h2, order = _sorted_pair(est.sigma2, hat)
    a2, b2 = (float(v) for v in ref.ab2_np(sched, T - t))
    v = a2 + b2 * h2
    Ob = O[:, order]
    Sigma = (O * est.sigma2) @ O.T
    for d in range(1, sig2.size + 1):
        G = (Ob[:, :d] * v[:d]) @ Ob[:, :d].T
        expect = frechet_distance2(G, Sigma)
        tol = ref.frechet_float_error_bound(np.concatenate([v[:d], np.zeros(sig2.size - d)]), sig2) \
            + 1e-12 * (sig2.sum() + v[:d].sum())
        assert abs(code[d - 1] - expect) <= tol, (d, code[d - 1], expect)


def _component_tol(schedule: str, a2: float, omb2: float, s2: float, h2: float) -> float:
    """Achievable absolute error of one kept component's ``(sqrt v − σ)²`` in float64.

    The code forms ``v − σ² = a²(1 − σ̂²) + δ`` (VP; ``a²``, ``1 − σ̂²`` and ``δ = σ̂² − σ²``
    each from the variances themselves, so ``1 − σ̂²`` and a small ``δ`` are exact) or
    ``δ + a² − (1 − b²)σ̂²`` (rectified flow, where σ̂² is re-squared from σ̂): absolute error
    ``ε_diff`` ≤ 8u times the sizes of those terms (``a²`` from a computed ``s = T − t`` carries a
    few u). The error ``(v − σ²)²/(sqrt v + σ)²`` then moves by ``(2 |v − σ²| ε_diff + ε_diff²) /
    (sqrt v + σ)²``, plus 8u relative for the rest."""
    v = a2 + (1 - omb2) * h2  # omb2 = 1 − b², evaluated at high precision by the caller
    if schedule == "rectified-flow":
        diff = abs((h2 - s2) + a2 - omb2 * h2)
        eps_diff = 8 * ref.U * (a2 + omb2 * h2 + abs(h2 - s2))
    else:  # v − σ² without forming v (which rounds a tiny a² away)
        diff = abs(a2 * (1 - h2) + (h2 - s2))
        eps_diff = 8 * ref.U * (a2 * abs(1 - h2) + abs(h2 - s2))
    den = (math.sqrt(v) + math.sqrt(s2)) ** 2
    err = diff**2 / den if den > 0 else 0.0
    # (diff + e)² − diff² = 2 diff e + e²: the e² term is all there is when diff is below its
    # own rounding (T = 50: a² = 1 − e^{-100} is 1 in float64, and v − σ² = 3.7e-45 is lost)
    return ((2 * diff * eps_diff + eps_diff**2) / den if den > 0 else 0.0) + 8 * ref.U * err


@given(st.data())
def test_w2_decomposition_kept_plus_discarded_mp50(data):
    """``W²(t, d) = Σ_{i≤d} (sqrt v_i − σ_i)² + Σ_{i>d} σ_i²`` (kept-component error plus
    discarded variance), each part evaluated in 50-digit mpmath from exact inputs, for every d,
    every built-in schedule, estimate ratios up to 9 and times down to ``s = 1e-14 T``, to the
    float64 rounding model of ``_component_tol``."""
    p = data.draw(lst.problems(spectrum=lst.any_spectra(1, 6, zeros=True), max_eps=8.0,
                               schedule=lst.ALL_SCHEDULES))
    t = data.draw(_times_near_end(p.T))
    code = w2_map(p, np.array([t]))[:, 0]
    sig2, h2 = np.asarray(p.sigma2), np.asarray(p.sigma2_used)
    with mp.workdps(ref.DPS):
        sv = max(ref.mpf(p.T) - ref.mpf(t), 0)
        a2, b2 = ref.ab2_mp(p.schedule, sv)
        for d in range(1, p.D + 1):
            kept = ref.w2_schedule_mp(p.schedule, sv, sig2[:d], h2[:d], d)
            dropped = mp.fsum(ref.mpf(s) for s in sig2[d:])
            expect = float(kept + dropped)
            tol = sum(_component_tol(p.schedule, float(a2), float(1 - b2), s, h) for s, h in zip(sig2[:d], h2[:d])) \
                + 4 * ref.U * float(dropped) + 1e-300
            note(f"d={d} code={code[d - 1]!r} expect={expect!r} tol={tol!r}")
            assert abs(code[d - 1] - expect) <= tol


@given(lst.distinct_spectra(1, 6, min_value=1e-8, max_value=10.0), st.data())
def test_w2_map_keeps_relative_precision_at_end_of_sampling(sig2, data):
    """Exact score, ``s = T − t`` from 1e-16 T to T: ``W²(t, D)`` (no discarded part, so it
    tends to 0 like ``s²``) keeps 1e-12 relative accuracy against 50-digit mpmath. This is the
    cancellation-free form's reason to exist (docs/design.md: the trace form loses 5 digits
    here). Every VP schedule (VP-cosine's a² near s = 0 kept 5 digits before its stable form)."""
    sched = data.draw(lst.schedules(lst.VP_SCHEDULES))
    T = data.draw(lst.horizons(sched))
    s = data.draw(st.floats(-16.0, 0.0).map(lambda e: T * 10.0**e))
    t = T - s
    assume(t < T)
    p = Problem.from_variances(sig2, schedule=sched, T=T)
    code = w2_map(p, np.array([t]))[-1, 0]
    with mp.workdps(ref.DPS):
        x = ref.a2_mp(sched, ref.mpf(T) - ref.mpf(t))
        expect = ref.w2_mp(x, p.sigma2, p.sigma2, p.D)
    assume(expect > 0)
    rel = abs(code - float(expect)) / float(expect)
    note(f"s={s!r} rel={rel!r}")
    assert rel <= 1e-12


@given(st.data())
def test_increment_sign_rule(data):
    """``Δ_{d,t} = W²(t,d) − W²(t,d−1) = v_d − 2σ_d sqrt(v_d)``, and ``Δ ≤ 0 iff v_d ≤ 4σ_d²``.

    Checked on the code's map (difference of consecutive rows) against the 50-digit value of
    ``v_d − 2σ_d sqrt(v_d)``; the sign must match ``v_d − 4σ_d²`` whenever it is resolvable. The
    rule holds for any schedule (docs/theory.md §2): all four, estimate ratios up to 9."""
    p = data.draw(lst.problems(spectrum=lst.any_spectra(2, 6, zeros=True), max_eps=8.0,
                               schedule=lst.ALL_SCHEDULES))
    t = data.draw(_times_near_end(p.T))
    W = w2_map(p, np.array([t]))[:, 0]
    sig2, h2 = np.asarray(p.sigma2), np.asarray(p.sigma2_used)
    with mp.workdps(ref.DPS):
        a2, b2 = ref.ab2_mp(p.schedule, max(ref.mpf(p.T) - ref.mpf(t), 0))
        for d in range(2, p.D + 1):
            v = a2 + b2 * ref.mpf(h2[d - 1])
            sd = mp.sqrt(ref.mpf(sig2[d - 1]))
            delta = v - 2 * sd * mp.sqrt(v)
            # The identity behind the rule, at 50 digits: Δ = sqrt v (sqrt v − 2σ).
            assert (delta <= 0) == (v <= 4 * sd**2) or abs(v - 4 * sd**2) < mp.mpf(10) ** -45
            code_delta = W[d - 1] - W[d - 2]
            tol = 1e-12 * (W[d - 1] + W[d - 2]) + 1e-300
            note(f"d={d} code={code_delta!r} exact={float(delta)!r}")
            assert abs(code_delta - float(delta)) <= tol
            if abs(float(delta)) > tol:
                assert (code_delta <= 0) == (v <= 4 * sd**2)


# ----------------------------------------------------------------------------- Prop 1
def _prop1_condition(sig2, h2, d) -> mp.mpf:
    """``Σ_{i≤d} (1 − σ_i/σ̂_i)(1 − σ̂_i²)`` (Prop 1), 50 digits."""
    return mp.fsum((1 - mp.sqrt(ref.mpf(s)) / mp.sqrt(ref.mpf(h))) * (1 - ref.mpf(h))
                   for s, h in zip(sig2[:d], h2[:d]))


# Prop 1 assumes only σ̂ > 0: estimate ratios from 1/1024 to 9 (σ̂² > 4σ² and σ̂² > 1 both
# reached), every VP schedule.
_prop1_inputs = st.tuples(
    lst.spectra_with_estimates(lst.any_spectra(1, 5), max_eps=8.0),
    lst.schedules(lst.VP_SCHEDULES), st.integers(1, 5))


@given(_prop1_inputs, st.data())
def test_prop1_monotone_when_condition_holds(inputs, data):
    """Prop 1, "if": ``Σ_{i≤d} (1 − σ_i/σ̂_i)(1 − σ̂_i²) ≥ 0`` ⇒ ``t ↦ W²(t, d)`` is
    non-increasing on ``[0, T]``: checked on the code's map over a grid that crowds toward
    ``t = T`` and, at 50 digits, on the definition."""
    est, sched, d = inputs
    T = data.draw(lst.horizons(sched))
    p = Problem.from_variances(est.sigma2, estimated=est.sigma2_hat, schedule=sched, T=T)
    d = min(d, p.D)
    sig2, h2 = np.asarray(p.sigma2), np.asarray(p.sigma2_hat)
    with mp.workdps(ref.DPS):
        c = _prop1_condition(sig2, h2, d)
        assume(c >= 0)
        times = np.unique(np.concatenate([np.linspace(0, T, 41), T - T * np.logspace(-12, 0, 25)]))
        W = w2_map(p, times)[d - 1]
        assert np.all(np.diff(W) <= 1e-12 * W[:-1] + 1e-300)
        coarse = np.unique(np.concatenate([np.linspace(0, T, 9), T - T * np.logspace(-12, 0, 7)]))
        exact = [ref.w2_mp(ref.a2_mp(sched, max(ref.mpf(T) - ref.mpf(tk), 0)), sig2, h2, d) for tk in coarse]
        assert all(b <= a * (1 + mp.mpf(10) ** -40) for a, b in zip(exact, exact[1:]))


@given(_prop1_inputs, st.data())
def test_prop1_not_monotone_when_condition_fails(inputs, data):
    """Prop 1, "only if": condition ``< 0`` ⇒ the curve rises at the end, ``W²(t_h, d) < W²(T, d)``
    for the explicit ``x_h = a²_{T−t_h} = min(|c|/K, a_T²)``, where ``K`` bounds the curvature
    ``Σ σ_i(1−σ̂_i²)²/(2 v_i^{3/2})`` on ``[0, 1]`` (so ``f(x_h) − f(0) ≤ c x_h/2 < 0``). Checked at
    50 digits, and on the code's map wherever the drop exceeds float64 resolution."""
    est, sched, d = inputs
    T = data.draw(lst.horizons(sched))
    p = Problem.from_variances(est.sigma2, estimated=est.sigma2_hat, schedule=sched, T=T)
    d = min(d, p.D)
    sig2, h2 = np.asarray(p.sigma2), np.asarray(p.sigma2_hat)
    with mp.workdps(ref.DPS):
        c = _prop1_condition(sig2, h2, d)
        assume(c < 0)
        K = mp.fsum(mp.sqrt(ref.mpf(s)) * (1 - ref.mpf(h)) ** 2 / (2 * min(ref.mpf(h), 1) ** mp.mpf(1.5))
                    for s, h in zip(sig2[:d], h2[:d]))
        xh = min(-c / K, ref.a2_mp(sched, T))
        f0 = ref.w2_mp(mp.mpf(0), sig2, h2, d)
        fh = ref.w2_mp(xh, sig2, h2, d)
        drop = -c * xh / 2
        # W² is a sum of terms of size ~σ_i² + v_i that cancel to f: at dps digits each value
        # is known to ~10^-(dps-5)·S absolute, so a drop is resolvable only well above that
        # (CI hit drop = 1e-60 on f = 4e-31, S = O(1): 5 digits of the difference, not 30).
        S = mp.fsum(ref.mpf(s) + ref.mpf(h) + 1 for s, h in zip(sig2[:d], h2[:d]))
        res_mp = mp.mpf(10) ** -(ref.DPS - 5) * S
        if drop > mp.mpf(10) ** 10 * res_mp:
            assert fh < f0 and f0 - fh >= drop - res_mp
        # a backward time in [0, T]: x_h just above a_T² puts T - ā^{-2}(x_h) a hair below 0
        th = min(max(float(ref.mpf(T) - ref.inverse_a2_mp(sched, xh)), 0.0), T)
        W = w2_map(p, np.array([th, T]))[d - 1]
        x_code = float(noise_levels(p, np.array([th]))[0])
        # Resolvable in float64: the predicted drop dominates the two values' round-off (u·S)
        # and t_h is representable, i.e. the code evaluates a noise level close to x_h (CI hit
        # x_h = 1.4e-16, where t_h rounds to T itself).
        if (float(drop) > 1e-10 * float(f0) and float(drop) > 1e3 * ref.U * float(S)
                and abs(x_code - float(xh)) <= 0.01 * float(xh)):
            event("drop resolvable in float64: code checked")
            note(f"c={float(c)!r} xh={float(xh)!r} W={W!r}")
            assert W[0] < W[1]
        else:
            event("drop below float64 resolution: 50-digit check only")


# ----------------------------------------------------------------------------- Prop 2
def threshold_abs_tol(T: float) -> float:
    """Absolute accuracy asserted for threshold times: 64 u max(T, 1).

    Measured: the generated ``t_d`` is within ~15 ulp of the 50-digit value. It computes
    ``log((1 − 4σ²)/(1 − σ²))`` as ``log1p(2σ) − log1p(σ) + log((2σ − 1)/(σ − 1))`` (``log`` of a
    number near 1, not ``log1p``), so ``s_d = T − t_d`` carries a *relative* error ``~u/(3σ_d²)``,
    i.e. an absolute error ``~u/β_min`` in ``t`` (VP-linear) or ``~u`` (OU): harmless for ``t_d``,
    but ``s_d`` itself is not accurate to full relative precision for tiny ``σ_d``.
    """
    return 64 * ref.U * max(T, 1.0)


def _threshold_mp(schedule: str, T, s2, h2=None) -> mp.mpf:
    """``t_d`` (``h2 = None``) or ``t̂_d`` of Prop 2 at the current precision, from mpf inputs."""
    h2 = s2 if h2 is None else h2
    return mp.mpf(T) - ref.extended_inverse_a2_mp(schedule, ref.div_plus(4 * s2 - h2, 1 - h2), T)


def threshold_tol(schedule: str, T: float, sigma2: float, sigma2_hat: float | None = None) -> float:
    """Accuracy asserted for one threshold time: ``64 u max(T, 1)`` plus its conditioning,
    ``4 u (|∂t/∂log σ²| + |∂t/∂log σ̂²|)`` (50-digit central differences). Near ``σ² = 1/4``
    (``x_d → 1``) ``t_d`` is ill-conditioned: ``∂s_d/∂log σ² ≈ 1/(2(1 − 4σ²))`` for OU, so a
    backward-stable evaluation may be off by ``1e-11`` there (thorough found σ² = 0.2499975,
    T = 6: code within 6e-13 of the 50-digit value, 7x the flat bound)."""
    base = threshold_abs_tol(T)
    with mp.workdps(ref.DPS):
        s2 = ref.mpf(sigma2)
        h2 = None if sigma2_hat is None else ref.mpf(sigma2_hat)
        eps = mp.mpf(10) ** -20
        cond = 0
        for which in ("s", "h") if h2 is not None else ("s",):
            def f(e, which=which):
                if which == "s":
                    return _threshold_mp(schedule, T, s2 * (1 + e), h2)
                return _threshold_mp(schedule, T, s2, h2 * (1 + e))
            cond += abs((f(eps) - f(-eps)) / (2 * eps))
        return base + 4 * ref.U * float(cond)


def _threshold_interval(thr: np.ndarray, t: float) -> int:
    """The ``d`` with ``t ∈ [t_d, t_{d+1})`` (``t = T`` belongs to the last non-empty one)."""
    D = thr.size - 1
    for d in range(D, 0, -1):
        if thr[d - 1] <= t:
            return d
    return 1


def _prop2_gap(p: Problem, t: float, thr: np.ndarray) -> tuple[float, float, int]:
    """``W²(t, d*) − min_d' W²(t, d')`` at 50 digits with ``d*`` read off ``thr``; and a scale.

    A threshold time ``t_d = T − s_d`` is only representable to ``u T`` in float64, and the
    generated threshold formula is accurate to ~10 u in ``t`` (``THRESHOLD_ABS_TOL``), so ``d*`` is
    also credited if it is optimal at ``t ± THRESHOLD_ABS_TOL`` (tiny components have thresholds
    within 1e-7 of T, where W² differences are ~1e-17).
    """
    sig2, h2 = np.asarray(p.sigma2), np.asarray(p.sigma2_used)
    dstar = _threshold_interval(thr, t)
    plugin = p.sigma2_hat is not None
    delta = max([threshold_abs_tol(p.T)] + [
        threshold_tol(p.schedule, p.T, sig2[d], h2[d] if plugin else None) for d in range(1, p.D)])
    gaps = []
    with mp.workdps(ref.DPS):
        for tt in (t, t - delta, t + delta):
            s = min(max(ref.mpf(p.T) - ref.mpf(tt), 0), ref.mpf(p.T))
            x = ref.a2_mp(p.schedule, s)
            vals = [ref.w2_mp(x, sig2, h2, d) for d in range(1, p.D + 1)]
            gaps.append(float(vals[dstar - 1] - min(vals)))
    return min(gaps), float(sum(sig2)), dstar


def _prop2_gap_exact_times(p: Problem, t: float, thr: np.ndarray) -> tuple[float, float, int]:
    """:func:`_prop2_gap` at ``t`` alone, for thresholds known to be exact (no allowance)."""
    sig2, h2 = np.asarray(p.sigma2), np.asarray(p.sigma2_used)
    dstar = _threshold_interval(thr, t)
    with mp.workdps(ref.DPS):
        x = ref.a2_mp(p.schedule, ref.mpf(p.T) - ref.mpf(t))
        vals = [ref.w2_mp(x, sig2, h2, d) for d in range(1, p.D + 1)]
    return float(vals[dstar - 1] - min(vals)), float(sum(sig2)), dstar


def _time_near_thresholds(thr: np.ndarray, T: float) -> st.SearchStrategy[float]:
    inner = [float(v) for v in thr[1:-1] if 0 < v < T]
    near = [st.sampled_from(inner).flatmap(
        lambda v: st.floats(-1e-9, 1e-9).map(lambda e: min(max(v + e * T, 0.0), T)))] if inner else []
    return st.one_of(st.floats(0.0, T), st.sampled_from([0.0, T]), *near)


@given(lst.distinct_spectra(1, 6, min_value=1e-8), st.data())
def test_prop2_threshold_times_ordered_and_exact(sig2, data):
    """``t_1 = 0 ≤ t_2 ≤ … ≤ t_D ≤ t_{D+1} = T`` for ``σ_1 > … > σ_D``, and each ``t_d`` equals
    ``T − ā^{-2}(3σ_d²/(1 − σ_d²)_+)`` evaluated at 50 digits with an independently typed
    inverse of ``s ↦ a_s²`` (every VP schedule), to ``64 u max(T, 1)`` absolute plus the
    threshold's own conditioning (``threshold_tol``)."""
    sched = data.draw(lst.schedules(lst.VP_SCHEDULES))
    T = data.draw(lst.horizons(sched))
    p = Problem.from_variances(sig2, schedule=sched, T=T)
    thr = threshold_times(p)
    assert thr[0] == 0.0 and thr[-1] == T
    assert np.all(np.diff(thr) >= -1e-13 * T)
    with mp.workdps(ref.DPS):
        for d in range(2, p.D + 1):
            expect = float(ref.threshold_time_exact_mp(sched, p.sigma2[d - 1], T))
            tol = threshold_tol(sched, T, p.sigma2[d - 1])
            assert abs(thr[d - 1] - expect) <= tol, (d, thr[d - 1], expect, tol)


def _check_prop2(p: Problem, t: float, *, estimated: bool) -> None:
    thr = threshold_times(p, estimated=estimated)
    gap, scale, dstar = _prop2_gap(p, t, thr)
    note(f"thresholds={thr!r} t={t!r} d*={dstar} gap={gap!r}")
    assert gap <= 1e-12 * scale


@given(lst.distinct_spectra(1, 6, min_value=1e-8), st.data())
def test_prop2_argmin_rule_exact_score(sig2, data):
    """Prop 2 (OU, exact score, ``σ_1 > … > σ_D > 0``): for ``t ∈ [t_d, t_{d+1})`` the
    d-dimensional projection minimises ``W²(t, ·)``; the argmin is computed at 50 digits over
    every ``d'``, times are drawn uniformly and within 1e-9 T of each threshold."""
    T = data.draw(lst.horizons("ou"))
    p = Problem.from_variances(sig2, schedule="ou", T=T)
    t = data.draw(_time_near_thresholds(threshold_times(p), T))
    _check_prop2(p, t, estimated=False)


@given(lst.distinct_spectra(1, 6, min_value=1e-8), st.sampled_from(["vp-linear", "vp-cosine"]),
       st.data())
def test_threshold_rule_other_vp_schedules(sig2, sched, data):
    """Beyond the paper (docs/theory.md §2): the sign of ``Δ`` depends on the marginal variance only,
    so the threshold rule of Prop 2 should hold for any VP schedule with its own ``ā^{-2}``. Same
    check as for OU: VP-linear (β ∈ [0.1, 20], T ≤ 1) and VP-cosine (T ≤ 0.9946)."""
    T = data.draw(lst.horizons(sched))
    p = Problem.from_variances(sig2, schedule=sched, T=T)
    t = data.draw(_time_near_thresholds(threshold_times(p), T))
    _check_prop2(p, t, estimated=False)


def _well_ordered(p: Problem, thr: np.ndarray) -> bool:
    h = np.asarray(p.sigma2_hat)
    return bool(np.all(np.diff(h) < 0) and np.all(np.diff(thr) >= 0))


@given(lst.spectra_with_estimates(lst.distinct_spectra(1, 6, min_value=1e-8), max_eps=2.9),
       lst.schedules(lst.VP_SCHEDULES), st.data())
def test_prop2_argmin_rule_plugin_on_eps_event(est, sched, data):
    """Prop 2 with the plug-in score and ``t̂_d``, on the event ``|σ̂_i² − σ_i²| ≤ εσ_i²``
    (``ε < 3``, drawn up to 2.9) and when ``σ̂`` and ``t̂`` are well ordered: the argmin rule
    holds, every VP schedule.

    On this event ``σ̂² > 1`` implies ``4σ² > σ̂²`` (``σ̂² ≤ (1 + ε)σ² < 4σ²``), which is what
    makes the printed convention ``y/0_+ = ±∞`` right; see the counterexample below for what
    happens off the event (``ε ≥ 3``)."""
    T = data.draw(lst.horizons(sched))
    p = Problem.from_variances(est.sigma2, estimated=est.sigma2_hat, schedule=sched, T=T)
    thr = threshold_times(p, estimated=True)
    assume(_well_ordered(p, thr))
    t = data.draw(_time_near_thresholds(thr, T))
    _check_prop2(p, t, estimated=True)


def test_prop2_printed_plugin_rule_refuted_off_the_eps_event():
    """Finding: Prop 2's plug-in rule as printed (``t̂_d`` with ``(1 − σ̂_d²)_+`` and the
    convention ``y/0_+ = sign(y) ∞``) fails inside its stated hypotheses (``σ̂`` and ``t̂`` well
    ordered) when ``σ̂_d² ≥ max(1, 4σ_d²)``: there ``v_d = σ̂_d² − x(σ̂_d² − 1)`` *decreases* with
    the noise level, so keeping component d helps *early* (``x ≥ (σ̂² − 4σ²)/(σ̂² − 1)``) and
    may hurt late; no threshold "after which" exists, yet the printed formula says "never keep"
    (``t̂_d = T``). Hypothesis (``σ̂`` unrestricted, OU, T = 2) shrinks to
    ``σ² = (1, 1)``, ``σ̂² = (5, 4)``, ``t = 0``: the rule picks d = 1, d = 2 is better by 0.9993.
    On the event ``|σ̂² − σ²| ≤ εσ²`` with ``ε < 3`` this cannot happen (property above)."""
    # The shrunk counterexample (boundary case 4σ² = σ̂²: keeping always helps).
    p = Problem.from_variances([1.0, 1.0], estimated=[5.0, 4.0], schedule="ou", T=2.0)
    thr = threshold_times(p, estimated=True)
    assert _well_ordered(p, thr) and list(thr) == [0.0, 2.0, 2.0]
    # the thresholds are exact here (clipped to 0 and T), so the gap is taken at t = 0 itself:
    # _prop2_gap's ± conditioning allowance is meaningless on the boundary 4σ² = σ̂², where the
    # threshold jumps from 0 to T (its central difference is ~1e20)
    gap, scale, dstar = _prop2_gap_exact_times(p, 0.0, thr)
    assert dstar == 1 and gap > 0.99
    # A strict instance, σ̂_2² = 3 > 4σ_2² = 2 > 1: component 2 helps exactly while
    # x ≥ (σ̂² − 4σ²)/(σ̂² − 1) = 1/2, i.e. for t ≤ T − ā^{-2}(1/2) = 2 − log(2)/2.
    p = Problem.from_variances([4.0, 0.5], estimated=[4.0, 3.0], schedule="ou", T=2.0)
    thr = threshold_times(p, estimated=True)
    assert _well_ordered(p, thr) and list(thr) == [0.0, 2.0, 2.0]
    gap, scale, dstar = _prop2_gap_exact_times(p, 0.0, thr)
    assert dstar == 1 and gap > 0.3
    tc = 2.0 - 0.5 * math.log(2.0)
    W = w2_map(p, np.array([0.0, tc - 1e-6, tc + 1e-6]))
    assert W[1, 0] < W[0, 0] and W[1, 1] < W[0, 1] and W[1, 2] > W[0, 2]


# ----------------------------------------------------------------------------- optimum
@given(lst.problems(spectrum=lst.any_spectra(1, 5), max_eps=8.0, schedule=lst.VP_SCHEDULES))
def test_optimal_stop_matches_brute_force(p):
    """``optimal_stop`` returns the global minimum of ``W²`` over ``(t, d)``: its value is the
    brute-force minimum (dense grid + golden section on every d, plain float64 formula) to
    1e-9 relative, and its reported ``(d, s)`` really has that value (50-digit re-evaluation at
    the reported forward time ``s``: a stop 1.5e-13 before ``T = 2`` is not representable as a
    backward time). ``t = T − s`` to an ulp of T. When the optimum is interior, ``s`` is the
    stationary point of Prop 3(b) solved at 60 digits, to its float64 resolution: W² is flat
    there, so a 1e-9 check of W² alone cannot see an error in the reported stop."""
    times = np.linspace(0.0, p.T, 201)
    res = optimal_stop(p, times)
    brute = ref.brute_force_min_w2(p.sigma2, p.sigma2_used, p.schedule, p.T)[0]
    scale = float(np.sum(p.sigma2))
    note(f"res={res!r} brute={brute!r}")
    assert 0.0 <= res["s"] <= p.T and 0.0 <= res["t"] <= p.T
    assert abs(res["t"] - (p.T - res["s"])) <= math.ulp(p.T)
    with mp.workdps(ref.DPS):
        x = ref.a2_mp(p.schedule, ref.mpf(res["s"]))
        at_reported = float(ref.w2_mp(x, p.sigma2, p.sigma2_used, res["d"]))
    assert abs(at_reported - res["w2_squared"]) <= 1e-9 * abs(res["w2_squared"]) + 1e-12 * scale
    assert res["w2_squared"] <= brute * (1 + 1e-9) + 1e-13 * scale
    assert res["w2_squared"] >= brute * (1 - 1e-9) - 1e-13 * scale
    if res["interior"]:
        event("interior optimum: s checked against the stationary point")
        d = res["d"]
        root = ref.stationary_stop_mp(p.sigma2[:d], p.sigma2_used[:d], p.schedule, p.T)
        assert root is not None, "reported interior, but g_d does not change sign on [0, a_T²]"
        _, s_star, ds = root
        note(f"s*={s_star!r} resolution={ds!r}")
        assert abs(res["s"] - s_star) <= ds + 4 * math.ulp(s_star)
    else:
        event("optimum on the grid")

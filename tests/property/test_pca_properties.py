"""Props 6 and 7 (general covariance, PCA and estimated PCA) and PCA against every encoder.

Everything is measured with the full-matrix Fréchet distance of the actual covariances (30-digit
mpmath, ``frechet_distance2_mp``, itself checked against an independent 50-digit route in
``test_frechet_properties``): the LDM output at backward time ``t`` with encoder ``E`` (``d × D``,
orthonormal rows) is ``N(0, Eᵀ E (a² I + b² Σ_gen) Eᵀ E)``, with ``Σ_gen = Σ`` (exact score) or
``Σ̂`` (plug-in), compared with ``N(0, Σ)``.
"""

from __future__ import annotations

import math
from collections import Counter

import mpmath as mp
import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

import ldm_reference as ref
from ldmstop import Problem
from ldmstop.curve import threshold_times
from ldmstop.frechet import frechet_distance2_mp
from ldmstop.verify import strategies as lst

pytestmark = pytest.mark.property

DPS = 30


def _ldm_w2(Sigma: np.ndarray, Sigma_gen: np.ndarray, frame: np.ndarray, x) -> mp.mpf:
    """``d_F²(N(0, P (x I + (1 − x) Σ_gen) P), N(0, Σ))`` with ``P = frame frameᵀ``, in mpmath."""
    with mp.workdps(DPS):
        P = ref.mp_matrix(frame @ frame.T)
        n = P.rows
        G = mp.mpf(x) * mp.eye(n) + (1 - mp.mpf(x)) * ref.mp_matrix(Sigma_gen)
        return frechet_distance2_mp(P * G * P, ref.mp_matrix(Sigma))


def _tol(Sigma_eigs: np.ndarray, gen_eigs: np.ndarray) -> float:
    """1e-12 of the scale of both Gaussians: the frames and projectors are float64 (orthonormal
    to ~u), so the generated covariance ``x P + (1 − x) P Σ P`` carries ``~u`` relative error
    even when Σ is tiny and the noise term dominates."""
    D = Sigma_eigs.size
    return 1e-12 * (float(Sigma_eigs.sum()) + D * (1.0 + float(gen_eigs.max())))


def _noise_level(schedule: str, T: float, t: float) -> mp.mpf:
    with mp.workdps(DPS):
        return ref.a2_mp(schedule, min(max(ref.mpf(T) - ref.mpf(t), 0), ref.mpf(T)))


def _pca_gap(Sigma, Sigma_gen, basis, sched, T, t, d) -> tuple[float, list[float]]:
    x = _noise_level(sched, T, t)
    vals = [_ldm_w2(Sigma, Sigma_gen, basis[:, :k], x) for k in range(1, basis.shape[1] + 1)]
    return float(vals[d - 1] - min(vals)), [float(v) for v in vals]


def _interval_index(thr: np.ndarray, t: float) -> int:
    for d in range(thr.size - 1, 0, -1):
        if thr[d - 1] <= t:
            return d
    return 1


@given(lst.covariances(spectrum=lst.distinct_spectra(2, 5, min_value=1e-6)),
       lst.schedules(lst.VP_SCHEDULES), st.data())
def test_prop6_pca_optimal_among_pca_projections(cov, sched, data):
    """Prop 6: ``Σ = O Λ Oᵀ`` with distinct eigenvalues, ``D ≥ 2`` (with one dimension there is
    nothing to choose); for ``t ∈ [t_d, t_{d+1})`` (``t_d`` of Prop 2, from
    ``Problem.from_covariance``) the d-dimensional PCA projection minimises ``d_F`` among PCA
    projections of every dimension (full-matrix Fréchet, 30 digits), every VP schedule."""
    T = data.draw(lst.horizons(sched))
    p = Problem.from_covariance(cov.matrix, schedule=sched, T=T)
    thr = threshold_times(p)
    inner = [float(v) for v in thr[1:-1] if 0 < v < T]
    t = data.draw(st.one_of(st.floats(0.0, T), st.sampled_from([0.0, T] + inner)))
    d = _interval_index(thr, t)
    scale = _tol(cov.eigenvalues, cov.eigenvalues)
    # Threshold times are accurate to ~1e-14 absolute (see test_curve_properties): credit d if
    # it is optimal at t or within that slack of t.
    gap, vals = _pca_gap(cov.matrix, cov.matrix, cov.basis, sched, T, t, d)
    note(f"thresholds={thr!r} t={t!r} d={d} W2={vals!r}")
    if gap > scale:
        slack = 64 * ref.U * max(T, 1)
        gap = min(gap, *(_pca_gap(cov.matrix, cov.matrix, cov.basis, sched, T, tt, d)[0]
                         for tt in (t - slack, t + slack)))
    assert gap <= scale


def _prop7_thresholds(est: lst.EstimatedCovariance, sched: str, T: float, S: float):
    """``T̂_d`` (lower ends) and ``t̂_d`` (upper ends) of Prop 7 as printed, at 50 digits; a
    ``T̂_d`` whose square root argument ``σ̂_d² − 4Sε`` is negative is ``None`` (undefined)."""
    hat = est.estimate.eigenvalues
    D = hat.size
    eps = est.eps
    lower, upper = [0.0], [None]
    with mp.workdps(ref.DPS):
        Sm, e = ref.mpf(S), ref.mpf(eps)
        for d in range(2, D + 2):
            if d <= D:
                h2 = ref.mpf(hat[d - 1])
                h = mp.sqrt(h2)
                plus = h2 + 4 * Sm * e
                upper.append(float(mp.mpf(T) - ref.extended_inverse_a2_mp(
                    sched, ref.div_plus(plus + 2 * h * mp.sqrt(plus), 1 - h2), T)))
                minus = h2 - 4 * Sm * e
                lower.append(None if minus < 0 else float(mp.mpf(T) - ref.extended_inverse_a2_mp(
                    sched, ref.div_plus(minus + 2 * h * mp.sqrt(minus), 1 - h2), T)))
            else:
                upper.append(T)
    return lower, upper  # lower[d-1] = T̂_d, upper[d] = t̂_{d+1}


def _prop7_case(est, sched, T, S, data, counts: Counter):
    """Prop 7 with the half-open interval ``[T̂_d, t̂_{d+1})`` (``t = T`` included for d = D), as in
    Prop 2. The printed closed interval is refuted at its right end, see the test below.
    ``counts`` records whether the example asserted anything (``checked``, and ``early`` when
    for a ``d < D``) or was vacuous (no non-empty interval)."""
    lower, upper = _prop7_thresholds(est, sched, T, S)
    D = est.true.eigenvalues.size
    counts["examples"] += 1
    ok = [d for d in range(1, D + 1) if lower[d - 1] is not None
          and (lower[d - 1] < upper[d] or (d == D and lower[d - 1] <= upper[d]))]
    if not ok:
        event("no non-empty interval [T̂_d, t̂_{d+1})")
        return
    # prefer an interval for d < D when there is one: d = D near the end is the easy case
    early = [d for d in ok if d < D]
    d = data.draw(st.sampled_from(early or ok))
    t = data.draw(st.floats(lower[d - 1], upper[d], exclude_max=d < D))
    event(f"interval for d={d} of D={D}")
    counts["checked"] += 1
    counts["early"] += d < D
    gap, vals = _pca_gap(est.true.matrix, est.estimate.matrix, est.estimate.basis, sched, T, t, d)
    note(f"S={S!r} eps={est.eps!r} T̂={lower!r} t̂={upper!r} t={t!r} d={d} W2={vals!r}")
    assert gap <= _tol(est.true.eigenvalues, est.estimate.eigenvalues)


_prop7_inputs = st.tuples(
    lst.covariances_with_estimates(lst.covariances(spectrum=lst.distinct_spectra(2, 4, min_value=1e-4)),
                                   max_eps=0.05),
    lst.schedules(lst.VP_SCHEDULES))

#: Coverage the Prop 7 properties must reach: examples that assert (a non-empty interval) and
#: examples that assert for some d < D (measured: 73 % and 35 % of the default profile's
#: derandomised examples).
PROP7_MIN_CHECKED = 0.6
PROP7_MIN_EARLY = 0.2


def _run_prop7(reading: str) -> Counter:
    counts: Counter = Counter()

    @given(_prop7_inputs, st.data())
    def prop7(inputs, data):
        est, sched = inputs
        T = data.draw(lst.horizons(sched))
        root = np.sqrt(est.true.eigenvalues if reading == "sigma" else est.estimate.eigenvalues)
        _prop7_case(est, sched, T, float(np.sum(np.maximum(root, root**2))), data, counts)

    prop7()
    return counts


def _assert_prop7_coverage(counts: Counter) -> None:
    n = counts["examples"]
    assert n > 0
    assert counts["checked"] >= PROP7_MIN_CHECKED * n, counts
    assert counts["early"] >= PROP7_MIN_EARLY * n, counts


def test_prop7_implication_on_loewner_event_S_from_sigma():
    """Prop 7 on the event ``(1−ε)Σ ⪯ Σ̂ ⪯ (1+ε)Σ`` (``Σ̂`` not commuting with ``Σ``): for
    ``t ∈ [T̂_d, t̂_{d+1})`` the d-dimensional Ô-PCA projection of the plug-in process is optimal
    among Ô-PCA projections; ``S = Σ_i max(σ_i, σ_i²)`` with the *true* σ. (Half-open interval:
    the printed closed one fails at ``t̂_{d+1}``, see the next test.) An example with no
    non-empty interval asserts nothing, so the run must assert on at least 60 % of its examples
    and for some ``d < D`` on at least 20 % (else the property is vacuous)."""
    _assert_prop7_coverage(_run_prop7("sigma"))


def test_prop7_implication_on_loewner_event_S_from_sigma_hat():
    """Prop 7 as above with the paper's other reading, ``S = Σ_i max(σ̂_i, σ̂_i²)``; same coverage."""
    _assert_prop7_coverage(_run_prop7("sigma_hat"))


def test_prop7_printed_closed_interval_refuted_at_right_end():
    """Finding: Prop 7 prints the interval closed, ``t ∈ [T̂_d, t̂_{d+1}]``. When the argument of
    ``ā^{-2}`` in ``t̂_{d+1}`` exceeds ``a_T²`` (component d+1 helps at every time),
    ``t̂_{d+1} = 0`` and the closed interval ``[T̂_d, 0] = {0}`` claims d optimal at ``t = 0``,
    where d+1 is strictly better. Shrunk counterexample (Hypothesis, ci profile):
    ``Σ = Σ̂ = diag(1, 0.5)``, ``ε = 0.01``, OU, ``T = 2``, ``t = 0``, d = 1 (either reading of S):
    ``W²(0, 1) = 0.5`` but ``W²(0, 2) = 0.0831``. The half-open interval (tested above) holds."""
    c = lst._assemble(np.array([1.0, 0.5]), np.eye(2))
    est = lst.EstimatedCovariance(c, c, 0.01)
    S = float(np.sum(np.maximum(np.sqrt(c.eigenvalues), c.eigenvalues)))
    lower, upper = _prop7_thresholds(est, "ou", 2.0, S)
    assert lower[0] == 0.0 and upper[1] == 0.0  # the printed interval for d = 1 is {0}
    gap, vals = _pca_gap(c.matrix, c.matrix, c.basis, "ou", 2.0, 0.0, 1)
    assert gap > 0.4 and vals[1] < vals[0]


@st.composite
def _encoder_case(draw):
    cov = draw(lst.covariances(2, 4))
    D = cov.eigenvalues.size
    d = draw(st.integers(1, D - 1))
    kind = draw(st.sampled_from(["near-pca", "haar"]))
    if kind == "haar":
        frame = draw(lst.haar_orthogonal(D))[:, :d]
    else:
        # Rotate the PCA frame in the plane of a kept and a discarded eigenvector.
        i = draw(st.integers(0, d - 1))
        j = draw(st.integers(d, D - 1))
        th = draw(st.floats(-0.5, 0.5).filter(lambda v: v != 0.0))
        R = np.eye(D)
        R[i, i] = R[j, j] = math.cos(th)
        R[i, j], R[j, i] = -math.sin(th), math.sin(th)
        frame = (cov.basis @ R)[:, :d]
    return cov, d, kind, frame


@given(_encoder_case(), lst.schedules(lst.VP_SCHEDULES), st.data())
def test_pca_optimal_among_all_rank_d_orthonormal_encoders(case, sched, data):
    """Beyond the paper: is the PCA projection optimal among *all* rank-d orthonormal encoders
    at every time (exact score), not only among PCA projections of other dimensions? Compared
    with Haar-random frames and with PCA frames rotated toward a discarded direction."""
    cov, d, kind, frame = case
    T = data.draw(lst.horizons(sched))
    t = data.draw(st.floats(0.0, T))
    x = _noise_level(sched, T, t)
    w_pca = _ldm_w2(cov.matrix, cov.matrix, cov.basis[:, :d], x)
    w_enc = _ldm_w2(cov.matrix, cov.matrix, frame, x)
    event(kind)
    note(f"x={float(x)!r} PCA={float(w_pca)!r} encoder={float(w_enc)!r}")
    assert w_pca <= w_enc + _tol(cov.eigenvalues, cov.eigenvalues)

"""Prop 5's capped score at ``t = T`` (Wu et al. 2025, §5 and App. A.5), shared by the claims
prop5, lemma1 and cor1: the transcription, the independent ODE route, the search's formula
and the falsifier.

One component's backward variance (OU, start ``N(0, 1)``, no early stop) solves

    dV/dt = 2 (1 − 2 m̂(T − t)) V + 2,   V_0 = 1,   m̂(s) = min(C, 1/(a_s² + b_s² σ̂²)),

and Prop 5 states that an optimal dimension lies in ``[d1, d2]``, ``d1 = max{d : 1/C ≤ σ̂_d²}``,
``d2 = min{d : 1/(2C − 1) ≥ 4σ_d²}``.

- transcription (mpmath, typed from the proof): :func:`closed_form_VT`, :func:`kink_time`,
  :func:`dimension_bounds`, :func:`capped_optimal_dims`;
- independent route: :func:`capped_variance_ode` (Gauss–Legendre, :mod:`.ode`, split at the
  kink found by ``mpmath.findroot``);
- the search's formula in a numeric namespace ``M``: :func:`capped_VT`, :func:`w2_from_variances`;
- :class:`CappedDimensionFalsifier`, subclassed by cor1.
"""

from __future__ import annotations

from functools import lru_cache
import math
from typing import Sequence

import mpmath as mp

from .claims.settings import decode_sorted
from .ode import solve_linear
from .search import Coord, Falsifier
from .transcribe import OU

__all__ = ["closed_form_VT", "kink_time", "dimension_bounds", "capped_optimal_dims",
           "capped_variance_ode", "capped_VT", "w2_from_variances", "CappedDimensionFalsifier",
           "T_SUFFICIENT", "DMAX", "ODE_DPS"]

#: the proof's bound on the fraction in (21) holds for every σ̂ once T ≥ ½ log 2
T_SUFFICIENT = math.log(2) / 2

#: the largest dimension D the falsifier searches
DMAX = 8

ODE_DPS = 40          # working precision of the integrator


# ------------------------------------------------------------------ the transcription
def closed_form_VT(T, hat2, C, variant: str = "paper") -> mp.mpf:
    """``V_T`` from the closed forms of Prop 5's proof (Wu et al. 2025, App. A.5; OU, start
    ``N(0, 1)``, ``q = 1 − σ̂²``): cap never binds
    ``σ̂² (1 − 2qe^{−2T} + qe^{−4T}) / (1 − 2qe^{−2T} + q²e^{−4T})``; binding after ``t'``
    ``(1 − g)/(2C − 1) + g (1 − qe^{−2(T−t')})/(1 − qe^{−2T}) · (1 − 2qe^{−2T} + qe^{−2(T+t')})/(1 − qe^{−2T})``
    with ``g = e^{(2−4C)(T−t')}`` (control: ``2 − 4C`` → ``2 − 2C``)."""
    q = 1 - hat2
    E = mp.exp(-2 * T)
    tp = kink_time(T, hat2, C)
    if tp is None:  # cap never binds
        return hat2 * (1 - 2 * q * E + q * E**2) / (1 - 2 * q * E + q**2 * E**2)
    k = (2 - 2 * C) if variant == "control" else (2 - 4 * C)
    g = mp.exp(k * (T - tp))
    return ((1 - g) / (2 * C - 1)
            + g * (1 - q * mp.exp(-2 * (T - tp))) / (1 - q * E)
            * (1 - 2 * q * E + q * mp.exp(-2 * (T + tp))) / (1 - q * E))


def kink_time(T, hat2, C, *, numeric: bool = False) -> mp.mpf | None:
    """Backward time ``t'`` after which the capped score of Prop 5 is ``m̂ = C`` (``None`` if the cap never binds; 0 if it
    binds from the start). ``a_s² + b_s² σ̂² = 1/C`` gives ``e^{-2s'} = (1 - 1/C)/(1 - σ̂²)``;
    with ``numeric=True`` (the ODE route) the root is found by ``mpmath.findroot`` instead."""
    v = lambda s: OU.a2(s) + (1 - OU.a2(s)) * hat2  # noqa: E731
    target = 1 / C
    if hat2 >= target:           # 1/v ≤ 1/σ̂² ≤ C (σ̂ < 1) or 1/v ≤ 1 < C (σ̂ ≥ 1)
        return None
    if v(T) <= target:           # binds on all of [0, T]
        return mp.mpf(0)
    if numeric:
        s = mp.findroot(lambda s: v(s) - target, (mp.mpf(0), mp.mpf(T)), solver="anderson")
    else:
        s = -mp.log((1 - target) / (1 - hat2)) / 2
    return T - s


def capped_optimal_dims(T, sig2: Sequence, hat2: Sequence, C, variant: str = "paper") -> tuple[list[int], list]:
    """Prop 5's optimal dimensions at ``t = T``: the minimisers over d of
    ``Σ_{i≤d}(sqrt(V_T,i) − σ_i)² + Σ_{i>d} σ_i²`` with ``V_T`` from :func:`closed_form_VT`
    (ties within ``100 eps (1 + min)``), and the values for every d."""
    V = [closed_form_VT(T, h, C, variant) for h in hat2]
    D = len(sig2)
    vals = [mp.fsum((mp.sqrt(V[i]) - mp.sqrt(sig2[i])) ** 2 for i in range(d))
            + mp.fsum(sig2[d:]) for d in range(1, D + 1)]
    best = min(vals)
    scale = 1 + best
    return [d for d in range(1, D + 1) if vals[d - 1] - best <= mp.eps * 100 * scale], vals


def dimension_bounds(sig2: Sequence, hat2: Sequence, C) -> tuple[int, int]:
    """Prop 5's bracket ``(d1, d2)`` as printed (Wu et al. 2025, §5): d1 = max{d : 1/C ≤ σ̂_d²} (1 if empty),
    d2 = min{d : 1/(2C − 1) ≥ 4σ_d²} (D if empty)."""
    D = len(sig2)
    d1 = max([d for d in range(1, D + 1) if 1 / C <= hat2[d - 1]], default=1)
    d2 = min([d for d in range(1, D + 1) if 1 / (2 * C - 1) >= 4 * sig2[d - 1]], default=D)
    return d1, d2


# ------------------------------------------------------------------ the ODE route
def _segments(T, hat2, C, tp) -> list[tuple]:
    """Backward-time segments ``(a, b, p, steps)`` for the integrator.

    Uncapped phase: the coefficient ``m = 1/v(s)`` varies on the scale ``v(s)`` near ``s = 0``, so
    the segments are graded geometrically in forward time from the kink (or from s = 0) to T, four
    steps each. Capped phase: constant ``p = 2 - 4C``; steps chosen so that ``|p| h ≤ 1/4``."""
    v = lambda s: OU.a2(s) + (1 - OU.a2(s)) * hat2  # noqa: E731
    m_unc = lambda t: 1 / v(T - t)  # noqa: E731
    p_unc = lambda t: 2 * (1 - 2 * m_unc(t))  # noqa: E731
    p_cap = lambda t: 2 - 4 * C  # noqa: E731
    s_lo = mp.mpf(0) if tp is None else T - tp
    cuts = [s_lo]
    h = max(min(v(s_lo), mp.mpf(1)) / 4, mp.mpf(10) ** -8)
    while cuts[-1] + h < T:
        cuts.append(cuts[-1] + h)
        h *= 2
    cuts.append(mp.mpf(T))
    segs = [(T - cuts[i + 1], T - cuts[i], p_unc, 4) for i in range(len(cuts) - 1)][::-1]
    if tp is not None and tp < T:
        L = T - tp
        segs.append((tp, T, p_cap, max(4, int(mp.ceil(4 * abs(2 - 4 * C) * L)))))
    return segs


def capped_variance_ode(T, hat2, C) -> tuple:
    """``(V_T, error estimate, path)`` of Prop 5's ODE (Wu et al. 2025, §5, OU, start 1)

        dV/dt = 2 (1 − 2 m̂(T − t)) V + 2,   V_0 = 1,   m̂(s) = min(C, 1/(a_s² + b_s² σ̂²)),

    at ``ODE_DPS`` digits, split at the kink ``t'`` (found by ``mpmath.findroot``), cached per
    setting; ``path`` is ``[(t, V_t)]`` at every step, the estimate the difference from the same
    integration with half the steps."""
    return _capped_variance_ode(T, hat2, C)


@lru_cache(maxsize=4096)  # bounded: the search integrates many settings
def _capped_variance_ode(T, hat2, C) -> tuple:
    with mp.workdps(ODE_DPS):
        T, hat2, C = mp.mpf(T), mp.mpf(hat2), mp.mpf(C)
        tp = kink_time(T, hat2, C, numeric=True)
        q = lambda t: mp.mpf(2)  # noqa: E731
        results = []
        for mult in (1, 2):
            v, path = mp.mpf(1), []
            for a, b, p, steps in _segments(T, hat2, C, tp):
                if b > a:
                    seg = solve_linear(p, q, a, b, v, steps * mult, record=True)
                    path += seg
                    v = seg[-1][1]
            results.append((v, path))
        return (results[1][0], abs(results[1][0] - results[0][0]), results[1][1])


# ------------------------------------------------------------------ the search's formula
def capped_VT(T, h, C, M, variant: str = "paper"):
    """Prop 5: ``V_T`` of one component under the capped score (the search's formula): the proof's two
    closed forms, with ``A = 1 − e^{−2T}`` so that small T keeps its digits:
    cap never binds ``σ̂² (A² + σ̂²(1 − A²)) / (A + σ̂²(1 − A))²`` (= the printed (21));
    otherwise the capped phase lasts ``τ = min(s', T)``, ``s'`` where ``a_s² + b_s² σ̂² = 1/C``,
    and the printed general form is used with ``t' = T − τ``."""
    if h >= 1 / C:  # 1/v ≤ 1/σ̂² ≤ C (σ̂ < 1) or 1/v ≤ 1 < C (σ̂ ≥ 1): never binds
        A = -M.expm1(-2 * T)
        return h * (A * A + h * (1 - A * A)) / (A + h * (1 - A)) ** 2
    q = 1 - h
    s_kink = M.log(q / (1 - 1 / C)) / 2
    tau = s_kink if s_kink < T else T
    tp = T - tau
    k = (2 - 2 * C) if variant == "control" else (2 - 4 * C)
    g = M.exp(k * tau)
    E = M.exp(-2 * T)
    one_qE = -M.expm1(-2 * T) + h * E  # 1 − qE without cancellation
    return ((1 - g) / (2 * C - 1)
            + g * (1 - q * M.exp(-2 * tau)) / one_qE * (1 - 2 * q * E + q * E * M.exp(-2 * tp)) / one_qE)


def w2_from_variances(sig2, V, M) -> list:
    """``[W²(d = 1), …, W²(d = D)]`` from the backward variances ``V_i``:
    ``Σ_{i≤d} (√V_i − σ_i)² + Σ_{i>d} σ_i²`` (eq. (3) at ``t = T``)."""
    D = len(sig2)
    return [M.fsum((M.sqrt(V[i]) - M.sqrt(sig2[i])) ** 2 for i in range(d)) + M.fsum(sig2[d:])
            for d in range(1, D + 1)]


# ------------------------------------------------------------------ the falsifier
class CappedDimensionFalsifier(Falsifier):
    """Prop 5 searched: no optimal dimension in ``[d1, d2]`` at ``t = T`` (shared with
    Corollary 1)."""

    claim_id = "prop5"
    vectors = ("sigma2", "sigma2_hat")
    scalars = ("T", "C")
    time_keys = ()
    margin_what = "(min_{d1≤d≤d2} W²(d) − min_d W²(d)) / Σσ² with V_T from the closed forms"
    independent_what = "Gauss–Legendre ODE (order 20, 40 digits) per component, brute force over d"
    independent_dps = 40
    extra_hypothesis = "T ≥ ½ log 2 ≈ 0.3466 (where the proof's bound (21) ≤ 1/(1 − σ̂²) holds)"

    def __init__(self, variant: str):
        self.variant = variant
        self.corrected = variant == "corrected"
        Tlo = T_SUFFICIENT if self.corrected else 1e-4
        self.T_range = (Tlo, 50.0)
        self.coords = ([Coord("D", 1, DMAX, integer=True), Coord("T", Tlo, 50.0, log=True),
                        Coord("C1", 1e-6, 1e6, log=True)]
                       + [Coord(f"s{i}", 1e-6, 1e2, log=True) for i in range(DMAX)]
                       + [Coord(f"w{i}", 0.0, 1.0) for i in range(DMAX)])
        from .validity import Axis

        # the cap decides which components count in d1: the failure needs 1/C ≤ σ̂_d²
        self.map_y = Axis("C", 1.0 + 1e-3, 1e6, True, lambda s, v: dict(s, C=v),
                          lambda s: float(s["C"]))

    def decode(self, x):
        D = int(x[0])
        s2 = decode_sorted(x[3:3 + D])
        # the event |σ̂² − σ²| ≤ σ²: σ̂² = σ²(1 + w), w ∈ [−1, 1] (w = 0 in a third: n → ∞)
        w = [2 * float(v) - 1 for v in x[3 + DMAX:3 + DMAX + D]]
        h2 = [q * (1 + wi) for q, wi in zip(s2, w)]
        if min(h2) <= 0:
            return None
        order = sorted(range(D), key=lambda i: -h2[i])  # both orderings are assumed: keep pairs
        h2s = [h2[i] for i in order]
        if [s2[i] for i in order] != s2:
            return None  # σ and σ̂ orders disagree: outside the printed assumptions
        return {"T": float(x[1]), "C": 1 + float(x[2]), "sigma2": s2, "sigma2_hat": h2s}

    def admissible(self, s):
        s2 = [mp.mpf(v) for v in s["sigma2"]]
        h2 = [mp.mpf(v) for v in s["sigma2_hat"]]
        T, C = mp.mpf(s["T"]), mp.mpf(s["C"])
        ok = T > 0 and C > 1 and all(v > 0 for v in s2 + h2)
        ok = ok and all(abs(a - b) <= a for a, b in zip(s2, h2))
        ok = ok and all(s2[i] >= s2[i + 1] and h2[i] >= h2[i + 1] for i in range(len(s2) - 1))
        if self.corrected:
            ok = ok and T >= T_SUFFICIENT
        return ok

    def allowed(self, s2, h2, C) -> set:
        d1, d2 = dimension_bounds(s2, h2, C)
        return set(range(d1, d2 + 1))

    def margin(self, s, M):
        T, C = M.num(s["T"]), M.num(s["C"])
        if self.corrected and T < T_SUFFICIENT:
            return -1.0
        s2 = [M.num(v) for v in s["sigma2"]]
        h2 = [M.num(v) for v in s["sigma2_hat"]]
        V = [capped_VT(T, h, C, M) for h in h2]
        vals = w2_from_variances(s2, V, M)
        allowed = self.allowed(s2, h2, C)
        if not allowed:
            return -1.0
        return (min(vals[d - 1] for d in allowed) - min(vals)) / M.fsum(s2)

    def independent(self, s):
        T, C = mp.mpf(s["T"]), mp.mpf(s["C"])
        s2 = [mp.mpf(v) for v in s["sigma2"]]
        h2 = [mp.mpf(v) for v in s["sigma2_hat"]]
        V = [capped_variance_ode(T, h, C)[0] for h in h2]
        vals = w2_from_variances(s2, V, _mpns())
        allowed = self.allowed(s2, h2, C)
        return (min(vals[d - 1] for d in allowed) - min(vals)) / mp.fsum(s2)

    def edges(self):
        out = []
        for T in (1e-4, 0.01, 0.0373, 0.0941, 0.2, T_SUFFICIENT, 2.0, 50.0):
            for C in (1 + 1e-6, 1.5, 20.0, 1e3, 1e6):
                for s2, h2 in (([1.0, 0.1], [1.0, 0.1]), ([1.0, 0.1], [1.0, 0.2]),
                               ([4.0, 0.3, 0.05], [6.0, 0.5, 0.1]), ([0.2, 0.2, 0.01], [0.2, 0.2, 0.01]),
                               ([2.0], [1.0]), ([1.0, 1e-6], [1.0, 2e-6])):
                    out.append({"T": T, "C": C, "sigma2": s2, "sigma2_hat": h2})
        return out


def _mpns():
    from .search import mp_namespace

    return mp_namespace()

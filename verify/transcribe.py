"""The paper's definitions, transcribed directly in mpmath (independent of ldmstop.derivations).

Everything here is typed from the paper's text (docs/theory.md §1–3), so that a check comparing these
with the SymPy derivation compares two independent routes. Conventions: forward time ``s``,
backward time ``t = T - s``, noise level ``x = a_s²``.

- OU: ``a_s² = 1 - e^{-2s}``, inverse ``s = -log(1 - x)/2``.
- VP-linear: ``a_s² = 1 - exp(-(β_min s + (β_max - β_min) s²/2))``, β_min = 0.1, β_max = 20; its
  inverse is computed with ``mpmath.findroot`` (no closed form used).
- Extended inverse ``ā^{-2}`` (Prop 2): 0 below 0, the inverse on ``[0, a_T²]``, T above;
  ``y / 0_+ = ±∞``.
- ``W²(t, d) = Σ_{i≤d} (sqrt(a² + (1 - a²) σ̂_i²) - σ_i)² + Σ_{i>d} σ_i²`` (eq. (3)).
- Prop 2: the thresholds ``t_d = T - ā^{-2}(3σ_d²/(1 - σ_d²)_+)`` (plug-in ``t̂_d``) and the
  dimension they assign, ``d`` on ``[t_d, t_{d+1})``.
- Prop 5: the closed forms of ``V_T`` under the capped score ``m̂ = min(C, 1/v̂)`` and the
  optimal dimensions at ``t = T``.
- Prop 6: the projector ``P_dᵀ P_d = O_{:, :d} O_{:, :d}ᵀ`` and a rotated Gaussian setting.

Every claim module reads the transcriptions it shares with another claim from here: no claim
imports another.
"""

from __future__ import annotations

from typing import Callable, Sequence

import mpmath as mp
import numpy as np

__all__ = ["Schedule", "OU", "VP_LINEAR", "schedule", "pos_ratio", "w2", "w2_at_t",
           "increment", "golden_min", "frechet2", "random_orthogonal", "sym_sqrt", "mpf_list",
           "threshold_times", "threshold_forward_times", "rule_dimension", "closed_form_VT",
           "kink_time", "capped_optimal_dims", "dimension_bounds", "projector", "rotated_setting"]



def _beta():
    """``(β_min, β_max) = (0.1, 20)`` at the *current* precision (a module-level mpf would be
    frozen at import-time precision: 0.1 is not a binary number)."""
    return mp.mpf(1) / 10, mp.mpf(20)


class Schedule:
    """A VP noise schedule: ``a_s²`` and the extended inverse ``ā^{-2}``."""

    def __init__(self, name: str, a2: Callable, inv: Callable):
        self.name = name
        self._a2 = a2
        self._inv = inv

    def a2(self, s):
        """Noise variance ``a_s²`` at forward time ``s``."""
        return self._a2(mp.mpf(s))

    def inv_a2(self, x):
        """Inverse of ``s ↦ a_s²`` on ``[0, 1)``."""
        return self._inv(mp.mpf(x))

    def ext_inv(self, x, T):
        """``ā^{-2}(x)`` (Wu et al. 2025, Prop 2): 0 for ``x < 0``, inverse on ``[0, a_T²]``, ``T``
        above (including ``x = +∞``)."""
        if x == mp.inf or x > self.a2(T):
            return mp.mpf(T)
        if x < 0:
            return mp.mpf(0)
        return self.inv_a2(x)

    def b2(self, s):
        return 1 - self.a2(s)


def _ou_inv(x):
    return -mp.log1p(-x) / 2


def _vpl_a2(s):
    bmin, bmax = _beta()
    return -mp.expm1(-(bmin * s + (bmax - bmin) * s**2 / 2))


def _vpl_inv(x):
    # Independent route: solve a_s² = x numerically, not with the quadratic formula.
    bmin, bmax = _beta()
    target = -mp.log1p(-x)  # = β_min s + (β_max - β_min) s²/2, increasing in s
    if target == 0:
        return mp.mpf(0)
    hi = mp.mpf(1)
    while bmin * hi + (bmax - bmin) * hi**2 / 2 < target:
        hi *= 2
    return mp.findroot(lambda s: bmin * s + (bmax - bmin) * s**2 / 2 - target,
                       (mp.mpf(0), hi), solver="anderson")


OU = Schedule("ou", lambda s: -mp.expm1(-2 * s), _ou_inv)
VP_LINEAR = Schedule("vp-linear", _vpl_a2, _vpl_inv)


def schedule(name: str) -> Schedule:
    return {"ou": OU, "vp-linear": VP_LINEAR}[name]


def pos_ratio(num, den):
    """``num / (den)_+`` with the paper's convention ``y / 0_+ = ±∞`` (and ``0/0_+ = 0``)."""
    if den > 0:
        return num / den
    if num > 0:
        return mp.inf
    if num < 0:
        return -mp.inf
    return mp.mpf(0)


def mpf_list(values: Sequence) -> list:
    return [mp.mpf(v) for v in values]


def w2(x, sig: Sequence, sigh: Sequence, d: int):
    """``W²`` at noise level ``x = a²_{T-t}`` for latent dimension ``d`` (eq. (3)); ``sig`` are
    the true standard deviations, ``sigh`` the score's (``sigh = sig``: exact score)."""
    # Plain sums of non-negative terms at dps digits: no cancellation, and 5x faster than fsum.
    kept = sum(((mp.sqrt(x + (1 - x) * sh * sh) - s) ** 2 for s, sh in zip(sig[:d], sigh[:d])),
               mp.mpf(0))
    return kept + sum((s * s for s in sig[d:]), mp.mpf(0))


def w2_at_t(sch: Schedule, T, t, sig, sigh, d: int):
    """``W²(t, d)`` at backward time ``t``."""
    return w2(sch.a2(T - t), sig, sigh, d)


def increment(x, s, sh):
    """``Δ = W²(t, d) - W²(t, d-1) = (sqrt(v) - σ)² - σ²`` with ``v = x + (1 - x) σ̂²``."""
    return (mp.sqrt(x + (1 - x) * sh**2) - s) ** 2 - s**2


def golden_min(f: Callable, lo, hi, iters: int | None = None):
    """Minimum of a unimodal ``f`` on ``[lo, hi]`` by golden-section search on values only (no
    derivative: an independent route to the stationarity formulas). Returns ``(x, f(x))``; the
    endpoints are compared too, so a boundary minimum is found exactly."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    if iters is None:
        # width shrinks by 0.618 per step; f is flat to second order, so sqrt(eps) in x gives
        # eps in f: dps/2 decimal digits of x suffice.
        iters = int(mp.mp.dps / 2 / 0.2089) + 5
    r = (mp.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = f(d)
    cands = [(fc, c), (fd, d), (f(lo), lo), (f(hi), hi)]
    fv, xv = min(cands, key=lambda p: p[0])
    return xv, fv


def sym_sqrt(A):
    """Symmetric PSD square root (mpmath ``eigsy``)."""
    lam, U = mp.eigsy(A)
    n = A.rows
    return U * mp.diag([mp.sqrt(max(lam[i], 0)) for i in range(n)]) * U.T


def frechet2(S1, sqrt_S2, tr_S2):
    """Full-matrix Fréchet distance² ``tr(S1 + S2 - 2 (S2^{1/2} S1 S2^{1/2})^{1/2})`` with the
    square root of the (fixed) reference covariance ``S2`` precomputed (Dowson & Landau 1982).

    The eigenvalues are computed at ``2·dps + 10`` digits: a projected (rank-deficient) ``S1``
    gives zero eigenvalues that come out as ±10^-dps noise, whose square roots (10^-dps/2) would
    otherwise cap the accuracy at half the digits. The inputs are exact numbers, so evaluating
    them at higher precision is legitimate; the result is rounded back to ``dps``."""
    dps = mp.mp.dps
    with mp.workdps(2 * dps + 10):
        M = sqrt_S2 * S1 * sqrt_S2
        M = (M + M.T) / 2
        lam = mp.eigsy(M, eigvals_only=True)
        n = S1.rows
        val = mp.fsum(S1[i, i] for i in range(n)) + tr_S2 - 2 * mp.fsum(
            mp.sqrt(max(lam[i], 0)) for i in range(n))
    return +val


def random_orthogonal(rng, D: int):
    """A Haar-like orthogonal matrix orthonormal to working precision: float Gaussian draw, then
    Gram–Schmidt (QR) in mpmath, signs fixed by the diagonal of R."""
    G = mp.matrix(rng.standard_normal((D, D)).tolist())
    Q, R = mp.qr(G)
    for j in range(D):
        if R[j, j] < 0:
            for i in range(D):
                Q[i, j] = -Q[i, j]
    return Q


# ------------------------------------------------------------------ Prop 2: thresholds
def threshold_times(sch: Schedule, T, sig: Sequence, sigh: Sequence | None = None,
                    variant: str = "paper") -> list:
    """``[t_1 = 0, t_2, …, t_D, t_{D+1} = T]`` transcribed from Prop 2 (Wu et al. 2025, §4.2):
    ``t_d = T − ā^{-2}(3σ_d²/(1 − σ_d²)_+)``; ``sigh`` given, the plug-in
    ``t̂_d = T − ā^{-2}((4σ_d² − σ̂_d²)/(1 − σ̂_d²)_+)``. Control variant: ``3σ_d² → 4σ_d²``."""
    return [T - delta for delta in threshold_forward_times(sch, T, sig, sigh, variant)]


def threshold_forward_times(sch: Schedule, T, sig: Sequence, sigh: Sequence | None = None,
                            variant: str = "paper") -> list:
    """The forward times ``δ_d = ā^{-2}(…)`` with ``t_d = T - δ_d`` (``δ_1 = T``, ``δ_{D+1} = 0``).

    Kept apart because ``T - t_d`` loses digits when ``δ_d`` is tiny (the 1e-10 components of
    Figure 4 left have ``δ_d ≈ 1.5e-10``). ``None`` where the printed formula is undefined
    (``0/0_+``: σ̂² = 1 with 4σ² = σ̂²)."""
    k = 4 if variant == "control" else 3
    out = [mp.mpf(T)]
    for j in range(1, len(sig)):
        s2 = sig[j] ** 2
        if sigh is None:
            arg = pos_ratio(k * s2, 1 - s2)
        else:
            h2 = sigh[j] ** 2
            num, den = (k + 1) * s2 - h2, 1 - h2
            arg = None if (den <= 0 and num == 0) else pos_ratio(num, den)
        out.append(None if arg is None else sch.ext_inv(arg, T))
    out.append(mp.mpf(0))
    return out


def rule_dimension(forward: list, s) -> int | None:
    """Prop 2's rule: the d with ``t ∈ [t_d, t_{d+1})``, i.e. forward time ``s ∈ (δ_{d+1}, δ_d]``."""
    for d in range(1, len(forward)):
        hi, lo = forward[d - 1], forward[d]
        if hi is None or lo is None:
            return None
        if lo < s <= hi:
            return d
    return None


# ------------------------------------------------ Prop 5: the capped score at t = T
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


# ------------------------------------------------- Prop 6: rotated covariances
def projector(O: mp.matrix, d: int) -> mp.matrix:
    """``P_dᵀ P_d = O_{:, :d} O_{:, :d}ᵀ`` (Prop 6: the projection on the first d columns of the
    rotation ``O``; zero matrix for d = 0)."""
    D = O.rows
    P = mp.zeros(D, D)
    for i in range(D):
        for j in range(D):
            P[i, j] = mp.fsum(O[i, k] * O[j, k] for k in range(d))
    return P


def rotated_setting(rng: np.random.Generator, D: int) -> tuple:
    """Distinct eigenvalues (log-uniform on [3e-3, 1.5], sorted decreasing), a random rotation
    and ``Σ = O Λ Oᵀ``; returns ``(eigenvalues, O, Σ, Σ^{1/2}, tr Σ)``."""
    lam = [mp.mpf(v) for v in np.sort(10 ** rng.uniform(np.log10(3e-3), np.log10(1.5), D))[::-1]]
    # The matrices are built at 2·dps + 10 digits, the precision frechet2 works at: a projector
    # orthonormal only to dps digits would leave 10^-dps in the null space of Π G Π, whose square
    # root (10^-dps/2) would swamp the comparison.
    with mp.workdps(2 * mp.mp.dps + 10):
        O = random_orthogonal(rng, D)
        Sigma = O * mp.diag(lam) * O.T
        Sigma = (Sigma + Sigma.T) / 2
        rS = sym_sqrt(Sigma)
    return lam, O, Sigma, rS, mp.fsum(lam)

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
- Prop 6: the projector ``P_dᵀ P_d = O_{:, :d} O_{:, :d}ᵀ`` and a rotated Gaussian setting.

What several claims share lives here or in a module named for it (:mod:`.threshold_rule`
for Prop 2, :mod:`.capped_score` for Prop 5): no claim module imports another.
"""

from __future__ import annotations

from typing import Callable, Sequence

import mpmath as mp
import numpy as np

__all__ = ["Schedule", "OU", "VP_LINEAR", "schedule", "pos_ratio", "w2", "w2_at_t",
           "increment", "golden_min", "frechet2", "random_orthogonal", "sym_sqrt", "mpf_list",
           "projector", "rotated_setting"]


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

"""The paper's closed forms written once against a numeric namespace, for the falsifier.

Wu et al. (arXiv:2510.08409), §2–§5. Every function takes ``M``: :data:`ldmstop.verify.search.F64`
(the ``math`` module, float64, for the search) or the mpmath namespace (for the re-check at 50
and 100 digits), so that the margin the optimiser maximises and the one that is certified are
the same formula evaluated at two precisions. Independent routes live elsewhere
(:mod:`.transcribe`, :mod:`.ode`).

Conventions (the paper's): forward time ``s``, backward time ``t = T − s``, noise level
``x = a_s²``; ``v_i = x + (1 − x) σ̂_i²``; ``W²(t, d) = Σ_{i≤d} (√v_i − σ_i)² + Σ_{i>d} σ_i²``
(eq. (3)); the extended inverse ``ā^{-2}`` of (8): 0 below 0, the inverse on ``[0, a_T²]``,
``T`` above, with ``y / 0_+ = ±∞``.
"""

from __future__ import annotations

__all__ = ["a2", "inv_a2", "ext_inv", "pos_ratio", "component_error", "w2_all", "increment",
           "argmin_d", "vp_beta"]


def vp_beta(M):
    """``(β_min, β_max) = (0.1, 20)`` of the VP-linear schedule (Song et al. 2021)."""
    return M.num("0.1"), M.num(20)


def a2(schedule: str, s, M):
    """``a_s²``: OU ``1 − e^{−2s}``; VP-linear ``1 − exp(−(β_min s + (β_max − β_min) s²/2))``."""
    if schedule == "ou":
        return -M.expm1(-2 * s)
    bmin, bmax = vp_beta(M)
    return -M.expm1(-(bmin * s + (bmax - bmin) * s * s / 2))


def inv_a2(schedule: str, x, M):
    """Inverse of ``s ↦ a_s²`` on ``[0, 1)`` (closed forms; transcribe.py solves numerically)."""
    L = -M.log1p(-x)
    if schedule == "ou":
        return L / 2
    bmin, bmax = vp_beta(M)
    k = (bmax - bmin) / 2
    # k s² + β_min s − L = 0, the positive root written without cancellation
    return 2 * L / (bmin + M.sqrt(bmin * bmin + 4 * k * L))


def ext_inv(schedule: str, x, T, M):
    """``ā^{-2}(x)`` (eq. (8)): 0 for ``x < 0``, the inverse on ``[0, a_T²]``, ``T`` above."""
    if x == M.inf or x > a2(schedule, T, M):
        return T
    if x < 0:
        return 0 * T
    return inv_a2(schedule, x, M)


def pos_ratio(num, den, M):
    """``num / (den)_+`` with ``y / 0_+ = ±∞``; ``0 / 0_+`` is returned as ``None`` (undefined)."""
    if den > 0:
        return num / den
    if num > 0:
        return M.inf
    if num < 0:
        return -M.inf
    return None


def component_error(x, s2, h2, M):
    """``(√v − σ)²`` with ``v = x + (1 − x) σ̂²``, as ``(v − σ²)² / (√v + σ)²`` and
    ``v − σ² = x(1 − σ̂²) + (σ̂² − σ²)``: no cancellation as ``x → 0`` (docs/design.md, numerics)."""
    v = x + (1 - x) * h2
    num = x * (1 - h2) + (h2 - s2)
    den = M.sqrt(v) + M.sqrt(s2)
    if den == 0:
        return 0 * x
    return num * num / (den * den)


def w2_all(x, sig2, hat2, M) -> list:
    """``[W²(d = 1), …, W²(d = D)]`` at noise level ``x``."""
    D = len(sig2)
    errs = [component_error(x, sig2[i], hat2[i], M) for i in range(D)]
    out = []
    kept = 0 * x
    for d in range(D):
        kept = kept + errs[d]
        out.append(kept + M.fsum(sig2[d + 1:]))
    return out


def increment(x, s2, h2, M):
    """``Δ = W²(d) − W²(d − 1) = (√v − σ)² − σ² = v − 2σ√v`` (proof of Prop 2)."""
    v = x + (1 - x) * h2
    return v - 2 * M.sqrt(s2) * M.sqrt(v)


def argmin_d(vals) -> int:
    """1-based index of the smallest value (the first one on ties)."""
    best = 0
    for i in range(1, len(vals)):
        if vals[i] < vals[best]:
            best = i
    return best + 1

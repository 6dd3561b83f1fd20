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
           "argmin_d", "vp_beta", "global_min64", "global_min"]


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


# ------------------------------ Prop 3: the global minimum over noise level and dimension
def global_min64(s2, h2, aT2: float, iters: int = 40, per_d: bool = False):
    """min over x ∈ [0, a_T²] and every d' of W² (float64). Each W²(·, d') is convex in x
    (Prop 1's proof, checked by prop1): its minimiser is 0, a_T² or the root of the slope
    ``g_{d'}(x) = Σ_{i≤d'} (1 − σ_i/√v_i)(1 − σ̂_i²)``, found for every d' at once by
    safeguarded Newton steps (bisection when a step leaves the bracket). ``s2``, ``h2``: float
    arrays; ``per_d``: the minimum for every d' instead of the overall one."""
    import numpy as np

    D = len(s2)
    mask = np.tril(np.ones((D, D)))
    sq = np.sqrt(s2)
    tail = np.concatenate([np.cumsum(s2[::-1])[::-1][1:], [0.0]])
    q = 1 - h2

    def w2(x):  # x: (D,) one noise level per d'
        v = x[:, None] + (1 - x[:, None]) * h2[None, :]
        num = x[:, None] * q[None, :] + (h2 - s2)[None, :]
        den = (np.sqrt(v) + sq[None, :]) ** 2
        err = np.where(den > 0, num * num / np.where(den > 0, den, 1.0), 0.0)
        return (err * mask).sum(axis=1) + tail

    on = mask > 0

    def slope(x):
        v = np.maximum(x[:, None] + (1 - x[:, None]) * h2[None, :], 1e-300)
        rv = np.sqrt(v)
        g = np.where(on, (1 - sq[None, :] / rv) * q[None, :], 0.0).sum(axis=1)
        with np.errstate(all="ignore"):
            gp = np.where(on & (sq[None, :] > 0), sq[None, :] * q[None, :] ** 2 / (2 * v * rv), 0.0)
        return g, gp.sum(axis=1)

    lo, hi = np.zeros(D), np.full(D, aT2)
    g_lo, _ = slope(lo)
    g_hi, _ = slope(hi)
    x = np.where(g_lo >= 0, 0.0, np.where(g_hi <= 0, aT2, 0.5 * aT2))
    active = (g_lo < 0) & (g_hi > 0)
    for _ in range(iters if active.any() else 0):
        g, gp = slope(x)
        lo = np.where(active & (g < 0), x, lo)
        hi = np.where(active & (g >= 0), x, hi)
        step = np.where(gp > 0, x - g / np.where(gp > 0, gp, 1.0), np.nan)
        inside = (step > lo) & (step < hi)
        x = np.where(active, np.where(inside, step, 0.5 * (lo + hi)), x)
        if np.all(~active | (hi - lo <= 1e-15 * np.maximum(hi, 1e-300))):
            break
    mins = np.minimum(np.minimum(w2(x), w2(np.zeros(D))), w2(np.full(D, aT2)))
    return mins if per_d else float(mins.min())


def global_min(s2: list, h2: list, aT2, M):
    """:func:`global_min64` in the namespace ``M``: per d', the minimum of the convex W²(·, d')
    at 0, a_T² or the root of its slope, by safeguarded Newton steps (quadratic convergence:
    ~10 steps for 50 digits where golden-section search needs 130)."""
    best = None
    tol = M.num(10) ** (-(M.dps + 5))
    for d in range(1, len(s2) + 1):
        q2, hh = s2[:d], h2[:d]

        def f(x):
            return w2_all(x, q2, hh, M)[-1] + M.fsum(s2[d:])

        def g(x):
            gs = gp = 0 * x
            for a, b in zip(q2, hh):
                if a == 0:  # the error is v itself: slope 1 − σ̂²
                    gs += 1 - b
                    continue
                v = x + (1 - x) * b
                if v == 0:
                    return -M.inf, M.inf
                rv = M.sqrt(v)
                gs += (1 - M.sqrt(a) / rv) * (1 - b)
                gp += M.sqrt(a) * (1 - b) ** 2 / (2 * v * rv)
            return gs, gp

        lo, hi = 0 * aT2, aT2
        v = min(f(lo), f(hi))
        if g(lo)[0] < 0 < g(hi)[0]:
            x = (lo + hi) / 2
            for _ in range(200):
                gx, gpx = g(x)
                if gx < 0:
                    lo = x
                else:
                    hi = x
                step = x - gx / gpx if 0 < gpx < M.inf else None
                nx = step if step is not None and lo < step < hi else (lo + hi) / 2
                if abs(nx - x) <= tol * (1 + abs(x)) or hi - lo <= tol:
                    x = nx
                    break
                x = nx
            v = min(v, f(x))
        best = v if best is None else min(best, v)
    return best

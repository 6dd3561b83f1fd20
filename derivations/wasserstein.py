"""Wasserstein-2 (Fréchet) distance of the latent diffusion output, derived symbolically.

Starting point (Dowson & Landau 1982; docs/theory.md §1): for Gaussians
``d_F²(N(0,Σ1), N(0,Σ2)) = tr(Σ1 + Σ2 - 2 (Σ2^{1/2} Σ1 Σ2^{1/2})^{1/2})``.
For a diagonal Σ and a diagonal generated covariance the trace splits over components, so the
one-dimensional case below is all the closed form of Wu et al. (2025, eq. (3)/Prop 1) needs:

    W²(t, d) = Σ_{i≤d} (sqrt(v_i(T-t)) - σ_i)² + Σ_{i>d} σ_i²,
    v_i(s) = a_s² + b_s² σ̂_i²    (plug-in score; σ̂ = σ for the exact score).
"""

from __future__ import annotations

import sympy as sp

from .symbols import delta, omh, sigma, sigh, v, x, s

__all__ = [
    "frechet_1d",
    "generated_variance",
    "generated_variance_vp",
    "component_error",
    "component_error_stable",
    "discarded_error",
    "increment",
    "w2_total",
]


def frechet_1d(var1: sp.Expr, var2: sp.Expr) -> sp.Expr:
    """Fréchet distance² between ``N(0, var1)`` and ``N(0, var2)``, from the trace formula."""
    # 1x1 matrices: the matrix square roots are scalar square roots.
    return sp.simplify(var1 + var2 - 2 * sp.sqrt(sp.sqrt(var2) * var1 * sp.sqrt(var2)))


def generated_variance(a2: sp.Expr, b: sp.Expr) -> sp.Expr:
    """Variance of a kept component at forward time ``s``: ``v = a_s² + b_s² σ̂²``.

    The backward process started at ``p_T`` (with the plug-in score) has the forward marginal of
    the plug-in Gaussian ``N(0, σ̂²)``.
    """
    return a2 + b**2 * sigh**2


def generated_variance_vp() -> sp.Expr:
    """VP case written in ``x = a_s²``: ``v = x + (1 - x) σ̂²`` (uses ``b_s² = 1 - a_s²``)."""
    return x + (1 - x) * sigh**2


def component_error(var: sp.Expr | None = None) -> sp.Expr:
    """W2² contribution of a kept component: ``(sqrt(v) - σ)²`` (from :func:`frechet_1d`)."""
    var = v if var is None else var
    return sp.factor(frechet_1d(var, sigma**2))


def component_error_stable() -> sp.Expr:
    """Cancellation-free form ``(v - σ²)² / (sqrt(v) + σ)²`` in ``x`` (VP case).

    ``v - σ² = x (1 - σ̂²) + δ`` with ``δ = σ̂² - σ²`` passed in as its own argument: near the end
    of sampling ``v → σ̂²`` and both the naive ``v + σ² - 2σ sqrt(v)`` and any evaluation order
    that forms ``x(1 - σ̂²) + σ̂²`` before subtracting ``σ²`` lose digits (docs/design.md, measured
    facts). Keeping ``δ`` a symbol stops SymPy from reordering the sum. ``1 - σ̂²`` is an argument
    too (``one_minus_sigmahat2``), computed by the caller from the variance itself: formed here
    from ``σ̂ = sqrt(σ̂²)`` squared back it would carry an absolute error ``~u`` instead of being
    exact (Sterbenz), i.e. a relative error ``u/(1 - σ̂²)`` in ``W²`` — 2e-4 at
    ``σ̂² = 1 - 1e-12``. Equality with :func:`component_error` (after ``δ → σ̂² - σ²``,
    ``one_minus_sigmahat2 → 1 - σ̂²``) is checked in the tests symbolically.
    """
    diff = x * omh + delta
    var = generated_variance_vp()
    return diff**2 / (sp.sqrt(var) + sigma) ** 2


def discarded_error() -> sp.Expr:
    """W2² contribution of a discarded component: ``σ²`` (Fréchet with generated variance 0)."""
    return sp.simplify(frechet_1d(sp.Integer(0), sigma**2))


def increment() -> sp.Expr:
    """``Δ_{d,t} = W²(t,d) - W²(t,d-1) = v_d - 2 σ_d sqrt(v_d)`` (Wu et al. 2025, proof of Prop 2)."""
    return sp.expand(component_error() - discarded_error())


def w2_total(d: sp.Symbol, D: sp.Symbol) -> sp.Expr:
    """``W²(t, d) = Σ_{i≤d} (sqrt(v_i) - σ_i)² + Σ_{i>d} σ_i²`` as a SymPy sum over indexed
    components (Wu et al. 2025, eq. (3)); ``v_i = x + (1 - x) σ̂_i²`` with ``x = a²_{T-t}``."""
    i = sp.Symbol("i", integer=True, positive=True)
    sig = sp.IndexedBase("sigma", positive=True)
    sh = sp.IndexedBase("sigmahat", positive=True)
    kept = component_error(generated_variance_vp()).subs({sigma: sig[i], sigh: sh[i]})
    dropped = discarded_error().subs(sigma, sig[i])
    return sp.Sum(kept, (i, 1, d)) + sp.Sum(dropped, (i, d + 1, D))


# Silence "imported but unused" for symbols re-exported for convenience.
_ = s

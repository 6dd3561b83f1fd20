"""Monotonicity in time and the stationarity condition of the optimal stop.

Wu et al. (2025), Prop 1 and Prop 3(b)/Prop 8; docs/theory.md §3. In the VP case the error of the
``d`` kept components depends on time only through ``x = a²_{T-t}``:
``f(x) = Σ_{i≤d} (sqrt(x + (1-x)σ̂_i²) - σ_i)²``. Differentiating one term gives
``∂f_i/∂x = (1 - σ_i/sqrt(v_i)) (1 - σ̂_i²)``, and ``∂²f_i/∂x² = σ_i (1-σ̂_i²)² / (2 v_i^{3/2}) ≥ 0``:
``f`` is convex, so the curve is monotone in ``t`` iff ``f'(0) ≥ 0`` and otherwise has one
interior minimum, at the root of ``g(x) = f'(x)``.
"""

from __future__ import annotations

import sympy as sp

from .wasserstein import component_error, generated_variance_vp
from .symbols import sigma, sigh, x

__all__ = ["component_slope", "component_curvature", "monotonicity_term", "stationarity_term"]


def component_slope() -> sp.Expr:
    """``∂/∂x (sqrt(v) - σ)²`` with ``v = x + (1-x)σ̂²`` — one term of ``g(x)``."""
    return sp.simplify(sp.diff(component_error(generated_variance_vp()), x))


def component_curvature() -> sp.Expr:
    """``∂²/∂x² (sqrt(v) - σ)²``: non-negative, hence convexity in ``x = a²`` (Prop 1's proof)."""
    return sp.simplify(sp.diff(component_error(generated_variance_vp()), x, 2))


def monotonicity_term() -> sp.Expr:
    """``∂f_i/∂x`` at ``x = 0`` (end of sampling): ``(1 - σ_i/σ̂_i)(1 - σ̂_i²)``.

    Prop 1: the error is non-increasing in ``t`` iff ``Σ_{i≤d}`` of these is ``≥ 0``.
    """
    return sp.factor(sp.simplify(component_slope().subs(x, 0)))


def stationarity_term() -> sp.Expr:
    """One term of ``g(x) = Σ_{i≤d0} (1 - σ/sqrt(σ̂_i² + (1-σ̂_i²)x)) (1 - σ̂_i²)`` (Prop 3(b))."""
    return component_slope()


# for tests: the three factors used when checking the sign of the curvature by hand
_SYMBOLS = (sigma, sigh)

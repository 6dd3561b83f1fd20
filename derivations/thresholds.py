"""Threshold times of the optimal latent dimension (Wu et al. 2025, Prop 2; docs/theory.md §2).

Adding component ``d`` changes the error by ``Δ_{d,t} = v_d - 2σ_d sqrt(v_d)``, which is ≤ 0 iff
``sqrt(v_d) ≤ 2σ_d``. In the VP case ``v_d = x + (1 - x) σ̂_d²`` with ``x = a²_{T-t}``; solving
``Δ = 0`` for ``x`` gives the noise level below which keeping the component helps, and the
threshold backward time is ``t̂_d = T - ā^{-2}(x_d)`` (``ā^{-2}`` the extended inverse of
``s ↦ a_s²``). The exact score is ``σ̂ = σ``, which gives ``3σ²/(1-σ²)``.
"""

from __future__ import annotations

import sympy as sp

from .wasserstein import generated_variance_vp, increment
from .symbols import sigma, sigh, v, x

__all__ = ["threshold_x_plugin", "threshold_x_exact", "increment_in_x"]


def increment_in_x() -> sp.Expr:
    """``Δ_{d,t}`` as a function of ``x = a²_{T-t}`` (VP schedules)."""
    return increment().subs(v, generated_variance_vp())


def threshold_x_plugin() -> sp.Expr:
    """Root in ``x`` of ``Δ = 0`` other than ``v = 0``: ``(4σ² - σ̂²)/(1 - σ̂²)``.

    Derived, not typed: ``Δ = sqrt(v)(sqrt(v) - 2σ)`` vanishes at ``sqrt(v) = 2σ``; solve that
    for ``x``.
    """
    sqrt_v = sp.sqrt(generated_variance_vp())
    roots = sp.solve(sp.Eq(sqrt_v, 2 * sigma), x)
    if len(roots) != 1:  # pragma: no cover - guards against a SymPy behaviour change
        raise RuntimeError(f"expected one root, got {roots}")
    return sp.factor(roots[0])


def threshold_x_exact() -> sp.Expr:
    """Exact score (``σ̂ = σ``): ``3σ²/(1 - σ²)``."""
    return sp.factor(threshold_x_plugin().subs(sigh, sigma))

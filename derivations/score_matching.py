"""Score-matching empirical risk over linear diagonal scores and its capped minimiser.

Wu et al. (2025), Prop 4; docs/theory.md §3. Class ``F_C``: ``s_M(x, t) = -M(t) x`` with
``M = diag(m_i)``, ``|m_i| ≤ C``. For one component, with ``X_k`` the training samples,
``ε ~ N(0, 1)`` and forward coefficients ``a, b``:

    R_i(m) = (1/n) Σ_k E_ε (-m (b X_k + a ε) + ε / a)²
           = m² b² σ̂² + (1/a - m a)²             (E ε = 0, E ε² = 1, σ̂² = mean X_k²)

a convex quadratic in ``m`` whose unconstrained minimiser is ``1/(a² + b² σ̂²)``; over the box
``[-C, C]`` the minimiser is the projection, ``min(C, 1/(a² + b² σ̂²))`` (the value is positive).
"""

from __future__ import annotations

import sympy as sp

from .symbols import a, b, C, eps, m, sigh, Xk

__all__ = ["risk_per_sample", "risk", "unconstrained_minimiser", "capped_minimiser"]


def risk_per_sample() -> sp.Expr:
    """``(-m (b X + a ε) + ε/a)²`` for one training sample and one noise draw."""
    return (-m * (b * Xk + a * eps) + eps / a) ** 2


def _gaussian_expectation(expr: sp.Expr) -> sp.Expr:
    """E over ε ~ N(0,1) of a polynomial in ε, by its moments (E ε = 0, E ε² = 1)."""
    poly = sp.Poly(sp.expand(expr), eps)
    moments = {0: 1, 1: 0, 2: 1, 3: 0, 4: 3}
    return sp.expand(sum(coef * moments[deg[0]] for deg, coef in zip(poly.monoms(), poly.coeffs())))


def risk() -> sp.Expr:
    """``R(m) = m² b² σ̂² + (1/a - m a)²``: expectation over ε, then ``mean X_k² = σ̂²``.

    ``X_k`` only enters through ``X_k`` (mean multiplied by ``E ε = 0``) and ``X_k²``; the
    linear term is zero after the ε expectation, so the empirical mean of ``X_k²`` is all that
    remains.
    """
    r = _gaussian_expectation(risk_per_sample())
    if sp.expand(r).coeff(Xk, 1) != 0:  # pragma: no cover - would mean the algebra above is wrong
        raise RuntimeError("unexpected linear term in X")
    return sp.simplify(r.subs(Xk**2, sigh**2))


def unconstrained_minimiser() -> sp.Expr:
    """Stationary point of :func:`risk` in ``m``: ``1/(a² + b² σ̂²)``."""
    sol = sp.solve(sp.diff(risk(), m), m)
    if len(sol) != 1:  # pragma: no cover
        raise RuntimeError(f"expected one stationary point, got {sol}")
    return sp.simplify(sol[0])


def capped_minimiser() -> sp.Expr:
    """``m̂ = min(C, 1/(a² + b² σ̂²))``: projection of the minimiser of a convex quadratic on
    ``[-C, C]`` (the second derivative ``2(a² + b² σ̂²) > 0`` is checked in the tests)."""
    return sp.Min(C, unconstrained_minimiser())

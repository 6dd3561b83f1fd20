"""Variance of one component of the backward process with a linear score.

Wu et al. (2025), Prop 5 and Lemma 1; docs/theory.md §3. OU schedule, backward SDE
``dY = (Y + 2 s(Y, T-t)) dt + sqrt(2) dB`` with ``s(y, ·) = -m y``. Itô's formula on ``Y²`` gives

    dV/dt = 2 (1 - 2 m(T - t)) V + 2,     V_0 = Var(Y_0).

For a constant ``m`` on an interval (the cap binding, ``m = C``) the solution is explicit; for the
uncapped plug-in score ``m = 1/v(T-t)`` the solution started from ``p_T`` is ``V_t = v(T-t)``,
and from ``N(0, 1)`` it is obtained by the integrating factor below. These are the pieces of the
closed forms of ``V_T`` in Prop 5, which the verification suite checks against an ODE solver.
"""

from __future__ import annotations

import sympy as sp

from .symbols import C, m, sigh, t, T, V

__all__ = ["variance_ode", "constant_score_solution", "uncapped_solution", "v0"]

v0 = sp.Symbol("V0", positive=True)


def variance_ode(mcoef: sp.Expr = m) -> sp.Eq:
    """``V'(t) = 2 (1 - 2 m) V(t) + 2``, from Itô: ``d E[Y²] = 2 E[Y · drift] dt + g² dt``."""
    y = sp.Symbol("y", real=True)
    drift = y - 2 * mcoef * y
    g2 = 2
    rhs = sp.expand(2 * drift * y + g2).subs(y**2, V(t))
    return sp.Eq(V(t).diff(t), rhs)


def constant_score_solution(mcoef: sp.Expr = C, start: sp.Expr = v0) -> sp.Expr:
    """Solution of :func:`variance_ode` with constant ``m`` from ``V(0) = start``:
    ``(start - 1/(2m-1)) e^{2(1-2m)t} + 1/(2m-1)``."""
    sol = sp.dsolve(variance_ode(mcoef), V(t), ics={V(0): start})
    return sp.simplify(sol.rhs)


def uncapped_solution(start: sp.Expr = v0) -> sp.Expr:
    """``V_t`` for the uncapped plug-in score ``m(s) = 1/(1 - (1-σ̂²) e^{-2s})`` (OU), ``s = T - t``.

    Integrating factor: ``V_t = Φ(t) (start + ∫_0^t 2/Φ(r) dr)`` with
    ``Φ(t) = exp(∫_0^t 2(1 - 2m(T-r)) dr)``, which SymPy evaluates in closed form.
    """
    r = sp.Symbol("r", nonnegative=True)
    q = 1 - sigh**2
    msc = 1 / (1 - q * sp.exp(-2 * (T - r)))
    log_phi = sp.integrate(sp.simplify(2 * (1 - 2 * msc)), (r, 0, t))
    phi = sp.simplify(sp.exp(log_phi))
    phi_r = phi.subs(t, r)
    inner = sp.integrate(sp.simplify(2 / phi_r), (r, 0, t))
    return sp.simplify(phi * (start + inner))

"""A high-order ODE integrator in mpmath for the scalar linear ODEs of Prop 5 and Lemma 1.

Gauss–Legendre collocation (implicit Runge–Kutta, ``s`` stages, order ``2s``; Butcher 1964,
Hairer–Wanner II §IV.5) applied to ``V' = p(t) V + q(t)``. For a linear equation the stage
equations are a linear ``s × s`` system, solved exactly (``mpmath.lu_solve``), so no Newton
iteration is needed. With ``s = 10`` (order 20) and a step of ``T/N`` the global error is
``O(N^{-20})``: the integrator reports the difference between ``N`` and ``2N`` steps as its
error estimate. Used instead of ``mpmath.odefun`` (Taylor series), which takes ~6 s per solve at
50 digits; one odefun solve is kept as a cross-check of this integrator (see claims/prop5.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import mpmath as mp

__all__ = ["gauss_legendre_tableau", "solve_linear", "solve_linear_checked"]


@lru_cache(maxsize=None)
def _tableau(s: int, dps: int):
    with mp.workdps(dps + 10):
        # Legendre roots mapped from [-1, 1] to [0, 1]
        X, _ = mp.gauss_quadrature(s, "legendre")
        c = sorted((1 + X[i]) / 2 for i in range(s))
        # Lagrange basis coefficients: alpha[k][j] with sum_k alpha[k][j] c_m^k = delta_jm
        V = mp.matrix(s, s)
        for m_ in range(s):
            for k in range(s):
                V[m_, k] = c[m_] ** k
        alpha = mp.inverse(V)  # alpha[k, j]
        A = mp.matrix(s, s)
        b = []
        for j in range(s):
            b.append(mp.fsum(alpha[k, j] / (k + 1) for k in range(s)))
            for i in range(s):
                A[i, j] = mp.fsum(alpha[k, j] * c[i] ** (k + 1) / (k + 1) for k in range(s))
        return c, A, b


def gauss_legendre_tableau(s: int):
    """Butcher tableau ``(c, A, b)`` of the s-stage Gauss–Legendre method at the current dps."""
    return _tableau(s, mp.mp.dps)


def _gauss_solve(M: list, rhs: list) -> list:
    """Solve the small dense system ``M x = rhs`` (lists of mpf) by Gaussian elimination with
    partial pivoting; plain lists are ~10x faster than ``mpmath.matrix`` indexing here."""
    n = len(rhs)
    M = [row[:] + [r] for row, r in zip(M, rhs)]
    for k in range(n):
        piv = max(range(k, n), key=lambda i: abs(M[i][k]))
        M[k], M[piv] = M[piv], M[k]
        pk = M[k]
        inv = 1 / pk[k]
        for i in range(k + 1, n):
            f = M[i][k] * inv
            if f:
                Mi = M[i]
                for j in range(k, n + 1):
                    Mi[j] -= f * pk[j]
    x = [mp.mpf(0)] * n
    for i in range(n - 1, -1, -1):
        x[i] = (M[i][n] - mp.fsum(M[i][j] * x[j] for j in range(i + 1, n))) / M[i][i]
    return x


def solve_linear(p: Callable, q: Callable, t0, t1, v0, steps: int, stages: int = 10,
                 record: bool = False):
    """Integrate ``V' = p(t) V + q(t)`` from ``(t0, v0)`` to ``t1`` in ``steps`` equal steps.

    Returns ``V(t1)``, or with ``record=True`` the list of ``(t, V)`` at every step."""
    c, A, b = gauss_legendre_tableau(stages)
    A = [[A[i, j] for j in range(stages)] for i in range(stages)]
    t0, t1, v = mp.mpf(t0), mp.mpf(t1), mp.mpf(v0)
    h = (t1 - t0) / steps
    path = [(t0, v)] if record else None
    for k in range(steps):
        tk = t0 + k * h
        pk = [p(tk + ci * h) for ci in c]
        qk = [q(tk + ci * h) for ci in c]
        # K_i = p_i (v + h Σ_j A_ij K_j) + q_i  ->  (I - h diag(p) A) K = p v + q
        M = [[(1 if i == j else 0) - h * pk[i] * A[i][j] for j in range(stages)]
             for i in range(stages)]
        K = _gauss_solve(M, [pk[i] * v + qk[i] for i in range(stages)])
        v = v + h * mp.fsum(b[i] * K[i] for i in range(stages))
        if record:
            path.append((tk + h, v))
    return path if record else v


def solve_linear_checked(p: Callable, q: Callable, t0, t1, v0, steps: int, stages: int = 10):
    """``(V(t1), error estimate)``: the solution with ``2·steps`` steps and its difference from
    the solution with ``steps`` steps (an upper estimate of the error of the coarser one)."""
    coarse = solve_linear(p, q, t0, t1, v0, steps, stages)
    fine = solve_linear(p, q, t0, t1, v0, 2 * steps, stages)
    return fine, abs(fine - coarse)

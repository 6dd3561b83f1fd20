"""Numeric backends generated from the SymPy results: numpy (vectorised), mpmath, Numba.

Principle 1 of DESIGN.md: a formula is written once, in SymPy; these functions are produced from
it by ``sympy.lambdify``. Before printing, ``1 - exp(y)`` and ``log(1 + y)`` are rewritten to
``-expm1(y)`` and ``log1p(y)`` (``sympy.codegen.rewriting``) so that ``a_s²`` keeps full
relative precision as ``s → 0``, exactly where the optimal stop lives.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import sympy as sp
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize

from .results import get_result

__all__ = ["numpy_function", "mpmath_function", "numba_function", "stabilise",
           "schedule_functions"]


def stabilise(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``exp(y) - 1`` as ``expm1(y)`` and ``log(1 + y)`` as ``log1p(y)``."""
    if isinstance(expr, sp.Eq):
        return expr
    return optimize(expr, [expm1_opt, log1p_opt])


@lru_cache(maxsize=None)
def numpy_function(name: str) -> Callable:
    """Vectorised numpy version of the result ``name``; arguments in ``Result.args`` order."""
    r = get_result(name)
    return sp.lambdify(r.args, stabilise(r.expr), modules="numpy", cse=True)


@lru_cache(maxsize=None)
def mpmath_function(name: str) -> Callable:
    """Arbitrary-precision (mpmath) version; the caller sets ``mpmath.mp.dps``."""
    r = get_result(name)
    # The expm1/log1p rewrite matters here too: at 50 digits, 1 - exp(-2s) still loses
    # log10(1/s) digits near s = 0, where thresholds of tiny variances live.
    return sp.lambdify(r.args, stabilise(r.expr), modules="mpmath")


@lru_cache(maxsize=None)
def math_function(name: str) -> Callable:
    """Scalar version on the ``math`` module: the form Numba can compile."""
    r = get_result(name)
    return sp.lambdify(r.args, stabilise(r.expr), modules="math")


@lru_cache(maxsize=None)
def numba_function(name: str) -> Callable:
    """Numba-compiled scalar version of ``name`` (compiled on first call)."""
    import numba  # heavy import, deferred

    return numba.njit(math_function(name))


@lru_cache(maxsize=None)
def schedule_functions(schedule: str) -> dict[str, Callable]:
    """numpy ``a2(s)``, ``b(s)``, ``w2(s)``, ``inverse_a2(x)`` for a built-in schedule."""
    key = schedule.replace("-", "_")
    return {
        "a2": numpy_function(f"{key}_a2"),
        "b": numpy_function(f"{key}_b"),
        "w2": numpy_function(f"{key}_w2"),
        "inverse_a2": numpy_function(f"{key}_inverse_a2"),
    }

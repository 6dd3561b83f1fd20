"""Printing SymPy results as Python source: the code generator's back end (SymPy only).

Each derived result becomes a plain Python function in one of three generated backends
(:mod:`ldmstop.derivations.generated`):

- ``numpy``  — vectorised (``numpy.select`` for piecewise results), common subexpressions
  eliminated, exactly as ``sympy.lambdify(..., modules="numpy", cse=True)`` would evaluate it;
- ``mpmath`` — arbitrary precision (the caller sets ``mpmath.mp.dps``), as
  ``lambdify(..., modules="mpmath")``;
- ``math``   — scalar, on the ``math`` module: the form Numba's ``njit`` compiles.

Before printing, ``exp(y) - 1`` and ``log(1 + y)`` are rewritten to ``expm1(y)`` and
``log1p(y)`` (``sympy.codegen.rewriting``) so that ``a_s² = 1 - b_s²`` keeps full relative
precision as ``s → 0``, exactly where the optimal stop lives; at 50 digits the rewrite still
matters, because ``1 - exp(-2s)`` loses ``log10(1/s)`` digits.

Module names are printed fully qualified (``numpy.exp``, ``mpmath.log1p``), so the generated
modules need no namespace of their own; the imports each function needs are collected from the
printer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter, PythonCodePrinter

__all__ = ["BACKENDS", "stabilise", "has_numeric_form", "PrintedFunction", "print_function",
           "docstring"]

#: backend name -> (printer class, common-subexpression elimination), as ``lambdify`` uses them
BACKENDS: dict[str, tuple[type, bool]] = {
    "numpy": (NumPyPrinter, True),
    "mpmath": (MpmathPrinter, False),
    "math": (PythonCodePrinter, False),
}


@lru_cache(maxsize=None)
def stabilise(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``exp(y) - 1`` as ``expm1(y)`` and ``log(1 + y)`` as ``log1p(y)`` (cached: the
    rewrite of one schedule's ``a_s²`` takes seconds, and every backend prints it)."""
    if isinstance(expr, sp.Eq):
        return expr
    return optimize(expr, [expm1_opt, log1p_opt])


def has_numeric_form(expr, args) -> bool:
    """Whether a result becomes a numeric function: an expression (not an equation or an
    unevaluated sum over indexed components) of at least one argument."""
    return bool(args) and not isinstance(expr, sp.Eq) and not expr.has(sp.Sum)


@dataclass(frozen=True)
class PrintedFunction:
    """Source of one generated function and the modules it uses (``{"numpy", "functools"}``)."""

    source: str
    modules: frozenset[str]


def docstring(text: str) -> str:
    """A safe triple-quoted docstring literal for ``text``."""
    return '"""' + text.replace("\\", "\\\\").replace('"""', "'''") + '"""'


def print_function(name: str, args, expr: sp.Expr, backend: str, doc: str) -> PrintedFunction:
    """``def name(args): ...`` for ``backend`` (one of :data:`BACKENDS`)."""
    printer_cls, use_cse = BACKENDS[backend]
    printer = printer_cls({"fully_qualified_modules": True, "inline": True,
                           "allow_unknown_functions": False, "user_functions": {}})
    expr = stabilise(expr)
    if use_cse:
        # the same call lambdify(cse=True) makes, so the operations (and the rounding) are its own
        cses, expr = sp.cse(expr, list=False)
    else:
        cses = ()
    body = [f"{printer.doprint(sym)} = {printer.doprint(sub)}" for sym, sub in cses]
    ret = printer.doprint(expr)
    body.append(f"return ({ret})" if "\n" in ret else f"return {ret}")
    arg_names = [a.name for a in args]
    for a in arg_names:
        if not a.isidentifier():  # pragma: no cover - every symbol of symbols.py is one
            raise ValueError(f"{name}: argument {a!r} is not a Python identifier")
    lines = [f"def {name}({', '.join(arg_names)}):", "    " + docstring(doc)]
    lines += ["    " + ln for ln in body]
    modules = set(getattr(printer, "module_imports", {}) or {})
    # belt and braces: a module named in the text must be imported, whatever the printer recorded
    text = "\n".join(body)
    modules |= {m for m in ("numpy", "mpmath", "math", "functools") if re.search(rf"\b{m}\.", text)}
    return PrintedFunction("\n".join(lines) + "\n", frozenset(modules))

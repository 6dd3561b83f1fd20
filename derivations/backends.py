"""Numeric versions of the derived results: look-ups over the generated backends (no SymPy).

Principle 1 of docs/design.md: a formula is written once, in SymPy (:mod:`.results`);
``python -m ldmstop.derivations.generate`` prints it ahead of time into
:mod:`ldmstop.derivations.generated` (numpy, mpmath, ``math``), so importing this module costs
no SymPy and no derivation.

Two ways in, both greppable:

- **by schedule** — :func:`numpy_schedule` / :func:`mpmath_schedule` return a
  :class:`ScheduleFunctions` whose attributes are the results of one schedule
  (``numpy_schedule(problem.schedule).threshold_time_exact``); the run-time code (``curve``,
  ``sim``, ``advise``) uses these and :func:`schedule_coefficients`;
- **by result name** — the generated modules define each result as a function of that name
  (``generated.numpy_backend.component_error_stable``). :func:`numpy_function`,
  :func:`mpmath_function`, :func:`math_function` and :func:`numba_function` take the same name
  as a string: they are the entry point of ``ldmstop.verify`` (which builds names such as
  ``f"{key}_inverse_a2"``) and of the tests, kept with the signatures they have always had.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Callable

from .generated import numpy_backend  # mpmath and math backends load on first use

__all__ = ["numpy_function", "mpmath_function", "math_function", "numba_function",
           "result_names", "ScheduleFunctions", "SCHEDULE_FIELDS", "numpy_schedule", "mpmath_schedule",
           "schedule_functions", "schedule_coefficients", "SCHEDULE_NAMES", "VP_SCHEDULES"]

#: Built-in schedules (command-line names), and those with ``a_s² + b_s² = 1``.
SCHEDULE_NAMES = tuple(numpy_backend.SCHEDULES)
VP_SCHEDULES = tuple(n for n, vp in numpy_backend.VARIANCE_PRESERVING.items() if vp)


class UnknownResultError(KeyError):
    """No derived result of that name (a ``KeyError``, as the SymPy registry raises)."""

    def __str__(self) -> str:  # KeyError would print the repr of the whole message
        return str(self.args[0])


def _lookup(table: dict[str, Callable], name: str, backend: str) -> Callable:
    try:
        return table[name]
    except KeyError:
        near = difflib.get_close_matches(str(name), table, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise UnknownResultError(f"no derived result named {name!r} with a {backend} form{hint}") from None


def result_names() -> list[str]:
    """Names of every result with a numeric form, in registry order."""
    return list(numpy_backend.FUNCTIONS)


def numpy_function(name: str) -> Callable:
    """Vectorised numpy version of the result ``name``; arguments in ``Result.args`` order."""
    return _lookup(numpy_backend.FUNCTIONS, name, "numpy")


def mpmath_function(name: str) -> Callable:
    """Arbitrary-precision (mpmath) version of ``name``; the caller sets ``mpmath.mp.dps``.

    The generated forms carry the ``expm1``/``log1p`` rewrite: at 50 digits, ``1 - exp(-2s)``
    would still lose ``log10(1/s)`` digits near ``s = 0``, where thresholds of tiny variances
    live."""
    from .generated import mpmath_backend

    return _lookup(mpmath_backend.FUNCTIONS, name, "mpmath")


def math_function(name: str) -> Callable:
    """Scalar version of ``name`` on the ``math`` module: the form Numba can compile."""
    from .generated import math_backend

    return _lookup(math_backend.FUNCTIONS, name, "math")


@lru_cache(maxsize=None)
def numba_function(name: str) -> Callable:
    """Numba-compiled scalar version of ``name`` (compiled on first call)."""
    import numba  # heavy import, deferred

    return numba.njit(math_function(name))


#: The attributes of a :class:`ScheduleFunctions`, by what they compute.
SCHEDULE_FIELDS = (
    "a2", "b", "inverse_a2", "drift", "diffusion2", "ei_antiderivative",
    "threshold_time_exact", "threshold_time_plugin",
    # VP schedules only
    "w2", "log_signal", "extended_inverse_a2",
    # generated for the rectified flow; composed for VP schedules by schedule_coefficients
    "one_minus_b2", "marginal_variance", "sde_coefficient", "ode_coefficient",
    # the rectified flow's window ends
    "threshold_root_exact", "threshold_exit_plugin",
)


class ScheduleFunctions:
    """The generated functions of one built-in schedule (numpy or mpmath), as attributes named
    by what they compute (:data:`SCHEDULE_FIELDS`): ``numpy_schedule("ou").threshold_time_exact``
    is the result ``ou_threshold_time_exact``. ``None`` where the schedule has no such result
    (``w2``, ``log_signal``, ``extended_inverse_a2``: VP only; ``threshold_root_exact``,
    ``threshold_exit_plugin``: the rectified flow's; ``one_minus_b2``, ``marginal_variance`` and
    the backward coefficients are generated for the rectified flow and composed for VP schedules
    by :func:`schedule_coefficients`).

    Each attribute is looked up by result name when it is read (through
    :func:`numpy_function` / :func:`mpmath_function`), so that a test or a verify negative
    control that replaces one of those look-ups reaches every caller."""

    __slots__ = ("name", "variance_preserving", "_names", "_lookup")

    def __init__(self, name: str, variance_preserving: bool, names: dict[str, str],
                 lookup: Callable[[str], Callable]):
        unknown = set(names) - set(SCHEDULE_FIELDS)
        if unknown:  # pragma: no cover - a result added to a schedule without a field here
            raise RuntimeError(f"schedule {name}: generated results {sorted(unknown)} have no field")
        self.name = name
        self.variance_preserving = variance_preserving
        self._names = names
        self._lookup = lookup

    def __getattr__(self, field: str):
        if field in SCHEDULE_FIELDS:
            result = self._names.get(field)
            return None if result is None else self._lookup(result)
        raise AttributeError(f"no schedule function {field!r}; fields: {', '.join(SCHEDULE_FIELDS)}")

    def __dir__(self):
        return sorted({"name", "variance_preserving", *SCHEDULE_FIELDS})

    def __repr__(self) -> str:
        return f"ScheduleFunctions({self.name!r}: {', '.join(sorted(self._names))})"


def _check_schedule(name: str) -> str:
    if name not in SCHEDULE_NAMES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULE_NAMES)}")
    return name


def _schedule(module, name: str, lookup: Callable[[str], Callable]) -> ScheduleFunctions:
    table = module.SCHEDULES[_check_schedule(name)]
    # the generated functions are named by their results
    return ScheduleFunctions(name, module.VARIANCE_PRESERVING[name],
                             {field: fn.__name__ for field, fn in table.items()}, lookup)


@lru_cache(maxsize=None)
def numpy_schedule(name: str) -> ScheduleFunctions:
    """numpy functions of the built-in schedule ``name`` (``ValueError`` for another name)."""
    return _schedule(numpy_backend, name, lambda result: numpy_function(result))


@lru_cache(maxsize=None)
def mpmath_schedule(name: str) -> ScheduleFunctions:
    """mpmath functions of the built-in schedule ``name``."""
    from .generated import mpmath_backend

    return _schedule(mpmath_backend, name, lambda result: mpmath_function(result))


def schedule_functions(schedule: str) -> dict[str, Callable]:
    """numpy ``a2(s)``, ``b(s)``, ``w2(s)``, ``inverse_a2(x)`` of a built-in VP schedule (the
    dictionary form older callers use; :func:`numpy_schedule` has every function)."""
    fns = numpy_schedule(schedule)
    return {"a2": fns.a2, "b": fns.b, "w2": fns.w2, "inverse_a2": fns.inverse_a2}


def schedule_coefficients(name: str) -> dict[str, Callable]:
    """numpy functions of one schedule, for any schedule (VP or not), for the discrete samplers
    and the curve: ``a2(s)``, ``b(s)``, ``one_minus_b2(s)``, ``drift(s)`` (f), ``diffusion2(s)``
    (g²), ``marginal_variance(s, sigmahat)``, ``sde_coefficient(s, sigmahat)``,
    ``ode_coefficient(s, sigmahat)``, ``ei_antiderivative(s)`` (G, see
    ``Schedule.ei_antiderivative`` in :mod:`.schedules`). All generated from the derivations.

    With these, one step from forward time ``s`` to ``s' < s`` (``h = s - s'``) of each scheme maps
    a component variance ``V`` as (Pierret & Galerne 2025, eqs. (11)–(17), written for a general
    drift ``f`` and diffusion ``g²``; the VP case ``f = -β``, ``g² = 2β`` gives theirs):
    EM ``(1 + h c_sde(s))² V + h g²(s)``; EI ``(b_{s'}/b_s - b_{s'}(G(s) - G(s'))/v_s)² V +
    b_{s'}² (a_s²/b_s² - a_{s'}²/b_{s'}²)``; Euler-ODE ``(1 + h c_ode(s))² V``; Heun
    ``(1 + h/2 (c_ode(s) + c_ode(s')(1 + h c_ode(s))))² V``.

    For VP schedules ``one_minus_b2 = a2`` and the backward coefficients are composed from the
    generic ``backward_sde_coefficient`` / ``backward_ode_coefficient`` results (SymPy's
    ``expm1`` rewrite of the composed expressions would cost tens of seconds per schedule).
    """
    fns = numpy_schedule(name)
    out = {"a2": fns.a2, "b": fns.b, "drift": fns.drift, "diffusion2": fns.diffusion2,
           "ei_antiderivative": fns.ei_antiderivative}
    if fns.variance_preserving:
        a2, b, f, g2 = fns.a2, fns.b, fns.drift, fns.diffusion2
        c_sde = numpy_function("backward_sde_coefficient")
        c_ode = numpy_function("backward_ode_coefficient")

        def marginal_variance(s_, sigmahat):
            return a2(s_) + b(s_) ** 2 * sigmahat**2

        out["one_minus_b2"] = a2
        out["marginal_variance"] = marginal_variance
        out["sde_coefficient"] = lambda s_, sigmahat: c_sde(f(s_), g2(s_), marginal_variance(s_, sigmahat))
        out["ode_coefficient"] = lambda s_, sigmahat: c_ode(f(s_), g2(s_), marginal_variance(s_, sigmahat))
    else:
        out.update(one_minus_b2=fns.one_minus_b2, marginal_variance=fns.marginal_variance,
                   sde_coefficient=fns.sde_coefficient, ode_coefficient=fns.ode_coefficient)
    return out

"""Numeric backends and the result catalogue, generated from the SymPy derivations.

Every other module in this package is written by ``python -m ldmstop.derivations.generate``
and committed; ``tests/test_generated.py`` fails if any of them differs from a fresh
generation. None of them imports SymPy: this is what ``curve``, ``simulate``, ``advise`` and the
numeric parts of ``verify`` load instead of re-deriving formulas at every start.

- :mod:`.numpy_backend`  — vectorised numpy functions;
- :mod:`.mpmath_backend` — arbitrary-precision mpmath functions;
- :mod:`.math_backend`   — scalar ``math`` functions (Numba-compilable);
- :mod:`.catalogue`      — title, source, LaTeX, ``srepr`` and free symbols of every result.

Look-ups: by result name, ``numpy_backend.ou_threshold_time_exact`` (or
``numpy_backend.FUNCTIONS["ou_threshold_time_exact"]``); by schedule,
``numpy_backend.SCHEDULES["ou"]["threshold_time_exact"]``. :mod:`ldmstop.derivations.backends`
wraps these for callers.
"""

"""ldmstop.derivations — the single SymPy source of every formula, and its generated backends.

Layers, each importing only the ones above it:

1. :mod:`.symbols` — the SymPy symbols and their assumptions;
2. definitions — :mod:`.schedules`, :mod:`.wasserstein`, :mod:`.thresholds`, :mod:`.stationarity`,
   :mod:`.score_matching`, :mod:`.variance_ode`;
3. :mod:`.results` — the registry of named results (expression, paper source, arguments);
4. :mod:`.printing` and :mod:`.generate` — print every result into :mod:`.generated`
   (``python -m ldmstop.derivations.generate``), committed to the repository;
5. :mod:`.generated` (numpy, mpmath, ``math``/Numba backends, the catalogue) and
   :mod:`.backends` (look-ups over them) — no SymPy: what ``curve``, ``simulate``, ``advise``
   and ``verify`` import; :mod:`.export` renders ``ldmstop derive`` from the catalogue.

Importing this package is cheap; the SymPy names below (``get_schedule``, ``get_result``,
``RESULTS``…) load SymPy on first use.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Schedule": ".schedules",
    "get_schedule": ".schedules",
    "SCHEDULE_NAMES": ".schedules",
    "RESULTS": ".results",
    "Result": ".results",
    "get_result": ".results",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

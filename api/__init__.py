"""ldmstop — optimal stopping in latent diffusion models, derived, verified and simulated.

Wu, Berthet, Biau, Boyer, Elie, Marion, *Optimal Stopping in Latent Diffusion Models*,
arXiv:2510.08409 (2025). Importing this package is cheap: SymPy and Numba load only when a
function that needs them is called (docs/design.md, principle 6).

Public API (lazy)::

    from ldmstop import Problem, Sampler, compute_curve, w2_map, threshold_times, optimal_stop

Names (schedules, schemes, sampler starts) and their properties: :mod:`ldmstop.registry`.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from .errors import LdmstopError, ProblemError  # noqa: E402  (light)
from .problem import Problem  # noqa: E402  (numpy only)

_LAZY = {
    "compute_curve": "ldmstop.curve",
    "CurveResult": "ldmstop.curve",
    "w2_map": "ldmstop.curve",
    "threshold_times": "ldmstop.curve",
    "optimal_stop": "ldmstop.curve",
    "backward_times": "ldmstop.curve",
    "noise_levels": "ldmstop.curve",
    "Sampler": "ldmstop.sampler",
    "Optimum": "ldmstop.results",
}

__all__ = ["__version__", "Problem", "ProblemError", "LdmstopError", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ldmstop' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

"""The two entry points into :mod:`ldmstop.derivations` that the learned models use, imported
from where the derivations package keeps them: the numpy schedule coefficients (generated
backends) and the ``expm1``/``log1p`` rewrite applied before lambdifying to JAX. The package's
layout moved these between releases; this is the one place that knows where they live."""

from __future__ import annotations

try:  # generated-backends layout: numeric look-ups live in derivations.backends
    from ldmstop.derivations.backends import schedule_coefficients
except ImportError:  # earlier layout: beside the SymPy schedules
    from ldmstop.derivations.schedules import schedule_coefficients
try:
    from ldmstop.derivations.printing import stabilise
except ImportError:
    from ldmstop.derivations.backends import stabilise

__all__ = ["schedule_coefficients", "stabilise"]

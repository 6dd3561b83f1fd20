"""Schedule tables for the simulators: ``a_s²``, ``b_s``, the VP rate ``β_s = w_s²`` and
``B(s) = ∫_0^s β_u du``.

VP forward process ``dX_s = -w_s² X_s ds + sqrt(2 w_s²) dW_s`` (docs/theory.md §1), so that
``b_s = exp(-B(s))`` and ``a_s² = 1 - b_s²``. Every function here is generated from the SymPy
schedule of :mod:`ldmstop.derivations.schedules` (docs/design.md, principle 1) ahead of time, into
:mod:`ldmstop.derivations.generated`: ``B`` is ``-log b_s`` simplified symbolically (a
polynomial for OU and VP-linear), so the exponential integrator's increments
``B(s_k) - B(s_{k+1})`` carry no ``log(exp(·))`` round-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does

__all__ = ["schedule_table", "ScheduleTable", "StepCoefficients", "step_coefficients",
           "ode_coefficient"]


class ScheduleTable:
    """Vectorised numpy functions of forward time ``s`` for one built-in VP schedule."""

    def __init__(self, name: str, a2: Callable, b: Callable, beta: Callable, B: Callable,
                 inverse_a2: Callable):
        self.name = name
        self._a2, self._b, self._beta, self._B, self._inv = a2, b, beta, B, inverse_a2

    @staticmethod
    def _broadcast(f: Callable, s) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        return np.asarray(f(s), dtype=float) * np.ones_like(s)

    def a2(self, s) -> np.ndarray:
        """``a_s² = 1 - exp(-2 B(s))`` (printed with ``expm1``: full relative precision at 0)."""
        return self._broadcast(self._a2, s)

    def b(self, s) -> np.ndarray:
        """``b_s = exp(-B(s))``."""
        return self._broadcast(self._b, s)

    def beta(self, s) -> np.ndarray:
        """``β_s = w_s²``, the VP rate of ``dX_s = -β_s X_s ds + sqrt(2 β_s) dW_s`` (the name
        Pierret & Galerne 2025 use; ``W²`` is kept for the Wasserstein distance)."""
        return self._broadcast(self._beta, s)

    def B(self, s) -> np.ndarray:
        """``B(s) = ∫_0^s β_u du = -log b_s``."""
        return self._broadcast(self._B, s)

    def inverse_a2(self, x) -> np.ndarray:
        """Forward time ``s`` with ``a_s² = x`` for ``x ∈ [0, 1)``."""
        return self._broadcast(self._inv, x)


@lru_cache(maxsize=None)
def schedule_table(name: str) -> ScheduleTable:
    """Generated numpy functions for the built-in VP schedule ``name`` (e.g. ``ou``,
    ``vp-linear``); a schedule that is not VP raises ``ValueError``. No SymPy: the functions
    come from :mod:`ldmstop.derivations.generated` (``B`` is the ``<schedule>_log_signal``
    result)."""
    from ldmstop.derivations.backends import numpy_schedule

    fns = numpy_schedule(name)  # raises ValueError naming the schedule
    if not fns.variance_preserving or fns.w2 is None:
        raise ProblemError(f"schedule {name!r} is not variance-preserving (no w_s²); the simulators "
                         "and recursions step VP schedules only")
    return ScheduleTable(name, fns.a2, fns.b, fns.w2, fns.log_signal, fns.inverse_a2)


@dataclass(frozen=True)
class StepCoefficients:
    """The schedule's coefficients on each step ``s_k → s_{k+1} = s_k - h`` of a grid, for any
    schedule ``(a_s, b_s)``: drift ``f = d log b/ds`` and diffusion ``g² = (a²)' - 2 f a²`` at
    both ends, and the exponential integrator's factors ``ratio = b_{s'}/b_s``,
    ``weight = b_{s'} (G(s) - G(s'))`` (``G = ∫ g²/b``) and noise variance
    ``q = b_{s'}² (a_s²/b_s² - a_{s'}²/b_{s'}²)`` (Pierret & Galerne 2025, eqs. (11)–(17)).
    On a VP schedule (``f = -β``, ``g² = 2β``, ``ΔB = B(s) - B(s')``) these are
    ``e^{ΔB}``, ``2 (e^{ΔB} - 1)`` and ``e^{2ΔB} - 1``, computed with ``expm1`` so that small
    steps keep every digit; ``beta_left``/``beta_right`` hold ``β`` there (``None`` otherwise)."""

    variance_preserving: bool
    f_left: np.ndarray
    g2_left: np.ndarray
    f_right: np.ndarray
    g2_right: np.ndarray
    ei_ratio: np.ndarray
    ei_weight: np.ndarray
    ei_noise: np.ndarray
    beta_left: np.ndarray | None
    beta_right: np.ndarray | None


def step_coefficients(schedule: str, s_left: np.ndarray, s_right: np.ndarray) -> StepCoefficients:
    """:class:`StepCoefficients` of the steps ``s_left[k] → s_right[k]`` (forward times) of the
    built-in ``schedule``: the one table that the kernels (:mod:`ldmstop.sim.schemes`) and the
    exact recursions (:mod:`ldmstop.sim.recursions`) read. Generated functions only (no SymPy)."""
    from ldmstop.derivations.backends import numpy_schedule, schedule_coefficients

    sl = np.asarray(s_left, dtype=float)
    sr = np.asarray(s_right, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if numpy_schedule(schedule).variance_preserving:
            tab = schedule_table(schedule)
            bl, br = tab.beta(sl), tab.beta(sr)
            dB = tab.B(sl) - tab.B(sr)
            return StepCoefficients(True, -bl, 2.0 * bl, -br, 2.0 * br, np.exp(dB),
                                    2.0 * np.expm1(dB), np.expm1(2.0 * dB), bl, br)
        co = schedule_coefficients(schedule)

        def ev(name, x):
            return np.asarray(co[name](x), dtype=float) * np.ones_like(x)

        b_l, b_r = ev("b", sl), ev("b", sr)
        return StepCoefficients(
            False, ev("drift", sl), ev("diffusion2", sl), ev("drift", sr), ev("diffusion2", sr),
            b_r / b_l, b_r * (ev("ei_antiderivative", sl) - ev("ei_antiderivative", sr)),
            b_r**2 * (ev("a2", sl) / b_l**2 - ev("a2", sr) / b_r**2), None, None)


def ode_coefficient(schedule: str, s: np.ndarray, f: np.ndarray, g2: np.ndarray,
                    beta: np.ndarray | None, m: np.ndarray, sigma2_hat: np.ndarray,
                    capped: bool) -> np.ndarray:
    """The probability-flow ODE's linear coefficient ``c = -f - g² m/2`` per (time, component)
    for the linear score ``-m y`` (``dY = c Y dt`` in backward time): ``β (1 - m)`` on a VP
    schedule; on another schedule with the uncapped score the simplified generated
    ``ode_coefficient(s, σ̂)``, finite at ``s = 1`` on the rectified flow where ``f`` and ``g²``
    are not."""
    if beta is not None:
        return beta[:, None] * (1.0 - m)
    if not capped:
        from ldmstop.derivations.backends import schedule_coefficients

        fn = schedule_coefficients(schedule)["ode_coefficient"]
        x = np.asarray(s, dtype=float)
        root = np.sqrt(np.asarray(sigma2_hat, dtype=float))[None, :]
        return np.asarray(fn(x[:, None], root), dtype=float) * np.ones((x.size, root.size))
    return -f[:, None] - 0.5 * g2[:, None] * m

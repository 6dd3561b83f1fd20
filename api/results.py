"""Typed results of the curve functions: frozen dataclasses with ``to_json()``.

After diffrax's ``Solution``: each public function returns an object whose attributes say
what it holds (:func:`ldmstop.curve.optimal_stop` → :class:`Optimum`,
:func:`~ldmstop.curve.optimal_steps` → :class:`StepChoice` per dimension and a
:class:`StepOptimum`, :func:`~ldmstop.curve.stop_vs_steps` → :class:`StepsRow`), and whose
``to_json()`` is the object the command line prints (the keys of the plain dicts these results
used to be, which the JSON outputs keep). No NumPy needed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Record", "Optimum", "StepChoice", "StepOptimum", "StepsRow"]


class Record:
    """Read access by key (``optimum["d"]``, ``.get``, ``.keys()``) for code written against
    the plain dicts these results used to be; new code reads the attributes. ``to_json()`` is
    the JSON object, with the same keys."""

    _KEYS: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The JSON object of this result (plain Python numbers)."""
        return {k: getattr(self, k) for k in self.keys()}

    def keys(self) -> tuple[str, ...]:
        """The keys of :meth:`to_json`, in its order."""
        return self._KEYS

    def __getitem__(self, key: str):
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def get(self, key: str, default=None):
        """``self[key]``, or ``default`` for a key the result does not have."""
        return getattr(self, key) if key in self.keys() else default


@dataclass(frozen=True)
class Optimum(Record):
    """The global minimiser of ``W²(t, d)`` over ``d ∈ 1..D`` and ``t ∈ [0, T]`` (Wu et al. 2025,
    Prop 3(b), generalised; docs/theory.md §2), from :func:`optimal_stop`.

    Attributes
    ----------
    d : the best latent dimension.
    t : the backward time of the stop.
    s : the forward time ``T - t`` of the stop, to full relative precision where ``t`` is
        within a few ulps of ``T``.
    x : the noise level ``a²_s`` there.
    w2_squared : ``W²(t, d)`` at the stop (evaluated at ``s``).
    interior : whether the stop solves the stationarity condition ``g_d(x) = 0`` (VP schedules)
        or was refined off the grid (other schedules), rather than being a grid point.
    """

    d: int
    t: float
    s: float
    x: float
    w2_squared: float
    interior: bool

    _KEYS = ("d", "x", "w2_squared", "interior", "t", "s")


@dataclass(frozen=True)
class StepChoice(Record):
    """The best solver step for one latent dimension ``d`` of a discretised sampler
    (:func:`optimal_steps`): step ``k`` of ``K``, its backward time ``t_k`` and ``W²(t_k, d)``."""

    d: int
    step: int
    t: float
    w2_squared: float

    _KEYS = ("d", "step", "t", "w2_squared")


@dataclass(frozen=True)
class StepOptimum(Record):
    """The joint optimum ``(d, k)`` of a discretised sampler over every latent dimension and
    solver step (:func:`optimal_steps`, :func:`discrete_curve`): ``steps_from_end = K - k``,
    and ``s = T - t`` the forward time of the stop."""

    d: int
    step: int
    t: float
    w2_squared: float
    steps_from_end: int
    s: float | None = None

    _KEYS = ("d", "step", "t", "w2_squared", "steps_from_end", "s")

    def keys(self) -> tuple[str, ...]:
        """The keys of :meth:`to_json` (``s`` only where the horizon was known)."""
        return self._KEYS if self.s is not None else self._KEYS[:-1]


@dataclass(frozen=True)
class StepsRow(Record):
    """One row of :func:`stop_vs_steps`: with ``steps`` solver steps, the joint optimum
    ``(d, step)``, its time and ``W²``, and ``W²`` at the last step with that ``d``
    (``w2_squared_end_same_d``) and with ``d = D`` (``w2_squared_end_full``)."""

    steps: int
    d: int
    step: int
    t: float
    steps_from_end: int
    w2_squared: float
    w2_squared_end_same_d: float
    w2_squared_end_full: float

    _KEYS = ("steps", "d", "step", "t", "steps_from_end", "w2_squared", "w2_squared_end_same_d",
             "w2_squared_end_full")

"""The sampler settings: one validated, immutable choice of how the backward process is run.

A :class:`Sampler` holds the scheme (the exact continuous-time process or a discretisation of
it, :mod:`ldmstop.registry`), the number of solver steps ``K``, the start, the truncation ``ε``
of the solver grid ``t_k = (T - ε) k/K`` (Pierret & Galerne 2025, §4; docs/theory.md §5), the
weight cap ``C`` of the capped score (Wu et al. 2025, Prop 4) and the checkpoints a simulation
records. It is built once, at the edge (a command, or a public function called with plain
arguments), by :meth:`Sampler.build`, which checks every setting and raises
:class:`~ldmstop.errors.ProblemError` naming the argument and the value (docs/errors.md);
the functions it is handed to trust it, as they trust a :class:`~ldmstop.Problem`
(docs/design.md, principle 3). NumPy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ProblemError, plain
from .registry import INITS, SAMPLER_SCHEMES, SCHEME_INFO, SCHEMES

__all__ = ["Sampler", "check_steps", "check_scheme", "check_init", "check_truncate", "check_cap",
           "parse_checkpoints"]


def check_steps(steps, name: str = "steps") -> int:
    """A number of solver steps: an integer >= 1 (a float is refused, not truncated)."""
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ProblemError(f"{name} must be an integer >= 1, got {plain(steps)}")
    return int(steps)


def check_scheme(scheme, allowed: tuple[str, ...] = SAMPLER_SCHEMES) -> str:
    """A scheme name among ``allowed`` (default: the discretised ones)."""
    if not isinstance(scheme, str) or scheme not in allowed:
        raise ProblemError(f"unknown scheme {scheme!r}; choose one of {', '.join(allowed)}")
    return scheme


def check_init(init) -> str:
    """A sampler start: ``pT`` (the model's ``p_T``) or ``normal`` (``N(0, I)``)."""
    if not isinstance(init, str) or init not in INITS:
        raise ProblemError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    return init


def check_truncate(truncate, T: float) -> float:
    """The truncation ``ε`` of the solver grid: a real number in ``[0, T)``."""
    if isinstance(truncate, (bool, np.bool_, complex, np.complexfloating)):
        raise ProblemError(f"truncate must be a real number in [0, T), got {truncate!r}")
    try:
        e = float(truncate)
    except (TypeError, ValueError):
        raise ProblemError(f"truncate must be a number in [0, T), got {truncate!r}") from None
    if not math.isfinite(e) or e < 0 or e >= T:
        raise ProblemError(f"truncate must be in [0, T) = [0, {float(T):g}), got {plain(truncate)}")
    return e


def check_cap(cap) -> float | None:
    """The weight cap of Prop 4: ``C > 1`` and finite, or ``None`` (no cap)."""
    if cap is None:
        return None
    if isinstance(cap, (bool, np.bool_, str, bytes)):
        raise ProblemError(f"cap C must be a number > 1, got {cap!r}")
    try:
        c = float(cap)
    except (TypeError, ValueError):
        raise ProblemError(f"cap C must be a number > 1, got {cap!r}") from None
    if not np.isfinite(c) or c <= 1.0:
        raise ProblemError(f"cap C must be finite and > 1 (Prop 4), got {plain(cap)}")
    return c


def parse_checkpoints(spec, T: float) -> int | np.ndarray:
    """``M`` (an int: that many times evenly spread on the grid, the last at its end) or a
    sequence / comma-separated string of backward times in ``[0, T]``."""
    if isinstance(spec, str):
        text = spec.strip()
        if "," not in text and "." not in text and "e" not in text.lower():
            try:
                spec = int(text)
            except ValueError:
                raise ProblemError(f"checkpoints: {spec!r} is neither a count nor times") from None
        else:
            try:
                spec = [float(p) for p in text.split(",") if p.strip()]
            except ValueError:
                raise ProblemError(f"checkpoints: {spec!r} is not a list of times") from None
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if spec < 1:
            raise ProblemError(f"checkpoints: the count must be >= 1, got {spec}")
        return int(spec)
    arr = np.atleast_1d(np.asarray(spec, dtype=float))
    if arr.size == 0:
        raise ProblemError("checkpoints: no times given")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > T)
    if bad.any():
        raise ProblemError(f"checkpoints must lie in [0, T] = [0, {plain(T)}], got {plain(arr[bad][0])}")
    return arr


@dataclass(frozen=True)
class Sampler:
    """Validated sampler settings for a horizon ``T`` (build with :meth:`build`).

    Attributes
    ----------
    scheme : ``exact`` (the continuous-time process) or a discretised scheme of
        :data:`ldmstop.registry.SAMPLER_SCHEMES` (em, ei: backward SDE; euler-ode, heun:
        probability-flow ODE).
    steps : number of solver steps ``K`` (``None`` for ``exact``).
    init : start, ``pT`` (the model's own ``p_T``) or ``normal`` (``N(0, I)``).
    truncate : the solver grid ends at backward time ``T - ε``; ``0 <= ε < T``.
    cap : the weight cap ``C > 1`` of the capped score (Wu et al. 2025, Prop 4), or ``None``.
    checkpoints : what a simulation records: a count ``M`` or backward times in ``[0, T]``
        (a tuple), or ``None`` (not a simulation).
    T : the horizon the settings were checked against.
    """

    scheme: str = "exact"
    steps: int | None = None
    init: str = "pT"
    truncate: float = 0.0
    cap: float | None = None
    checkpoints: int | tuple[float, ...] | None = None
    T: float | None = None

    @classmethod
    def build(cls, *, scheme: str = "exact", steps: int | None = None, init: str = "pT",
              truncate: float = 0.0, cap: float | None = None, checkpoints=None,
              T: float | None = None, problem=None,
              schemes: tuple[str, ...] = SCHEMES) -> "Sampler":
        """Check every setting once and return the frozen :class:`Sampler`.

        ``T`` (or ``problem``, whose ``T`` it is) is the horizon the truncation and the
        checkpoint times are checked against; with ``problem`` a discretised scheme is also
        checked to be usable on its schedule (:func:`ldmstop.problem.check_discretisable`).
        ``schemes``: the schemes the caller accepts (default: every one, ``exact`` included).
        The exact scheme takes no ``steps``, ``init`` or ``truncate``: it starts at ``p_T`` and
        covers every stop in ``[0, T]``. Raises :class:`~ldmstop.errors.ProblemError`.
        """
        if problem is not None:
            T = problem.T
        scheme = check_scheme(scheme, schemes)
        if not SCHEME_INFO[scheme].discretised:
            if steps is not None or init != "pT" or truncate not in (0, 0.0):
                raise ProblemError("--steps, --init and --truncate apply to a discretised scheme "
                                   f"({', '.join(SAMPLER_SCHEMES)}); the exact curve starts at "
                                   "p_T and covers every stop in [0, T]")
            return cls(scheme=scheme, cap=check_cap(cap), T=None if T is None else float(T),
                       checkpoints=cls._checkpoints(checkpoints, T))
        init = check_init(init)
        if steps is None:
            raise ProblemError(f"scheme {scheme} needs --steps K (the number of solver steps)")
        steps = check_steps(steps)
        if T is None:
            raise ProblemError("a discretised sampler needs the horizon T")
        truncate = check_truncate(truncate, T)
        cap = check_cap(cap)
        if problem is not None:
            from .problem import check_discretisable

            check_discretisable(problem, scheme)
        return cls(scheme=scheme, steps=steps, init=init, truncate=truncate, cap=cap,
                   checkpoints=cls._checkpoints(checkpoints, T), T=float(T))

    @staticmethod
    def _checkpoints(spec, T) -> int | tuple[float, ...] | None:
        if spec is None:
            return None
        out = parse_checkpoints(spec, T)
        return out if isinstance(out, int) else tuple(float(t) for t in out)

    # ------------------------------------------------------------------ views
    @property
    def discretised(self) -> bool:
        """Whether the scheme steps a solver grid (every scheme but ``exact``)."""
        return SCHEME_INFO[self.scheme].discretised

    @property
    def ode(self) -> bool:
        """Whether the scheme steps the probability-flow ODE (else the backward SDE)."""
        return SCHEME_INFO[self.scheme].process == "ode"

    def grid(self) -> np.ndarray:
        """Backward times ``t_k = (T - ε) k/K``, ``k = 0..K`` (Pierret & Galerne 2025, §4)."""
        K = self.steps
        return (self.T - self.truncate) * np.arange(K + 1, dtype=float) / K

    def checkpoint_spec(self) -> int | np.ndarray:
        """The checkpoints as :func:`ldmstop.sim.recorder.resolve_checkpoints` takes them."""
        c = self.checkpoints
        return c if isinstance(c, int) else np.asarray(c, dtype=float)

    def describe(self) -> dict:
        """JSON-ready settings (scheme, steps, init, truncate, cap)."""
        return {"scheme": self.scheme, "steps": self.steps, "init": self.init,
                "truncate": self.truncate, "cap": self.cap}

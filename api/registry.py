"""The names ldmstop knows — noise schedules, sampler schemes, sampler starts — and their
properties, in one place.

Everything that lists or checks one of these names reads it from here: the command line's
``choices``, the API's validation (:mod:`ldmstop.problem`, :mod:`ldmstop.sampler`), the SymPy
schedule definitions (:mod:`ldmstop.derivations.schedules`, which take their default horizon and
reference from here), the simulators (:mod:`ldmstop.sim.grid`) and the property strategies
(:mod:`ldmstop.verify.strategies`). This module imports nothing beyond the standard library, so
that ``import ldmstop`` and ``ldmstop --help`` stay free of SymPy and Numba (docs/design.md,
principle 6). A schedule's formulas live in ``derivations/schedules.py``; whether the two
agree on the names and the variance-preserving property is tested (tests/test_registry.py).

Adding a schedule or a scheme starts here (docs/design.md, "Adding a schedule").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ScheduleInfo", "SchemeInfo", "InitInfo", "SCHEDULE_INFO", "SCHEME_INFO", "INIT_INFO",
           "SCHEDULES", "VP_SCHEDULES", "DEFAULT_SCHEDULE", "DEFAULT_T", "MAX_T",
           "DRIFT_SINGULAR_AT", "SCHEMES", "SAMPLER_SCHEMES", "SDE_SCHEMES", "ODE_SCHEMES",
           "INITS", "schedule_info", "scheme_info"]


@dataclass(frozen=True)
class ScheduleInfo:
    """A built-in noise schedule ``X_s = b_s X_0 + a_s ε`` (forward time ``s``).

    Attributes
    ----------
    name : the name the command line and the API accept.
    default_T : horizon used when none is given.
    max_T : largest horizon the schedule is defined on (``None``: unbounded); beyond it ``b_s``
        changes sign.
    variance_preserving : ``a_s² + b_s² = 1`` — the closed forms in ``x = a_s²`` apply, and the
        optimum has a convexity certificate (Wu et al. 2025, Prop 1's proof).
    reference : where the schedule comes from.
    drift_singular_at : forward time at which the drift is infinite although its float64 value
        is finite (a discretised sampler started there is refused), or ``None``.
    """

    name: str
    default_T: float
    max_T: float | None
    variance_preserving: bool
    reference: str
    drift_singular_at: float | None = None


@dataclass(frozen=True)
class SchemeInfo:
    """A sampler: the exact continuous-time process or one discretisation of it.

    Attributes
    ----------
    name : the name the command line and the API accept.
    process : ``"exact"`` (no discretisation), ``"sde"`` (steps the backward SDE) or ``"ode"``
        (steps the probability-flow ODE).
    order : the scheme's order of convergence.
    reference : where the scheme comes from.
    """

    name: str
    process: str
    order: str
    reference: str

    @property
    def discretised(self) -> bool:
        """Whether the scheme steps a solver grid (every scheme but ``exact``)."""
        return self.process != "exact"


@dataclass(frozen=True)
class InitInfo:
    """Where a discretised sampler starts."""

    name: str
    description: str


# The default horizons: the paper uses T = 2 for OU; VP-linear is defined on [0, 1]; VP-cosine
# stops at 0.9946 where its drift is still finite (Lu et al. 2022, DPM-Solver); the rectified
# flow a_s = s, b_s = 1 - s reaches pure noise at s = 1.
_SCHEDULES = (
    ScheduleInfo("ou", default_T=2.0, max_T=None, variance_preserving=True,
                 reference="Wu et al. 2025, §2 (Ornstein–Uhlenbeck forward process)"),
    ScheduleInfo("vp-linear", default_T=1.0, max_T=None, variance_preserving=True,
                 reference="Song et al. 2021 (VP-SDE), Ho et al. 2020 (DDPM); β_min = 0.1, "
                           "β_max = 20"),
    ScheduleInfo("vp-cosine", default_T=0.9946, max_T=1.0, variance_preserving=True,
                 reference="Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; "
                           "T = 0.9946 as in Lu et al. 2022 (DPM-Solver)",
                 drift_singular_at=1.0),
    ScheduleInfo("rectified-flow", default_T=1.0, max_T=1.0, variance_preserving=False,
                 reference="Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 "
                           "(linear interpolant); the schedule of Wu et al. 2025's image "
                           "experiments"),
)

_SCHEMES = (
    SchemeInfo("exact", process="exact", order="exact (no discretisation)",
               reference="Wu et al. 2025, eq. (3)"),
    SchemeInfo("em", process="sde", order="strong 1/2, weak 1",
               reference="Euler–Maruyama; Pierret & Galerne 2025, §4"),
    SchemeInfo("ei", process="sde", order="weak 1",
               reference="exponential integrator: Zhang & Chen 2023 (DEIS); Pierret & Galerne "
                         "2025, §4"),
    SchemeInfo("euler-ode", process="ode", order="1",
               reference="Euler on the probability-flow ODE (Song et al. 2021); Pierret & "
                         "Galerne 2025, §4"),
    SchemeInfo("heun", process="ode", order="2",
               reference="Heun on the probability-flow ODE, last corrector skipped (Karras et al. "
                         "2022, Alg. 1)"),
)

_INITS = (
    InitInfo("pT", "the model's own p_T (variance a_T² + b_T² σ̂²)"),
    InitInfo("normal", "N(0, I)"),
)

#: name -> properties, in the order the command line lists them
SCHEDULE_INFO: dict[str, ScheduleInfo] = {s.name: s for s in _SCHEDULES}
SCHEME_INFO: dict[str, SchemeInfo] = {s.name: s for s in _SCHEMES}
INIT_INFO: dict[str, InitInfo] = {i.name: i for i in _INITS}

#: schedule names; the variance-preserving ones; the default
SCHEDULES: tuple[str, ...] = tuple(SCHEDULE_INFO)
VP_SCHEDULES: tuple[str, ...] = tuple(n for n, s in SCHEDULE_INFO.items() if s.variance_preserving)
DEFAULT_SCHEDULE = "ou"
#: default horizon per schedule. One mutable dict shared by every reader (``ldmstop.problem``
#: re-exports it), so that patching an entry in a test reaches every use.
DEFAULT_T: dict[str, float] = {n: s.default_T for n, s in SCHEDULE_INFO.items()}
#: largest horizon each schedule is defined on (None: unbounded)
MAX_T: dict[str, float | None] = {n: s.max_T for n, s in SCHEDULE_INFO.items()}
#: forward time at which a schedule's drift is infinite but evaluates to a finite float
DRIFT_SINGULAR_AT: dict[str, float] = {n: s.drift_singular_at for n, s in SCHEDULE_INFO.items()
                                       if s.drift_singular_at is not None}

#: every sampler (``exact`` first); the discretised ones; those on the SDE and on the ODE
SCHEMES: tuple[str, ...] = tuple(SCHEME_INFO)
SAMPLER_SCHEMES: tuple[str, ...] = tuple(n for n, s in SCHEME_INFO.items() if s.discretised)
SDE_SCHEMES: tuple[str, ...] = tuple(n for n, s in SCHEME_INFO.items() if s.process == "sde")
ODE_SCHEMES: tuple[str, ...] = tuple(n for n, s in SCHEME_INFO.items() if s.process == "ode")
#: starts of a discretised sampler (``pT`` is the default)
INITS: tuple[str, ...] = tuple(INIT_INFO)


def schedule_info(name: str) -> ScheduleInfo:
    """The properties of the built-in schedule ``name`` (``KeyError`` for an unknown name:
    validate user input with :class:`ldmstop.Problem`, which names the argument)."""
    return SCHEDULE_INFO[name]


def scheme_info(name: str) -> SchemeInfo:
    """The properties of the sampler scheme ``name`` (``KeyError`` for an unknown name)."""
    return SCHEME_INFO[name]

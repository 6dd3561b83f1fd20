"""Noise schedules as SymPy expressions in forward time ``s``.

A schedule is defined by its signal coefficient ``b_s`` and noise variance ``a_s²`` so that the
forward marginal is ``X_s ~ N(0, a_s² I + b_s² Σ)`` (THEORY.md §1). For a variance-preserving
(VP) schedule ``dX_s = -w_s² X_s ds + sqrt(2 w_s²) dW_s`` we *derive*
``b_s = exp(-∫_0^s w_u² du)`` and ``a_s² = 1 - b_s²`` from ``w_s²``; nothing is typed in.

The extended inverse ``ā^{-2}`` of ``s ↦ a_s²`` (Wu et al. 2025, Prop 2) is derived with
``sympy.solve`` where SymPy can (the root that is a valid forward time) and otherwise computed
numerically as the root of a monotone function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import sympy as sp

from .symbols import s, u, x, T

__all__ = ["Schedule", "vp_schedule", "get_schedule", "SCHEDULE_NAMES", "BUILTIN_SCHEDULES"]


@dataclass(frozen=True)
class Schedule:
    """A diffusion noise schedule in forward time ``s``.

    Attributes
    ----------
    name: identifier used on the command line (``ou``, ``vp-linear``...).
    b: the signal coefficient ``b_s`` (SymPy expression in ``s``).
    a2: the noise variance ``a_s²`` (SymPy expression in ``s``).
    w2: ``w_s²`` for VP schedules (``None`` otherwise).
    variance_preserving: ``a_s² + b_s² = 1``.
    reference: where the schedule comes from.
    """

    name: str
    b: sp.Expr
    a2: sp.Expr
    w2: sp.Expr | None = None
    variance_preserving: bool = True
    reference: str = ""
    default_T: float = 1.0
    description: str = field(default="", compare=False)

    @cached_property
    def drift(self) -> sp.Expr:
        """Forward drift coefficient ``f_s = d log b_s / ds`` (``= -w_s²`` when VP)."""
        return sp.simplify(sp.diff(sp.log(self.b), s))

    @cached_property
    def diffusion2(self) -> sp.Expr:
        """Squared forward diffusion ``g_s² = d(a_s²)/ds - 2 f_s a_s²`` (``= 2 w_s²`` when VP).

        Follows from ``d Var/ds = 2 f Var + g²`` applied to the noise part ``a_s²`` of the
        marginal variance.
        """
        return sp.simplify(sp.diff(self.a2, s) - 2 * self.drift * self.a2)

    @cached_property
    def inverse_a2(self) -> sp.Expr | None:
        """Closed-form inverse ``s = (a²)^{-1}(x)`` on ``[0, a_T²]``, or ``None``.

        ``sympy.solve`` returns every branch; the right one is the branch that maps a
        mid-range ``x`` back to a forward time that reproduces it, which we check numerically.
        """
        sol = sp.solve(sp.Eq(self.a2, x), s)
        for cand in sol:
            ok = True
            for probe in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(9, 10)):
                sv = complex(sp.N(cand.subs(x, probe), 30))
                if abs(sv.imag) > 1e-20 or sv.real < 0:
                    ok = False
                    break
                back = float(sp.N(self.a2.subs(s, sv.real), 30))
                if abs(back - float(probe)) > 1e-12:
                    ok = False
                    break
            if ok:
                return _stable_inverse(sp.simplify(cand))
        return None


def _stable_inverse(expr: sp.Expr) -> sp.Expr:
    """Rewrite a closed-form inverse so that it keeps relative precision as ``x → 0``.

    ``log(1/(1-x))`` becomes ``-log(1-x)`` (printed as ``-log1p(-x)``) and a root of the form
    ``(sqrt(1 + y) - 1)/k`` is rationalised to ``y / (k (sqrt(1 + y) + 1))``, which avoids
    subtracting two nearly equal numbers. Both are identities, checked numerically here.
    """
    # log(1/(1 - x)) = -log(1 - x): valid for the positive arguments on [0, a_T²].
    e = expr.replace(sp.log, lambda arg: -sp.log(sp.factor(sp.cancel(1 / arg))))
    rationalised = 1 / sp.radsimp(1 / e)
    for probe in (sp.Rational(1, 7), sp.Rational(2, 3)):
        if abs(sp.N((rationalised - e).subs(x, probe), 40)) > 1e-30:
            return e
    return rationalised


def vp_schedule(name: str, w2: sp.Expr, *, reference: str, default_T: float,
                description: str = "") -> Schedule:
    """Build a VP schedule from ``w_s²``: ``b_s = exp(-∫_0^s w²)``, ``a_s² = 1 - b_s²``."""
    integral = sp.integrate(w2.subs(s, u), (u, 0, s))
    b = sp.exp(-sp.expand(integral))
    a2 = 1 - b**2
    return Schedule(name=name, b=b, a2=sp.simplify(a2), w2=w2, variance_preserving=True,
                    reference=reference, default_T=default_T, description=description)


BETA_MIN = sp.Rational(1, 10)
BETA_MAX = 20


@lru_cache(maxsize=None)
def _builtin() -> dict[str, Schedule]:
    ou = vp_schedule(
        "ou", sp.Integer(1),
        reference="Wu et al. 2025, §2 (Ornstein–Uhlenbeck forward process)",
        default_T=2.0,
        description="Ornstein–Uhlenbeck: w ≡ 1, b_s = e^{-s}, a_s² = 1 - e^{-2s}",
    )
    beta = BETA_MIN + s * (BETA_MAX - BETA_MIN)
    vpl = vp_schedule(
        "vp-linear", beta / 2,
        reference="Song et al. 2021 (VP-SDE), Ho et al. 2020 (DDPM); β_min = 0.1, β_max = 20",
        default_T=1.0,
        description="VP-linear: w_s² = β(s)/2, β(s) = 0.1 + 19.9 s",
    )
    return {sch.name: sch for sch in (ou, vpl)}


BUILTIN_SCHEDULES = ("ou", "vp-linear")
SCHEDULE_NAMES = BUILTIN_SCHEDULES


def get_schedule(name: str) -> Schedule:
    """Return the built-in schedule called ``name`` (``ou`` or ``vp-linear``)."""
    table = _builtin()
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(table)}") from None


__all__ += ["BETA_MIN", "BETA_MAX", "T"]

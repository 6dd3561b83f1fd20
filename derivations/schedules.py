"""Noise schedules as SymPy expressions in forward time ``s``.

A schedule is defined by its signal coefficient ``b_s`` and noise variance ``a_s²`` so that the
forward marginal is ``X_s ~ N(0, a_s² I + b_s² Σ)`` (docs/theory.md §1). For a variance-preserving
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

# standard library only: the one definition of the names, default horizons and references
from ldmstop.registry import DEFAULT_T, SCHEDULE_INFO, SCHEDULES, VP_SCHEDULES as _VP

from .symbols import s, sigh, sigma, u, x, T

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
    #: default horizon; the built-in schedules read it from ldmstop.registry.DEFAULT_T
    default_T: float = 1.0
    description: str = field(default="", compare=False)
    #: A closed-form inverse of ``s ↦ a_s²`` to try when ``sympy.solve`` returns none it can
    #: validate; it is accepted only after the same numerical round-trip check.
    inverse_hint: sp.Expr | None = field(default=None, compare=False)

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
        generic = sp.simplify(sp.diff(self.a2, s) - 2 * self.drift * self.a2)
        if self.variance_preserving and self.w2 is not None:
            # Same function, simpler form: check the identity numerically, then use 2 w².
            for probe in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(9, 10)):
                if abs(sp.N((generic - 2 * self.w2).subs(s, probe), 30)) > 1e-20:
                    raise RuntimeError(f"{self.name}: g² != 2 w² at s = {probe}")  # pragma: no cover
            return 2 * self.w2
        return generic

    @cached_property
    def inverse_a2(self) -> sp.Expr | None:
        """Closed-form inverse ``s = (a²)^{-1}(x)`` on ``[0, a_T²]``, or ``None``.

        ``sympy.solve`` returns every branch; the right one is the branch that maps a
        mid-range ``x`` back to a forward time that reproduces it, which we check numerically.
        """
        def candidates():
            # a given closed form first: sympy.solve can take minutes on a trigonometric a²
            if self.inverse_hint is not None:
                yield self.inverse_hint
            try:
                yield from sp.solve(sp.Eq(self.a2, x), s)
            except NotImplementedError:  # pragma: no cover - SymPy could not invert
                return

        for cand in candidates():
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
            # A periodic a² (cosine) round-trips on other branches too: the inverse must also
            # send x → 0 to s → 0, the start of the diffusion.
            if ok:
                s0 = complex(sp.N(cand.subs(x, sp.Rational(1, 10**8)), 30))
                ok = abs(s0) < 1e-3
            if ok:
                # a given closed form is used as written (it is chosen stable; simplify and
                # radsimp would undo a rationalisation)
                return cand if cand is self.inverse_hint else _stable_inverse(sp.simplify(cand))
        return None


    # ----------------------------------------------------------------- any schedule (VP or not)
    @cached_property
    def marginal_variance(self) -> sp.Expr:
        """Variance of a component of the forward marginal of the plug-in Gaussian ``N(0, σ̂²)``:
        ``v_s = a_s² + b_s² σ̂²`` (docs/theory.md §1–2; VP or not)."""
        return self.a2 + self.b**2 * sigh**2

    @cached_property
    def one_minus_b2(self) -> sp.Expr:
        """``1 - b_s²`` in a form with no cancellation as ``s → 0`` (``= a_s²`` when VP).

        Used for ``v - σ² = (σ̂² - σ²) + a² - (1 - b²) σ̂²``, the cancellation-free difference
        that the curve needs near the end of sampling (docs/design.md, measured facts)."""
        if self.variance_preserving:
            return self.a2
        return sp.factor(sp.expand(1 - self.b**2))

    @cached_property
    def backward_sde_coefficient(self) -> sp.Expr:
        """Coefficient ``c`` of the backward SDE ``dY_t = c(s) Y_t dt + g_s dB_t`` (``s = T - t``)
        with the Gaussian plug-in score ``∇log p_s(y) = -y/v_s``: ``c = -f_s - g_s²/v_s``.

        Anderson's reverse-time SDE: drift ``-f y + g² ∇log p_s(y)`` (docs/theory.md §1 in the VP
        case: ``w² y + 2w² s(y)``, i.e. ``β(1 - 2/λ)`` of Pierret & Galerne). VP forms are kept
        as derived; the others are simplified jointly so removable singularities cancel."""
        c = -self.drift - self.diffusion2 / self.marginal_variance
        return c if self.variance_preserving else sp.simplify(c)

    @cached_property
    def backward_ode_coefficient(self) -> sp.Expr:
        """Coefficient of the probability-flow ODE ``dY_t = c(s) Y_t dt``:
        ``c = -f_s - g_s²/(2 v_s)`` (``β(1 - 1/λ)`` for VP). For the rectified flow it is
        ``((1 - s)σ̂² - s)/v_s``, finite at ``s = 1`` although ``f`` and ``g²`` are not."""
        c = -self.drift - self.diffusion2 / (2 * self.marginal_variance)
        return c if self.variance_preserving else sp.factor(sp.cancel(sp.together(c)))

    @cached_property
    def ei_antiderivative(self) -> sp.Expr:
        """``G(s) = ∫ g_s² / b_s ds``: the score weight of one exponential-integrator step is
        ``b_{s'} (G(s) - G(s'))`` from ``s`` down to ``s'`` (``= 2γ1`` of Pierret & Galerne for VP,
        where ``G = 2/b``). The noise variance of the step needs no integral:
        ``b_{s'}² (a_s²/b_s² - a_{s'}²/b_{s'}²)``, because ``g²/b² = d(a²/b²)/ds``."""
        if self.variance_preserving:
            return 2 / self.b  # (1/b)' = w²/b and g² = 2w²: exact, no integration needed
        integrand = sp.simplify(self.diffusion2 / self.b)
        G = sp.integrate(integrand, s)
        # SymPy writes log(s - 1) (complex for s < 1); any antiderivative will do, so swap each
        # log(-y) for log(y) (a constant iπ apart) and check the derivative.
        G = G.replace(sp.log, lambda arg: sp.log(-arg) if arg.could_extract_minus_sign() or
                      arg.subs(s, sp.Rational(1, 2)).is_negative else sp.log(arg))
        if sp.simplify(sp.diff(G, s) - integrand) != 0:  # pragma: no cover
            raise RuntimeError(f"{self.name}: antiderivative check failed for {G}")
        return sp.simplify(G)

    @cached_property
    def log_signal(self) -> sp.Expr:
        """``B(s) = ∫_0^s w_u² du = -log b_s`` of a VP schedule, simplified symbolically (a
        polynomial for OU and VP-linear), so that the exponential integrator's increments
        ``B(s_k) - B(s_{k+1})`` carry no ``log(exp(·))`` round-off."""
        if not self.variance_preserving:  # pragma: no cover - only VP schedules register it
            raise ValueError(f"{self.name} is not variance preserving")
        return sp.simplify(sp.expand_log(-sp.log(self.b), force=True))

    @cached_property
    def threshold_forward_roots(self) -> tuple[sp.Expr, ...]:
        """Forward times where ``v_s = 4σ²``: the ends of the set where keeping a component
        lowers W2 (docs/theory.md §2: ``Δ ≤ 0 iff v ≤ 4σ²``, any schedule). Sorted as SymPy returns
        them; for the rectified flow two roots ``s_± = (σ̂² ± sqrt(4σ²(1 + σ̂²) - σ̂²))/(1 + σ̂²)``."""
        return tuple(sp.solve(sp.Eq(self.marginal_variance, 4 * sigma**2), s))


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
        reference=SCHEDULE_INFO["ou"].reference,
        default_T=DEFAULT_T["ou"],
        description="Ornstein–Uhlenbeck: w ≡ 1, b_s = e^{-s}, a_s² = 1 - e^{-2s}",
    )
    beta = BETA_MIN + s * (BETA_MAX - BETA_MIN)
    vpl = vp_schedule(
        "vp-linear", beta / 2,
        reference=SCHEDULE_INFO["vp-linear"].reference,
        default_T=DEFAULT_T["vp-linear"],
        description="VP-linear: w_s² = β(s)/2, β(s) = 0.1 + 19.9 s",
    )
    return {sch.name: sch for sch in (ou, vpl, _vp_cosine(), _rectified_flow())}


#: Offset of the cosine schedule (Nichol & Dhariwal 2021, eq. (17)): keeps β small near s = 0.
COSINE_OFFSET = sp.Rational(8, 1000)
#: Horizon used for the cosine schedule in continuous time: at s = 1 the signal b_s is 0 and the
#: drift w_s² is infinite; DPM-Solver (Lu et al. 2022, NoiseScheduleVP) stops at T = 0.9946.
#: Defined once, with the other default horizons, in ldmstop.registry.
COSINE_T = DEFAULT_T["vp-cosine"]


def schedule_from_signal(name: str, b: sp.Expr, *, reference: str, default_T: float,
                         description: str = "", inverse_hint: sp.Expr | None = None,
                         a2: sp.Expr | None = None) -> Schedule:
    """A VP schedule given by its signal coefficient ``b_s`` (``a_s² = 1 - b_s²``); the rate
    ``w_s² = -d log b_s/ds`` is derived, so that ``b_s = exp(-∫ w²)`` holds by construction.
    ``a2``: the same ``1 - b_s²`` in a form without cancellation near ``s = 0`` (checked equal)."""
    w2 = sp.simplify(-sp.diff(sp.log(b), s))
    if a2 is None:
        a2 = 1 - b**2
    for probe in (sp.Rational(1, 7), sp.Rational(3, 5)):
        if abs(sp.N((a2 - (1 - b**2)).subs(s, probe), 40)) > 1e-30:  # pragma: no cover
            raise RuntimeError(f"{name}: the given a² is not 1 - b² at s = {probe}")
    return Schedule(name=name, b=b, a2=a2, w2=w2, variance_preserving=True,
                    reference=reference, default_T=default_T, description=description,
                    inverse_hint=inverse_hint)


def _vp_cosine() -> Schedule:
    """Cosine schedule: ``ᾱ_s = b_s² = cos²(θ_s)/cos²(θ_0)``, ``θ_s = (s + c)/(1 + c) · π/2``."""
    c = COSINE_OFFSET
    theta = (s + c) / (1 + c) * sp.pi / 2
    theta0 = c / (1 + c) * sp.pi / 2
    b = sp.cos(theta) / sp.cos(theta0)
    c0, s0 = sp.cos(theta0), sp.sin(theta0)
    # 1 - cos²θ/cos²θ0 = sin(θ - θ0) sin(θ + θ0)/cos²θ0: no cancellation as s → 0 (formed as
    # 1 - b², a² ~ 4e-11 at s = 1e-9 kept only 5 digits).
    a2 = sp.sin(theta - theta0) * sp.sin(theta + theta0) / c0**2
    # Inverse on θ ∈ [θ0, π/2): cos θ = sqrt(1 - x) cos θ0, so sin(θ - θ0) =
    # c0 x / (sqrt(s0² + x c0²) + sqrt(1 - x) s0) (rationalised: no difference of near-equal
    # angles, which acos(sqrt(1 - x) c0) - θ0 would be at small x).
    hint = (1 + c) * 2 / sp.pi * sp.asin(c0 * x / (sp.sqrt(s0**2 + x * c0**2) + sp.sqrt(1 - x) * s0))
    return schedule_from_signal(
        "vp-cosine", b,
        reference=SCHEDULE_INFO["vp-cosine"].reference,
        default_T=COSINE_T,
        description="VP-cosine: b_s² = cos²((s+0.008)/1.008 · π/2)/cos²(0.008/1.008 · π/2)",
        inverse_hint=hint, a2=a2,
    )


def _rectified_flow() -> Schedule:
    """Linear interpolant / rectified flow: ``X_s = (1 - s) X_0 + s ε``, so ``b_s = 1 - s``,
    ``a_s² = s²`` on ``[0, 1]``. Not variance preserving: ``a² + b² = 1 - 2s(1 - s)``."""
    return Schedule(
        name="rectified-flow", b=1 - s, a2=s**2, w2=None, variance_preserving=False,
        reference=SCHEDULE_INFO["rectified-flow"].reference,
        default_T=DEFAULT_T["rectified-flow"],
        description="rectified flow: b_s = 1 - s, a_s = s, s ∈ [0, 1]",
    )


#: The built-in schedules (names from ldmstop.registry).
BUILTIN_SCHEDULES = SCHEDULES
#: Schedules written as ``a² + b² = 1`` (the VP closed forms in x = a² apply).
VP_SCHEDULES = _VP
SCHEDULE_NAMES = BUILTIN_SCHEDULES


def get_schedule(name: str) -> Schedule:
    """Return the built-in schedule called ``name`` (one of :data:`BUILTIN_SCHEDULES`)."""
    table = _builtin()
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(table)}") from None


__all__ += ["BETA_MIN", "BETA_MAX", "T", "VP_SCHEDULES", "COSINE_OFFSET", "COSINE_T",
           "schedule_from_signal"]


def __getattr__(name: str):
    # ``schedule_coefficients`` (numpy functions of a schedule) moved to the generated-backend
    # side, :func:`ldmstop.derivations.backends.schedule_coefficients`: definitions must not
    # depend on backends. The alias keeps code written against the old location working.
    if name == "schedule_coefficients":
        from .backends import schedule_coefficients

        return schedule_coefficients
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Registry of every derived result: name, expression, paper source, meaning.

Each entry is built lazily (some derivations take a second of SymPy time) and cached. The
exports (:mod:`.export`) and the numeric backends (:mod:`.backends`) read from here, so a formula
exists in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import sympy as sp

from . import score_matching, stationarity, thresholds, variance_ode, wasserstein
from .schedules import BUILTIN_SCHEDULES, get_schedule
from .symbols import T, delta, omh, s, sigh, sigma, x

__all__ = ["Result", "RESULTS", "get_result", "result_names", "extended_inverse_a2"]


#: LaTeX of the symbols that stand for a composite quantity (SymPy would print ``a2`` as ``a_{2}``
#: and ``one_minus_b2`` as ``one_{minus b2}``).
LATEX_NAMES = {"a2": "a_s^{2}", "one_minus_b2": r"\left(1 - b_s^{2}\right)", "g2": "g^{2}"}


@dataclass(frozen=True)
class Result:
    """One derived formula.

    ``args`` lists the symbols, in order, that the generated numeric functions take.
    """

    name: str
    title: str
    expr: sp.Expr | sp.Eq
    source: str
    description: str
    args: tuple[sp.Symbol, ...]

    @property
    def latex(self) -> str:
        names = {sym: LATEX_NAMES[sym.name] for sym in self.expr.free_symbols
                 if getattr(sym, "name", None) in LATEX_NAMES}
        return sp.latex(self.expr, symbol_names=names)

    @property
    def srepr(self) -> str:
        return sp.srepr(self.expr)

    def free_symbols_info(self) -> list[dict]:
        out = []
        for sym in sorted(self.expr.free_symbols, key=lambda z: z.name):
            assumptions = {k: v for k, v in sorted(sym.assumptions0.items()) if v is not None}
            out.append({"name": sym.name, "latex": sp.latex(sym), "assumptions": assumptions})
        return out


def extended_inverse_a2(schedule_name: str) -> sp.Expr:
    """``ā^{-2}(x)``: 0 for ``x < 0``, the inverse of ``s ↦ a_s²`` on ``[0, a_T²]``, ``T`` above
    (Wu et al. 2025, Prop 2). Returned as a Piecewise in ``x`` and ``T``."""
    sch = get_schedule(schedule_name)
    inv = sch.inverse_a2
    if inv is None:  # pragma: no cover - every built-in VP schedule has a closed-form inverse
        raise NotImplementedError(f"no closed-form inverse for {schedule_name}")
    # A real (possibly negative) argument: the branch x < 0 must survive substitution.
    xr = sp.Symbol("x", real=True)
    return sp.Piecewise((0, xr < 0), (inv.subs(x, xr), xr <= sch.a2.subs(s, T)), (T, True))


def threshold_time(schedule_name: str, plugin: bool) -> sp.Expr:
    """``t̂_d = T - ā^{-2}((4σ_d² - σ̂_d²)/(1 - σ̂_d²)_+)`` (``t_d`` with ``σ̂ = σ``), Prop 2.

    The paper's convention ``y/0_+ = ±∞`` is spelled out: when ``σ̂² ≥ 1`` the argument is
    ``+∞`` (``t = 0``, keep the component from the start) if ``4σ² > σ̂²``, else ``-∞``
    (``t = T``, never keep it).
    """
    xd = thresholds.threshold_x_plugin() if plugin else thresholds.threshold_x_exact()
    hat2 = sigh**2 if plugin else sigma**2
    xr = sp.Symbol("x", real=True)
    inner = T - extended_inverse_a2(schedule_name).subs(xr, xd)
    return sp.Piecewise((0, (hat2 >= 1) & (4 * sigma**2 > hat2)), (T, hat2 >= 1), (inner, True))


def _schedule_results(name: str) -> list[tuple[str, Callable[[], Result]]]:
    sch = lambda: get_schedule(name)  # noqa: E731
    key = name.replace("-", "_")
    ref = "docs/theory.md §1; " + {"ou": "Wu et al. 2025 §2", "vp-linear": "Song et al. 2021"}.get(
        name, get_schedule(name).reference)
    return [
        (f"{key}_w2", lambda: Result(f"{key}_w2", f"{name}: w_s²", sch().w2, ref,
                       "squared drift rate of the VP forward SDE", (s,))),
        (f"{key}_b", lambda: Result(f"{key}_b", f"{name}: b_s = exp(-∫ w²)", sch().b, ref,
                       "signal coefficient of the forward marginal", (s,))),
        (f"{key}_a2", lambda: Result(f"{key}_a2", f"{name}: a_s² = 1 - b_s²", sch().a2, ref,
                       "noise variance of the forward marginal", (s,))),
        (f"{key}_inverse_a2", lambda: Result(f"{key}_inverse_a2", f"{name}: inverse of s ↦ a_s²", sch().inverse_a2,
                       "Wu et al. 2025, Prop 2 (ā^{-2})",
                       "forward time at which the noise variance equals x", (x,))),
        (f"{key}_extended_inverse_a2", lambda: Result(f"{key}_extended_inverse_a2", f"{name}: extended inverse ā^{{-2}}",
                       extended_inverse_a2(name), "Wu et al. 2025, Prop 2",
                       "0 below 0, the inverse on [0, a_T²], T above", (x, T))),
        (f"{key}_threshold_time_exact", lambda: Result(f"{key}_threshold_time_exact", f"{name}: threshold t_d (exact score)",
                       threshold_time(name, plugin=False),
                       "Wu et al. 2025, Prop 2 (t_d)",
                       "backward time after which keeping component d lowers W2 (exact score)",
                       (sigma, T))),
        (f"{key}_threshold_time_plugin", lambda: Result(f"{key}_threshold_time_plugin", f"{name}: threshold t̂_d (plug-in)",
                       threshold_time(name, plugin=True),
                       "Wu et al. 2025, Prop 2 (t̂_d)",
                       "backward time after which keeping component d lowers W2 (plug-in score)",
                       (sigma, sigh, T))),
    ]


def _core_results() -> list[tuple[str, Callable[[], Result]]]:
    v = sp.Symbol("v", positive=True)
    d, D = sp.Symbol("d", integer=True, positive=True), sp.Symbol("D", integer=True, positive=True)
    return [
        ("frechet_1d", lambda: Result("frechet_1d", "Fréchet distance² of two centred 1-D Gaussians",
                       wasserstein.frechet_1d(v, sigma**2), "docs/theory.md §1 (Dowson & Landau 1982)",
                       "tr(Σ1 + Σ2 - 2 (Σ2^{1/2} Σ1 Σ2^{1/2})^{1/2}) for 1x1 matrices", (v, sigma))),
        ("generated_variance", lambda: Result("generated_variance", "variance of a kept component (VP, x = a²)",
                       wasserstein.generated_variance_vp(), "Wu et al. 2025, §3",
                       "v = x + (1 - x) σ̂²; σ̂ = σ for the exact score", (x, sigh))),
        ("component_error", lambda: Result("component_error", "W2² of a kept component",
                       wasserstein.component_error(wasserstein.generated_variance_vp()),
                       "Wu et al. 2025, eq. (3) / Prop 1",
                       "(sqrt(v) - σ)² with v = x + (1 - x) σ̂²", (x, sigma, sigh))),
        ("component_error_stable", lambda: Result("component_error_stable", "W2² of a kept component, cancellation-free",
                       wasserstein.component_error_stable(), "docs/design.md (numerics)",
                       "(x(1 - σ̂²) + δ)² / (sqrt(v) + σ)² with δ = σ̂² - σ² and 1 - σ̂² passed "
                       "in, equal to component_error", (x, sigma, sigh, delta, omh))),
        ("discarded_error", lambda: Result("discarded_error", "W2² of a discarded component", wasserstein.discarded_error(),
                       "Wu et al. 2025, eq. (3)", "σ² (generated variance 0)", (sigma,))),
        ("w2_total", lambda: Result("w2_total", "W²(t, d)", wasserstein.w2_total(d, D), "Wu et al. 2025, eq. (3)",
                       "kept-component error plus discarded variance, x = a²_{T-t}", (x, d, D))),
        ("increment", lambda: Result("increment", "Δ_{d,t} = W²(t,d) - W²(t,d-1)", thresholds.increment_in_x(),
                       "Wu et al. 2025, proof of Prop 2", "≤ 0 iff v_d ≤ 4σ_d²", (x, sigma, sigh))),
        ("threshold_x_plugin", lambda: Result("threshold_x_plugin", "noise level at which Δ changes sign (plug-in)",
                       thresholds.threshold_x_plugin(), "Wu et al. 2025, Prop 2 (t̂_d)",
                       "(4σ² - σ̂²)/(1 - σ̂²)", (sigma, sigh))),
        ("threshold_x_exact", lambda: Result("threshold_x_exact", "noise level at which Δ changes sign (exact score)",
                       thresholds.threshold_x_exact(), "Wu et al. 2025, Prop 2 (t_d)",
                       "3σ²/(1 - σ²)", (sigma,))),
        ("component_slope", lambda: Result("component_slope", "∂/∂x of a kept component's W2²",
                       stationarity.component_slope(), "Wu et al. 2025, Prop 1 and Prop 3(b)",
                       "(1 - σ/sqrt(v))(1 - σ̂²); g(x) is its sum over kept components",
                       (x, sigma, sigh))),
        ("component_curvature", lambda: Result("component_curvature", "∂²/∂x² of a kept component's W2²",
                       stationarity.component_curvature(), "Wu et al. 2025, proof of Prop 1",
                       "σ(1 - σ̂²)² / (2 v^{3/2}) ≥ 0: convexity in a²", (x, sigma, sigh))),
        ("monotonicity_term", lambda: Result("monotonicity_term", "Prop 1 condition term (slope at x = 0)",
                       stationarity.monotonicity_term(), "Wu et al. 2025, Prop 1",
                       "non-increasing in t iff Σ_{i≤d} (1 - σ_i/σ̂_i)(1 - σ̂_i²) ≥ 0",
                       (sigma, sigh))),
        ("stationarity_term", lambda: Result("stationarity_term", "one term of g(x)", stationarity.stationarity_term(),
                       "Wu et al. 2025, Prop 3(b) / Prop 8",
                       "g(x) = Σ_{i≤d0} (1 - σ/sqrt(σ̂_i² + (1 - σ̂_i²)x))(1 - σ̂_i²)",
                       (x, sigma, sigh))),
        ("score_risk", lambda: Result("score_risk", "score-matching risk of one component",
                       score_matching.risk(), "Wu et al. 2025, Prop 4",
                       "m² b² σ̂² + (1/a - m a)²", score_matching_args())),
        ("score_minimiser_capped", lambda: Result("score_minimiser_capped", "capped score-matching minimiser",
                       score_matching.capped_minimiser(), "Wu et al. 2025, Prop 4",
                       "m̂ = min(C, 1/(a² + b² σ̂²))", score_minimiser_args())),
        ("variance_ode", lambda: Result("variance_ode", "backward variance ODE (OU, linear score)",
                       variance_ode.variance_ode(), "Wu et al. 2025, Prop 5",
                       "V' = 2(1 - 2m)V + 2", ())),
        ("variance_constant_score", lambda: Result("variance_constant_score", "backward variance, constant score coefficient",
                       variance_ode.constant_score_solution(), "Wu et al. 2025, proof of Prop 5",
                       "the cap-binding phase, m = C", constant_score_args())),
        ("variance_uncapped", lambda: Result("variance_uncapped", "backward variance, uncapped plug-in score",
                       variance_ode.uncapped_solution(), "Wu et al. 2025, proof of Prop 5",
                       "integrating-factor solution of the ODE from V(0) = V0", uncapped_args())),
    ]


def score_matching_args() -> tuple[sp.Symbol, ...]:
    from .symbols import a, b, m
    return (m, a, b, sigh)


def score_minimiser_args() -> tuple[sp.Symbol, ...]:
    from .symbols import a, b, C
    return (a, b, sigh, C)


def constant_score_args() -> tuple[sp.Symbol, ...]:
    from .symbols import C, t
    return (t, C, variance_ode.v0)


def uncapped_args() -> tuple[sp.Symbol, ...]:
    from .symbols import t
    return (t, T, sigh, variance_ode.v0)


# --------------------------------------------------------------------------- beyond OU and VP-linear
#: Schedules of the foundation; their result names are fixed. Later schedules are appended.
_FOUNDATION_SCHEDULES = ("ou", "vp-linear")


def _generic_schedule_results(name: str) -> list[tuple[str, Callable[[], Result]]]:
    """What any schedule (VP or not) defines: drift ``f``, diffusion ``g²`` and the
    exponential-integrator weight; for a schedule that is not VP also ``1 - b²``, the marginal
    variance and the backward SDE / ODE coefficients, simplified so that the removable
    singularity of the ODE at ``s = 1`` cancels. (For VP schedules those are composed
    numerically from ``a²``, ``b``, ``f``, ``g²`` and the generic ``backward_*_coefficient``
    results: SymPy's expm1 rewrite of the composed expressions costs tens of seconds.)"""
    sch = lambda: get_schedule(name)  # noqa: E731
    key = name.replace("-", "_")
    ref = f"docs/theory.md §1–2; {get_schedule(name).reference}"
    items = [
        ("drift", "forward drift f_s = d log b_s/ds", lambda: sch().drift,
         "dX_s = f_s X_s ds + g_s dW_s; -w_s² when VP", (s,)),
        ("diffusion2", "forward diffusion g_s² = (a_s²)' - 2 f_s a_s²", lambda: sch().diffusion2,
         "from d Var/ds = 2 f Var + g² applied to the noise part; 2 w_s² when VP", (s,)),
        ("ei_antiderivative", "exponential-integrator weight G(s) = ∫ g²/b ds", lambda: sch().ei_antiderivative,
         "score weight of one EI step from s to s' is b_{s'}(G(s) - G(s')); 2/b when VP "
         "(Pierret & Galerne 2025, eq. (12): 2γ1)", (s,)),
    ]
    if get_schedule(name).variance_preserving:
        items += [
            ("log_signal", "B(s) = ∫_0^s w_u² du = -log b_s", lambda: sch().log_signal,
             "exponential-integrator increments B(s_k) - B(s_{k+1}) without log(exp(·)) round-off",
             (s,)),
        ]
    else:
        items += [
            ("one_minus_b2", "1 - b_s² without cancellation", lambda: sch().one_minus_b2,
             "used in v - σ² = (σ̂² - σ²) + a² - (1 - b²)σ̂²", (s,)),
            ("marginal_variance", "component variance v_s = a_s² + b_s² σ̂²", lambda: sch().marginal_variance,
             "forward marginal of N(0, σ̂²); the threshold rule is v ≤ 4σ² (docs/theory.md §2)", (s, sigh)),
            ("sde_coefficient", "backward SDE coefficient -f - g²/v", lambda: sch().backward_sde_coefficient,
             "dY_t = c Y_t dt + g dB_t with the Gaussian plug-in score (Anderson 1982)", (s, sigh)),
            ("ode_coefficient", "probability-flow ODE coefficient -f - g²/(2v)", lambda: sch().backward_ode_coefficient,
             "dY_t = c Y_t dt (Song et al. 2021, probability flow)", (s, sigh)),
        ]

    def make(n, title, fn, desc, args):
        return lambda: Result(f"{key}_{n}", f"{name}: {title}", fn(), ref, desc, args)

    return [(f"{key}_{n}", make(n, title, fn, desc, args)) for n, title, fn, desc, args in items]


def _backward_coefficient_results() -> list[tuple[str, Callable[[], Result]]]:
    """``-f - g²/v`` (SDE) and ``-f - g²/(2v)`` (probability-flow ODE), schedule-free."""
    f, g2, vv = sp.Symbol("f", real=True), sp.Symbol("g2", nonnegative=True), sp.Symbol("v", positive=True)
    y = sp.Symbol("y", real=True)
    score = -y / vv  # Gaussian score of N(0, v)

    def sde() -> Result:
        # Anderson 1982: reverse drift -(f y - g² ∇log p); coefficient of y.
        c = sp.simplify(sp.diff(-(f * y - g2 * score), y))
        return Result("backward_sde_coefficient", "backward SDE coefficient, any schedule", c,
                      "Anderson 1982; docs/theory.md §1", "dY_t = c Y_t dt + g dB_t, c = -f - g²/v", (f, g2, vv))

    def ode() -> Result:
        c = sp.simplify(sp.diff(-(f * y - g2 * score / 2), y))
        return Result("backward_ode_coefficient", "probability-flow ODE coefficient, any schedule", c,
                      "Song et al. 2021 (probability flow); docs/theory.md §1",
                      "dY_t = c Y_t dt, c = -f - g²/(2v)", (f, g2, vv))

    return [("backward_sde_coefficient", sde), ("backward_ode_coefficient", ode)]


def rectified_flow_threshold_roots(plugin: bool) -> tuple[sp.Expr, sp.Expr]:
    """``(s_-, s_+)``: the forward times where ``v_s = s² + (1 - s)² σ̂² = 4σ²`` (rectified flow).

    ``v_s`` is a convex parabola in ``s`` (minimum ``σ̂²/(1 + σ̂²)`` at ``s = σ̂²/(1 + σ̂²)``), so
    keeping the component lowers W2 exactly on ``[s_-, s_+]``: a *window* in time, not the
    half-line of the VP case. Roots are told apart numerically (never by their printed order)."""
    roots = list(get_schedule("rectified-flow").threshold_forward_roots)
    if not plugin:
        roots = [sp.simplify(r.subs(sigh, sigma)) for r in roots]
    if len(roots) != 2:  # pragma: no cover - guards against a SymPy behaviour change
        raise RuntimeError(f"expected two roots, got {roots}")
    probe = {sigma: sp.Rational(1, 3), sigh: sp.Rational(1, 2)}
    roots.sort(key=lambda r: float(sp.re(sp.N(r.subs(probe), 30))))
    return roots[0], roots[1]


def rectified_flow_threshold_time(plugin: bool, end: str = "enter") -> sp.Expr:
    """Backward time at which keeping component d starts (``enter``) / stops (``exit``) to lower
    W2 under the rectified flow: ``max(0, T - s_+)`` and ``min(T, T - s_-)``; ``T`` for both
    when ``v_s > 4σ²`` at every ``s`` (discriminant ``4σ²(1 + σ̂²) - σ̂² < 0``)."""
    lo, hi = rectified_flow_threshold_roots(plugin)
    hat2 = sigh**2 if plugin else sigma**2
    disc = 4 * sigma**2 * (1 + hat2) - hat2
    if end == "enter":
        inner = sp.Max(0, T - hi)
    elif end == "exit":
        inner = sp.Min(T, T - lo)
    else:  # pragma: no cover
        raise ValueError(end)
    return sp.Piecewise((T, disc < 0), (inner, True))


def _rectified_flow_results() -> list[tuple[str, Callable[[], Result]]]:
    ref = "docs/theory.md §2 (v ≤ 4σ², any schedule) applied to a_s = s, b_s = 1 - s"
    sch = lambda: get_schedule("rectified-flow")  # noqa: E731
    rf_ref = get_schedule("rectified-flow").reference
    return [
        ("rectified_flow_b", lambda: Result("rectified_flow_b", "rectified flow: b_s = 1 - s", sch().b,
                       rf_ref, "signal coefficient of the forward marginal", (s,))),
        ("rectified_flow_a2", lambda: Result("rectified_flow_a2", "rectified flow: a_s² = s²", sch().a2,
                       rf_ref, "noise variance of the forward marginal (not 1 - b_s²)", (s,))),
        ("rectified_flow_inverse_a2", lambda: Result("rectified_flow_inverse_a2", "rectified flow: inverse of s ↦ a_s²",
                       sch().inverse_a2, rf_ref, "forward time at which the noise variance equals x", (x,))),
        ("rectified_flow_threshold_root_exact", lambda: Result(
            "rectified_flow_threshold_root_exact", "rectified flow: forward time s_+ where v = 4σ² (exact score)",
            rectified_flow_threshold_roots(False)[1], ref,
            "s_+ = (σ² + σ sqrt(4σ² + 3))/(1 + σ²); the other root s_- < 0", (sigma,))),
        ("rectified_flow_threshold_time_exact", lambda: Result(
            "rectified_flow_threshold_time_exact", "rectified flow: threshold t_d (exact score)",
            rectified_flow_threshold_time(False, "enter"), ref,
            "keep component d for t ≥ t_d = max(0, T - s_+)", (sigma, T))),
        ("rectified_flow_threshold_time_plugin", lambda: Result(
            "rectified_flow_threshold_time_plugin", "rectified flow: window start t̂_d (plug-in)",
            rectified_flow_threshold_time(True, "enter"), ref,
            "keeping component d lowers W2 for t in [t̂_d, t̂'_d]", (sigma, sigh, T))),
        ("rectified_flow_threshold_exit_plugin", lambda: Result(
            "rectified_flow_threshold_exit_plugin", "rectified flow: window end t̂'_d (plug-in)",
            rectified_flow_threshold_time(True, "exit"), ref,
            "T unless σ̂² > 4σ² (v_0 = σ̂² > 4σ²): then the component hurts again at the end",
            (sigma, sigh, T))),
    ]


def component_error_general() -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """W2² of a kept component for any schedule, cancellation-free:
    ``(v - σ²)² / (sqrt(v) + σ)²`` with ``v = a² + b² σ̂²`` and
    ``v - σ² = δ + a² - (1 - b²) σ̂²``, ``δ = σ̂² - σ²`` and ``1 - b²`` passed in as computed
    stably (a symbol each, so SymPy cannot reorder the sum). Equal to ``(sqrt(v) - σ)²``:
    checked symbolically in the tests."""
    a2s = sp.Symbol("a2", nonnegative=True)
    omb2 = sp.Symbol("one_minus_b2", real=True)
    dlt = sp.Symbol("delta", real=True)
    diff = dlt + a2s - omb2 * sigh**2
    var = a2s + (1 - omb2) * sigh**2
    return diff**2 / (sp.sqrt(var) + sigma) ** 2, (a2s, omb2, sigma, sigh, dlt)


def _general_error_result() -> list[tuple[str, Callable[[], Result]]]:
    def make() -> Result:
        expr, args = component_error_general()
        return Result("component_error_general", "W2² of a kept component, any schedule, cancellation-free",
                      expr, "docs/theory.md §2; docs/design.md (numerics)",
                      "(v - σ²)²/(sqrt(v) + σ)², v = a² + b² σ̂², v - σ² = δ + a² - (1 - b²)σ̂²", args)
    return [("component_error_general", make)]


def _factories() -> dict[str, Callable[[], Result]]:
    out = dict(_core_results())
    for name in _FOUNDATION_SCHEDULES:
        out.update(_schedule_results(name))
    # VP-cosine and the rectified flow, appended so that the foundation's names and order are unchanged
    out.update(_schedule_results("vp-cosine"))
    for name in BUILTIN_SCHEDULES:
        out.update(_generic_schedule_results(name))
    out.update(_rectified_flow_results())
    out.update(_general_error_result())
    out.update(_backward_coefficient_results())
    return out


@lru_cache(maxsize=None)
def get_result(name: str) -> Result:
    """Derive (or fetch from cache) one result by name, without deriving the others."""
    try:
        factory = _factories()[name]
    except KeyError:
        raise KeyError(f"no derived result named {name!r}") from None
    return factory()


def result_names() -> list[str]:
    """Names of every derived result, in registry order."""
    return list(_factories())


class _LazyRegistry:
    """Sequence-like view of every result; iterating derives them all (cached)."""

    def __iter__(self):
        return (get_result(n) for n in result_names())

    def __len__(self) -> int:
        return len(result_names())

    def __getitem__(self, name: str) -> Result:
        return get_result(name)


RESULTS = _LazyRegistry()

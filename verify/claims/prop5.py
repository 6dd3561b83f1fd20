"""Prop 5 and Lemma 1 (Wu et al. 2025): the backward variance under the capped score.

Printed (v1, §5): "we consider the standard setting in which the backward process starts from a
standard Gaussian … We do not consider early stopping here … specialize to the Ornstein-Uhlenbeck
process. … Proposition 5. Define 1 ≤ d1 ≤ d2 ≤ D as follows: d1 = max{d' : 1/C ≤ σ̂_{d'}²} and
d2 = min{d' : 1/(2C − 1) ≥ 4σ_{d'}²}. (If the corresponding set in their definition is empty, we
let d1 = 1 and d2 = D, respectively.) Then, with high probability, there exists an optimal
projection dimension d1 ≤ d_min ≤ d2." **No condition on T is printed**: T is any fixed horizon.
"With high probability" is, in the proof, the event ``|σ_d² − σ̂_d²| ≤ σ_d²`` for every d.
Appendix A.5: "If C < 1/σ̂_d², let t'_d be the unique solution in [0, T] of the equation
C = m̂_d(T − t'_d) … Otherwise, we set t'_d = T" — the case where the cap binds for the whole run
(no solution in [0, T]) is left undefined; verify reads it as ``t'_d = 0``, which the ODE confirms.
"Lemma 1. If σ̂_d ≥ 1, then V_{t,dd} ≥ 1 for every t ∈ [0, T]. If σ̂_d ≤ 1, then V_{t,dd} ≤ 1."

One component's variance along backward time t solves

    dV/dt = 2 (1 − 2 m̂(T − t)) V + 2,   V_0 = 1,   m̂(s) = min(C, 1/(a_s² + b_s² σ̂²)).

Closed forms from the proof (``q = 1 − σ̂²``): cap never binds:
``V_T = σ̂² (1 − 2q e^{−2T} + q e^{−4T}) / (1 − 2q e^{−2T} + q² e^{−4T})``; general:
``V_T = (1 − e^{(2−4C)(T−t')})/(2C−1) + e^{(2−4C)(T−t')} (1 − q e^{−2(T−t')})/(1 − q e^{−2T})
· (1 − 2q e^{−2T} + q e^{−2(T+t')})/(1 − q e^{−2T})``.

**Finding.** The proof's step for ``d ≤ d1`` with ``σ_d ≤ 1/2`` bounds the fraction in (21) by
``1/(1 − σ̂_d²)``; that holds iff ``2(1 − σ̂_d²) e^{−2T} ≤ 1``, i.e. for every σ̂ when
``T ≥ ½ log 2``, but not for small T: then ``V_T`` stays near its start 1, a kept component with
``σ_d² < 1/4`` hurts, and the optimal dimension falls below ``d1``. Prop 5 (and with it
Corollary 1) is refuted for small T inside its printed hypotheses; corrected statement: the
claim with the extra hypothesis ``T ≥ ½ log 2`` (verified by search over the rest of the domain).

Independent route: the ODE integrated by 10-stage Gauss–Legendre collocation (order 20,
:mod:`ldmstop.verify.ode`) at 40 digits, split at the kink ``t'`` (found by ``mpmath.findroot``
on ``a_s² + b_s² σ̂² = 1/C``), with an error estimate from halving the step; the integrator is
itself pinned to an exact solution. ODE comparisons use a 30-digit tolerance; everything else
runs at ``--dps``.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from ..capped_score import (ODE_DPS, T_SUFFICIENT, CappedDimensionFalsifier, capped_optimal_dims,
                            capped_variance_ode, capped_VT, closed_form_VT, dimension_bounds,
                            kink_time)
from ..claim import Claim, Context, Outcome
from ..domain import Domain, Param, dimension, horizon
from ..mutations import CodeMutation
from ..ode import solve_linear
from ..search import Coord, Falsifier

__all__ = ["Prop5", "Lemma1", "Vt_generic"]


ODE_TOL_DIGITS = 30   # digits the ODE route is trusted to
STEPS = 16            # steps of the integrator self-check (times 2)


_SELF_CHECK: dict = {}


def _integrator_self_check():
    if "err" not in _SELF_CHECK:
        _SELF_CHECK["err"] = _integrator_self_check_uncached()
    return _SELF_CHECK["err"]


def _integrator_self_check_uncached():
    """Error of the integrator on ``V' = (2 - 4C)V + 2`` (exact solution known), 40 digits."""
    with mp.workdps(ODE_DPS):
        C = mp.mpf(3)
        exact = 1 / (2 * C - 1) + (1 - 1 / (2 * C - 1)) * mp.exp((2 - 4 * C) * 2)
        v = solve_linear(lambda t: 2 - 4 * C, lambda t: mp.mpf(2), 0, 2, 1, 2 * STEPS)
        return abs(v - exact) / exact


def _odefun_cross_check():
    """``mpmath.odefun`` (Taylor series, 32 digits) on the uncapped ODE (σ̂² = 0.3, T = 2,
    cap never binds for C = 4) against the Gauss–Legendre route and the closed form: a second,
    independent integrator (kept to one setting: ~1.5 s)."""
    T, hat2, C = mp.mpf(2), mp.mpf("0.3"), mp.mpf(4)
    v_gl, _, _ = capped_variance_ode(T, hat2, C)
    with mp.workdps(32):
        q = 1 - hat2
        f = mp.odefun(lambda t, v: 2 * (1 - 2 / (1 - q * mp.exp(-2 * (T - t)))) * v + 2, 0, mp.mpf(1))
        v_tay = f(T)
    vc = closed_form_VT(T, hat2, C)
    return max(abs(v_tay - v_gl) / v_gl, abs(v_tay - vc) / vc)


def Vt_generic(t, T, h, C, M):
    """``V_t`` at backward time ``t`` (Lemma 1), start 1. Uncapped phase: ``v(s)`` itself solves
    the ODE (it is the marginal of the plug-in process started at its own p̂_T), so
    ``V_t − v(T − t)`` solves the homogeneous equation: ``V_t = v(s) + (1 − v(T)) ρ²`` with
    ``ρ = e^{−(T−s)} v(s)/v(T)``, ``s = T − t``, ``v(s) = σ̂² + a_s²(1 − σ̂²)``. Capped phase
    (``s < s'``): ``V_t = c + (V_{t'} − c) e^{(2−4C)(t − t')}``, ``c = 1/(2C − 1)``."""
    def v(s):
        return h - M.expm1(-2 * s) * (1 - h)

    def unc(tt):
        s = T - tt
        rho = M.exp(-(T - s)) * v(s) / v(T)
        return v(s) + (1 - v(T)) * rho * rho

    if h >= 1 / C:
        return unc(t)
    s_kink = M.log((1 - h) / (1 - 1 / C)) / 2
    tp = T - s_kink if s_kink < T else 0 * T
    if t <= tp:
        return unc(t)
    c = 1 / (2 * C - 1)
    return c + (unc(tp) - c) * M.exp((2 - 4 * C) * (t - tp))


def _mpns():
    from ..search import mp_namespace

    return mp_namespace()


class _Lemma1Falsifier(Falsifier):
    claim_id = "lemma1"
    scalars = ("sigma2_hat", "C", "T")
    time_keys = ("t",)
    margin_what = "σ̂ ≥ 1: 1 − V_t; σ̂ ≤ 1: V_t − 1 (> 0: on the wrong side of 1)"
    independent_what = "Gauss–Legendre ODE path (order 20, 40 digits)"
    independent_dps = 40

    def __init__(self, variant: str):
        self.variant = variant
        self.coords = [Coord("sigma2_hat", 1e-6, 1e3, log=True), Coord("C1", 1e-6, 1e6, log=True),
                       Coord("T", 1e-4, 50.0, log=True), Coord("u", 0.0, 1.0)]

    def decode(self, x):
        T = float(x[2])
        return {"sigma2_hat": float(x[0]), "C": 1 + float(x[1]), "T": T, "t": T * float(x[3])}

    def admissible(self, s):
        T, t = mp.mpf(s["T"]), mp.mpf(s["t"])
        return mp.mpf(s["sigma2_hat"]) > 0 and mp.mpf(s["C"]) > 1 and T > 0 and 0 <= t <= T

    def margin(self, s, M):
        h, C, T, t = (M.num(s[k]) for k in ("sigma2_hat", "C", "T", "t"))
        V = Vt_generic(t, T, h, C, M)
        above = h >= 1
        if self.variant == "control":
            above = not above
        return (1 - V) if above else (V - 1)

    def independent(self, s):
        h, C, T, t = (mp.mpf(s[k]) for k in ("sigma2_hat", "C", "T", "t"))
        _, _, path = capped_variance_ode(T, h, C)
        V = min(path, key=lambda p: abs(p[0] - t))[1]
        return (1 - V) if h >= 1 else (V - 1)

    def edges(self):
        return [{"sigma2_hat": h, "C": C, "T": T, "t": T * u}
                for h in (1e-6, 0.5, 0.999999, 1.0, 1.000001, 4.0, 1e3)
                for C in (1 + 1e-6, 2.0, 1e6) for T in (1e-4, 2.0, 50.0) for u in (0.0, 0.5, 1.0)]


def variance_settings(rng, n: int, quick: bool = False) -> list[tuple]:
    """(T, σ̂², C): the paper's T = 2 with the cap binding late, from the start, never (σ̂ > 1),
    small horizons (the cap binding for the whole run: t' undefined in the paper), then (full
    mode) never with σ̂ < 1, early, σ̂ = 1, and random ones (T log-uniform on [1e-3, 10], σ̂²
    log-uniform on [1e-3, 4], C log-uniform on [1.01, 100])."""
    fixed = [(2, "0.1", "3"), (2, "0.02", "1.01"), (2, "2.5", "4"), ("0.01", "0.1", "1.5")]
    if not quick:
        fixed += [(2, "0.5", "1.5"), (2, "0.01", "1.5"), (2, "1", "2"), ("0.05", "0.02", "20")]
    out = [(mp.mpf(T), mp.mpf(h), mp.mpf(C)) for T, h, C in fixed]
    for _ in range(n):
        out.append((mp.mpf(float(10 ** rng.uniform(-3, 1))), mp.mpf(float(10 ** rng.uniform(-3, 0.6))),
                    mp.mpf(float(1.01 * 10 ** rng.uniform(0, 2)))))
    return out


class Prop5(Claim):
    id = "prop5"
    title = "Capped score, start N(0, I): closed forms of V_T and d1 ≤ d_min ≤ d2"
    source = "Wu et al. 2025, Prop 5"
    hypotheses = ("OU, start N(0, I), no early stop, C > 1, σ_1 ≥ … ≥ σ_D > 0, σ̂_1 ≥ … ≥ σ̂_D > 0, "
                  "event |σ_d² − σ̂_d²| ≤ σ_d², any fixed T > 0")
    statement = (r"$V_T$ closed forms (cap never binds / binds after $t'$); an optimal $d_{\min}$ "
                 r"with $d_1\le d_{\min}\le d_2$, $d_1=\max\{d:1/C\le\hat\sigma_d^2\}$, "
                 r"$d_2=\min\{d:1/(2C-1)\ge 4\sigma_d^2\}$")
    methods = ["search over (D, σ, σ̂ on the event, C, T): random + edges + differential evolution",
               "Gauss–Legendre 10-stage (order 20) at 40 digits, split at the kink",
               "mpmath.odefun (Taylor, 32 digits) on one setting (full mode)",
               "mpmath.findroot for the kink t'", "brute force over d (closed-form V_T)",
               "code: variance_constant_score; sim.recursions.continuous_variances (cap, start N(0, 1))"]
    residual_what = "max relative |V_T closed form − V_T ODE| (30-digit route) and derivation"
    control = "exponent (2 − 4C) → (2 − 2C) in the capped phase"
    corrected = (r"Prop 5 with the extra hypothesis $T\ge\frac12\log 2$: then the proof's bound of the "
                 r"fraction in (21) by $1/(1-\hat\sigma_d^2)$ holds for every $\hat\sigma_d$ and "
                 r"$d_1\le d_{\min}\le d_2$; for smaller $T$ the process has not moved far from "
                 r"its start $N(0,1)$ and a kept component with $\sigma_d^2<1/4$ hurts")
    code_what = ("derivation's variance_uncapped (mpmath) on the uncapped phase and "
                 "variance_constant_score on the capped phase; "
                 "ldmstop.sim.recursions.continuous_variances(cap=C, init='normal') at t = T (float64)")
    code_control = CodeMutation(
        "attr:ldmstop.sim.recursions:continuous_variances",
        "continuous_variances called with the cap 1% too large",
        lambda f: (lambda *a, cap=None, **k: f(*a, cap=None if cap is None else cap * 1.01, **k)))
    domain = Domain(
        params=(dimension(),
                Param("sigma2", "σ_1 ≥ … ≥ σ_D > 0 (3)", lo=0.0, lo_open=True, kind="vector",
                      search=(1e-6, 1e2), log=True),
                Param("sigma2_hat", "σ̂_1 ≥ … ≥ σ̂_D > 0 on the event |σ_d² − σ̂_d²| ≤ σ_d²",
                      lo=0.0, lo_open=True, kind="vector", note="searched as σ̂² = σ²(1 + w), w ∈ [−1, 1]"),
                Param("C", "C > 1", lo=1.0, lo_open=True, search=(1 + 1e-6, 1e6), log=True),
                horizon()),
        hypotheses=("OU, start N(0, I), evaluated at t = T ('we do not consider early stopping')",
                    "'with high probability': the event |σ_d² − σ̂_d²| ≤ σ_d² for all d"),
        undefined=("t'_d when the cap binds for the whole run (no solution in [0, T]): read as "
                   "t'_d = 0; the ODE confirms the resulting V_T",),
        quote="Then, with high probability, there exists an optimal projection dimension d1 ≤ dmin ≤ d2")

    def tolerance(self, ctx: Context) -> mp.mpf:
        return mp.mpf(10) ** (-ODE_TOL_DIGITS)

    def falsifier(self, variant: str):
        return CappedDimensionFalsifier(variant)

    def check(self, ctx: Context, variant: str) -> Outcome:
        out = Outcome()
        tol = self.tolerance(ctx)
        worst = _integrator_self_check() if variant == "paper" else mp.mpf(0)
        for T, hat2, C in variance_settings(ctx.rng(self.id), ctx.n(0, 3), ctx.quick):
            out.n_settings += 1
            vT_ode, err, _ = capped_variance_ode(T, hat2, C)
            vT = closed_form_VT(T, hat2, C, variant)
            rel = abs(vT - vT_ode) / vT_ode
            out.n_checks += 1
            if err > tol * 1000:
                out.notes.append(f"ODE error estimate {mp.nstr(err, 3)} too large at {T}, {hat2}, {C}")
                out.residual_ok = False
            if rel > tol:
                out.violate(1, T=T, sigma2_hat=hat2, C=C, kink=kink_time(T, hat2, C),
                            closed_form=vT, ode=vT_ode, relative_difference=rel,
                            what="closed form of V_T differs from the ODE solution")
            else:
                worst = max(worst, rel)
            if variant == "paper":  # the search's stable form of the same closed forms
                g = capped_VT(T, hat2, C, _mpns())
                worst = max(worst, abs(g - vT_ode) / vT_ode)
        if variant == "paper" and not ctx.quick:
            worst = max(worst, _odefun_cross_check())
        # d1 ≤ d_min ≤ d2 on targeted spectra (T = 2 and T ≥ ½ log 2 for the corrected reading)
        rng = ctx.rng(self.id + "-dims")
        ties = informative = 0
        for k in range(ctx.n(15, 60)):
            D = int(rng.integers(2, 7))
            sig2 = [mp.mpf(v) for v in np.sort(10 ** rng.uniform(-3, np.log10(1.5), D))[::-1]]
            eta = 0 if k % 3 == 0 else 0.02
            hat2 = [s * (1 + mp.mpf(float(rng.uniform(-eta, eta)))) for s in sig2]
            order = sorted(range(D), key=lambda i: -hat2[i])
            sig2, hat2 = [sig2[i] for i in order], [hat2[i] for i in order]
            C = mp.mpf(float(1.01 * 10 ** rng.uniform(0, 3)))
            T = mp.mpf(2) if k % 2 == 0 else mp.mpf(float(rng.uniform(float(T_SUFFICIENT), 3)))
            d1, d2 = dimension_bounds(sig2, hat2, C)
            dmin, vals = capped_optimal_dims(T, sig2, hat2, C, variant)
            ties += len(dmin) > 1
            informative += (d2 - d1) < D - 1
            out.n_checks += 1
            if not any(d1 <= d <= d2 for d in dmin):
                out.violate(D, D=D, T=T, C=C, sigma2=sig2, sigma2_hat=hat2, d1=d1, d2=d2,
                            d_min=dmin, what="no optimal dimension in [d1, d2]")
        out.residual = worst
        out.residual_ok = out.residual_ok and worst <= tol
        if variant == "paper":
            out.notes.append(f"targeted: d1 ≤ d_min ≤ d2 on {ctx.n(15, 60)} spectra with T ≥ ½ log 2 "
                             f"(the interval excluded some dimension in {informative}; ties in {ties}); "
                             f"the search covers T down to 1e-4")
            out.notes.append(f"ODE route: Gauss–Legendre (10 stages) at {ODE_DPS} digits on graded "
                             f"segments; integrator error on an exact solution "
                             f"{mp.nstr(_integrator_self_check(), 3)}")
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        from ldmstop.derivations.backends import mpmath_function
        from ldmstop.sim.recursions import continuous_variances

        const = mpmath_function("variance_constant_score")
        uncapped = mpmath_function("variance_uncapped")
        out = Outcome()
        worst = mp.mpf(0)
        worst64 = 0.0
        for T, hat2, C in variance_settings(ctx.rng(self.id + "-code"), 0, True):
            out.n_settings += 1
            vT_ode, _, path = capped_variance_ode(T, hat2, C)
            tp = kink_time(T, hat2, C)
            with mp.workdps(ODE_DPS):
                # the uncapped phase [0, t'] (the whole run when the cap never binds): the
                # derivation's closed form against the ODE path where that phase ends
                t_end = tp if tp is not None and tp < T else mp.mpf(T)
                if t_end > 0:
                    t_rec, v_rec = min(path, key=lambda p: abs(p[0] - t_end))
                    vu = uncapped(t_rec, T, mp.sqrt(hat2), 1)
                    worst = max(worst, abs(vu - v_rec) / v_rec)
                    out.n_checks += 1
            if tp is not None and tp < T:
                with mp.workdps(ODE_DPS):
                    v_at_tp = min(path, key=lambda p: abs(p[0] - tp))[1]
                    vd = const(T - tp, C, v_at_tp)
                worst = max(worst, abs(vd - vT_ode) / vT_ode)
                out.n_checks += 1
            _, V = continuous_variances(np.array([float(hat2)]), schedule="ou", T=float(T), steps=8,
                                        scheme="em", init="normal", cap=float(C),
                                        times=np.array([float(T)]))
            worst64 = max(worst64, abs(float(V[-1, 0]) - float(vT_ode)) / float(vT_ode))
            out.n_checks += 1
        out.residual = worst
        out.residual_ok = worst <= mp.mpf(10) ** (-ODE_TOL_DIGITS)
        out.tolerance = mp.mpf(10) ** (-ODE_TOL_DIGITS)
        if worst64 > 1e-10:
            out.violate(1, what="sim.recursions.continuous_variances differs from the ODE",
                        relative_difference=worst64)
        out.notes.append(f"sim.recursions.continuous_variances(cap, start N(0, 1)) within "
                         f"{worst64:.1e} (relative) of the 40-digit ODE at t = T")
        return out


def _variance_figure(folder: str, settings) -> list[str]:
    from ..plotting import plt as get_plt, save

    plt = get_plt()
    fig, ax = plt.subplots(figsize=(7.2, 4.4))
    for T, hat2, C in settings:
        _, _, path = capped_variance_ode(T, hat2, C)
        line, = ax.plot([float(t) for t, _ in path], [float(v) for _, v in path], lw=1.2,
                        label=f"σ̂² = {mp.nstr(hat2, 3)}, C = {mp.nstr(C, 3)}")
        ax.plot([float(T)], [float(closed_form_VT(T, hat2, C))], "*", color=line.get_color(), ms=10)
    ax.axhline(1, color="k", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("backward time t (OU, start N(0, 1))")
    ax.set_ylabel("V_t")
    ax.set_title("Prop 5 / Lemma 1: ODE paths (Gauss–Legendre, 40 digits); stars: closed-form V_T",
                 fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    return [save(fig, folder, "prop5_variance.png")]


class Lemma1(Claim):
    id = "lemma1"
    title = "Backward variance stays on its side of 1"
    source = "Wu et al. 2025, Lemma 1"
    hypotheses = "OU, start N(0, 1), capped score m̂ = min(C, 1/(a² + b²σ̂²)), C > 1, any T > 0, every t ∈ [0, T]"
    statement = r"$\hat\sigma\ge1\Rightarrow V_t\ge1\ \forall t$; $\hat\sigma\le1\Rightarrow V_t\le1$"
    methods = ["search over (σ̂², C, T, t): random + edges + differential evolution",
               "Gauss–Legendre paths (40 digits) on every step", "σ̂ = 1: V ≡ 1 exactly",
               "code: sim.recursions.continuous_variances along the path"]
    residual_what = "max |V_t − 1| along the path for σ̂ = 1"
    control = "reversed implication: σ̂ ≥ 1 ⇒ V_t ≤ 1"
    code_what = "ldmstop.sim.recursions.continuous_variances(cap, init='normal') along the path vs the ODE"
    code_control = CodeMutation(
        "attr:ldmstop.sim.recursions:continuous_variances",
        "continuous_variances started from p̂_T instead of N(0, 1)",
        lambda f: (lambda *a, init="pT", **k: f(*a, init="pT", **k)))
    domain = Domain(
        params=(Param("sigma2_hat", "σ̂_d > 0 (either side of 1)", lo=0.0, lo_open=True,
                      search=(1e-6, 1e3), log=True),
                Param("C", "C > 1", lo=1.0, lo_open=True, search=(1 + 1e-6, 1e6), log=True),
                horizon(), Param("t", "every t ∈ [0, T]", lo=0.0, admissible_as="[0, T]", note="searched as t/T uniform")),
        hypotheses=("OU, start N(0, 1), the capped score of Prop 4",),
        undefined=("σ̂ = 1 satisfies both halves: V ≡ 1",),
        quote="If σ̂d ≥ 1, then Vt,dd ≥ 1 for every t ∈ [0, T]. If σ̂d ≤ 1, then Vt,dd ≤ 1")

    def tolerance(self, ctx: Context) -> mp.mpf:
        return mp.mpf(10) ** (-ODE_TOL_DIGITS)

    def falsifier(self, variant: str):
        return _Lemma1Falsifier(variant) if variant in ("paper", "control") else None

    def check(self, ctx: Context, variant: str) -> Outcome:
        out = Outcome()
        tol = self.tolerance(ctx)
        worst = mp.mpf(0)
        settings = variance_settings(ctx.rng("prop5"), ctx.n(0, 3), ctx.quick)
        settings += [(mp.mpf(2), mp.mpf(1), mp.mpf("1.5")), (mp.mpf("0.7"), mp.mpf(1), mp.mpf(5))]
        for T, hat2, C in settings:
            out.n_settings += 1
            _, _, path = capped_variance_ode(T, hat2, C)
            above = hat2 >= 1
            if variant == "control":
                above = not above
            for t, v in path:
                out.n_checks += 1
                if hat2 == 1:
                    worst = max(worst, abs(v - 1))
                bad = (v < 1 - tol) if above else (v > 1 + tol)
                if bad and hat2 != 1:
                    out.violate(1, T=T, sigma2_hat=hat2, C=C, t=t, V=v,
                                what=f"V_t {'<' if above else '>'} 1")
                    break
                if variant == "paper":  # the search's closed form along the ODE path
                    worst = max(worst, abs(Vt_generic(t, T, hat2, C, _mpns()) - v) / v)
        out.residual = worst
        out.residual_ok = worst <= tol
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        from ldmstop.sim.recursions import continuous_variances

        out = Outcome()
        worst64 = 0.0
        for T, hat2, C in variance_settings(ctx.rng("lemma1-code"), 0, True):
            _, _, path = capped_variance_ode(T, hat2, C)
            pts = path[:: max(1, len(path) // 6)]
            _, V = continuous_variances(np.array([float(hat2)]), schedule="ou", T=float(T), steps=8,
                                        scheme="em", init="normal", cap=float(C),
                                        times=np.array([float(t) for t, _ in pts]))
            for k, (t, v) in enumerate(pts):
                worst64 = max(worst64, abs(float(V[k, 0]) - float(v)) / float(v))
                out.n_checks += 1
                side_ok = (V[k, 0] >= 1 - 1e-12) if hat2 >= 1 else (V[k, 0] <= 1 + 1e-12)
                if not side_ok:
                    out.violate(1, T=T, sigma2_hat=hat2, C=C, t=t, V=float(V[k, 0]),
                                what="the code's V_t is on the wrong side of 1")
            out.n_settings += 1
        if worst64 > 1e-10:
            out.violate(1, what="sim.recursions.continuous_variances differs from the ODE path",
                        relative_difference=worst64)
        out.residual = mp.mpf(worst64)
        out.tolerance = mp.mpf("1e-10")
        out.notes.append(f"sim.recursions.continuous_variances within {worst64:.1e} (relative) of "
                         f"the 40-digit ODE path")
        return out

    def figures(self, ctx: Context, outcome: Outcome, folder: str) -> list[str]:
        return _variance_figure(folder, variance_settings(ctx.rng("prop5"), 0, True)
                                + [(mp.mpf(2), mp.mpf(1), mp.mpf("1.5"))])

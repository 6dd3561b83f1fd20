"""The threshold rule and the backward drift on the schedules beyond OU and VP-linear, at ``dps`` digits.

docs/theory.md §2: adding component ``d`` changes ``W²`` by ``Δ = v_d - 2σ_d sqrt(v_d)``, ``≤ 0`` iff
``v_d ≤ 4σ_d²``, whatever the schedule. The derivations turn this into threshold times:
VP-cosine through its inverse of ``a²`` (``t̂_d = T - ā^{-2}((4σ² - σ̂²)/(1 - σ̂²))``), the
rectified flow through the two roots ``s_±`` of ``s² + (1 - s)² σ̂² = 4σ²`` (a window
``[T - s_+, T - s_-]`` of backward time). The independent route re-types each schedule from its
definition in mpmath (Nichol & Dhariwal's ``ᾱ``; ``a_s = s, b_s = 1 - s``), scans ``Δ(t)`` for
sign changes and refines each with ``mpmath.findroot`` (Anderson–Björck on the bracket), then compares with the
derived times evaluated by the generated mpmath backend. Second part: the derived backward SDE
and ODE coefficients make ``V(t) = v(T - t)`` solve the backward variance equations
``dV/dt = 2cV + g²`` (SDE) and ``dV/dt = 2cV`` (ODE), symbolically.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from ..claim import Context, Extension, Outcome

__all__ = ["ScheduleThresholds"]


def _v_independent(schedule: str, s, sh2):
    """Marginal variance re-typed from the schedule's definition (not from derivations)."""
    if schedule == "vp-cosine":
        c = mp.mpf(8) / 1000  # Nichol & Dhariwal 2021, eq. (17); formed at the working precision
        th = lambda u: (u + c) / (1 + c) * mp.pi / 2  # noqa: E731
        b2 = mp.cos(th(s)) ** 2 / mp.cos(th(0)) ** 2
        return (1 - b2) + b2 * sh2
    return s**2 + (1 - s) ** 2 * sh2  # rectified flow


def _roots_independent(schedule: str, T, sig2, sh2, scan: int) -> list:
    """Backward times in (0, T) where Δ(t) = v - 2σ sqrt(v) changes sign."""
    sig = mp.sqrt(sig2)

    def delta(t):
        v = _v_independent(schedule, T - t, sh2)
        return v - 2 * sig * mp.sqrt(v)

    ts = [T * k / scan for k in range(scan + 1)]
    vals = [delta(t) for t in ts]
    roots = []
    for a, b, fa, fb in zip(ts[:-1], ts[1:], vals[:-1], vals[1:]):
        if fa == 0:
            roots.append(a)
        elif fa * fb < 0:
            r0 = mp.findroot(delta, (a, b), solver="anderson")
            # polish by the secant method from the bracketed root: the bracketed solvers stop
            # on the step size, which can leave ~1e-19 at 50 digits
            r1 = mp.findroot(delta, r0, tol=mp.eps * 16)
            # a secant step from a root on a scan point (Δ ≈ 0 at both its ends) can jump to
            # the next root: keep the bracketed one then
            roots.append(r1 if a <= r1 <= b else r0)
    return roots, vals


def _window_independent(roots: list, vals: list, T) -> list:
    """The backward times where keeping the component helps, ``{t ∈ [0, T]: Δ(t) ≤ 0}``, as
    its ends ``[enter, exit]`` *including* the clipped ends 0 and T (``[T, T]`` when it helps
    nowhere), from the scan's signs and the refined roots. A clipping error of the derived
    thresholds (0 for T, or a threshold dropped at an end) shows here as a wrong end."""
    helps = [v <= 0 for v in vals]
    if not any(helps):
        return [T, T]
    enter = mp.mpf(0) if helps[0] else min(roots)
    exit_ = T if helps[-1] else max(roots)
    return [enter, exit_]


def _derived_window(schedule: str, sig2, sh2, T, perturb: bool) -> list:
    """The derived window ``[t̂_d, t̂'_d]`` (plug-in score; VP schedules: ``t̂'_d = T``), with the
    generated results' own clipping, or the control's (which applies the clipping of ``[0, T]``
    to its wrong interior times). Returned as the derivations give it: ends at 0 or T are kept."""
    from ldmstop.derivations.backends import mpmath_function

    if perturb:
        inside = _derived(schedule, sig2, sh2, T, True)
        if schedule == "vp-cosine":
            return [inside[0], T] if inside else [T, T]
        return sorted(inside) + [T] * (2 - len(inside)) if len(inside) < 2 else sorted(inside)
    sig, sh = mp.sqrt(sig2), mp.sqrt(sh2)
    key = schedule.replace("-", "_")
    enter = mpmath_function(f"{key}_threshold_time_plugin")(sig, sh, T)
    exit_ = (mpmath_function("rectified_flow_threshold_exit_plugin")(sig, sh, T)
             if schedule == "rectified-flow" else T)
    return [mp.mpf(enter), mp.mpf(exit_)]


def _derived(schedule: str, sig2, sh2, T, perturb: bool) -> list:
    """Derived threshold times in (0, T) for one component: the window ends."""
    from ldmstop.derivations.backends import mpmath_function

    sig, sh = mp.sqrt(sig2), mp.sqrt(sh2)
    key = schedule.replace("-", "_")
    if perturb:  # negative control: a wrong constant (cosine) or the VP rule misapplied (RF)
        if sh2 == 1:  # the VP formula's x is 0/0 there: the control finds no threshold
            return []
        if schedule == "vp-cosine":  # 4σ² → 5σ² in the plug-in threshold (a wrong constant)
            x = (5 * sig2 - sh2) / (1 - sh2)
            inv = mpmath_function("vp_cosine_inverse_a2")
            return [T - inv(x)] if 0 < x < 1 else []
        # rectified flow: the VP formula applied with x = a² = s² (wrong: not VP)
        x = (4 * sig2 - sh2) / (1 - sh2)
        return [T - mp.sqrt(x)] if 0 < x and mp.sqrt(x) < T else []
    enter = mpmath_function(f"{key}_threshold_time_plugin")(sig, sh, T)
    out = [enter]
    if schedule == "rectified-flow":
        out.append(mpmath_function("rectified_flow_threshold_exit_plugin")(sig, sh, T))
    return [t for t in out if 0 < t < T]


def _settings(rng: np.random.Generator, n: int) -> list[tuple]:
    out = [("vp-cosine", "0.3", "0.3"), ("vp-cosine", "0.01", "0.012"),
           ("rectified-flow", "0.1", "0.5"), ("rectified-flow", "0.05", "0.05"),
           ("rectified-flow", "0.3", "0.2")]
    for k in range(n):
        sch = ("vp-cosine", "rectified-flow")[k % 2]
        s2 = 10 ** rng.uniform(-3, -0.2)
        h2 = s2 * 10 ** rng.uniform(-0.7, 0.9)
        out.append((sch, repr(float(s2)), repr(float(min(h2, 0.95)))))
    # the branches a ratio capped below 1 never reaches: σ̂² > 4σ² (the component hurts at the
    # end), σ̂² ≥ 1 (the VP rule's 1 - σ̂² changes sign), a component that helps everywhere or
    # nowhere (both ends clipped)
    out += [("vp-cosine", "0.1", "0.6"), ("vp-cosine", "0.5", "1.5"), ("vp-cosine", "2", "1.2"),
            ("vp-cosine", "0.3", "1"), ("vp-cosine", "0.05", "0.9"),
            ("rectified-flow", "0.1", "0.6"), ("rectified-flow", "0.5", "1.5"),
            ("rectified-flow", "2", "1.2"), ("rectified-flow", "0.3", "1"),
            ("rectified-flow", "0.01", "0.9")]
    return out


def _backward_identity_residual(perturb: bool) -> float:
    """max over schedules and probes of |-dv/ds - (2 c v + g²)| (SDE) and |-dv/ds - 2 c_ode v|.
    The control replaces g² by 2w² with w² = -f (the VP identity) on the rectified flow."""
    import sympy as sp

    from ldmstop.derivations.schedules import get_schedule
    from ldmstop.derivations.symbols import s, sigh

    worst = 0.0
    for name in ("ou", "vp-linear", "vp-cosine", "rectified-flow"):
        sch = get_schedule(name)
        v = sch.marginal_variance
        g2 = -2 * sch.drift if perturb else sch.diffusion2
        c_sde = -sch.drift - g2 / v if perturb else sch.backward_sde_coefficient
        r1 = -sp.diff(v, s) - (2 * c_sde * v + g2)
        r2 = -sp.diff(v, s) - 2 * sch.backward_ode_coefficient * v if not perturb else sp.Integer(0)
        for sv, hv in ((sp.Rational(1, 20), sp.Rational(3, 10)), (sp.Rational(2, 5), sp.Rational(9, 10)),
                       (sp.Rational(4, 5), sp.Rational(1, 20))):
            for r in (r1, r2):
                worst = max(worst, abs(float(sp.N(r.subs({s: sv, sigh: hv}), 30))))
    return worst


#: the horizons of the two schedules (VP-cosine's T keeps ᾱ away from its end at s = 1)
T_OF = {"vp-cosine": "0.9946", "rectified-flow": "1"}


def _window_difference(sch: str, sig2, sh2, T, indep: list, window: list, perturb: bool):
    """max |derived − independent| over the threshold times in (0, T) (1 where one side has a
    threshold the other lacks) and over the ends of the whole window, clipped ends included."""
    der = _derived(sch, sig2, sh2, T, perturb)
    if len(der) != len(indep):
        r = mp.mpf(1)  # a missing or extra threshold: as wrong as it gets
    else:
        r = max([abs(a - b) for a, b in zip(sorted(der), sorted(indep))] or [mp.mpf(0)])
    # the whole derived window, clipped ends included, against the independent one
    dwin = _derived_window(sch, sig2, sh2, T, perturb)
    if window[0] == window[1] == T:  # helps nowhere: the derived start must be T
        r = max(r, abs(dwin[0] - T))
    else:
        r = max(r, abs(dwin[0] - window[0]), abs(dwin[1] - window[1]))
    return r, der, dwin


class ScheduleThresholds(Extension):
    """The threshold rule ``v_d ≤ 4σ_d²`` and the backward drift on VP-cosine and the rectified
    flow: derived threshold windows against an independent sign scan, and the symbolic
    variance identity of the derived backward coefficients."""

    id = "schedule-thresholds"
    title = "Threshold rule v_d ≤ 4σ_d² and backward drift on VP-cosine and rectified flow"
    source = "docs/theory.md §2 (any schedule)"
    hypotheses = ("one component, plug-in score σ̂ (exact score: σ̂ = σ); VP-cosine (T = 0.9946), "
                  "rectified flow a_s = s, b_s = 1 - s (T = 1)")
    statement = ("The derived threshold times are exactly the backward times where "
                 "Δ_{d,t} = W²(t,d) - W²(t,d-1) changes sign; for the rectified flow they "
                 "bound a window [T - s_+, T - s_-] (the VP half-line [t_d, T] does not "
                 "apply); the derived backward SDE/ODE coefficients transport the marginals.")
    residual_what = "max |derived - independent| threshold time; symbolic identity residual"
    control = ("VP-cosine: 4σ² → 5σ² in the threshold; rectified flow: the VP rule "
               "x = (4σ² - σ̂²)/(1 - σ̂²) read with x = a² = s²; drift identity with "
               "g² = 2w² (VP assumption) on every schedule")
    methods: list[str] = []  # set per run: the scan size depends on --quick

    def tolerance(self, ctx: Context) -> mp.mpf:
        with mp.workdps(ctx.dps):
            return ctx.tol

    def outcomes(self, ctx: Context) -> tuple[Outcome, Outcome]:
        rng = np.random.default_rng(np.random.SeedSequence(6))
        settings = _settings(rng, 6 if ctx.quick else 30)
        scan = 200 if ctx.quick else 800
        self.methods = [f"independent mpmath re-typing of each schedule, sign scan ({scan} points) + "
                        f"bracketed findroot (Anderson–Björck) at {ctx.dps} digits",
                        "derived thresholds through the generated mpmath backend, compared as "
                        "whole windows [t̂_d, t̂'_d] with their clipped ends 0 and T",
                        "symbolic identity -dv/ds = 2 c v + g² (SDE), = 2 c v (ODE), every schedule"]
        worst, worst_ctrl, bad, rows, n_checks = self._compare_windows(settings, scan, ctx.tol)
        ident = _backward_identity_residual(False)
        ident_ctrl = _backward_identity_residual(True)
        windows = [r for r in rows if r["kind"] == "window"]
        out = Outcome(residual=float(max(worst, mp.mpf(ident))), n_settings=len(settings),
                      n_checks=n_checks + 12, residual_ok=ident < 1e-25)
        for b in bad:
            out.violate(0, **b)
        out.notes = [
            f"{len(windows)} of {len(rows)} settings have a two-sided window (rectified flow, "
            "σ̂² > 4σ² or v dipping below 4σ² only mid-way): there the component must be dropped "
            "again before the end, which no VP schedule (v monotone in a²) can produce.",
        ]
        out.data = {"notes": [f"symbolic identity residual {ident:.3g}, with the VP assumption "
                              f"{ident_ctrl:.3g}"],
                    "table": {"rows": rows}}
        ctrl = Outcome(residual=float(min(worst_ctrl, mp.mpf(ident_ctrl))),
                       residual_ok=not (worst_ctrl > ctx.tol and ident_ctrl > 1e-6))
        return out, ctrl

    def _compare_windows(self, settings: list[tuple], scan: int, tol) -> tuple:
        """Every setting: the independent roots and window once, the derived (and the control's)
        windows against them; ``(worst, worst control, mismatches, table rows, checks)``."""
        worst, worst_ctrl, bad, rows, n_checks = mp.mpf(0), mp.mpf(0), [], [], 0
        for sch, s2, h2 in settings:
            T = mp.mpf(T_OF[sch])
            sig2, sh2 = mp.mpf(s2), mp.mpf(h2)
            indep, vals = _roots_independent(sch, T, sig2, sh2, scan)
            window = _window_independent(indep, vals, T)
            for perturb in (False, True):
                r, der, dwin = _window_difference(sch, sig2, sh2, T, indep, window, perturb)
                if perturb:
                    worst_ctrl = max(worst_ctrl, r)
                    continue
                n_checks += 1
                worst = max(worst, r)
                if r > tol:
                    bad.append({"schedule": sch, "sigma2": s2, "sigmahat2": h2,
                                "derived": [mp.nstr(t, 20) for t in der],
                                "independent": [mp.nstr(t, 20) for t in indep],
                                "derived_window": [mp.nstr(t, 20) for t in dwin],
                                "independent_window": [mp.nstr(t, 20) for t in window]})
                rows.append({"schedule": sch, "sigma2": float(sig2), "sigmahat2": float(sh2),
                             "window": [float(t) for t in indep],
                             "kind": "window" if len(indep) == 2 else ("half-line" if indep else "all/none")})
        return worst, worst_ctrl, bad, rows, n_checks

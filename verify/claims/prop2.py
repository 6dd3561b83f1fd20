"""Prop 2, exact score (Wu et al. 2025): the thresholds ``t_d`` and the optimal dimension.

Printed (v1, §4.2): "For d ∈ {2, . . . , D}, we then let t_d = T − ā^{-2}(3σ_d² / (1 − σ_d²)_+) …
By convention, we let t̂_1 = t_1 = 0 and t̂_{D+1} = t_{D+1} = T. Observe that the times t_d are in
increasing order and between 0 and T. … Proposition 2. Assume that 0 < σ_D < · · · < σ_1. Then,
for d ∈ {1, . . . , D} and t ∈ [t_d, t_{d+1}), d_F(P_dᵀ P_d X_t, X_0) = min_{d'} d_F(P_{d'}ᵀ P_{d'} X_t, X_0)."
"Notice that when 4σ_d² ≥ 1, both t_d and t̂_d are equal to 0."

Quantified: D ≥ 1, strictly decreasing σ > 0 (any size: σ² ≥ 1 gives ``(1 − σ²)_+ = 0`` and the
``y/0_+ = +∞`` convention), any T > 0, any VP schedule (OU and VP-linear searched), every
``t ∈ [0, T)``. The plug-in half is the claim ``prop2-plugin``.

Checks: the search maximises ``(W²(d_rule(t), t) − min_d W²(d, t)) / Σσ²`` over the domain
(forward time ``s = T − t`` searched log-uniformly down to 1e-12·T, so the thresholds of tiny
variances near t = T are resolved); targeted settings check ``Δ_{d,t_d} = 0`` at dps digits
where ``t_d`` is interior and the sign change around it, the ordering and the remark. The code
comparison takes the generated ``*_threshold_time_exact`` *as a whole* (clipping at both ends,
the ``y/0_+`` rule) against the transcription at every branch, including ``t_d = 0`` and values
clipped at ``T``, the pieces ``threshold_x_exact`` and ``*_inverse_a2`` where the threshold is
interior, and ``ldmstop.curve.threshold_times`` (float64, through ``Problem``, whose component
order is compared with verify's own).
Control: ``3σ_d² → 4σ_d²`` in ``t_d``.
"""

from __future__ import annotations

import mpmath as mp

from ..claim import Claim, Context, Outcome
from ..domain import Domain, Param, dimension, horizon, schedule_param
from ..mutations import CodeMutation
from ..threshold_rule import OptimalDimensionFalsifier, compare_thresholds, threshold_forward_times
from ..transcribe import increment, schedule, w2
from .settings import diag_settings

__all__ = ["Prop2"]


class _Prop2Falsifier(OptimalDimensionFalsifier):
    claim_id = "prop2"


class Prop2(Claim):
    id = "prop2"
    title = "Thresholds t_d (exact score): the optimal dimension on [t_d, t_{d+1})"
    source = "Wu et al. 2025, Prop 2"
    hypotheses = "diagonal Σ, 0 < σ_D < … < σ_1 (strict), exact process from p_T, any T > 0, VP schedule"
    statement = (r"$t_d = T-\bar a^{-2}\!\big(3\sigma_d^2/(1-\sigma_d^2)_+\big)$; "
                 r"on $[t_d, t_{d+1})$ the $d$-dimensional projection minimises $d_F$ over all $d'$.")
    methods = ["search over (D, σ, T, t, schedule): random + edges + differential evolution",
               "mpmath at dps: Δ_{d,t_d} = 0 and its sign change",
               "brute force over d' (transcribed W²)",
               "code: whole *_threshold_time_exact at every branch, pieces, curve.threshold_times"]
    residual_what = "max |Δ_{d,t_d}|/σ_d² and relative |transcribed − derived| threshold"
    control = "3σ_d² → 4σ_d² in t_d"
    code_what = ("generated ou/vp_linear_threshold_time_exact as a whole (clipped ends, y/0_+), "
                 "threshold_x_exact and *_inverse_a2 pieces (mpmath); curve.threshold_times (float64)")
    code_control = CodeMutation(
        "mpmath:ou_threshold_time_exact",
        "the extended inverse clipped at the wrong end: t_d = T where it is clipped to 0",
        lambda f: (lambda sig, T: T if f(sig, T) == 0 else f(sig, T)))
    domain = Domain(
        params=(dimension(),
                Param("sigma2", "0 < σ_D < · · · < σ_1 (strict)", lo=0.0, lo_open=True,
                      kind="vector", search=(1e-8, 1e3), log=True),
                horizon("T > 0 (no condition printed)"),
                Param("t", "t ∈ [t_d, t_{d+1}) ⊂ [0, T)", lo=0.0, kind="real", admissible_as="[0, T)",
                      search=(0.0, 1.0), note="searched as forward time s = T − t ∈ [1e-12·T, T]"),
                schedule_param()),
        hypotheses=("strict ordering 0 < σ_D < … < σ_1",),
        undefined=("σ_d² ≥ 1: (1 − σ_d²)_+ = 0, read with the paper's y/0_+ = +∞ (t_d = 0)",
                   "t = T is not covered by the half-open intervals"),
        quote="Assume that 0 < σD < · · · < σ1. Then, for d ∈ {1, . . . , D} and t ∈ [td, td+1) …")

    def falsifier(self, variant: str):
        return _Prop2Falsifier(variant) if variant in ("paper", "control") else None

    def check(self, ctx: Context, variant: str) -> Outcome:
        out = Outcome()
        worst = mp.mpf(0)
        always_kept = 0
        for st in diag_settings(ctx.rng(self.id), ctx.n(3, 10), plugin=False):
            sch, T, sig = schedule(st["schedule"]), st["T"], st["sig"]
            D = len(sig)
            deltas = threshold_forward_times(sch, T, sig, None, variant)
            ts = [T - dl for dl in deltas]
            out.n_settings += 1
            for j in range(1, D):
                t_d, s = ts[j], sig[j]
                if 4 * s**2 >= 1:  # the remark: always kept, t_d = 0
                    always_kept += 1
                    out.n_checks += 1
                    worst_inc = max(increment(sch.a2(T * k / 8), s, s) for k in range(9))
                    if t_d != 0 or worst_inc > ctx.tol:
                        out.violate(D, setting=st["name"], d=j + 1, t_d=t_d, max_delta=worst_inc,
                                    what="a component with 4σ² ≥ 1 is not always kept")
                delta_fwd = deltas[j]
                if 0 < t_d < T:
                    x = sch.a2(delta_fwd)
                    worst = max(worst, abs(increment(x, s, s)) / s**2)
                    out.n_checks += 1
                    h = min(t_d, delta_fwd) * mp.mpf("1e-4")
                    before = increment(sch.a2(delta_fwd + h), s, s)
                    after = increment(sch.a2(delta_fwd - h), s, s)
                    if not (before > 0 > after):
                        out.violate(D, setting=st["name"], d=j + 1, t_d=t_d,
                                    delta_before=before, delta_after=after,
                                    what="Δ does not change sign from + to − at t_d")
                if j >= 2 and ts[j] < ts[j - 1] and sig[j] < sig[j - 1]:
                    out.violate(D, setting=st["name"], d=j + 1, what="t_d not increasing")
            for d in range(1, D + 1):
                lo, hi = ts[d - 1], ts[d]
                if hi <= lo:
                    continue
                for t in (lo, lo + (hi - lo) * mp.mpf("1e-6"), (lo + hi) / 2, hi - (hi - lo) * mp.mpf("1e-6")):
                    x = sch.a2(T - t)
                    vals = [w2(x, sig, sig, k) for k in range(1, D + 1)]
                    best = min(vals)
                    out.n_checks += 1
                    if vals[d - 1] > best + ctx.tol * (1 + best):
                        out.violate(D, setting=st["name"], schedule=sch.name, T=T, d=d, t=t,
                                    sigma2=[v**2 for v in sig], best_d=vals.index(best) + 1,
                                    what="d is not the optimal dimension on [t_d, t_{d+1})")
        out.residual = worst
        out.residual_ok = worst <= ctx.tol
        if variant == "paper":
            out.notes.append(f"targeted: components with 4σ_d² ≥ 1 checked always kept ({always_kept})")
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        return compare_thresholds(ctx, plugin=False, seed_name=self.id)


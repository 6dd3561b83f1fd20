"""Prop 2, plug-in score (Wu et al. 2025): the thresholds ``t̂_d`` and the optimal dimension.

Printed (v1, §4.2): "t̂_d = T − ā^{-2}((4σ_d² − σ̂_d²)/(1 − σ̂_d²)_+) … Furthermore, with high
probability, the σ̂_d and the t̂_d are well-ordered. In this case, for t ∈ [t̂_d, t̂_{d+1}),
d_F(P_dᵀ P_d X̂_t, X_0) = min_{d'} d_F(P_{d'}ᵀ P_{d'} X̂_t, X_0)." No n, ε or probability is given;
the proposition's "Assume that 0 < σ_D < · · · < σ_1" still applies. "Notice that when
4σ_d² ≥ 1, both t_d and t̂_d are equal to 0."

With the paper's convention ``y/0_+ = ±∞``, a component with ``σ̂_d² ≥ 1`` and
``4σ_d² < σ̂_d²`` gets ``t̂_d = T``: never keep it. But adding component d changes W² by
``Δ = v_d − 2σ_d √v_d``, ≤ 0 iff ``v_d ≤ 4σ_d²``, and for ``σ̂_d² > 1`` the variance
``v_d = x + (1 − x)σ̂_d²`` *decreases* from ``σ̂_d²`` (t = T) towards 1: when
``1 < 4σ_d² < σ̂_d²`` the component helps *early* (``x ≥ (σ̂_d² − 4σ_d²)/(σ̂_d² − 1)``, reachable
iff ``a_T²`` is that large) and hurts late. The printed rule then picks a dimension that is not
optimal, inside its hypotheses; the remark "4σ_d² ≥ 1 ⇒ t̂_d = 0" fails for the same reason
whenever ``σ̂_d² > 4σ_d² ≥ 1``.

Corrected statement (verified by search and targeted checks): the printed rule holds under the
extra hypothesis that no component has ``σ̂_d² > 1`` and ``1 < 4σ_d² < σ̂_d²``; in general the
d-dimensional projection is optimal at ``t`` whenever the components that help at ``t``
(``v_i(T − t) ≤ 4σ_i²``) are exactly ``1..d`` — for ``σ̂_i² < 1`` that is the printed
``t ≥ t̂_i``, for ``σ̂_i² > 1`` the keep-early window ``t ≤ T − ā^{-2}((σ̂_i² − 4σ_i²)/(σ̂_i² − 1))``.
"""

from __future__ import annotations

import mpmath as mp

from ..claim import Claim, Context, Outcome
from ..domain import Domain, Param, dimension, horizon, schedule_param
from ..mutations import CodeMutation
from ..threshold_rule import OptimalDimensionFalsifier, compare_thresholds
from ..transcribe import OU

__all__ = ["Prop2Plugin"]


def _printed_threshold(s2, h2, T, factor=4):
    """``t̂_d`` as printed (OU), with ``(1 − σ̂²)_+`` and ``y/0_+ = ±∞`` (None for 0/0)."""
    num = factor * s2 - h2
    den = 1 - h2
    if den > 0:
        return mp.mpf(T) - OU.ext_inv(num / den, T)
    if num == 0:
        return None
    return mp.mpf(0) if num > 0 else mp.mpf(T)


def _helps(s2, h2, x, factor=4):
    """Adding the component lowers W² at noise level ``x``: ``v ≤ factor·σ²``."""
    return x + (1 - x) * h2 <= factor * s2


def _w2(sig2, hat2, x, d):
    kept = mp.fsum((mp.sqrt(x + (1 - x) * h) - mp.sqrt(s)) ** 2 for s, h in zip(sig2[:d], hat2[:d]))
    return kept + mp.fsum(sig2[d:])


def keeps_early(s2, h2) -> bool:
    """The excluded region of the corrected statement: σ̂² > 1 and 1 < 4σ² < σ̂²."""
    return h2 > 1 and 1 < 4 * s2 < h2


class _PluginFalsifier(OptimalDimensionFalsifier):
    claim_id = "prop2-plugin"
    plugin = True
    margin_what = ("(W²(d_rule(t), t) − min_d' W²(d', t)) / Σσ²; d_rule from the printed t̂_d "
                   "(settings whose t̂ are not well ordered are outside the hypotheses)")
    extra_hypothesis = "no component with σ̂_d² > 1 and 1 < 4σ_d² < σ̂_d²"

    def __init__(self, variant: str = "paper"):
        super().__init__("paper" if variant == "corrected" else variant)
        self.corrected = variant == "corrected"

    def k(self) -> int:
        return 4 if self.variant == "control" else 3

    def admissible(self, s):
        ok = super().admissible(s)
        if ok and self.corrected:
            ok = not any(keeps_early(mp.mpf(a), mp.mpf(b))
                         for a, b in zip(s["sigma2"], s["sigma2_hat"]))
        return ok

    def margin(self, s, M):
        if self.corrected and any(keeps_early(M.num(a), M.num(b))
                                  for a, b in zip(s["sigma2"], s["sigma2_hat"])):
            return -1.0
        return super().margin(s, M)

    def edges(self):
        out = [{"schedule": "ou", "T": 2.0, "s": 2.0, "sigma2": [4.0, 0.5], "sigma2_hat": [4.0, 3.0]}]
        return out + super().edges()


class Prop2Plugin(Claim):
    id = "prop2-plugin"
    title = "Prop 2 (plug-in): t̂_d, including estimated variances above 1"
    source = "Wu et al. 2025, Prop 2 (t̂_d)"
    hypotheses = ("0 < σ_D < … < σ_1, σ̂_1 ≥ … ≥ σ̂_D > 0 and the t̂_d well ordered; plug-in "
                  "score, start p̂_T; any T > 0, VP schedule; σ̂² > 1 allowed (nothing excludes it)")
    statement = (r"for $t\in[\hat t_d,\hat t_{d+1})$ the $d$-dimensional projection minimises $d_F$, "
                 r"$\hat t_d=T-\bar a^{-2}\big((4\sigma_d^2-\hat\sigma_d^2)/(1-\hat\sigma_d^2)_+\big)$")
    methods = ["search over (D, σ, σ̂, T, t, schedule): random + edges + differential evolution",
               "brute force over d' ∈ 1..D at dps digits (typed-in W², OU), 41 times per setting",
               "Δ_d = 0 at each interior t̂_d (residual)",
               "code: whole *_threshold_time_plugin incl. the y/0_+ branches, curve.threshold_times"]
    residual_what = "max |Δ_d(t̂_d)| at interior thresholds"
    control = "corrected rule with 4σ² → 5σ² (the helps-set read with the wrong constant)"
    corrected = (r"the printed rule holds when no component has $\hat\sigma_d^2>1$ and "
                 r"$1<4\sigma_d^2<\hat\sigma_d^2$; in general the $d$-dimensional projection is "
                 r"optimal at $t$ when the components that help, $v_i(T-t)\le4\sigma_i^2$, are exactly "
                 r"$1..d$: for $\hat\sigma_i^2>1$ and $1<4\sigma_i^2<\hat\sigma_i^2$ that is the keep-early "
                 r"window $t\le T-\bar a^{-2}\big((\hat\sigma_i^2-4\sigma_i^2)/(\hat\sigma_i^2-1)\big)$, "
                 r"not 'never'")
    code_what = ("generated ou/vp_linear_threshold_time_plugin as a whole (clipped ends, the y/0_+ "
                 "branches for σ̂² ≥ 1), pieces; curve.threshold_times(estimated=True)")
    code_control = CodeMutation(
        "mpmath:ou_threshold_time_plugin",
        "the y/0_+ rule reversed for σ̂² ≥ 1 (t̂ = T where it is 0 and 0 where it is T)",
        lambda f: (lambda s, sh, T: (T - f(s, sh, T)) if sh**2 >= 1 else f(s, sh, T)))
    domain = Domain(
        params=(dimension(),
                Param("sigma2", "0 < σ_D < · · · < σ_1", lo=0.0, lo_open=True, kind="vector",
                      search=(1e-8, 1e3), log=True),
                Param("sigma2_hat", "σ̂_1 ≥ … ≥ σ̂_D > 0, 'with high probability … well-ordered'",
                      lo=0.0, lo_open=True, kind="vector", search=(1e-11, 1e6), log=True,
                      note="searched as σ̂²/σ² ∈ [1e-3, 1e3]"),
                horizon(), Param("t", "t ∈ [t̂_d, t̂_{d+1})", lo=0.0, kind="real", admissible_as="[0, T)",
                                 note="searched as forward time s = T − t ∈ [1e-12·T, T]"),
                schedule_param()),
        hypotheses=("σ̂ and t̂ well ordered (settings where they are not are outside)",
                    "no n, ε or probability is printed for the plug-in half"),
        undefined=("σ̂_d² = 1 with 4σ_d² = 1: 0/0_+, the rule is undefined (excluded)",
                   "σ̂_d² > 1: (1 − σ̂_d²)_+ = 0, read with y/0_+ = ±∞ as printed"),
        quote=("with high probability, the σ̂d and the t̂d are well-ordered. In this case, for "
               "t ∈ [t̂d, t̂d+1) …"))

    def falsifier(self, variant: str):
        return _PluginFalsifier(variant)

    def _settings(self, ctx: Context):
        rng = ctx.rng(self.id)
        yield [mp.mpf(4), mp.mpf("0.5")], [mp.mpf(4), mp.mpf(3)]
        for k in range(ctx.n(4, 12)):
            D = int(rng.integers(2, 5))
            if k % 2 == 0:  # overestimated components above 1 with 1 < 4σ² < σ̂²
                s2 = sorted((float(v) for v in rng.uniform(0.3, 2.0, D)), reverse=True)
                h2 = [v * float(rng.uniform(1.2, 3.5)) for v in s2]
            else:  # the usual regime: everything below 1
                s2 = sorted((float(v) for v in 10 ** rng.uniform(-3, -0.1, D)), reverse=True)
                h2 = [v * float(rng.uniform(0.8, 1.2)) for v in s2]
            h2 = sorted(h2, reverse=True)
            yield [mp.mpf(v) for v in s2], [mp.mpf(v) for v in h2]

    def check(self, ctx: Context, variant: str) -> Outcome:
        """At 41 times of each targeted setting (OU, T = 2), the dimension of the rule (printed
        ``t̂_d``; corrected/control: the components that help) against every d'; residual:
        ``Δ_d(t̂_d)`` at the interior printed thresholds."""
        out = Outcome()
        worst = mp.mpf(0)
        T = mp.mpf(2)
        for sig2, hat2 in self._settings(ctx):
            thr = _thresholds_in_scope(variant, sig2, hat2, T)
            if thr is None:
                continue
            out.n_settings += 1
            worst = max(worst, _threshold_residual(sig2, hat2, thr, T))
            _check_times(ctx, variant, sig2, hat2, thr, T, out)
        out.residual = worst
        out.residual_ok = worst <= ctx.tol
        if variant == "paper":
            _paper_notes(out, T)
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        return compare_thresholds(ctx, plugin=True, seed_name=self.id)


def _thresholds_in_scope(variant: str, sig2: list, hat2: list, T) -> list | None:
    """The printed ``t̂_2, …, t̂_D`` of a setting inside the hypotheses (σ distinct, σ̂ > 0;
    for the printed rule also every t̂ defined and well ordered), else ``None``."""
    D = len(sig2)
    if len(set(sig2)) < D or any(h <= 0 for h in hat2):
        return None
    thr = [_printed_threshold(s, h, T) for s, h in zip(sig2[1:], hat2[1:])]
    if variant == "paper":
        if any(t is None for t in thr):
            return None
        full = [mp.mpf(0)] + thr + [T]
        if any(full[i] > full[i + 1] for i in range(D)):
            return None
    return thr


def _threshold_residual(sig2: list, hat2: list, thr: list, T) -> mp.mpf:
    """max ``|Δ_d(t̂_d)| = |v − 2σ√v|`` at the printed thresholds strictly inside (0, T)."""
    worst = mp.mpf(0)
    for s, h, t in zip(sig2[1:], hat2[1:], thr):
        if t is not None and 0 < t < T:
            x = OU.a2(T - t)
            v = x + (1 - x) * h
            worst = max(worst, abs(v - 2 * mp.sqrt(s) * mp.sqrt(v)))
    return worst


def _check_times(ctx: Context, variant: str, sig2: list, hat2: list, thr: list, T,
                 out: Outcome) -> None:
    """At ``t = kT/40``, the rule's dimension (printed: d with ``t ∈ [t̂_d, t̂_{d+1})``;
    corrected, control: the number of components that help, ``v_i ≤ 4σ_i²`` (control: 5σ_i²),
    when they are exactly 1..d) against the brute-force best over d'."""
    D = len(sig2)
    for k in range(41):
        t = T * k / 40
        x = OU.a2(T - t)
        if variant == "paper":
            if t >= T:
                continue
            full = [mp.mpf(0)] + thr + [T]
            d = next(i for i in range(1, D + 1) if full[i - 1] <= t < full[i])
        else:
            factor = 5 if variant == "control" else 4
            helps = [_helps(s, h, x, factor) for s, h in zip(sig2, hat2)]
            d = sum(helps)
            if d == 0 or helps != [True] * d + [False] * (D - d):
                continue
        values = [_w2(sig2, hat2, x, dp) for dp in range(1, D + 1)]
        best = min(values)
        out.n_checks += 1
        gap = values[d - 1] - best
        if gap > ctx.tol * (1 + abs(best)):
            out.violate(size=D + float(t) / 10, schedule="ou", T=T,
                        sigma2=[float(v) for v in sig2], sigma2_hat=[float(v) for v in hat2],
                        t=float(t), rule_d=d, best_d=values.index(best) + 1, gap=float(gap))


def _paper_notes(out: Outcome, T) -> None:
    """The findings of the printed rule: the remark ``4σ_d² ≥ 1 ⇒ t̂_d = 0`` against σ² = 0.5,
    σ̂² = 3, and where the violations lie."""
    t_rem = _printed_threshold(mp.mpf("0.5"), mp.mpf(3), T)
    out.notes.append(
        f"the remark 'when 4σ_d² ≥ 1, both t_d and t̂_d are equal to 0' fails for t̂_d "
        f"whenever σ̂_d² > 4σ_d² ≥ 1 (σ² = 0.5, σ̂² = 3: t̂_d = {mp.nstr(t_rem, 3)} = T)")
    if out.violations:
        n_over = sum(1 for v in out.violations
                     if any(keeps_early(mp.mpf(a), mp.mpf(b))
                            for a, b in zip(v["sigma2"], v["sigma2_hat"])))
        out.notes.append(
            f"targeted: the printed rule picked a non-optimal dimension at "
            f"{len(out.violations)} of {out.n_checks} (setting, time) pairs; {n_over} of "
            f"them in settings with some σ̂_d² > 1 and 1 < 4σ_d² < σ̂_d², "
            f"{len(out.violations) - n_over} elsewhere")

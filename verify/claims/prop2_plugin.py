"""Prop 2, plug-in score, when an estimated variance exceeds 1 (a finding of the property tests).

Wu et al. (2025), Prop 2: ``t̂_d = T − ā^{-2}((4σ_d² − σ̂_d²)/(1 − σ̂_d²)_+)`` and, when the ``σ̂``
and ``t̂`` are well ordered, the d-dimensional projection minimises ``d_F`` for
``t ∈ [t̂_d, t̂_{d+1})``. With the paper's convention ``y/0_+ = ±∞``, a component with
``σ̂_d² ≥ 1`` and ``4σ_d² < σ̂_d²`` gets ``t̂_d = T``: never keep it. But adding component d
changes W² by ``Δ = v_d − 2σ_d sqrt(v_d)``, ≤ 0 iff ``v_d ≤ 4σ_d²``, and for ``σ̂_d² > 1`` the
variance ``v_d = x + (1 − x)σ̂_d²`` *decreases* from ``σ̂_d²`` (end) towards 1 (start): when
``1 < 4σ_d² < σ̂_d²`` the component helps *early* (``x ≥ (σ̂_d² − 4σ_d²)/(σ̂_d² − 1)``) and hurts
late. The printed rule then picks a dimension that is not optimal, inside its hypotheses
(``σ_1 > … > σ_D > 0``, ``σ̂`` and ``t̂`` well ordered).

Corrected statement (verified): the d-dimensional projection is optimal at ``t`` whenever the
components that help at ``t`` (``v_i(T − t) ≤ 4σ_i²``) are exactly ``1..d``; for ``σ̂_i² < 1``
that is the printed ``t ≥ t̂_i``, for ``σ̂_i² > 1`` it is the keep-early window
``t ≤ T − ā^{-2}((σ̂_i² − 4σ_i²)/(σ̂_i² − 1))``.

Everything here is typed from the paper and THEORY.md in mpmath (OU, T = 2), apart from
:mod:`ldmstop.derivations`; the optimum is found by brute force over ``d'``.
"""

from __future__ import annotations

import mpmath as mp

from ..claim import Claim, Context, Outcome

__all__ = ["Prop2Plugin"]

T = 2


def _inv_a2(x):
    """Extended inverse of the OU noise level ``a_s² = 1 − e^{−2s}`` (Prop 2's ``ā^{-2}``)."""
    aT2 = 1 - mp.exp(-2 * mp.mpf(T))
    if x < 0:
        return mp.mpf(0)
    if x > aT2:
        return mp.mpf(T)
    return -mp.log1p(-x) / 2


def _printed_threshold(s2, h2, factor=4):
    """``t̂_d`` as printed, with ``(1 − σ̂²)_+`` and ``y/0_+ = ±∞`` (None for the 0/0 case)."""
    num = factor * s2 - h2
    den = 1 - h2
    if den > 0:
        return mp.mpf(T) - _inv_a2(num / den)
    if num == 0:
        return None
    return mp.mpf(0) if num > 0 else mp.mpf(T)


def _helps(s2, h2, t, factor=4):
    """Adding the component lowers W² at backward time ``t``: ``v ≤ factor·σ²``."""
    x = -mp.expm1(-2 * (mp.mpf(T) - t))
    return x + (1 - x) * h2 <= factor * s2


def _w2(sig2, hat2, t, d):
    x = -mp.expm1(-2 * (mp.mpf(T) - t))
    kept = mp.fsum((mp.sqrt(x + (1 - x) * h) - mp.sqrt(s)) ** 2 for s, h in zip(sig2[:d], hat2[:d]))
    return kept + mp.fsum(sig2[d:])


class Prop2Plugin(Claim):
    id = "prop2-plugin"
    title = "Prop 2 (plug-in) with estimated variances above 1"
    source = "Wu et al. 2025, Prop 2 (t̂_d)"
    hypotheses = ("σ_1 > … > σ_D > 0, σ̂ decreasing, t̂_d well ordered; plug-in score, start p̂_T, OU, "
                  "T = 2; estimates σ̂² > 1 allowed (nothing in Prop 2 excludes them)")
    statement = (r"for $t\in[\hat t_d,\hat t_{d+1})$ the $d$-dimensional projection minimises $d_F$, "
                 r"$\hat t_d=T-\bar a^{-2}\big((4\sigma_d^2-\hat\sigma_d^2)/(1-\hat\sigma_d^2)_+\big)$")
    methods = ["brute force over d' ∈ 1..D at dps digits (typed-in W², OU)",
               "41 backward times per setting, ties within tolerance accepted",
               "Δ_d = 0 at each interior t̂_d (residual)"]
    residual_what = "max |Δ_d(t̂_d)| at interior thresholds"
    control = "corrected rule with 4σ² → 5σ² (the helps-set read with the wrong constant)"
    corrected = (r"the $d$-dimensional projection is optimal at $t$ when the components that help, "
                 r"$v_i(T-t)\le4\sigma_i^2$, are exactly $1..d$; for $\hat\sigma_i^2<1$ this is the printed "
                 r"$t\ge\hat t_i$, for $\hat\sigma_i^2>1$ and $1<4\sigma_i^2<\hat\sigma_i^2$ it is the keep-early "
                 r"window $t\le T-\bar a^{-2}\big((\hat\sigma_i^2-4\sigma_i^2)/(\hat\sigma_i^2-1)\big)$, "
                 r"not 'never'")

    def _settings(self, ctx: Context):
        rng = ctx.rng(self.id)
        # the shrunk counterexample of the property tests, then random settings of both kinds
        yield [mp.mpf(4), mp.mpf("0.5")], [mp.mpf(4), mp.mpf(3)]
        for k in range(ctx.n(6, 16)):
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
        out = Outcome()
        tol = ctx.tol
        worst = mp.mpf(0)
        for sig2, hat2 in self._settings(ctx):
            D = len(sig2)
            if len(set(sig2)) < D or any(h <= 0 for h in hat2):
                continue
            thr = [_printed_threshold(s, h) for s, h in zip(sig2[1:], hat2[1:])]
            if variant == "paper":
                if any(t is None for t in thr):
                    continue  # 0/0: the printed rule is undefined there
                full = [mp.mpf(0)] + thr + [mp.mpf(T)]
                if any(full[i] > full[i + 1] for i in range(D)):
                    continue  # t̂ not well ordered: outside the hypotheses
            out.n_settings += 1
            for s, h, t in zip(sig2[1:], hat2[1:], thr):
                if t is not None and 0 < t < T:
                    x = -mp.expm1(-2 * (mp.mpf(T) - t))
                    v = x + (1 - x) * h
                    worst = max(worst, abs(v - 2 * mp.sqrt(s) * mp.sqrt(v)))
            for k in range(41):
                t = mp.mpf(T) * k / 40
                if variant == "paper":
                    if t >= T:
                        continue  # the half-open intervals [t̂_d, t̂_{d+1}) cover [0, T) only
                    full = [mp.mpf(0)] + thr + [mp.mpf(T)]
                    d = next(i for i in range(1, D + 1) if full[i - 1] <= t < full[i])
                else:
                    factor = 5 if variant == "control" else 4
                    helps = [_helps(s, h, t, factor) for s, h in zip(sig2, hat2)]
                    d = sum(helps)
                    if d == 0 or helps != [True] * d + [False] * (D - d):
                        continue  # not a non-empty prefix: the corrected rule is silent
                # latent dimensions d' = 1..D (a 0-dimensional latent space is not a model)
                values = [_w2(sig2, hat2, t, dp) for dp in range(1, D + 1)]
                best = min(values)
                out.n_checks += 1
                gap = values[d - 1] - best
                if gap > tol * (1 + abs(best)):
                    out.violate(size=D + float(t) / 10, sigma2=[float(v) for v in sig2],
                                sigmahat2=[float(v) for v in hat2], t=float(t), rule_d=d,
                                best_d=values.index(best) + 1, gap=float(gap))
        out.residual = worst
        out.residual_ok = worst <= tol
        if variant == "paper" and out.violations:
            def overestimated(v):
                return any(h > 1 and 1 < 4 * s2 < h for s2, h in zip(v["sigma2"], v["sigmahat2"]))
            n_over = sum(1 for v in out.violations if overestimated(v))
            out.notes.append(
                f"the printed rule picked a non-optimal dimension at {len(out.violations)} of "
                f"{out.n_checks} (setting, time) pairs; {n_over} of them in settings with some "
                f"σ̂_d² > 1 and 1 < 4σ_d² < σ̂_d², {len(out.violations) - n_over} elsewhere")
        return out

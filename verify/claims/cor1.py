"""Corollary 1 (Wu et al. 2025): the optimal latent dimension grows like log C / log λ.

``λ > 16``, ``Σ = diag(λ^{-1}, …, λ^{-D})``, ``λ ≤ C ≤ λ^D``, ``d`` such that
``σ̂_{d+1}² ≤ 1/C ≤ σ̂_d²``. Then (n large, w.h.p.) ``d_min ∈ {d, d+1}``, where ``d_min``
minimises ``Σ_{i≤d'} (sqrt(V_T,i) - σ_i)² + Σ_{i>d'} σ_i²`` over ``d'`` (OU, start N(0, I),
capped score, no early stop; ``V_T,i`` from Prop 5's closed forms, which the prop5 claim pins to
an ODE solution). Settings: ``σ̂ = σ`` (the n → ∞ limit) and ``σ̂² = σ²(1 + η)``,
``|η| ≤ 0.01``; the ends ``C = λ`` and ``C = λ^D`` included. Control: ``d_min ∈ {d - 1, d}``.
"""

from __future__ import annotations

import mpmath as mp

from ..claim import Claim, Context, Outcome
from .prop5 import _optimal_dims

__all__ = ["Corollary1"]


class Corollary1(Claim):
    id = "cor1"
    title = "Geometric spectrum under a cap: d_min ∈ {d, d+1}"
    source = "Wu et al. 2025, Corollary 1"
    hypotheses = "λ > 16, Σ = diag(λ^{-i}), λ ≤ C ≤ λ^D, σ̂_{d+1}² ≤ 1/C ≤ σ̂_d², σ̂ ≈ σ, OU, start N(0, I)"
    statement = r"$d_{\min}\in\{d, d+1\}$"
    methods = ["brute force over d' with Prop 5's closed-form V_T (pinned to the ODE in prop5)",
               "seeded random search over (λ, D, C, T, η)"]
    residual_what = "none (set-membership claim)"
    control = "d_min ∈ {d − 1, d}"

    def check(self, ctx: Context, variant: str) -> Outcome:
        rng = ctx.rng(self.id)
        out = Outcome()
        counts = {0: 0, 1: 0}
        for k in range(ctx.n(40, 200)):
            lam = mp.mpf(float(rng.uniform(16.01, 100)))
            D = int(rng.integers(2, 8))
            u = [0, 1, rng.uniform(0, 1)][k % 3] if k < 6 else rng.uniform(0, 1)
            C = lam ** (1 + mp.mpf(float(u)) * (D - 1))       # λ ≤ C ≤ λ^D
            T = mp.mpf(2) if k % 2 == 0 else mp.mpf(float(rng.uniform(0.5, 3)))
            sig2 = [lam ** (-i) for i in range(1, D + 1)]
            eta = 0 if k % 2 == 0 else 0.01
            hat2 = [s * (1 + mp.mpf(float(rng.uniform(-eta, eta)))) for s in sig2]
            ds = [d for d in range(1, D + 1) if 1 / C <= hat2[d - 1]
                  and (d == D or hat2[d] <= 1 / C)]
            if not ds:
                continue  # the hypothesis on d cannot be met (a perturbed σ̂ crossed 1/C)
            d = ds[0]
            out.n_settings += 1
            dmin, _ = _optimal_dims(T, sig2, hat2, C)
            allowed = {d - 1, d} if variant == "control" else {d, d + 1}
            out.n_checks += 1
            for m in dmin:
                if m - d in counts:
                    counts[m - d] += 1
            if not set(dmin) <= allowed:
                out.violate(D, lam=lam, D=D, C=C, T=T, d=d, d_min=dmin, sigma2_hat=hat2,
                            what="optimal dimension outside the stated set")
        out.residual = mp.mpf(0)
        if variant == "paper":
            # Outside the hypotheses (not a refutation): how far below 16 does λ still work?
            worst_lam = None
            r2 = ctx.rng(self.id + "-outside")
            for _ in range(ctx.n(60, 300)):
                lam = mp.mpf(float(r2.uniform(1.5, 16)))
                D = int(r2.integers(2, 7))
                C = lam ** (1 + mp.mpf(float(r2.uniform(0, 1))) * (D - 1))
                sig2 = [lam ** (-i) for i in range(1, D + 1)]
                d = max(i for i in range(1, D + 1) if sig2[i - 1] >= 1 / C)
                dmin, _ = _optimal_dims(mp.mpf(2), sig2, sig2, C)
                if not set(dmin) <= {d, d + 1} and (worst_lam is None or lam > worst_lam[0]):
                    worst_lam = (lam, D, C, d, dmin)
            if worst_lam is None:
                out.notes.append("outside the hypotheses (λ ∈ [1.5, 16), T = 2, σ̂ = σ) no failure found")
            else:
                lam, D, C, d, dmin = worst_lam
                out.notes.append(
                    f"outside the hypotheses the statement fails for small λ (largest failing λ "
                    f"found in [1.5, 16): {mp.nstr(lam, 4)}, D = {D}, C = {mp.nstr(C, 4)}, d = {d}, "
                    f"d_min = {dmin}); λ > 16 is sufficient, not sharp")
            out.notes.append(f"d_min = d in {counts[0]} settings, d + 1 in {counts[1]}: both "
                             f"members of the set occur")
            out.data = {"d_min_equals_d": counts[0], "d_min_equals_d_plus_1": counts[1]}
        return out

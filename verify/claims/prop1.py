"""Prop 1 (Wu et al. 2025): monotonicity of the latent W2 curve in backward time.

Exact score: ``t ↦ d_F(P_dᵀ P_d Y_t, X_0)`` is non-increasing. Plug-in score: it is
non-increasing iff ``c_d = Σ_{i≤d} (1 - σ_i/σ̂_i)(1 - σ̂_i²) ≥ 0``. Proof idea: in ``x = a²``,
``f(x) = Σ_{i≤d} (sqrt(x + (1-x)σ̂_i²) - σ_i)²`` is convex, so monotone iff ``f'(0) ≥ 0``.

The check does not use that proof: it observes monotonicity directly. For each setting and each
``d`` the minimum of ``W²`` over ``t ∈ [0, T]`` is located by golden-section search on values
(no derivative formula); the curve is non-increasing in ``t`` iff that minimum is at ``t = T``,
i.e. no ``t`` has ``W²(t) < W²(T)``. This observation is compared with the sign of the printed
condition, in both directions. Convexity in ``a²`` is checked with ``mpmath.diff`` (second
derivative by extrapolated finite differences) and compared with the derivation's curvature.
"""

from __future__ import annotations

import mpmath as mp

from ..claim import Claim, Context, Outcome
from ..transcribe import golden_min, schedule, w2
from .settings import diag_settings

__all__ = ["Prop1"]


def condition(sig, sigh, d, variant: str = "paper"):
    """Prop 1's printed condition ``Σ_{i≤d} (1 - σ_i/σ̂_i)(1 - σ̂_i²)``; the control swaps the
    ratio to ``σ̂_i/σ_i``."""
    if variant == "control":
        return mp.fsum((1 - sh / s) * (1 - sh**2) for s, sh in zip(sig[:d], sigh[:d]))
    return mp.fsum((1 - s / sh) * (1 - sh**2) for s, sh in zip(sig[:d], sigh[:d]))


class Prop1(Claim):
    id = "prop1"
    title = "Monotonicity of the W2 curve; plug-in iff-condition; convexity in a²"
    source = "Wu et al. 2025, Prop 1"
    hypotheses = "diagonal Σ, σ_i > 0, σ̂_i > 0, start at p_T (plug-in: its own p̂_T), VP schedule"
    statement = (r"Exact score: $t\mapsto d_F(P_d^\top P_d Y_t, X_0)$ non-increasing. Plug-in: "
                 r"non-increasing $\iff \sum_{i\le d}(1-\sigma_i/\hat\sigma_i)(1-\hat\sigma_i^2)\ge 0$; "
                 r"$f(x)=\sum_{i\le d}(\sqrt{x+(1-x)\hat\sigma_i^2}-\sigma_i)^2$ convex in $x=a^2$.")
    methods = ["golden-section minimum over t (values only)", "mpmath.diff (1st/2nd derivative)",
               "derivation: component_slope, component_curvature, monotonicity_term"]
    residual_what = "max relative |transcribed − derived| over f', f'', condition"
    control = "condition with the ratio inverted: Σ(1 − σ̂_i/σ_i)(1 − σ̂_i²) ≥ 0"

    def check(self, ctx: Context, variant: str) -> Outcome:
        from ldmstop.derivations.backends import mpmath_function

        slope = mpmath_function("component_slope")
        curv = mpmath_function("component_curvature")
        mono = mpmath_function("monotonicity_term")
        out = Outcome()
        worst = mp.mpf(0)
        interior = boundary = 0
        settings = diag_settings(ctx.rng(self.id), ctx.n(4, 16), plugin=True)
        settings += diag_settings(ctx.rng(self.id + "-exact"), ctx.n(2, 6), plugin=False)
        # A short horizon where the condition fails but the stationary point of f lies beyond
        # a_T² (x* = 0.2/0.7 > a_T² = 1 - e^{-0.2}): the curve increases on all of [0, T].
        settings.append({"name": "edge-small-T", "schedule": "ou", "T": mp.mpf(1) / 10,
                         "sig": [mp.sqrt(mp.mpf(1) / 2)], "sigh": [mp.sqrt(mp.mpf(3) / 10)]})
        for st in settings:
            sch = schedule(st["schedule"])
            T, sig, sigh = st["T"], st["sig"], st["sigh"]
            aT2 = sch.a2(T)
            out.n_settings += 1
            for d in range(1, len(sig) + 1):
                f = lambda x: w2(x, sig, sigh, d)  # noqa: E731
                # Observation: minimum over t of W²(t) (values only) vs the end point t = T.
                # In x = a²_{T-t} (monotone in t, so the same minimum); 60 golden steps locate
                # it to 1e-12: any dip deeper than ~1e-24 is seen, and a dip found is genuine.
                xmin, wmin = golden_min(f, 0, aT2, iters=60)
                tmin = T - sch.ext_inv(xmin, T)
                wT = f(mp.mpf(0))
                increases = wmin < wT - ctx.tol * (1 + wT)
                cond = condition(sig, sigh, d, variant)
                predicted_monotone = cond >= 0
                out.n_checks += 1
                if predicted_monotone == increases:
                    out.violate(d + len(sig), d=d, T=T, schedule=sch.name,
                                sigma2=[s**2 for s in sig], sigma2_hat=[s**2 for s in sigh],
                                condition=cond, min_over_t=wmin, at_t=tmin, w2_at_T=wT,
                                what="condition sign disagrees with the observed monotonicity")
                if increases:
                    if xmin < aT2:  # the minimiser in x is below a_T²: an interior t
                        interior += 1
                    else:
                        boundary += 1
                if variant != "paper":
                    continue
                # Convexity in x and the derivation's slope/curvature, at extra precision.
                with mp.workdps(ctx.dps + 20):
                    for x in (aT2 / 7, aT2 / 2, aT2 * 6 / 7):
                        d1 = mp.diff(f, x)
                        d2 = mp.diff(f, x, 2)
                        s1 = mp.fsum(slope(x, s, sh) for s, sh in zip(sig[:d], sigh[:d]))
                        s2 = mp.fsum(curv(x, s, sh) for s, sh in zip(sig[:d], sigh[:d]))
                        worst = max(worst, abs(d1 - s1) / (1 + abs(s1)), abs(d2 - s2) / (1 + abs(s2)))
                        out.n_checks += 1
                        if d2 < -ctx.tol:
                            out.violate(d + len(sig), d=d, x=x, second_derivative=d2,
                                        what="not convex in a²")
                    m = mp.fsum(mono(s, sh) for s, sh in zip(sig[:d], sigh[:d]))
                    worst = max(worst, abs(m - cond) / (1 + abs(cond)))
        out.residual = worst
        out.residual_ok = worst <= ctx.tol
        if variant == "paper":
            out.notes.append(
                f"when the condition fails the curve increases near t = T; its minimum over "
                f"[0, T] was interior in {interior} cases and at t = 0 (stationary point beyond "
                f"a_T², e.g. the short-horizon edge setting) in {boundary}: the iff-claim holds, but "
                f"'an interior minimum when it fails' needs x* < a_T²")
            out.data = {"interior_minima": interior, "minimum_at_t0": boundary}
        return out

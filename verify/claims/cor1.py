"""Corollary 1 (Wu et al. 2025): the optimal latent dimension grows like log C / log λ.

Printed (v1, §5): "Corollary 1. Let λ > 16. Assume that Σ = diag(λ^{−1}, . . . , λ^{−D}) and
λ ≤ C ≤ λ^D. Let d ∈ {1, . . . , D} be such that σ̂_{d+1}² ≤ 1/C ≤ σ̂_d². Then, with n large enough
and high probability, d_min ∈ {d, d + 1}." **No condition on T** (OU, start N(0, I), no early
stop, as in Prop 5). The printed proof has slips: "λ ≥ 16" is used, σ̂ for σ̂², and "d2 < d + 2"
is concluded where the chain gives ≤; it rests on Prop 5, which fails for small T (see prop5).

``d_min`` minimises ``Σ_{i≤d'} (√V_{T,i} − σ_i)² + Σ_{i>d'} σ_i²`` over ``d'`` (``V_{T,i}`` from
Prop 5's closed forms, pinned to an ODE solution by prop5). "n large enough" is the limit
``σ̂ = σ`` plus estimates within ``|σ̂²/σ² − 1| ≤ 10⁻³`` (searched). ``σ̂_{D+1}`` does not exist:
for ``d = D`` the condition reads ``1/C ≤ σ̂_D²`` (the only reading that lets C = λ^D be used).
Corrected statement (verified): with ``T ≥ ½ log 2`` (Prop 5's corrected hypothesis).
Control: ``d_min ∈ {d − 1, d}``.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from ..capped_score import (DMAX, T_SUFFICIENT, CappedDimensionFalsifier, capped_optimal_dims,
                            closed_form_VT)
from ..claim import Claim, Context, Outcome
from ..domain import Domain, Param, dimension, horizon
from ..mutations import CodeMutation
from ..search import Coord

__all__ = ["Corollary1"]

ETA = 1e-3  # "n large enough": |σ̂²/σ² − 1| ≤ ETA


def corollary_d(hat2, C) -> int | None:
    """The d of the corollary: σ̂_{d+1}² ≤ 1/C ≤ σ̂_d² (σ̂_{D+1} absent); the first such d."""
    D = len(hat2)
    for d in range(1, D + 1):
        if 1 / C <= hat2[d - 1] and (d == D or hat2[d] <= 1 / C):
            return d
    return None


class _Cor1Falsifier(CappedDimensionFalsifier):
    claim_id = "cor1"
    vectors = ()
    scalars = ("T", "lam")
    margin_what = "(min_{m∈{d,d+1}} W²(m) − min_d' W²(d')) / Σσ² (σ² = λ^{−i})"

    def __init__(self, variant: str):
        super().__init__(variant)
        Tlo = T_SUFFICIENT if self.corrected else 1e-4
        self.coords = ([Coord("D", 1, DMAX, integer=True), Coord("T", Tlo, 50.0, log=True),
                        Coord("lam1", 1e-6, 1e4, log=True), Coord("u", 0.0, 1.0)]
                       + [Coord(f"w{i}", -1.0, 1.0) for i in range(DMAX)] + [Coord("exact", 0, 1)])
        from ..validity import Axis

        self.map_y = Axis("λ", 16.0 + 1e-3, 1e3, True, lambda s, v: self.rebuild(dict(s, lam=v)),
                          lambda s: float(s["lam"]))

    def rebuild(self, s):
        """σ² = λ^{−i} and σ̂² = σ²(1 + η_i) from λ, D and the η; C from its exponent."""
        lam = float(s["lam"])
        D = s["D"]
        s["sigma2"] = [1 / lam**i for i in range(1, D + 1)]
        s["sigma2_hat"] = [v * (1 + e) for v, e in zip(s["sigma2"], s["eta"])]
        s["C"] = _power(lam, s["c_exp"])
        return s

    def decode(self, x):
        D = int(x[0])
        lam = 16.0 + float(x[2])
        eta = [0.0] * D if x[-1] < 0.5 else [ETA * float(v) for v in x[4:4 + D]]
        s = {"T": float(x[1]), "lam": lam, "D": D, "c_exp": 1 + float(x[3]) * (D - 1), "eta": eta}
        return self.rebuild(s)

    def admissible(self, s):
        s = self.with_mp(s)
        lam, C = mp.mpf(s["lam"]), s["C"]
        D = s["D"]
        ok = lam > 16 and 1 <= mp.mpf(s["c_exp"]) <= D and mp.mpf(s["T"]) > 0
        ok = ok and all(abs(e) <= ETA for e in s["eta"])
        if self.corrected:
            ok = ok and mp.mpf(s["T"]) >= T_SUFFICIENT
        return ok and corollary_d(s["sigma2_hat"], C) is not None

    def allowed(self, s2, h2, C) -> set:
        d = corollary_d(h2, C)
        if d is None:
            return set()
        if self.variant == "control":
            return {m for m in (d - 1, d) if m >= 1}
        return {m for m in (d, d + 1) if m <= len(h2)}

    def with_mp(self, s):
        """The setting with σ², σ̂², C recomputed exactly at the working precision."""
        lam = mp.mpf(s["lam"])
        out = dict(s)
        out["sigma2"] = [1 / lam**i for i in range(1, s["D"] + 1)]
        out["sigma2_hat"] = [v * (1 + mp.mpf(e)) for v, e in zip(out["sigma2"], s["eta"])]
        out["C"] = _power(lam, s["c_exp"])
        return out

    def margin(self, s, M):
        # σ², σ̂², C always rebuilt from (λ, D, exponent, η): a shrinking move that rounds λ
        # must not leave a stale C behind
        s = self.with_mp(s) if M is not _F64() else self.rebuild(dict(s))
        return super().margin(s, M)

    def independent(self, s):
        return super().independent(self.with_mp(s))

    def extra_moves(self, s):
        if any(e != 0 for e in s["eta"]):
            yield self.rebuild(dict(s, eta=[0.0] * s["D"]))
        if s["D"] > 1:
            D = s["D"] - 1
            c_exp = min(float(s["c_exp"]), D)
            yield self.rebuild(dict(s, D=D, eta=s["eta"][:D], c_exp=c_exp))
        for k in range(1, s["D"] + 1):  # C = λ^k exactly
            if float(s["c_exp"]) != k:
                yield self.rebuild(dict(s, c_exp=float(k)))
        for lam in (17, 20, 50, 100):
            if float(s["lam"]) != lam:
                yield self.rebuild(dict(s, lam=float(lam)))

    def with_T(self, s, T):
        return dict(s, T=T)

    def describe(self, s):
        s = self.rebuild(dict(s))
        out = {"T": s["T"], "lam": s["lam"], "D": s["D"], "C": s["C"],
               "C_exponent": s["c_exp"], "sigma2_hat_over_sigma2_minus_1": s["eta"]}
        from ..search import to_json_value

        return {k: to_json_value(v) for k, v in out.items()}

    def edges(self):
        out = []
        for T in (1e-4, 0.005, 0.02, 0.1, T_SUFFICIENT, 2.0, 50.0):
            for lam in (16.0 + 1e-6, 17.0, 100.0, 1e4):
                for D in (1, 2, 3, 8):
                    for c_exp in sorted({1.0, float(D), (1 + D) / 2}):
                        out.append(self.rebuild({"T": T, "lam": lam, "D": D, "c_exp": c_exp,
                                                 "eta": [0.0] * D}))
        return out


def _power(lam, e):
    """λ^e, with an integer exponent as an exact integer power (so that σ_k² = 1/λ^k and
    1/C tie bit for bit at C = λ^k, where the corollary's d changes)."""
    ef = float(e)
    if ef == int(ef):
        return lam ** int(ef)
    return lam ** (mp.mpf(e) if isinstance(lam, mp.mpf) else ef)


def _F64():
    from ..search import F64

    return F64


class Corollary1(Claim):
    id = "cor1"
    title = "Geometric spectrum under a cap: d_min ∈ {d, d+1}"
    source = "Wu et al. 2025, Corollary 1"
    hypotheses = ("λ > 16, Σ = diag(λ^{-i}), λ ≤ C ≤ λ^D, σ̂_{d+1}² ≤ 1/C ≤ σ̂_d², n large (σ̂ ≈ σ), "
                  "OU, start N(0, I), any fixed T > 0")
    statement = r"$d_{\min}\in\{d, d+1\}$"
    methods = ["search over (λ, D, C, T, σ̂ ≈ σ): random + edges + differential evolution",
               "brute force over d' with Prop 5's closed-form V_T (pinned to the ODE in prop5)",
               "code: sim.recursions.continuous_variances and w2_from_variances"]
    residual_what = "none (set-membership claim); code: relative |code V_T − closed form|"
    control = "d_min ∈ {d − 1, d}"
    corrected = (r"Corollary 1 with the extra hypothesis $T\ge\frac12\log 2$ (Prop 5's corrected "
                 r"hypothesis): $d_{\min}\in\{d,d+1\}$; for small $T$, $V_T\approx1$ and every kept "
                 r"component ($\sigma_i^2\le1/16$) hurts, so $d_{\min}=1$")
    code_what = ("ldmstop.sim.recursions.continuous_variances(cap, start N(0, 1)) and "
                 "w2_from_variances: V_T and the code's optimal dimension")
    code_control = CodeMutation(
        "attr:ldmstop.sim.recursions:w2_from_variances",
        "w2_from_variances fed V² instead of V (a missing square root)",
        lambda f: (lambda sigma2, V: f(sigma2, np.asarray(V) ** 2)))
    domain = Domain(
        params=(Param("lam", "λ > 16", lo=16.0, lo_open=True, search=(16 + 1e-6, 1e4), log=True),
                dimension(),
                Param("C", "λ ≤ C ≤ λ^D", lo=1.0, kind="real", note="searched as C = λ^{1+u(D−1)}"),
                Param("sigma2_hat", "n large: |σ̂²/σ² − 1| ≤ 1e-3 (and σ̂ = σ exactly)",
                      kind="vector"),
                horizon()),
        hypotheses=("Σ = diag(λ^{−1}, …, λ^{−D})", "d with σ̂_{d+1}² ≤ 1/C ≤ σ̂_d²",
                    "as Prop 5: OU, start N(0, I), no early stop"),
        undefined=("σ̂_{D+1} for d = D: the condition read as 1/C ≤ σ̂_D²",
                   "'n large enough' gives no rate: the limit σ̂ = σ and |σ̂²/σ² − 1| ≤ 1e-3 searched"),
        quote="Let λ > 16. Assume that Σ = diag(λ−1, . . . , λ−D) and λ ≤ C ≤ λD. … dmin ∈ {d, d + 1}")

    def falsifier(self, variant: str):
        return _Cor1Falsifier(variant)

    def check(self, ctx: Context, variant: str) -> Outcome:
        rng = ctx.rng(self.id)
        out = Outcome()
        counts = {0: 0, 1: 0}
        for k in range(ctx.n(20, 80)):
            lam = mp.mpf(float(rng.uniform(16.01, 100)))
            D = int(rng.integers(2, 8))
            u = [0, 1, rng.uniform(0, 1)][k % 3] if k < 6 else rng.uniform(0, 1)
            C = lam ** (1 + mp.mpf(float(u)) * (D - 1))
            # targeted at T ≥ ½ log 2 (the search covers small T): the corrected reading
            T = mp.mpf(2) if k % 2 == 0 else mp.mpf(float(rng.uniform(float(T_SUFFICIENT), 3)))
            sig2 = [lam ** (-i) for i in range(1, D + 1)]
            eta = 0 if k % 2 == 0 else ETA
            hat2 = [s * (1 + mp.mpf(float(rng.uniform(-eta, eta)))) for s in sig2]
            d = corollary_d(hat2, C)
            if d is None:
                continue
            out.n_settings += 1
            dmin, _ = capped_optimal_dims(T, sig2, hat2, C)
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
            worst_lam = None
            r2 = ctx.rng(self.id + "-outside")
            for _ in range(ctx.n(30, 120)):
                lam = mp.mpf(float(r2.uniform(1.5, 16)))
                D = int(r2.integers(2, 7))
                C = lam ** (1 + mp.mpf(float(r2.uniform(0, 1))) * (D - 1))
                sig2 = [lam ** (-i) for i in range(1, D + 1)]
                d = max(i for i in range(1, D + 1) if sig2[i - 1] >= 1 / C)
                dmin, _ = capped_optimal_dims(mp.mpf(2), sig2, sig2, C)
                if not set(dmin) <= {d, d + 1} and (worst_lam is None or lam > worst_lam[0]):
                    worst_lam = (lam, D, C, d, dmin)
            if worst_lam is None:
                out.notes.append("outside the hypotheses (λ ∈ [1.5, 16), T = 2, σ̂ = σ) no failure found")
            else:
                lam, D, C, d, dmin = worst_lam
                out.notes.append(
                    f"outside the hypotheses the statement fails for small λ (largest failing λ "
                    f"found in [1.5, 16) at T = 2: {mp.nstr(lam, 4)}, D = {D}, C = {mp.nstr(C, 4)}, "
                    f"d = {d}, d_min = {dmin}); λ > 16 is sufficient, not sharp")
            out.notes.append(f"targeted (T ≥ ½ log 2): d_min = d in {counts[0]} settings, d + 1 in "
                             f"{counts[1]}: both members of the set occur")
            out.data = {"d_min_equals_d": counts[0], "d_min_equals_d_plus_1": counts[1]}
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        from ldmstop.sim.recursions import continuous_variances, w2_from_variances

        out = Outcome()
        worst64 = 0.0
        for lam, D, k, T in ((17, 4, 2, 2.0), (50, 5, 3, 0.5), (20, 3, 3, 0.01)):
            lam = mp.mpf(lam)
            C = lam**k
            sig2 = [lam ** (-i) for i in range(1, D + 1)]
            V_ref = [closed_form_VT(mp.mpf(T), h, C) for h in sig2]
            _, V = continuous_variances(np.array([float(v) for v in sig2]), schedule="ou", T=T,
                                        steps=8, scheme="em", init="normal", cap=float(C),
                                        times=np.array([T]))
            for i in range(D):
                worst64 = max(worst64, abs(float(V[-1, i]) - float(V_ref[i])) / float(V_ref[i]))
                out.n_checks += 1
            W = w2_from_variances(np.array([float(v) for v in sig2]), V)[:, -1]
            dmin_ref, vals = capped_optimal_dims(mp.mpf(T), sig2, sig2, C)
            for d in range(D):
                worst64 = max(worst64, abs(float(W[d]) - float(vals[d])) / float(vals[d]))
                out.n_checks += 1
            if int(np.argmin(W)) + 1 not in dmin_ref:
                out.violate(D, lam=lam, D=D, C=C, T=T, code_d_min=int(np.argmin(W)) + 1,
                            d_min=dmin_ref, what="the code's optimal dimension differs")
            out.n_settings += 1
        if worst64 > 1e-10:
            out.violate(1, what="sim.recursions V_T or W² differs from Prop 5's closed form",
                        relative_difference=worst64)
        out.residual = mp.mpf(worst64)
        out.tolerance = mp.mpf("1e-10")
        out.notes.append(f"sim.recursions V_T and W² within {worst64:.1e} (relative) of the closed forms")
        return out

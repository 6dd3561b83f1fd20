"""Prop 3 / Prop 8 (Wu et al. 2025): low-rank data, optimal dimension and optimal stop.

Printed (v1, Appendix A.3, Prop 8): "Assume that Σ = diag(σ², . . . , σ², 0, . . . , 0) with the
last D − d0 entries equal to 0, and the estimated variances are ordered as σ̂_1² ≥ σ̂_2² ≥ . . . ≥
σ̂_{d0}². Let ε ∈ (0, 1). For t ∈ [T − ā^{-2}((3−ε)/(1+ε) · σ̂_1²/(1−σ̂_1²)), T], with probability
1 − 2d0 e^{−ε²n/8}, we have d_F(P_{d0}ᵀ P_{d0} X̂_t, X_0) = min_{d'} d_F(…). If, in addition,
Σ_{d'≤d0} (1 − σ/σ̂_{d'})(1 − σ̂_{d'}²) < 0, (12) then Σ_{d'≤d0} (1 − σ/√(σ̂_{d'}² + (1 − σ̂_{d'}²)a_t²))
(1 − σ̂_{d'}²) = 0 has a unique solution which we denote by δ̂_{d0}. By convention, if the
condition (12) is not satisfied, we set δ̂_{d0} = 0. Then, with probability 1 − 2d0 e^{−ε²n/8},
d_F(P_{d0}ᵀ P_{d0} X̂_{T−δ̂}, X_0) = min_{t ∈ [0,T], d'} d_F(P_{d'}ᵀ P_{d'} X̂_t, X_0)." The proof of (b)
works on the event ``|σ² − σ̂_d²| ≤ σ²`` (ε = 1, probability ``1 − 2d0 e^{−n/8}``); the main-text
Prop 3 states only "there exists δ̂_{d0} ∈ [0, T]". σ̂_i = 0 for i > d0 (the samples are 0 there).

Both parts are checked as deterministic implications on their events, over the whole domain:
``d0`` and ``D − d0``, ``σ² ∈ (0, ∞)``, ``ε ∈ (0, 1)``, every estimate on the event, any
``T > 0`` and every t in the interval. Part (a) has no ``(·)_+``: for ``σ̂_1² > 1`` its argument
is negative (interval ``{T}``); ``σ̂_1² = 1`` divides by 0 (read as ``+∞``, interval ``[0, T]``).

Part (b) as printed has two halves: the equation in ``a_t²`` has a unique solution ``t = δ̂``
in ``[0, T]`` (reading A: ``x* = a²`` at the *forward* time ``δ̂``, stop at backward time
``T − δ̂``; reading B, ``x* = a_t²`` at the backward stop, is shown wrong by the optimum), and
``(d0, T − δ̂)`` is the global minimiser. The root ``x*`` of ``g`` need not lie in
``[0, a_T²]``: for small T (``x* > a_T²``) or when ``g < 0`` on all of ``[0, 1)`` (σ > 1) the
equation has no solution in ``[0, T]``. Corrected statement (verified): ``δ̂ = ā^{-2}(x*)``
through the extended inverse (``x* = +∞`` when g has no root in (0, 1)), i.e. stop at ``t = 0``
when ``x* ≥ a_T²``; then ``(d0, T − δ̂)`` is the global minimiser — the main-text Prop 3.
"""

from __future__ import annotations

from functools import lru_cache
import math

import mpmath as mp
import numpy as np

from .. import formulas as fm
from ..claim import Claim, Context, Outcome
from ..domain import Domain, Param, horizon
from ..mutations import CodeMutation
from ..search import F64, Coord, Falsifier, to_json_value
from ..transcribe import golden_min, pos_ratio, schedule, w2
from .settings import paper_estimate

__all__ = ["Prop3a", "Prop3b", "lowrank_settings", "g_function"]

D0MAX = 6


def lowrank_settings(rng: np.random.Generator, n: int) -> list[dict]:
    """The paper-like setting (σ² = 0.2 as in Figure 4 right, d0 = 3, D = 5, n = 1000 samples,
    ε = the realised max |σ̂²/σ² - 1|), edge settings (every σ̂_i² at the event's boundary
    (1 ± ε)σ², where Prop 3(a)'s interval is tight) and random ones: d0 ∈ 1..4, D - d0 ∈ 0..2,
    σ² log-uniform on [1e-3, 2], ε ~ U(0.01, 0.95), σ̂_i² ~ U[(1-ε)σ², (1+ε)σ²], OU with
    T log-uniform on [1e-3, 20] (small T puts the stationary point beyond a_T²)."""
    out = []
    s2, h2 = paper_estimate([0.2, 0.2, 0.2, 0.0, 0.0])
    eps = max(abs(h / mp.mpf("0.2") - 1) for h in h2[:3])
    out.append(dict(name="paper-like (σ²=0.2, d0=3, n=1000)", T=mp.mpf(2), d0=3, D=5,
                    sig=mp.sqrt(mp.mpf(2) / 10), eps=eps, hat2=h2[:3]))
    for k, (d0, s2f, eps_f, side, T) in enumerate([(2, 0.05, 0.5, +1, 2.0), (3, 0.1, 0.2, +1, 2.0),
                                                   (2, 0.2, 0.9, -1, 2.0), (2, 0.9, 0.9, -1, 2.0),
                                                   (1, 0.99, 0.95, -1, 2.0), (1, 0.2, 0.5, -1, 0.05)]):
        sig2, eps = mp.mpf(s2f), mp.mpf(eps_f)
        out.append(dict(name=f"edge-{k}", T=mp.mpf(T), d0=d0, D=d0 + 1, sig=mp.sqrt(sig2), eps=eps,
                        hat2=[sig2 * (1 + side * eps)] * d0))
    for k in range(n):
        d0 = int(rng.integers(1, 5))
        D = d0 + int(rng.integers(0, 3))
        sig2 = mp.mpf(float(10 ** rng.uniform(-3, np.log10(2))))
        eps = mp.mpf(float(rng.uniform(0.01, 0.95)))
        u = rng.uniform(-1, 1, d0)
        hat2 = sorted((sig2 * (1 + mp.mpf(float(v)) * eps) for v in u), reverse=True)
        out.append(dict(name=f"random-{k}", T=mp.mpf(float(10 ** rng.uniform(-3, 1.3))), d0=d0, D=D,
                        sig=mp.sqrt(sig2), eps=eps, hat2=hat2))
    return out


def _into_event(h: float, s2: float, eps: float) -> float:
    """``h`` moved (by a few ulps at most) so that ``|h − σ²| ≤ εσ²`` holds exactly for the
    binary floats given: the event's boundary is where Prop 3(a)'s interval is tight, and a
    float64 rounding must not put the search outside the hypotheses."""
    from fractions import Fraction

    if abs(h - s2) <= eps * s2 * (1 - 1e-15):  # clearly inside: no exact arithmetic needed
        return h
    S, E = Fraction(s2), Fraction(eps)
    for _ in range(8):
        if abs(Fraction(h) - S) <= E * S:
            return h
        h = float(np.nextafter(h, s2))
    return h


def _vectors(st):
    d0, D = st["d0"], st["D"]
    sig = [st["sig"]] * d0 + [mp.mpf(0)] * (D - d0)
    sigh = [mp.sqrt(h) for h in st["hat2"]] + [mp.mpf(0)] * (D - d0)
    return sig, sigh


def g_function(sig, hat2, variant: str = "paper"):
    """Prop 3(b)'s ``g(x)``, transcribed; the control uses σ² where the paper has σ."""
    num = sig**2 if variant == "control" else sig
    return lambda x: mp.fsum((1 - num / mp.sqrt(h + (1 - h) * x)) * (1 - h) for h in hat2)


def _global_min(sch, T, sig, sigh):
    """min over d' ∈ 1..D and t ∈ [0, T] of W²(t, d'): golden-section search in t (values only).
    Cached per setting and precision (the statement and its control share the minimum)."""
    return _global_min_at(mp.mp.dps, sch, T, tuple(sig), tuple(sigh))


@lru_cache(maxsize=1024)
def _global_min_at(dps: int, sch, T, sig: tuple, sigh: tuple):
    with mp.workdps(dps):
        best = None
        iters = int((dps - 8) / 2 / 0.2089) + 5
        for d in range(1, len(sig) + 1):
            t, v = golden_min(lambda t: w2(sch.a2(T - t), sig, sigh, d), 0, T, iters=iters)
            if best is None or v < best[2]:
                best = (d, t, v)
        return best


# ------------------------------------------------------------------------------- falsifiers
class _LowRankFalsifier(Falsifier):
    """Low-rank settings: ``d0`` equal variances σ², ``D − d0`` zeros, estimates on the event."""

    vectors = ("sigma2_hat",)
    scalars = ("T", "sigma2", "eps")
    time_keys = ()
    event_eps_fixed: float | None = None  # part (b): the ε = 1 event

    def __init__(self, variant: str):
        self.variant = variant
        self.coords = ([Coord("d0", 1, D0MAX, integer=True), Coord("zeros", 0, 3, integer=True),
                        Coord("sigma2", 1e-6, 1e2, log=True), Coord("eps", 1e-4, 1 - 1e-9, log=True),
                        Coord("T", 1e-4, 50.0, log=True), Coord("u", 1e-12, 1.0, log=True)]
                       + [Coord(f"w{i}", -1.0, 1.0) for i in range(D0MAX)])

    def decode(self, x):
        d0, zeros = int(x[0]), int(x[1])
        s2, eps = float(x[2]), float(x[3])
        if self.event_eps_fixed is not None:
            eps = self.event_eps_fixed
        w = sorted((float(v) for v in x[6:6 + d0]), reverse=True)
        hat = [_into_event(s2 * (1 + eps * v), s2, eps) for v in w]
        if min(hat) <= 0:
            return None
        out = {"T": float(x[4]), "d0": d0, "D": d0 + zeros, "sigma2": s2, "sigma2_hat": hat}
        if self.event_eps_fixed is None:
            out["eps"] = eps
        out["_u"] = float(x[5])
        return out

    def admissible(self, s):
        s2 = mp.mpf(s["sigma2"])
        eps = mp.mpf(s.get("eps", self.event_eps_fixed))
        h = [mp.mpf(v) for v in s["sigma2_hat"]]
        ok = s2 > 0 and 0 < eps <= 1 and (eps < 1 or self.event_eps_fixed == 1)
        ok = ok and len(h) == s["d0"] and s["D"] >= s["d0"] and mp.mpf(s["T"]) > 0
        ok = ok and all(v > 0 and abs(v - s2) <= eps * s2 for v in h)
        return ok and all(h[i] >= h[i + 1] for i in range(len(h) - 1))

    def _vecs(self, s, M):
        d0, D = s["d0"], s["D"]
        s2 = [M.num(s["sigma2"])] * d0 + [0 * M.num(1)] * (D - d0)
        h2 = [M.num(v) for v in s["sigma2_hat"]] + [0 * M.num(1)] * (D - d0)
        return s2, h2

    def extra_moves(self, s):
        # all estimates equal (σ̂ = σ), fewer zeros, d0 = 1
        if len(set(map(str, s["sigma2_hat"]))) > 1:
            yield dict(s, sigma2_hat=[s["sigma2_hat"][0]] * s["d0"])
        if s["D"] > s["d0"]:
            yield dict(s, D=s["D"] - 1)
        if s["d0"] > 1:
            yield dict(s, d0=s["d0"] - 1, D=s["D"] - 1, sigma2_hat=s["sigma2_hat"][:-1])


class _Prop3aFalsifier(_LowRankFalsifier):
    claim_id = "prop3a"
    margin_what = "(W²(d0, t) − min_d' W²(d', t)) / (d0 σ²) for t in the printed interval"
    independent_what = "transcribe.py W² and extended inverse, brute force over d'"

    def factor(self, eps):
        if self.variant == "control":
            return (3 + eps) / (1 - eps)
        return (3 - eps) / (1 + eps)

    def delta_start(self, s, M):
        """Forward time of the interval's left end: ā^{-2}(factor · σ̂_1²/(1 − σ̂_1²)) (no (·)_+)."""
        h1 = M.num(s["sigma2_hat"][0])
        eps = M.num(s["eps"])
        T = M.num(s["T"])
        den = 1 - h1
        arg = self.factor(eps) * h1 / den if den != 0 else M.inf
        return fm.ext_inv("ou", arg, T, M)

    def decode(self, x):
        out = super().decode(x)
        if out is None:
            return None
        with np.errstate(all="ignore"):
            try:
                dl = float(self.delta_start(out, F64))
            except (ValueError, ZeroDivisionError, OverflowError):
                return None
        out["u"] = out.pop("_u")
        return out

    def margin(self, s, M):
        s2, h2 = self._vecs(s, M)
        sf = M.num(s["u"]) * self.delta_start(s, M)
        vals = fm.w2_all(fm.a2("ou", sf, M), s2, h2, M)
        d0 = s["d0"]
        return (vals[d0 - 1] - min(vals)) / (d0 * M.num(s["sigma2"]))

    def independent(self, s):
        d0, D = s["d0"], s["D"]
        sig = [mp.sqrt(mp.mpf(s["sigma2"]))] * d0 + [mp.mpf(0)] * (D - d0)
        sigh = [mp.sqrt(mp.mpf(v)) for v in s["sigma2_hat"]] + [mp.mpf(0)] * (D - d0)
        sf = mp.mpf(s["u"]) * self.delta_start(s, _mpns())
        x = schedule("ou").a2(sf)
        vals = [w2(x, sig, sigh, k) for k in range(1, D + 1)]
        return (vals[d0 - 1] - min(vals)) / (d0 * mp.mpf(s["sigma2"]))

    def admissible(self, s):
        return super().admissible(s) and 0 <= mp.mpf(s["u"]) <= 1

    def describe(self, s):
        out = super().describe(s)
        with mp.workdps(30):
            out["t"] = to_json_value(mp.mpf(s["T"]) - mp.mpf(s["u"]) * self.delta_start(s, _mpns()))
        return out

    def edges(self):
        out = []
        for T in (1e-4, 0.05, 2.0, 50.0):
            for s2, eps, side in ((0.05, 0.5, 1), (0.2, 0.9, -1), (0.9, 0.9, -1), (0.99, 0.95, -1),
                                  (0.6, 0.7, 1), (0.25, 0.999, 1), (1.0, 0.5, 0)):
                for d0, z in ((1, 0), (2, 1), (4, 2)):
                    base = {"T": T, "d0": d0, "D": d0 + z, "sigma2": s2, "eps": eps,
                            "sigma2_hat": [_into_event(s2 * (1 + side * eps), s2, eps)] * d0}
                    for u in (1.0, 1 - 1e-9, 0.5, 0.0):
                        out.append(dict(base, u=u))
        return out


def _mpns():
    from ..search import mp_namespace

    return mp_namespace()


class _Prop3bFalsifier(_LowRankFalsifier):
    claim_id = "prop3b"
    event_eps_fixed = 1.0
    scalars = ("T", "sigma2")
    margin_what = ("as printed: −g(a_T²)/|g(0)| > 0 when (12) holds but the equation has no "
                   "solution in [0, T]; else (W²(d0, T − δ̂) − min_{t,d'} W²) / (d0 σ²)")
    independent_what = ("mpmath.findroot for x*, golden-section minimum over backward time t for "
                        "every d' (transcribe.py)")
    extra_hypothesis = ("δ̂ = ā^{-2}(x*) through the extended inverse (x* = +∞ if g < 0 on "
                        "[0, 1)): stop at t = 0 when x* ≥ a_T²")

    def __init__(self, variant: str):
        super().__init__(variant)
        self.corrected = variant == "corrected"
        self.coords = [c for c in self.coords if c.name not in ("eps", "u")]
        from ..validity import Axis

        def set_ratio(s, r):
            return dict(s, sigma2_hat=[float(s["sigma2"]) * r] * s["d0"])

        self.map_y = Axis("σ̂²/σ² (all i ≤ d0)", 1e-3, 2.0, True, set_ratio,
                          lambda s: float(s["sigma2_hat"][0]) / float(s["sigma2"]))

    def decode(self, x):
        z = np.concatenate([x[:3], [0.5], x[3:4], [0.5], x[4:]])
        out = super().decode(z)
        if out is not None:
            out.pop("_u", None)
        return out

    def g(self, s, M):
        sig = M.sqrt(M.num(s["sigma2"]))
        num = sig * sig if self.variant == "control" else sig
        h = [M.num(v) for v in s["sigma2_hat"]]
        return lambda x: M.fsum((1 - num / M.sqrt(q + (1 - q) * x)) * (1 - q) for q in h)

    def root(self, g, hi, M):
        """The root of the increasing g on [0, hi] (g(0) < 0 ≤ g(hi)): Brent's method in
        float64 (scipy.optimize.brentq), bisection at higher precision."""
        if M is F64:
            from scipy.optimize import brentq

            return brentq(g, 0.0, float(hi), xtol=1e-15 * float(hi), rtol=1e-15)
        lo = 0 * hi
        iters = 60 if M.dps <= 16 else int(M.dps * 3.4) + 10
        for _ in range(iters):
            mid = (lo + hi) / 2
            if g(mid) < 0:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    def stop_noise(self, s, M):
        """(x at the stop, existence margin): reading A, δ̂ = ā^{-2}(x*)."""
        T = M.num(s["T"])
        aT2 = fm.a2("ou", T, M)
        g = self.g(s, M)
        g0 = g(0 * T)
        if g0 >= 0:
            return 0 * T, None  # (12) fails: δ̂ = 0, stop at t = T
        gT = g(aT2)
        if gT < 0:  # no solution in [0, T]
            return aT2, -gT / abs(g0)
        return self.root(g, aT2, M), None

    def margin(self, s, M):
        s2, h2 = self._vecs(s, M)
        T = M.num(s["T"])
        aT2 = fm.a2("ou", T, M)
        x, missing = self.stop_noise(s, M)
        if missing is not None and not self.corrected:
            return missing
        d0 = s["d0"]
        w_stop = fm.w2_all(x, s2[:d0], h2[:d0], M)[-1]
        # components beyond d0 (σ = σ̂ = 0) add a² ≥ 0 when kept: the minimum is over d' ≤ d0
        if M is F64:
            gmin = fm.global_min64(np.array(s2[:d0]), np.array(h2[:d0]), aT2)
        else:
            gmin = fm.global_min(s2[:d0], h2[:d0], aT2, M)
        return (w_stop - gmin) / (d0 * M.num(s["sigma2"]))

    def independent(self, s):
        d0, D = s["d0"], s["D"]
        sch, T = schedule("ou"), mp.mpf(s["T"])
        sig = [mp.sqrt(mp.mpf(s["sigma2"]))] * d0 + [mp.mpf(0)] * (D - d0)
        sigh = [mp.sqrt(mp.mpf(v)) for v in s["sigma2_hat"]] + [mp.mpf(0)] * (D - d0)
        hat2 = [mp.mpf(v) for v in s["sigma2_hat"]]
        g = g_function(sig[0], hat2, self.variant)
        aT2 = sch.a2(T)
        scale = d0 * mp.mpf(s["sigma2"])
        if g(mp.mpf(0)) < 0:
            if g(aT2) < 0:
                if not self.corrected:
                    return -g(aT2) / abs(g(mp.mpf(0)))
                delta = T
            else:
                delta = sch.inv_a2(mp.findroot(g, (mp.mpf(0), aT2), solver="anderson"))
        else:
            delta = mp.mpf(0)
        w_stop = w2(sch.a2(delta), sig, sigh, d0)
        return (w_stop - _global_min(sch, T, sig, sigh)[2]) / scale

    def edges(self):
        out = []
        for T in (1e-4, 0.01, 0.05, 0.0589, 2.0, 50.0):
            for s2, hats in ((0.2, [0.1]), (0.2, [0.3]), (1.44, [0.5]), (0.2, [0.4, 0.05]),
                             (0.05, [0.1, 0.02, 0.01]), (0.5, [1.0]), (2.0, [3.9, 1.0])):
                out.append({"T": T, "d0": len(hats), "D": len(hats) + 1, "sigma2": s2,
                            "sigma2_hat": hats})
        return out


# ------------------------------------------------------------------------------------ claims

def _root_of_g(ctx: Context, variant: str, st: dict, g, out: Outcome, found: dict) -> tuple:
    """The root x* of g on [0, 1] (``+∞`` where g stays ≤ 0: recorded) and, as printed, g
    increasing (its derivative at x*/3, x*, (1 + x*)/2) with one sign change on a 40-point
    grid; ``(x*, |g(x*)|)`` (the residual counts for the paper statement only)."""
    D = st["D"]
    if g(mp.mpf(1)) <= 0:
        found["no_root_01"].append(st["name"])
        return mp.inf, mp.mpf(0)
    xstar = mp.findroot(g, (mp.mpf(0), mp.mpf(1)), solver="anderson")
    out.n_checks += 1
    if variant != "paper":
        return xstar, mp.mpf(0)
    with mp.workdps(ctx.dps + 15):
        for xg in (xstar / 3, xstar, (1 + xstar) / 2):
            if mp.diff(g, xg) <= 0:
                out.violate(D, setting=st["name"], x=xg, what="g not increasing")
    grid = [g(mp.mpf(k) / 40) for k in range(41)]
    changes = sum(1 for a, b in zip(grid, grid[1:]) if (a < 0) != (b < 0))
    if changes != 1:
        out.violate(D, setting=st["name"], sign_changes=changes,
                    what="g has more than one root on [0, 1]")
    return xstar, abs(g(xstar))


def _no_solution_in_horizon(variant: str, st: dict, xstar, aT2, out: Outcome, found: dict) -> bool:
    """x* > a_T²: (12) holds but the printed equation has no solution in [0, T] (recorded; a
    violation of the paper statement, whose setting is then not checked further)."""
    T, d0 = st["T"], st["d0"]
    found["beyond"].append((T, st["name"], xstar, aT2))
    if variant != "paper":
        return False
    out.n_checks += 1
    out.violate(st["D"] + d0, setting=st["name"], d0=d0, T=T, sigma2=st["sig"]**2,
                sigma2_hat=st["hat2"], x_star=xstar, a_T2=aT2,
                what="(12) holds but the equation has no solution in [0, T]")
    return True


def _reading_b(sch, st: dict, sig: list, sigh: list, xstar, t_a, gmin: tuple, scale, out: Outcome,
               found: dict) -> None:
    """The other reading of the printed x* (a noise level at the backward stop t, not at the
    forward time δ̂): its gap to the global minimum, kept for the finding and the figure."""
    T, d0 = st["T"], st["d0"]
    t_b = sch.ext_inv(xstar, T)
    w_b = w2(sch.a2(T - t_b), sig, sigh, d0)
    found["reading_b_gap"] = max(found["reading_b_gap"], (w_b - gmin[2]) / scale)
    found["reading_b_cases"] += 1
    if "figure_case" not in out.data:
        out.data["figure_case"] = {"name": st["name"], "T": T, "sig": sig, "sigh": sigh,
                                   "d0": d0, "x_star": xstar, "t_a": t_a, "t_b": t_b}


def _prop3b_notes(out: Outcome, found: dict) -> None:
    """The findings of the paper check: the two readings of x*, roots beyond a_T², no root."""
    beyond, no_root_01 = found["beyond"], found["no_root_01"]
    out.notes.append(
        f"a_t vs δ: reading A (x* = a² at the forward time δ̂, stop at t = T − δ̂) matches "
        f"the independent global minimum; reading B (x* = a_t² at the backward stop t) misses "
        f"it by up to {mp.nstr(found['reading_b_gap'], 3)} (relative) over {found['reading_b_cases']} targeted "
        f"settings: the root is a noise level at forward time δ̂.")
    if beyond:
        T0, name, xs, a2 = min(beyond, key=lambda b: b[0])
        out.notes.append(
            f"the root is NOT always in [0, a_T²]: {len(beyond)} of {out.n_settings} targeted "
            f"settings have x* > a_T² (e.g. {name}: T = {mp.nstr(T0, 4)}, x* = {mp.nstr(xs, 6)} > "
            f"a_T² = {mp.nstr(a2, 6)}): the printed equation has no solution in [0, T]; the "
            f"extended inverse gives δ̂ = T (stop at t = 0), the verified minimiser.")
    if no_root_01:
        out.notes.append(f"g has no root in [0, 1] in {len(no_root_01)} targeted settings "
                         f"({', '.join(no_root_01[:3])}): x* = +∞, δ̂ = T.")
    out.data.update({"root_beyond_aT2": len(beyond), "reading_b_gap": found["reading_b_gap"],
                     "no_root_in_01": len(no_root_01)})

_LOWRANK_DOMAIN = (
    Param("d0", "d0 ∈ {1, …, D}: the rank of Σ", lo=1, kind="integer", search=(1, D0MAX),
          admissible_as="{1, …, D}"),
    Param("D", "D ≥ d0 (D − d0 zero entries)", lo=1, kind="integer", search=(1, D0MAX + 3)),
    Param("sigma2", "σ² > 0 (the common non-zero variance)", lo=0.0, lo_open=True,
          search=(1e-6, 1e2), log=True),
    Param("sigma2_hat", "σ̂_1² ≥ … ≥ σ̂_{d0}² on the event |σ̂_i² − σ²| ≤ εσ²; σ̂_i = 0 for i > d0",
          lo=0.0, lo_open=True, kind="vector"),
)


class Prop3a(Claim):
    id = "prop3a"
    title = "Low-rank data: d0 optimal near the end of sampling"
    source = "Wu et al. 2025, Prop 3(a) / Prop 8"
    hypotheses = ("Σ = diag(σ²·1_{d0}, 0), σ̂_i = 0 for i > d0, event |σ̂_i² − σ²| ≤ εσ² (i ≤ d0), "
                  "σ̂_1² ≥ … ≥ σ̂_{d0}², ε ∈ (0, 1), any T > 0, OU")
    statement = (r"for $t\in[T-\bar a^{-2}(\frac{3-\varepsilon}{1+\varepsilon}\frac{\hat\sigma_1^2}"
                 r"{1-\hat\sigma_1^2}),\,T]$, $d_0$ minimises $d_F$ over all $d'$")
    methods = ["search over (d0, D, σ², ε, σ̂, T, t): random + edges + differential evolution",
               "brute force over d' ∈ 1..D (transcribed W²) at the interval's ends and inside",
               "code: curve.w2_map (float64) on the low-rank problem"]
    residual_what = "none (inequality claim); code: relative |w2_map − transcribed W²|"
    control = "(3 − ε)/(1 + ε) → (3 + ε)/(1 − ε) (a longer interval)"
    code_what = "ldmstop.curve.w2_map through Problem(estimated=…) with zero components"
    code_control = CodeMutation(
        "numpy:component_error_stable",
        "the cancellation-free component error with δ = σ̂² − σ² of the wrong sign",
        lambda f: (lambda x, s, sh, dl, omh: f(x, s, sh, -dl, omh)))
    domain = Domain(
        params=_LOWRANK_DOMAIN + (
            Param("eps", "ε ∈ (0, 1)", lo=0.0, hi=1.0, lo_open=True, hi_open=True,
                  search=(1e-4, 1 - 1e-9), log=True),
            horizon(), Param("t", "t ∈ [T − ā^{-2}((3−ε)/(1+ε) σ̂_1²/(1−σ̂_1²)), T]", admissible_as="[start, T]",
                             note="searched as forward time s ∈ [0, δ_start]")),
        hypotheses=("the event |σ̂_i² − σ²| ≤ εσ² (probability ≥ 1 − 2d0 e^{−ε²n/8}, Prop 9)",
                    "σ̂_1² ≥ … ≥ σ̂_{d0}² (Prop 8)"),
        undefined=("no (·)_+ is printed: σ̂_1² > 1 makes the argument negative (interval {T})",
                   "σ̂_1² = 1 divides by 0: read as +∞ (interval [0, T])"),
        quote="For t ∈ [T − ā−2((3−ε)/(1+ε) σ̂1²/(1−σ̂1²)), T], with probability 1 − 2d0 e−ε²n/8 …")

    def falsifier(self, variant: str):
        return _Prop3aFalsifier(variant) if variant in ("paper", "control") else None

    def check(self, ctx: Context, variant: str) -> Outcome:
        out = Outcome()
        sch = schedule("ou")
        worst = -mp.inf
        for st in lowrank_settings(ctx.rng("prop3"), ctx.n(3, 12)):
            sig, sigh = _vectors(st)
            T, eps, h1 = st["T"], st["eps"], st["hat2"][0]
            factor = (3 + eps) / (1 - eps) if variant == "control" else (3 - eps) / (1 + eps)
            start = T - sch.ext_inv(pos_ratio(factor * h1, 1 - h1), T)
            out.n_settings += 1
            for frac in ("0", "1e-9", "0.25", "0.5", "0.75", "1"):
                t = start + (T - start) * mp.mpf(frac)
                x = sch.a2(T - t)
                vals = [w2(x, sig, sigh, d) for d in range(1, st["D"] + 1)]
                best = min(vals)
                gap = vals[st["d0"] - 1] - best
                worst = max(worst, gap)
                out.n_checks += 1
                if gap > ctx.tol * (1 + best):
                    out.violate(st["D"] + st["d0"], setting=st["name"], d0=st["d0"], T=T,
                                sigma2=sig[0] ** 2, eps=eps, sigma2_hat=st["hat2"], t=t,
                                best_d=vals.index(best) + 1, gap=gap,
                                what="d0 is not optimal inside the stated interval")
        out.residual = max(worst, mp.mpf(0))
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        from ldmstop import Problem
        from ldmstop.curve import w2_map

        out = Outcome()
        worst = 0.0
        sch = schedule("ou")
        for st in lowrank_settings(ctx.rng("prop3-code"), 2):
            sig, sigh = _vectors(st)
            T = float(st["T"])
            p = Problem.from_variances([float(v**2) for v in sig], schedule="ou", T=T,
                                       estimated=[float(v**2) for v in sigh])
            times = np.array([0.0, T / 3, T * (1 - 1e-6), T])
            W = w2_map(p, times)
            for k, t in enumerate(times):
                x = sch.a2(mp.mpf(T) - mp.mpf(float(t)))
                for d in range(1, len(sig) + 1):
                    ref = w2(x, sig, sigh, d)
                    worst = max(worst, abs(float(W[d - 1, k]) - float(ref)) / float(ref))
                    out.n_checks += 1
            out.n_settings += 1
        if worst > 1e-12:
            out.violate(1, what="ldmstop.curve.w2_map differs from the transcribed W²",
                        relative_difference=worst)
        out.residual = mp.mpf(worst)
        out.tolerance = mp.mpf("1e-12")
        out.notes.append(f"curve.w2_map within {worst:.1e} (relative) of the transcribed W² "
                         f"(tolerance 1e-12, float64)")
        return out


class Prop3b(Claim):
    id = "prop3b"
    title = "Low-rank data: the optimal stop solves g(x) = 0 (and the a_t / δ reading)"
    source = "Wu et al. 2025, Prop 3(b) / Prop 8"
    hypotheses = ("Σ = diag(σ²·1_{d0}, 0), σ̂_i = 0 for i > d0, event |σ̂_i² − σ²| ≤ σ² (ε = 1, "
                  "the proof's), σ̂_1² ≥ … ≥ σ̂_{d0}², any T > 0, OU")
    statement = (r"if (12) $g(0)<0$, $\sum_{i\le d_0}(1-\sigma/\sqrt{\hat\sigma_i^2+(1-\hat\sigma_i^2)a_t^2})"
                 r"(1-\hat\sigma_i^2)=0$ has a unique solution $\hat\delta\in[0,T]$ and "
                 r"$(d_0, T-\hat\delta)$ minimises $d_F$ over $t\in[0,T]$ and all $d'$; else $\hat\delta=0$")
    methods = ["search over (d0, D, σ², σ̂, T): random + edges + differential evolution",
               "mpmath.findroot (bracketed) at dps", "uniqueness: g' > 0 (mpmath.diff), one sign change",
               "independent global minimum: golden-section in t for every d'",
               "code: stationarity_term; curve.optimal_stop (t* and s* = T − t*)"]
    residual_what = "max of |g(x*)|, W²(d0, T−δ̂) − global min (relative)"
    control = "g with σ² in place of σ (root of the perturbed equation as the stop)"
    corrected = (r"with $\hat\delta=\bar a^{-2}(x^*)$ through the extended inverse ($x^*$ the root of "
                 r"$g$ in $(0,1)$, $+\infty$ if $g<0$ on $[0,1)$), i.e. stop at $t=0$ when "
                 r"$x^*\ge a_T^2$: $(d_0, T-\hat\delta)$ minimises $d_F$ over $t\in[0,T]$ and all $d'$ "
                 r"(Prop 3's 'there exists $\hat\delta\in[0,T]$'); the printed 'unique solution' exists "
                 r"only when $x^*\le a_T^2$")
    code_what = ("derivation's stationarity_term (mpmath) at x*; ldmstop.curve.optimal_stop "
                 "(float64): W², t* and s* = T − t* against the 50-digit optimum")
    code_control = CodeMutation(
        "mpmath:stationarity_term", "stationarity_term with (1 − σ̂²) replaced by (1 − σ̂)",
        lambda f: (lambda x, s, sh: f(x, s, sh) / (1 + sh)))
    domain = Domain(
        params=_LOWRANK_DOMAIN + (horizon(),),
        hypotheses=("the event |σ² − σ̂_d²| ≤ σ² for d ≤ d0 (ε = 1; probability 1 − 2d0 e^{−n/8})",
                    "σ̂_1² ≥ … ≥ σ̂_{d0}²", "(12): Σ(1 − σ/σ̂_i)(1 − σ̂_i²) < 0 for the root half"),
        undefined=("the equation is printed in a_t² (the proof writes a²_{T−δ̂}): both readings "
                   "compared, reading A (δ̂ a forward time) verified",
                   "whether the solution lies in [0, T]: not addressed (it need not)"),
        quote="then Σ(1 − σ/√(σ̂² + (1 − σ̂²)a_t²))(1 − σ̂²) = 0 has a unique solution which we denote by δ̂d0")

    def falsifier(self, variant: str):
        return _Prop3bFalsifier(variant)

    def check(self, ctx: Context, variant: str) -> Outcome:
        """On targeted low-rank settings inside the ε = 1 event: the root x* of g (increasing,
        one sign change on [0, 1]), and the stop (d0, T − δ̂) with δ̂ = ā^{-2}(x*) against the
        independent global minimum; residual: |g(x*)| and the relative gap to the minimum."""
        out = Outcome()
        sch = schedule("ou")
        worst = mp.mpf(0)
        out.data = {}
        found = {"reading_b_gap": mp.mpf(0), "reading_b_cases": 0, "beyond": [], "no_root_01": []}
        tol = ctx.tol
        for st in lowrank_settings(ctx.rng("prop3"), ctx.n(2, 8)):
            sig, sigh = _vectors(st)
            T, d0, s, hat2 = st["T"], st["d0"], st["sig"], st["hat2"]
            if any(abs(h - s**2) > s**2 for h in hat2):
                continue  # outside the ε = 1 event
            aT2 = sch.a2(T)
            g = g_function(s, hat2, variant)
            out.n_settings += 1
            gmin = _global_min(sch, T, sig, sigh)
            scale = 1 + gmin[2]
            if g(mp.mpf(0)) < 0:
                xstar, g_res = _root_of_g(ctx, variant, st, g, out, found)
                worst = max(worst, g_res)
                if xstar > aT2 and _no_solution_in_horizon(variant, st, xstar, aT2, out, found):
                    continue
                delta = sch.ext_inv(xstar, T)
            else:
                xstar, delta = None, mp.mpf(0)
            t_a = T - delta
            w_a = w2(sch.a2(T - t_a), sig, sigh, d0)
            gap = (w_a - gmin[2]) / scale
            worst = max(worst, gap)
            out.n_checks += 1
            if gap > tol:
                out.violate(st["D"] + d0, setting=st["name"], d0=d0, T=T, sigma2=s**2, sigma2_hat=hat2,
                            x_star=xstar, t_stop=t_a, w2_stop=w_a, global_min=gmin[2],
                            global_argmin={"d": gmin[0], "t": gmin[1]},
                            what="(d0, T − δ̂) is not the global minimiser")
            if variant != "control" and xstar is not None and xstar != mp.inf and xstar <= aT2:
                _reading_b(sch, st, sig, sigh, xstar, t_a, gmin, scale, out, found)
        out.residual = worst
        out.residual_ok = worst <= tol
        if variant == "paper":
            _prop3b_notes(out, found)
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        from ldmstop import Problem
        from ldmstop.curve import optimal_stop
        from ldmstop.derivations.backends import mpmath_function

        term = mpmath_function("stationarity_term")
        out = Outcome()
        worst = mp.mpf(0)
        worst64 = 0.0
        sch = schedule("ou")
        rows = [(2, "0.2", ["0.1"], 2), (2, "0.05", ["0.02", "0.015"], 3), (1, "0.3", ["0.25", "0.2"], 2),
                ("0.05", "0.2", ["0.1"], 1)]
        for T, s2, hats, D in rows:
            T = mp.mpf(T)
            hat2 = [mp.mpf(v) for v in hats]
            d0 = len(hat2)
            s = mp.sqrt(mp.mpf(s2))
            g = g_function(s, hat2)
            sig = [s] * d0 + [mp.mpf(0)] * (D - d0)
            sigh = [mp.sqrt(h) for h in hat2] + [mp.mpf(0)] * (D - d0)
            if g(mp.mpf(0)) < 0 < g(mp.mpf(1)):
                xstar = mp.findroot(g, (mp.mpf(0), mp.mpf(1)), solver="anderson")
                worst = max(worst, abs(mp.fsum(term(xstar, s, mp.sqrt(h)) for h in hat2)))
                out.n_checks += 1
            # the code's optimum against the 50-digit one: W², t* and s* = T − t*
            p = Problem.from_variances([float(v**2) for v in sig], schedule="ou", T=float(T),
                                       estimated=[float(v**2) for v in sigh])
            o = optimal_stop(p, np.linspace(0.0, float(T), 401))
            d_opt, t_opt, v_opt = _global_min(sch, T, sig, sigh)
            # relative to Σσ²: the optimum itself can be 0 (σ̂ < σ reaches v = σ² exactly)
            rel_w = abs(o["w2_squared"] - float(v_opt)) / float(mp.fsum(v**2 for v in sig))
            s_code, s_mp = float(T) - o["t"], float(T - t_opt)
            rel_s = abs(s_code - s_mp) / float(T)
            worst64 = max(worst64, rel_w, rel_s)
            out.n_checks += 2
            out.n_settings += 1
        out.residual = worst
        out.residual_ok = worst <= ctx.tol
        out.tolerance = ctx.tol
        if worst64 > 1e-7:
            out.violate(1, what="ldmstop.curve.optimal_stop differs from the 50-digit optimum",
                        relative_difference=worst64)
        out.notes.append(f"curve.optimal_stop: W² and s* = T − t* within {worst64:.1e} (relative to "
                         f"Σσ², to T) of the 50-digit optimum (tolerance 1e-7: golden/bisection in float64)")
        return out

    def figures(self, ctx: Context, outcome: Outcome, folder: str) -> list[str]:
        from ..plotting import plt as get_plt, save

        case = outcome.data.get("figure_case")
        if case is None:
            return []
        plt = get_plt()
        sch = schedule("ou")
        T = case["T"]
        ts = [T * k / 400 for k in range(401)]
        fig, ax = plt.subplots(figsize=(7.2, 4.4))
        cmap = plt.get_cmap("viridis")
        D = len(case["sig"])
        for d in range(1, D + 1):
            ys = [float(w2(sch.a2(T - t), case["sig"], case["sigh"], d)) for t in ts]
            ax.plot([float(t) for t in ts], ys, color=cmap((d - 1) / max(1, D - 1)), lw=1.3,
                    label=f"d = {d}")
        for key, style, label in (("t_a", "k-", "reading A: t = T − ā⁻²(x*) (verified optimum)"),
                                  ("t_b", "r--", "reading B: t = ā⁻²(x*) (rejected)")):
            ax.axvline(float(case[key]), color=style[0], ls=style[1:], lw=1.1, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("backward time t")
        ax.set_ylabel(r"$d_F^2$")
        ax.set_title(f"Prop 3(b): where the root x* of g places the stop ({case['name']}, "
                     f"d0 = {case['d0']}, x* = {mp.nstr(case['x_star'], 6)})", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, which="both")
        return [save(fig, folder, "prop3b_reading.png")]

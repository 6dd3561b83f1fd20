"""The search's falsifiers that several claims share (Wu et al. 2025, Prop 2 and Prop 5).

- :class:`OptimalDimensionFalsifier`: Prop 2's rule, ``d`` on ``[t_d, t_{d+1})`` with
  ``t_d = T − ā^{-2}(3σ_d²/(1 − σ_d²)_+)``, against the best dimension ``argmin_d W²(t, d)``;
  subclassed by prop2, prop2-plugin (``t̂_d``), prop6 (rotated covariances) and fig4-left.
- :class:`CappedDimensionFalsifier`: Prop 5's bracket, an optimal dimension in ``[d1, d2]`` at
  ``t = T`` under the capped score ``m̂ = min(C, 1/v̂)``; subclassed by prop5 and cor1.

Each margin is the paper's formula in the numeric namespace ``M`` (:mod:`.formulas`); each
independent route is typed apart (:mod:`.transcribe`, :mod:`.ode`). Claims subclass these
instead of importing one another.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np

from . import formulas as fm
from .claims.settings import decode_sorted, pick
from .ode import capped_variance_ode
from .search import Coord, Falsifier, to_json_value
from .transcribe import dimension_bounds, rule_dimension, schedule, threshold_forward_times, w2

__all__ = ["OptimalDimensionFalsifier", "CappedDimensionFalsifier", "DMAX", "T_SUFFICIENT"]

#: the largest dimension D the shared falsifiers search
DMAX = 8

#: the proof's bound on the fraction in (21) holds for every σ̂ once T ≥ ½ log 2
T_SUFFICIENT = math.log(2) / 2


def _F():
    from .search import F64

    return F64


def _mpns():
    from .search import mp_namespace

    return mp_namespace()


class OptimalDimensionFalsifier(Falsifier):
    """Prop 2's rule searched: at forward time ``s``, the dimension the printed thresholds assign
    against the best one (shared by prop2, prop2-plugin, prop6 and fig4-left)."""

    claim_id = "prop2"
    vectors = ("sigma2",)
    scalars = ("T",)
    time_keys = ("s",)
    plugin = False
    strict = True
    margin_what = "(W²(d_rule(t), t) − min_d' W²(d', t)) / Σσ²; d_rule from the printed thresholds"
    independent_what = ("transcribe.py: thresholds with the schedule inverse by mpmath.findroot "
                        "(VP-linear), W² by brute force over d'")

    def __init__(self, variant: str = "paper"):
        self.variant = variant
        self.coords = ([Coord("D", 1, DMAX, integer=True), Coord("T", 1e-4, 50.0, log=True),
                        Coord("schedule", 0, 2), Coord("u", 1e-12, 1.0, log=True)]
                       + [Coord(f"s{i}", 1e-8, 1e3, log=True) for i in range(DMAX)])
        if self.plugin:
            self.coords += [Coord(f"r{i}", 1e-3, 1e3, log=True) for i in range(DMAX)]
            self.vectors = ("sigma2", "sigma2_hat")

    def k(self) -> int:
        return 4 if self.variant == "control" else 3

    def decode(self, x):
        D = int(x[0])
        s2 = decode_sorted(x[4:4 + D], strict=self.strict)
        if s2 is None:
            return None
        T = float(x[1])
        out = {"schedule": pick(x[2], ("ou", "vp-linear")), "T": T, "s": T * float(x[3]),
               "sigma2": s2}
        if self.plugin:
            h2 = [q * r for q, r in zip(s2, x[4 + DMAX:4 + DMAX + D])]
            out["sigma2_hat"] = decode_sorted(h2)
        return out

    def _hat(self, s):
        return s.get("sigma2_hat") if self.plugin else None

    def admissible(self, s):
        s2 = [mp.mpf(v) for v in s["sigma2"]]
        T, sf = mp.mpf(s["T"]), mp.mpf(s["s"])
        ok = all(v > 0 for v in s2) and T > 0 and 0 < sf <= T
        ok = ok and all(s2[i] > s2[i + 1] for i in range(len(s2) - 1))
        if self.plugin and ok:
            h2 = [mp.mpf(v) for v in s["sigma2_hat"]]
            ok = all(v > 0 for v in h2) and all(h2[i] >= h2[i + 1] for i in range(len(h2) - 1))
        return ok

    def forward(self, s, M):
        return fm.threshold_forward(s["schedule"], s["T"], s["sigma2"], self._hat(s), self.k(), M)

    def margin(self, s, M):
        fw = self.forward(s, M)
        if any(v is None for v in fw):
            return -1.0  # 0/0_+: the printed rule is undefined (outside the statement)
        if self.plugin and any(fw[i] < fw[i + 1] for i in range(len(fw) - 1)):
            return -1.0  # t̂ not well ordered: outside the hypotheses
        sf = M.num(s["s"])
        d = rule_dimension(fw, sf)
        if d is None:
            return -1.0
        s2 = [M.num(v) for v in s["sigma2"]]
        h2 = [M.num(v) for v in self._hat(s)] if self.plugin else s2
        x = fm.a2(s["schedule"], sf, M)
        vals = fm.w2_all(x, s2, h2, M)
        return (vals[d - 1] - min(vals)) / M.fsum(s2)

    def independent(self, s):
        sch, T = schedule(s["schedule"]), mp.mpf(s["T"])
        sig = [mp.sqrt(mp.mpf(v)) for v in s["sigma2"]]
        sigh = [mp.sqrt(mp.mpf(v)) for v in self._hat(s)] if self.plugin else None
        fw = threshold_forward_times(sch, T, sig, sigh, self.variant)
        d = rule_dimension(fw, mp.mpf(s["s"]))
        x = sch.a2(mp.mpf(s["s"]))
        vals = [w2(x, sig, sigh or sig, k) for k in range(1, len(sig) + 1)]
        return (vals[d - 1] - min(vals)) / mp.fsum(v**2 for v in sig)

    def describe(self, s):
        out = super().describe(s)
        out["t"] = to_json_value(mp.mpf(s["T"]) - mp.mpf(s["s"]))
        return out

    def time_candidates(self, s):
        out = super().time_candidates(s)
        try:
            fw = self.forward(s, _F())
        except (ValueError, ZeroDivisionError, OverflowError):
            return out
        for dl in fw:
            if dl is not None and dl > 0:
                out += [float(dl) * f for f in (1 - 1e-3, 1 - 1e-9, 1.0, 1 + 1e-9, 1 + 1e-3, 1.005)]
        return out

    def edges(self):
        out = []
        spectra = [[1.0, 0.25, 0.1], [2.0, 1.0, 0.24], [0.6**k for k in range(7)] + [1e-10],
                   [0.9, 1e-8], [1e3, 0.5, 0.2499, 1e-6], [0.3]]
        for T in (1e-4, 0.01, 0.3, 2.0, 50.0):
            for sch in ("ou", "vp-linear"):
                for sp in spectra:
                    base = {"schedule": sch, "T": T, "sigma2": sp}
                    if self.plugin:
                        base["sigma2_hat"] = [v * 1.1 for v in sp]
                    with np.errstate(all="ignore"):
                        try:
                            fw = self.forward(base, _F())
                        except (ValueError, ZeroDivisionError, OverflowError):
                            continue
                    for dl in fw:
                        if dl is None:
                            continue
                        for sf in (float(dl), float(dl) * (1 - 1e-9), float(dl) * (1 + 1e-9)):
                            if 0 < sf <= T:
                                out.append(dict(base, s=sf))
        return out


class CappedDimensionFalsifier(Falsifier):
    """Prop 5 searched: no optimal dimension in ``[d1, d2]`` at ``t = T`` (shared with
    Corollary 1)."""

    claim_id = "prop5"
    vectors = ("sigma2", "sigma2_hat")
    scalars = ("T", "C")
    time_keys = ()
    margin_what = "(min_{d1≤d≤d2} W²(d) − min_d W²(d)) / Σσ² with V_T from the closed forms"
    independent_what = "Gauss–Legendre ODE (order 20, 40 digits) per component, brute force over d"
    independent_dps = 40
    extra_hypothesis = "T ≥ ½ log 2 ≈ 0.3466 (where the proof's bound (21) ≤ 1/(1 − σ̂²) holds)"

    def __init__(self, variant: str):
        self.variant = variant
        self.corrected = variant == "corrected"
        Tlo = T_SUFFICIENT if self.corrected else 1e-4
        self.T_range = (Tlo, 50.0)
        self.coords = ([Coord("D", 1, DMAX, integer=True), Coord("T", Tlo, 50.0, log=True),
                        Coord("C1", 1e-6, 1e6, log=True)]
                       + [Coord(f"s{i}", 1e-6, 1e2, log=True) for i in range(DMAX)]
                       + [Coord(f"w{i}", 0.0, 1.0) for i in range(DMAX)])
        from .validity import Axis

        # the cap decides which components count in d1: the failure needs 1/C ≤ σ̂_d²
        self.map_y = Axis("C", 1.0 + 1e-3, 1e6, True, lambda s, v: dict(s, C=v),
                          lambda s: float(s["C"]))

    def decode(self, x):
        D = int(x[0])
        s2 = decode_sorted(x[3:3 + D])
        # the event |σ̂² − σ²| ≤ σ²: σ̂² = σ²(1 + w), w ∈ [−1, 1] (w = 0 in a third: n → ∞)
        w = [2 * float(v) - 1 for v in x[3 + DMAX:3 + DMAX + D]]
        h2 = [q * (1 + wi) for q, wi in zip(s2, w)]
        if min(h2) <= 0:
            return None
        order = sorted(range(D), key=lambda i: -h2[i])  # both orderings are assumed: keep pairs
        h2s = [h2[i] for i in order]
        if [s2[i] for i in order] != s2:
            return None  # σ and σ̂ orders disagree: outside the printed assumptions
        return {"T": float(x[1]), "C": 1 + float(x[2]), "sigma2": s2, "sigma2_hat": h2s}

    def admissible(self, s):
        s2 = [mp.mpf(v) for v in s["sigma2"]]
        h2 = [mp.mpf(v) for v in s["sigma2_hat"]]
        T, C = mp.mpf(s["T"]), mp.mpf(s["C"])
        ok = T > 0 and C > 1 and all(v > 0 for v in s2 + h2)
        ok = ok and all(abs(a - b) <= a for a, b in zip(s2, h2))
        ok = ok and all(s2[i] >= s2[i + 1] and h2[i] >= h2[i + 1] for i in range(len(s2) - 1))
        if self.corrected:
            ok = ok and T >= T_SUFFICIENT
        return ok

    def allowed(self, s2, h2, C) -> set:
        d1, d2 = dimension_bounds(s2, h2, C)
        return set(range(d1, d2 + 1))

    def margin(self, s, M):
        T, C = M.num(s["T"]), M.num(s["C"])
        if self.corrected and T < T_SUFFICIENT:
            return -1.0
        s2 = [M.num(v) for v in s["sigma2"]]
        h2 = [M.num(v) for v in s["sigma2_hat"]]
        V = [fm.capped_VT(T, h, C, M) for h in h2]
        vals = fm.w2_from_variances(s2, V, M)
        allowed = self.allowed(s2, h2, C)
        if not allowed:
            return -1.0
        return (min(vals[d - 1] for d in allowed) - min(vals)) / M.fsum(s2)

    def independent(self, s):
        T, C = mp.mpf(s["T"]), mp.mpf(s["C"])
        s2 = [mp.mpf(v) for v in s["sigma2"]]
        h2 = [mp.mpf(v) for v in s["sigma2_hat"]]
        V = [capped_variance_ode(T, h, C)[0] for h in h2]
        vals = fm.w2_from_variances(s2, V, _mpns())
        allowed = self.allowed(s2, h2, C)
        return (min(vals[d - 1] for d in allowed) - min(vals)) / mp.fsum(s2)

    def edges(self):
        out = []
        for T in (1e-4, 0.01, 0.0373, 0.0941, 0.2, T_SUFFICIENT, 2.0, 50.0):
            for C in (1 + 1e-6, 1.5, 20.0, 1e3, 1e6):
                for s2, h2 in (([1.0, 0.1], [1.0, 0.1]), ([1.0, 0.1], [1.0, 0.2]),
                               ([4.0, 0.3, 0.05], [6.0, 0.5, 0.1]), ([0.2, 0.2, 0.01], [0.2, 0.2, 0.01]),
                               ([2.0], [1.0]), ([1.0, 1e-6], [1.0, 2e-6])):
                    out.append({"T": T, "C": C, "sigma2": s2, "sigma2_hat": h2})
        return out

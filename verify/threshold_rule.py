"""Prop 2's threshold rule (Wu et al. 2025, §4.2), shared by the claims prop2, prop2-plugin,
prop6 and fig4-left: the transcription, the search's formula, the falsifier and the code
comparison.

``t_d = T − ā^{-2}(3σ_d²/(1 − σ_d²)_+)`` (exact score), ``t̂_d = T − ā^{-2}((4σ_d² − σ̂_d²)/(1 − σ̂_d²)_+)``
(plug-in), ``ā^{-2}`` extended by 0 below 0 and by T above ``a_T²``, ``y/0_+ = ±∞``; the rule
keeps ``d`` components on ``[t_d, t_{d+1})``.

- transcription (mpmath, :mod:`.transcribe`'s schedules): :func:`threshold_times`,
  :func:`threshold_forward_times`, :func:`rule_dimension`;
- the search's formula in a numeric namespace ``M``: :func:`threshold_forward`;
- :class:`OptimalDimensionFalsifier`: the rule's dimension against the best one, subclassed
  by the claims;
- :func:`compare_thresholds`: the generated ``*_threshold_time_*`` results as a whole (both
  clippings, the ``y/0_+`` rule) on settings hitting every branch, their pieces where the
  threshold is interior, the generated extended inverse on its three branches, and the float64
  ``ldmstop.curve.threshold_times`` through ``Problem`` (whose component order is compared with
  verify's own), each against the transcription.
"""

from __future__ import annotations

from typing import Sequence

import mpmath as mp
import numpy as np

from . import formulas as fm
from .claim import Context, Outcome
from .claims.settings import decode_sorted, diag_settings, pick
from .search import Coord, Falsifier, to_json_value
from .transcribe import Schedule, pos_ratio, schedule, w2

__all__ = ["threshold_times", "threshold_forward_times", "rule_dimension", "threshold_forward",
           "OptimalDimensionFalsifier", "compare_thresholds", "DMAX"]

#: the largest dimension D the falsifier searches
DMAX = 8


# ------------------------------------------------------------------ the transcription
def threshold_times(sch: Schedule, T, sig: Sequence, sigh: Sequence | None = None,
                    variant: str = "paper") -> list:
    """``[t_1 = 0, t_2, …, t_D, t_{D+1} = T]`` transcribed from Prop 2 (Wu et al. 2025, §4.2):
    ``t_d = T − ā^{-2}(3σ_d²/(1 − σ_d²)_+)``; ``sigh`` given, the plug-in
    ``t̂_d = T − ā^{-2}((4σ_d² − σ̂_d²)/(1 − σ̂_d²)_+)``. Control variant: ``3σ_d² → 4σ_d²``."""
    return [T - delta for delta in threshold_forward_times(sch, T, sig, sigh, variant)]


def threshold_forward_times(sch: Schedule, T, sig: Sequence, sigh: Sequence | None = None,
                            variant: str = "paper") -> list:
    """The forward times ``δ_d = ā^{-2}(…)`` with ``t_d = T - δ_d`` (``δ_1 = T``, ``δ_{D+1} = 0``).

    Kept apart because ``T - t_d`` loses digits when ``δ_d`` is tiny (the 1e-10 components of
    Figure 4 left have ``δ_d ≈ 1.5e-10``). ``None`` where the printed formula is undefined
    (``0/0_+``: σ̂² = 1 with 4σ² = σ̂²)."""
    k = 4 if variant == "control" else 3
    out = [mp.mpf(T)]
    for j in range(1, len(sig)):
        s2 = sig[j] ** 2
        if sigh is None:
            arg = pos_ratio(k * s2, 1 - s2)
        else:
            h2 = sigh[j] ** 2
            num, den = (k + 1) * s2 - h2, 1 - h2
            arg = None if (den <= 0 and num == 0) else pos_ratio(num, den)
        out.append(None if arg is None else sch.ext_inv(arg, T))
    out.append(mp.mpf(0))
    return out


def rule_dimension(forward: list, s) -> int | None:
    """Prop 2's rule: the d with ``t ∈ [t_d, t_{d+1})``, i.e. forward time ``s ∈ (δ_{d+1}, δ_d]``."""
    for d in range(1, len(forward)):
        hi, lo = forward[d - 1], forward[d]
        if hi is None or lo is None:
            return None
        if lo < s <= hi:
            return d
    return None


# ------------------------------------------------------------------ the search's formula
def threshold_forward(schedule_name: str, T: float, s2: list, h2: list | None, k: int, M) -> list:
    """Forward times ``δ_d = ā^{-2}(k σ_d²/(1 − σ_d²)_+)`` of Prop 2's thresholds ``t_d = T − δ_d``
    (``h2`` given: ``ā^{-2}(((k + 1)σ_d² − σ̂_d²)/(1 − σ̂_d²)_+)``), ``[T, δ_2, …, δ_D, 0]``, ``None``
    where undefined; ``k = 3`` as printed (the control's is 4)."""
    out = [M.num(T)]
    for j in range(1, len(s2)):
        q = M.num(s2[j])
        if h2 is None:
            arg = fm.pos_ratio(k * q, 1 - q, M)
        else:
            h = M.num(h2[j])
            arg = fm.pos_ratio((k + 1) * q - h, 1 - h, M)
        if arg is None:
            out.append(None)
            continue
        out.append(fm.ext_inv(schedule_name, arg, M.num(T), M))
    out.append(0 * M.num(T))
    return out


# ------------------------------------------------------------------ the falsifier
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
        return threshold_forward(s["schedule"], s["T"], s["sigma2"], self._hat(s), self.k(), M)

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


def _F():
    from .search import F64

    return F64


# ------------------------------------------------------------------ the code comparison
def _branch_settings(plugin: bool) -> list[tuple]:
    """(schedule, T, σ², σ̂²) hitting every branch of the threshold formula: interior, clipped
    to 0 (argument above a_T², σ² ≥ 1, tiny T), clipped to T (negative argument), σ̂² = 1
    with 4σ² ≠ 1, σ̂² > 1 both ways, and tiny variances near t = T."""
    rows = []
    for sch in ("ou", "vp-linear"):
        for T in ("1e-4", "0.05", "2", "50"):
            rows += [(sch, T, "0.1", "0.12"), (sch, T, "0.01", "0.03"),  # interior / negative arg
                     (sch, T, "0.3", "0.2"), (sch, T, "1", "0.5"), (sch, T, "3", "2"),
                     (sch, T, "1e-10", "1.2e-10"), (sch, T, "1e-10", "0.9e-10")]
            if plugin:
                rows += [(sch, T, "0.3", "1"), (sch, T, "0.2", "1"),     # σ̂² = 1
                         (sch, T, "0.5", "3"), (sch, T, "1", "3"), (sch, T, "2", "3")]  # σ̂² > 1
    return rows


def compare_thresholds(ctx: Context, *, plugin: bool, seed_name: str) -> Outcome:
    """The generated threshold result as a whole, its pieces, the extended inverse and
    ``ldmstop.curve``'s float64 thresholds, against the transcription (shared by prop2 and
    prop2-plugin); residual: the worst relative difference of the mpmath results."""
    out = Outcome()
    worst, branches = _generated_thresholds(ctx, plugin, out)
    worst = max(worst, _extended_inverse(ctx, out))
    worst64 = _curve_thresholds(ctx, plugin, seed_name, out)
    if worst64 > 1e-12:
        out.violate(1, what="ldmstop.curve.threshold_times differs from the transcription",
                    relative_difference=worst64)
    out.residual = worst
    out.residual_ok = worst <= ctx.tol
    out.tolerance = ctx.tol
    out.notes.append(f"whole generated threshold compared at {branches['interior']} interior, "
                     f"{branches['t=0']} clipped-to-0 and {branches['t=T']} clipped-to-T settings; "
                     f"curve.threshold_times within {worst64:.1e}·T")
    return out


def _generated_thresholds(ctx: Context, plugin: bool, out: Outcome) -> tuple[mp.mpf, dict]:
    """The generated ``<schedule>_threshold_time_{exact,plugin}`` against ``T − δ_d`` of the
    transcription at every branch (interior: relative to T; clipped to 0 or T: exactly), and
    where interior its pieces ``threshold_x_*`` and ``<schedule>_inverse_a2``; returns the
    worst difference and the count of settings per branch."""
    from ldmstop.derivations.backends import mpmath_function

    worst = mp.mpf(0)
    which = "plugin" if plugin else "exact"
    branches = {"interior": 0, "t=0": 0, "t=T": 0}
    for sch_name, T, s2, h2 in _branch_settings(plugin):
        sch, T = schedule(sch_name), mp.mpf(T)
        s, sh = mp.sqrt(mp.mpf(s2)), mp.sqrt(mp.mpf(h2))
        key = sch_name.replace("-", "_")
        fw = threshold_forward_times(sch, T, [mp.mpf(1), s], [mp.mpf(1), sh] if plugin else None)[1]
        if fw is None:
            continue  # 0/0_+: undefined in the paper
        ref = T - fw
        if plugin:
            got = mpmath_function(f"{key}_threshold_time_plugin")(s, sh, T)
        else:
            got = mpmath_function(f"{key}_threshold_time_exact")(s, T)
        got = mp.mpf(got)
        out.n_checks += 1
        branch = "t=0" if ref == 0 else "t=T" if ref == T else "interior"
        branches[branch] += 1
        if branch == "interior":
            err = abs(got - ref) / T
        else:
            err = mp.mpf(0) if got == ref else abs(got - ref) / T + 1
        if err > ctx.tol:
            out.violate(1, schedule=sch_name, T=T, sigma2=s**2, sigma2_hat=sh**2, branch=branch,
                        transcribed=ref, generated=got,
                        what=f"generated {key}_threshold_time_{which} differs from the transcription")
        worst = max(worst, err)
        if branch == "interior":  # the pieces: noise level of the sign change, schedule inverse
            xr = (mpmath_function("threshold_x_plugin")(s, sh) if plugin
                  else mpmath_function("threshold_x_exact")(s))
            inv = mp.mpf(mpmath_function(f"{key}_inverse_a2")(mp.mpf(xr)))
            worst = max(worst, abs(inv - fw) / fw)
            out.n_checks += 1
    return worst, branches


def _extended_inverse(ctx: Context, out: Outcome) -> mp.mpf:
    """The generated extended inverse ``ā^{-2}(x, T)`` as a whole against
    :meth:`~.transcribe.Schedule.ext_inv`: below 0, at 0, inside, at and just above ``a_T²``,
    and far above (the Piecewise's three branches and both ends); returns the worst
    difference relative to T."""
    from ldmstop.derivations.backends import mpmath_function

    worst = mp.mpf(0)
    for sch_name in ("ou", "vp-linear"):
        sch = schedule(sch_name)
        ext = mpmath_function(f"{sch_name.replace('-', '_')}_extended_inverse_a2")
        for T in (mp.mpf("1e-4"), mp.mpf(2)):
            aT2 = sch.a2(T)
            for x in (mp.mpf(-1), mp.mpf(0), aT2 / 2, aT2, aT2 * (1 + mp.mpf("1e-30")), mp.mpf(2)):
                ref = sch.ext_inv(x, T)
                got = mp.mpf(ext(x, T))
                err = abs(got - ref) / T
                out.n_checks += 1
                if err > ctx.tol:
                    out.violate(1, schedule=sch_name, T=T, x=x, transcribed=ref, generated=got,
                                what="generated extended inverse differs from the transcription")
                worst = max(worst, err)
    return worst


def _curve_thresholds(ctx: Context, plugin: bool, seed_name: str, out: Outcome) -> float:
    """float64: ``ldmstop.curve.threshold_times`` through ``Problem`` (handed a shuffled input,
    its component order checked against verify's PCA order) against the transcription; returns
    the worst difference relative to T."""
    from ldmstop import Problem
    from ldmstop.curve import threshold_times as code_thresholds

    worst64 = 0.0
    rng = ctx.rng(seed_name + "-code")
    for st in diag_settings(rng, ctx.n(3, 8), plugin=plugin, include_paper=True):
        s2 = [float(v**2) for v in st["sig"]]
        h2 = [float(v**2) for v in st["sigh"]]
        perm = list(rng.permutation(len(s2)))  # hand the code a shuffled input
        p = Problem.from_variances([s2[i] for i in perm], schedule=st["schedule"], T=float(st["T"]),
                                   estimated=[h2[i] for i in perm] if plugin else None)
        if [float(v) for v in p.sigma2] != s2 or (plugin and [float(v) for v in p.sigma2_hat] != h2):
            out.violate(1, setting=st["name"], what="ldmstop.Problem orders the components "
                        "differently from verify's PCA order (decreasing estimate, ties stable)")
            continue
        thr = code_thresholds(p, estimated=plugin)
        ref = threshold_times(schedule(st["schedule"]), st["T"], st["sig"], st["sigh"] if plugin else None)
        for a, b in zip(thr, ref):
            if b is None:
                continue
            worst64 = max(worst64, abs(float(a) - float(b)) / float(st["T"]))
            out.n_checks += 1
    return worst64

"""Prop 2's threshold code against its transcription (the code comparison of prop2 and
prop2-plugin; Wu et al. 2025, §4.2).

``t_d = T − ā^{-2}(3σ_d²/(1 − σ_d²)_+)`` (exact score) and
``t̂_d = T − ā^{-2}((4σ_d² − σ̂_d²)/(1 − σ̂_d²)_+)`` (plug-in), with ``ā^{-2}`` extended by 0 below
0 and by T above ``a_T²``: the generated ``*_threshold_time_*`` results compared *as a whole*
(both clippings, the ``y/0_+`` rule) on settings hitting every branch, their pieces where the
threshold is interior, the generated extended inverse on its three branches, and the float64
``ldmstop.curve.threshold_times`` through ``Problem`` (whose component order is compared with
verify's own), each against :mod:`.transcribe`.
"""

from __future__ import annotations

import mpmath as mp

from .claim import Context, Outcome
from .claims.settings import diag_settings
from .transcribe import schedule, threshold_forward_times, threshold_times

__all__ = ["compare_thresholds"]


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

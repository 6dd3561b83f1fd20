"""Validity maps: where in parameter space a refuted statement holds and where it fails.

For a claim of Wu et al. (arXiv:2510.08409) whose printed statement the search refuted, the
violation margin of its :class:`~ldmstop.verify.search.Falsifier` is scanned around the shrunk
counterexample:

- along the horizon ``T`` (log scale, ``[1e-4, 50]``), with every other parameter fixed: the
  sign changes are located by bisection at 30 digits and stated as a boundary ("fails for
  T below 0.0373, holds above");
- over ``T`` and one more parameter (the falsifier's ``map_y``): a float64 grid whose sign is
  drawn as the failure region (the report's figure), with the per-row boundary.

The corrected statement's own search (run by the claim) is what certifies the domain on which
the claim holds; the map shows the shape of the failure region around one counterexample.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import mpmath as mp
import numpy as np

from .search import F64, Falsifier, mp_namespace, readable, tolerance

__all__ = ["Axis", "validity_report", "validity_figure", "scan_boundary"]


class Axis(NamedTuple):
    """A map axis: parameter name, range, log scale, and how to set it in a setting."""

    name: str
    lo: float
    hi: float
    log: bool
    set: Callable[[dict, float], dict]
    get: Callable[[dict], float] | None = None
    #: claim-specific points added to the scan (e.g. thresholds, where thin regions start)
    extra: Callable[[dict], list] | None = None


def _worst_time(f: Falsifier, s: dict) -> dict:
    """``s`` with its time parameter moved to where the float64 margin is largest among the
    falsifier's candidate times (a claim "for every t" fails at a horizon iff it fails at
    some t there)."""
    cands = f.time_candidates(s)
    if not cands:
        return s
    key = f.time_keys[0]
    best, best_m = s, _m64(f, s)
    for v in cands:
        c = dict(s)
        c[key] = v
        m = _m64(f, c)
        if math.isfinite(m) and (not math.isfinite(best_m) or m > best_m):
            best, best_m = c, m
    return best


def _t_axis(f: Falsifier) -> Axis:
    lo, hi = f.T_range
    return Axis("T", lo, hi, True, lambda s, v: _worst_time(f, f.with_T(s, v)))


def _m64(f: Falsifier, s: dict | None) -> float:
    if s is None:
        return math.nan
    try:
        with np.errstate(all="ignore"):
            m = float(f.margin(s, F64))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.nan
    return m if math.isfinite(m) else math.nan


def _fails_mp(f: Falsifier, s: dict | None, dps: int = 30) -> bool | None:
    if s is None:
        return None
    with mp.workdps(dps):
        if not f.admissible(s):
            return None
        try:
            m = f.margin(s, mp_namespace())
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        return bool(m > tolerance(dps))


def _grid(axis: Axis, n: int) -> np.ndarray:
    if axis.log:
        return np.geomspace(axis.lo, axis.hi, n)
    return np.linspace(axis.lo, axis.hi, n)


def _state(f: Falsifier, s: dict | None) -> bool | None:
    """Fails / holds / outside (None): float64 where its margin is clearly away from 0, 30
    digits otherwise."""
    if s is None:
        return None
    m = _m64(f, s)
    if math.isfinite(m) and abs(m) > 1e-6:
        with mp.workdps(20):
            if not f.admissible(s):
                return None
        return m > 0
    return _fails_mp(f, s)


def scan_boundary(f: Falsifier, s: dict, axis: Axis, n: int = 25) -> dict:
    """Fail / hold along ``axis`` with the rest of ``s`` fixed (float64 where the margin is
    clearly away from 0, else 30 digits); each change of sign is refined by bisection at 30
    digits (in log scale for a log axis) and its holding side confirmed at 100 digits.
    Returns the intervals and a sentence."""
    xs = _grid(axis, n)
    if axis.extra is not None:
        xs = np.array(sorted({float(x) for x in xs} | {float(x) for x in axis.extra(s)
                                                       if axis.lo <= float(x) <= axis.hi}))
        n = len(xs)
    states = [_state(f, axis.set(s, float(x))) for x in xs]
    changes = []
    known_idx = [i for i, st in enumerate(states) if st is not None]
    for i, j in zip(known_idx, known_idx[1:]):
        a, b = states[i], states[j]
        if a == b:
            continue
        lo, hi = float(xs[i]), float(xs[j])
        gap = j > i + 1  # points outside the hypotheses lie between: no bisection across them
        for _ in range(0 if gap else 24):
            mid = math.sqrt(lo * hi) if axis.log else (lo + hi) / 2
            st = _fails_mp(f, axis.set(s, mid))
            if st is None:
                break
            if st == a:
                lo = mid
            else:
                hi = mid
        change = {"at": (lo + hi) / 2, "fails_below": bool(a), "across_outside": gap}
        # a margin that decays to 0 (e.g. like e^{-2T}) drops below the 30-digit tolerance
        # without changing sign: the 'holds' side must hold at 100 digits too
        hold_side = hi if a else lo
        if not gap and _fails_mp(f, axis.set(s, hold_side), dps=100):
            change["precision_limited"] = True
        changes.append(change)
    name = axis.name
    known = [x for x in states if x is not None]
    if not known:
        sentence = f"no admissible point along {name}"
    elif not changes:
        sentence = (f"fails for every {name} in [{axis.lo:g}, {axis.hi:g}]" if all(known)
                    else f"holds for every {name} in [{axis.lo:g}, {axis.hi:g}] (this setting)")
    elif all(c.get("precision_limited") for c in changes):
        c = changes[0]
        sentence = (f"fails for every {name} in [{axis.lo:g}, {axis.hi:g}] (beyond {name} ≈ "
                    f"{readable(c['at'], 3)} the margin is below 10^-20 but still positive at 100 digits)")
    elif len(changes) == 1:
        c = changes[0]
        v = readable(c["at"], 4)
        sentence = (f"fails for {name} below {v}, holds above" if c["fails_below"]
                    else f"holds for {name} below {v}, fails above")
        if c.get("across_outside"):
            sentence += " (the change crosses settings outside the hypotheses)"
    else:
        parts = []
        for c in changes[:8]:
            parts.append(f"{'fail→hold' if c['fails_below'] else 'hold→fail'} at {name} = {readable(c['at'], 4)}")
        sentence = f"mixed ({len(changes)} changes): " + "; ".join(parts) + ("; …" if len(changes) > 8 else "")
    outside = [float(x) for x, st in zip(xs, states) if st is None]
    if outside and known:
        sentence += f" ({len(outside)} of {n} points along {name} outside the hypotheses)"
    return {"axis": name, "range": [axis.lo, axis.hi], "points": n, "changes": changes,
            "statement": sentence, "fails_at": [float(x) for x, st in zip(xs, states) if st],
            "holds_at_count": sum(1 for st in states if st is False)}


def validity_report(f: Falsifier, s: dict, corrected: Falsifier | None = None) -> dict:
    """Boundaries around the counterexample ``s``: along ``T`` (when the claim has a horizon)
    and along the falsifier's ``map_y``; the corrected statement's hypothesis is quoted."""
    out: dict = {"around": f.describe(s)}
    axes = []
    if "T" in s and not f.T_fixed:
        axes.append(_t_axis(f))
    y = getattr(f, "map_y", None)
    if y is not None:
        axes.append(y)
    for ax in getattr(f, "map_axes", ()):  # claims without a horizon
        axes.append(ax)
    out["boundaries"] = [scan_boundary(f, s, ax) for ax in axes]
    out["statement"] = "; ".join(b["statement"] for b in out["boundaries"])
    if corrected is not None:
        out["corrected_hypothesis"] = getattr(corrected, "extra_hypothesis", "")
    return out


def validity_figure(f: Falsifier, s: dict, report: dict, folder: str, name: str) -> str | None:
    """The failure region over two parameters around the counterexample (float64 margins,
    failing above 1e-9; red: fails, blue: holds, grey: outside the hypotheses), the
    counterexample starred."""
    from .plotting import plt as get_plt, save

    axes = []
    if "T" in s and not f.T_fixed:
        axes.append(_t_axis(f))
    if getattr(f, "map_y", None) is not None:
        axes.append(f.map_y)
    axes += list(getattr(f, "map_axes", ()))
    if not axes:
        return None
    plt = get_plt()
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    xa = axes[0]
    xs = _grid(xa, 72)
    if len(axes) == 1:
        ms = np.array([_m64(f, xa.set(s, float(x))) for x in xs])
        ax.axhline(0, color="k", lw=0.8)
        ax.plot(xs, ms, lw=1.4, color="C3")
        ax.set_ylabel("violation margin (> 0: fails)")
    else:
        ya = axes[1]
        ys = _grid(ya, 56)
        Z = np.empty((len(ys), len(xs)))
        for i, yv in enumerate(ys):
            base = ya.set(s, float(yv))
            for j, xv in enumerate(xs):
                pt = None if base is None else xa.set(base, float(xv))
                with mp.workdps(20):
                    inside = pt is not None and f.admissible(pt)
                Z[i, j] = _m64(f, pt) if inside else math.nan
        # float64 margins: a violation below 1e-9 (relative) is rounding (the 50-digit re-checks
        # of the search show which ones are real); the figure draws only clear failures red
        state = np.where(np.isnan(Z), np.nan, np.where(Z > 1e-9, 1.0, 0.0))
        from matplotlib.colors import ListedColormap

        cmap = ListedColormap(["#4a7ebb", "#d9534f"])
        cmap.set_bad("#dddddd")
        ax.pcolormesh(xs, ys, np.ma.masked_invalid(state), cmap=cmap, vmin=0, vmax=1,
                      shading="nearest")
        ax.set_ylabel(ya.name)
        if ya.log:
            ax.set_yscale("log")
        yv = ya.get(s) if ya.get is not None else _axis_value(s, ya.name)
        xv = xa.get(s) if xa.get is not None else _axis_value(s, xa.name)
        if xv is not None and yv is not None:
            ax.plot([xv], [yv], "k*", ms=13, label="shrunk counterexample")
            ax.legend(fontsize=8, loc="best")
    if xa.log:
        ax.set_xscale("log")
    ax.set_xlabel(xa.name)
    ax.set_title(f"{f.claim_id}: where the printed statement fails (red) and holds (blue)\n"
                 f"{report.get('statement', '')}", fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return save(fig, folder, name)


def _axis_value(s: dict, name: str):
    v = s.get(name)
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None

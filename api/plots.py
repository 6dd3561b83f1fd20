"""Figures (matplotlib, Agg backend, written atomically, in the format the file name asks for:
``.png``, ``.pdf`` or ``.svg``; any other name is refused before anything is drawn)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .atomic import atomic_path, figure_format
from .dimensions import shown_dimensions  # re-exported: a compute helper the plots use

if TYPE_CHECKING:  # pragma: no cover
    from .advise import Advice

__all__ = ["plot_curve", "plot_heatmap", "savefig_atomic", "shown_dimensions"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def savefig_atomic(fig, path: str, **kw) -> None:
    """Save a matplotlib figure through a temporary file and a rename, in the format of
    ``path``'s extension (png, pdf, svg; :class:`~ldmstop.errors.OutputPathError` otherwise)."""
    fmt = figure_format(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=kw.pop("dpi", 130), bbox_inches="tight", **kw)


def plot_curve(res, path: str, max_curves: int = 12, title: str | None = None) -> None:
    """One curve ``W²(t, d)`` per latent dimension, log scale, thresholds ``t_d`` marked
    (the look of Wu et al. 2025, Figure 4)."""
    figure_format(path, "plot path")  # before drawing anything
    plt = _plt()
    p = res.problem
    D = p.D
    dims = shown_dimensions(D, max_curves)
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    cmap = plt.get_cmap("viridis")
    thr = res.thresholds_estimated if res.thresholds_estimated is not None else res.thresholds_exact
    # Exact zeros (e.g. all components kept with the exact score at t = T) have no place on a
    # log axis: drop them and floor the axis at the smallest positive value shown.
    w = res.w2_squared[dims]
    positive = w[w > 0]
    floor = max(float(positive.min()), 1e-14 * float(positive.max())) if positive.size else 1e-300
    for n, j in enumerate(dims):
        c = cmap(n / max(1, len(dims) - 1))
        y = np.where(res.w2_squared[j] >= floor, res.w2_squared[j], np.nan)
        ax.plot(res.times, y, color=c, lw=1.4, label=f"d = {j + 1}")
        if 0 < thr[j] < p.T:
            ax.axvline(thr[j], color=c, ls=":", lw=1.0)
            # which d a threshold belongs to, at the top of its line (staggered: they can crowd)
            ax.text(thr[j], 0.985 - 0.055 * (n % 3), f"$t_{{{j + 1}}}$", color="k", fontsize=9,
                    ha="center", va="top", transform=ax.get_xaxis_transform(),
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": c, "lw": 1.2})
    o = res.optimal
    ax.plot([o.t], [max(o.w2_squared, floor)], "k*", ms=12,
            label=f"optimum d={o.d}, t={o.t:.3g}")
    ax.set_yscale("log")
    ax.set_xlabel("backward time t")
    ax.set_ylabel(r"$W_2^2$ (latent output vs data)")
    ax.set_title(title or f"W2² by latent dimension ({p.schedule}, T={p.T:g}; dotted: thresholds t_d)")
    ax.legend(fontsize=7, ncol=2, loc="best")
    ax.grid(alpha=0.3, which="both")
    savefig_atomic(fig, path)
    plt.close(fig)


def plot_heatmap(adv: Advice, path: str, title: str | None = None, max_rows: int = 400) -> None:
    """Heat map of log10 W2 over (stop, d), the per-d best stop and the overall best marked.

    Cells are drawn at their true (t, d) with ``pcolormesh``; above ``max_rows`` dimensions a
    log-spaced subset of rows is drawn (the map is smooth in d), and d is on a log axis."""
    plt = _plt()
    D = adv.w2.shape[0]
    rows = shown_dimensions(D, max_rows)
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    pos = adv.w2[adv.w2 > 0]
    floor = max(float(pos.min()) if pos.size else 1e-300, 1e-12)
    img = np.log10(np.maximum(adv.w2[rows], floor))
    # The interesting region is the end of sampling: drawn over the remaining forward time
    # s = T - t on a log axis (reversed, so that sampling still runs left to right), the last
    # decades of s get the room a linear t axis gives to the first ones. s = 0 (the end itself)
    # is drawn at half the smallest positive s, and the axis says so.
    p = adv.problem
    s_all = p.T - np.asarray(adv.times, dtype=float)
    s_min = float(s_all[s_all > 0].min())
    s_end = s_min / 2
    xs = np.where(s_all > 0, s_all, s_end)
    mesh = ax.pcolormesh(xs, rows + 1, img, shading="nearest", cmap="viridis", rasterized=True)
    fig.colorbar(mesh, ax=ax, label=r"$\log_{10} W_2$")
    best_s = [max(p.T - r.t, s_end) for r in adv.best_stop]
    ax.plot(best_s, np.arange(1, D + 1), "-", color="w", lw=2.4, alpha=0.9)
    ax.plot(best_s, np.arange(1, D + 1), "-", color="crimson", lw=1.1, label="best stop per d")
    ax.plot([max(p.T - adv.best.t, s_end)], [adv.best.d], "*", color="gold", ms=15, mec="k",
            label=f"best: d={adv.best.d}, t={adv.best.t:.4g}, W2={adv.best.w2:.4g}")
    ax.set_xscale("log")
    ax.invert_xaxis()
    if D > 50:
        ax.set_yscale("log")
    ax.set_xlabel("stop: remaining forward time s = T − t (log; s = 0 drawn at "
                  f"{s_end:.2g})" + (f" — {adv.scheme}, {adv.steps} steps" if adv.steps else ""))
    ax.set_ylabel("latent dimension d")
    ax.set_title(title or f"W2 over (d, stop) — {p.schedule}, T={p.T:g}, "
                 f"{'plug-in' if p.has_estimate else 'exact'} score, "
                 f"{adv.scheme if adv.steps else 'exact sampler'}")
    ax.legend(fontsize=7, loc="lower left")
    savefig_atomic(fig, path)
    plt.close(fig)

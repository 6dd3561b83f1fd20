"""Figures (matplotlib, Agg backend, written atomically, in the format the file name asks for:
``.png``, ``.pdf`` or ``.svg``; any other name is refused before anything is drawn)."""

from __future__ import annotations

import numpy as np

from .atomic import atomic_path, figure_format

__all__ = ["plot_curve", "savefig_atomic", "shown_dimensions"]


def shown_dimensions(D: int, most: int) -> np.ndarray:
    """0-based indices of the latent dimensions a table or plot shows: all of them up to
    ``most``, else about ``most`` spread geometrically over 1..D (small d matter most)."""
    if D <= most:
        return np.arange(D)
    return np.unique(np.geomspace(1, D, most).astype(int) - 1)


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

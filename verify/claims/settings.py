"""Settings the claims are checked on: the paper's own (Figure 4), seeded random ones, and the
helpers the falsifiers decode their search coordinates with.

The plug-in estimate is drawn here with verify's own transcription of the paper's estimator
(Wu et al. 2025, §3: ``σ̂_i² = (1/n) Σ_k X_{k,i}²``, uncentred, from ``X_k ~ N(0, Σ)`` i.i.d.),
from n × D standard normals of its own generator stream, and ordered by decreasing estimate
with Python's stable sort — never through ``ldmstop.Problem``, whose estimator and ordering
are among the things checked (a comparison of the code with itself would pass any bug).
Random values are drawn in float64 and converted to mpmath exactly (a binary float is an exact
rational), so every setting is reproducible from the suite's seed and the claim id.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np

from ..search import Coord

__all__ = ["FIG4_LEFT", "FIG4_RIGHT", "paper_estimate", "estimate_from_samples", "pca_order",
           "diag_settings", "sorted_desc", "spectrum_coords", "pick", "decode_sorted"]

#: Figure 4 left: diag(1, 0.6, 0.6², …, 0.6⁶, 1e-10, 1e-10); OU, T = 2, n = 1000.
FIG4_LEFT = [0.6**k for k in range(7)] + [1e-10, 1e-10]
#: Figure 4 right: diag(10, 0.2, 0.2, 0.2, 0, 0), d0 = 4.
FIG4_RIGHT = [10.0, 0.2, 0.2, 0.2, 0.0, 0.0]

#: a tag for verify's estimate stream, so it never coincides with ldmstop.Problem's
_STREAM = 0x76657269  # "veri"


def estimate_from_samples(X: np.ndarray) -> np.ndarray:
    """``σ̂_i² = (1/n) Σ_k X_{k,i}²`` (the paper's uncentred estimator, §3), summed with
    ``math.fsum`` per component (exactly rounded: no accumulation error at n = 1e6)."""
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    return np.array([math.fsum(col * col) / n for col in X.T])


def pca_order(hat2) -> list[int]:
    """Indices by decreasing estimate, ties in input order (a practitioner's PCA)."""
    return sorted(range(len(hat2)), key=lambda i: -float(hat2[i]))


def paper_estimate(variances, n: int = 1000, seed: int = 0) -> tuple[list, list]:
    """True and estimated variances, ordered by decreasing estimate, pairs kept together:
    ``n`` samples ``X_k = σ ⊙ Z_k`` with ``Z_k ~ N(0, I)`` from verify's own stream
    ``SeedSequence([seed, "veri"])``; returned as mpf lists (exact conversions)."""
    sig2 = np.asarray(variances, dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM]))
    X = rng.standard_normal((n, sig2.size)) * np.sqrt(sig2)
    hat2 = estimate_from_samples(X)
    order = pca_order(hat2)
    return [mp.mpf(float(sig2[i])) for i in order], [mp.mpf(float(hat2[i])) for i in order]


def sorted_desc(values: np.ndarray) -> np.ndarray:
    return np.sort(np.asarray(values, dtype=float))[::-1]


def diag_settings(rng: np.random.Generator, n: int, *, plugin: bool,
                  include_paper: bool = True) -> list[dict]:
    """Diagonal settings: the paper's Figure 4 left spectrum first, then ``n`` random ones.

    Random: D ∈ 1..5, σ² log-uniform on [1e-3, 3] (both sides of the 1/4 and 1 boundaries), with
    the plug-in estimate σ̂² = σ² e^{u}, u ~ U(-0.6, 0.6); schedule OU (T log-uniform on
    [1e-3, 20]) or, one time in four, VP-linear (T log-uniform on [1e-3, 5]).
    """
    out = []
    if include_paper:
        if plugin:
            s2, h2 = paper_estimate(FIG4_LEFT)
        else:
            s2 = h2 = [mp.mpf(v) for v in sorted_desc(FIG4_LEFT)]
        out.append({"name": "fig4-left" + (" (n=1000, seed 0)" if plugin else ""),
                    "schedule": "ou", "T": mp.mpf(2),
                    "sig": [mp.sqrt(v) for v in s2], "sigh": [mp.sqrt(v) for v in h2]})
    for k in range(n):
        D = int(rng.integers(1, 6))
        s2 = sorted_desc(10 ** rng.uniform(-3, np.log10(3), D))
        h2 = s2 * np.exp(rng.uniform(-0.6, 0.6, D)) if plugin else s2
        if plugin:  # a practitioner's PCA orders by the estimate; pairs stay together
            order = pca_order(h2)
            s2, h2 = s2[order], h2[order]
        vp = rng.random() < 0.25
        T = float(10 ** rng.uniform(-3, np.log10(5 if vp else 20)))
        out.append({"name": f"random-{k}", "schedule": "vp-linear" if vp else "ou",
                    "T": mp.mpf(T), "sig": [mp.sqrt(mp.mpf(v)) for v in s2],
                    "sigh": [mp.sqrt(mp.mpf(v)) for v in h2]})
    return out


# ----------------------------------------------------------------- falsifier decode helpers
def spectrum_coords(prefix: str, n: int, lo: float, hi: float, log: bool = True) -> list[Coord]:
    """``n`` coordinates ``prefix0 … prefix{n-1}`` on ``[lo, hi]``."""
    return [Coord(f"{prefix}{i}", lo, hi, log) for i in range(n)]


def pick(u: float, options):
    """The option a coordinate in ``[0, len(options))`` selects."""
    k = int(min(len(options) - 1, max(0, math.floor(u))))
    return options[k]


def decode_sorted(vals, strict: bool = False) -> list[float] | None:
    """Values sorted decreasing; ``None`` when ``strict`` and two are equal."""
    out = sorted((float(v) for v in vals), reverse=True)
    if strict and any(out[i] <= out[i + 1] for i in range(len(out) - 1)):
        return None
    return out

"""Settings the claims are checked on: the paper's own (Figure 4) and seeded random ones.

Random values are drawn in float64 from a per-claim ``numpy.random.Generator`` and converted to
mpmath exactly (a binary float is an exact rational), so every setting is reproducible from the
suite's seed and the claim id.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

__all__ = ["FIG4_LEFT", "FIG4_RIGHT", "paper_estimate", "diag_settings", "sorted_desc"]

#: Figure 4 left: diag(1, 0.6, 0.6², …, 0.6⁶, 1e-10, 1e-10); OU, T = 2, n = 1000.
FIG4_LEFT = [0.6**k for k in range(7)] + [1e-10, 1e-10]
#: Figure 4 right: diag(10, 0.2, 0.2, 0.2, 0, 0), d0 = 4.
FIG4_RIGHT = [10.0, 0.2, 0.2, 0.2, 0.0, 0.0]


def paper_estimate(variances, n: int = 1000, seed: int = 0) -> tuple[list, list]:
    """True and estimated variances as the project draws them (``Problem(samples=n, seed=s)``:
    uncentred ``σ̂_i² = (1/n) Σ_k X_{k,i}²``), ordered by decreasing estimate."""
    from ldmstop import Problem

    p = Problem.from_variances(variances, samples=n, seed=seed)
    return [mp.mpf(float(v)) for v in p.sigma2], [mp.mpf(float(v)) for v in p.sigma2_hat]


def sorted_desc(values: np.ndarray) -> np.ndarray:
    return np.sort(np.asarray(values, dtype=float))[::-1]


def diag_settings(rng: np.random.Generator, n: int, *, plugin: bool,
                  include_paper: bool = True) -> list[dict]:
    """Diagonal settings: the paper's Figure 4 left spectrum first, then ``n`` random ones.

    Random: D ∈ 1..5, σ² log-uniform on [1e-3, 3] (both sides of the 1/4 and 1 boundaries), with
    the plug-in estimate σ̂² = σ² e^{u}, u ~ U(-0.6, 0.6); schedule OU (T ~ U(0.3, 3)) or, one time
    in four, VP-linear (T = 1).
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
            order = np.argsort(-h2, kind="stable")
            s2, h2 = s2[order], h2[order]
        vp = rng.random() < 0.25
        T = 1.0 if vp else float(rng.uniform(0.3, 3.0))
        out.append({"name": f"random-{k}", "schedule": "vp-linear" if vp else "ou",
                    "T": mp.mpf(T), "sig": [mp.sqrt(mp.mpf(v)) for v in s2],
                    "sigh": [mp.sqrt(mp.mpf(v)) for v in h2]})
    return out

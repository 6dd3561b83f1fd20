"""Sums over latent dimensions: the formulas every W²(t, d) map shares.

With ``d`` kept components (in the problem's order) out of ``D`` (Wu et al. 2025, eq. (3);
docs/theory.md §2),

    W²(t, d) = Σ_{i≤d} e_i(t) + Σ_{i>d} σ_i²,

``e_i`` the error of kept component ``i``. The exact curve (:mod:`ldmstop.curve`), the
discretised samplers' recursions (:mod:`ldmstop.sim.recursions`) and the advisor build their
maps with :func:`w2_by_dimension`; the tables and plots show the dimensions
:func:`shown_dimensions` picks. NumPy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["discarded_variance", "w2_by_dimension", "shown_dimensions"]


def discarded_variance(sigma2: np.ndarray) -> np.ndarray:
    """``Σ_{i>d} σ_i²`` for ``d = 1..D``: the variance of the components a latent dimension
    ``d`` drops (the last entry, ``d = D``, is 0). Wu et al. (2025), eq. (3).

    A reversed cumulative sum from the smallest components, which keeps the small tail sums
    accurate instead of subtracting from the total.
    """
    sig2 = np.asarray(sigma2, dtype=float)
    return np.concatenate([np.cumsum(sig2[::-1])[::-1][1:], [0.0]])


def w2_by_dimension(errors: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """``W²(·, d) = Σ_{i≤d} e_i + Σ_{i>d} σ_i²`` for every ``d`` at once.

    ``errors`` has one row per component (``D × K``, e.g. ``(sqrt(v_i) - σ_i)²`` at ``K`` times);
    returns the ``D × K`` map whose row ``d-1`` is latent dimension ``d`` (Wu et al. 2025,
    eq. (3)): a cumulative sum over the rows plus :func:`discarded_variance`.
    """
    return np.cumsum(errors, axis=0) + discarded_variance(sigma2)[:, None]


def shown_dimensions(D: int, most: int) -> np.ndarray:
    """0-based indices of the latent dimensions a table or plot shows: all of them up to
    ``most``, else about ``most`` spread geometrically over 1..D (small d matter most)."""
    if D <= most:
        return np.arange(D)
    return np.unique(np.geomspace(1, D, most).astype(int) - 1)

"""What is recorded: streaming first and second moments at checkpoint times.

Per chunk and checkpoint the kernels add, over the chunk's paths, ``Σ ℓ`` and either
``Σ ℓ_r²`` (diagonal mode, PCA latent, every d at once) or ``Σ ℓ ℓᵀ`` (full mode), where
``ℓ = E y`` is the latent code for an orthonormal encoder ``E`` (``d × D``, rows orthonormal,
in the PCA basis) or ``ℓ = y`` itself. Memory is O(chunks · checkpoints · d²), independent of
the number of paths and of the number of steps (docs/design.md, diffrax's
``SaveAt``). The sums are kept per chunk so that the chunks serve as independent batches.
The compiled accumulator is :func:`ldmstop.sim.kernels.accumulate` (it lives beside the
kernels so that Numba's on-disk cache sees its edits; see that module). This module resolves
the checkpoint times.
"""

from __future__ import annotations

import numpy as np
from ldmstop.sampler import parse_checkpoints  # re-exported: checked with the other settings

__all__ = ["resolve_checkpoints", "parse_checkpoints"]


def resolve_checkpoints(spec, grid: np.ndarray, T: float) -> np.ndarray:
    """Grid indices ``k`` (sorted, unique) of the checkpoints: a count ``M`` gives
    ``round(K j / M)``, ``j = 1..M``; times are snapped to the nearest grid time."""
    spec = parse_checkpoints(spec, T)
    K = grid.size - 1
    if isinstance(spec, int):
        idx = np.rint(K * np.arange(1, spec + 1) / spec).astype(np.int64)
    else:
        idx = np.abs(grid[None, :] - spec[:, None]).argmin(axis=1).astype(np.int64)
    return np.unique(idx)

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
from ldmstop.errors import ProblemError, plain  # a ValueError: sim validates as the API does

__all__ = ["resolve_checkpoints", "parse_checkpoints"]


def parse_checkpoints(spec, T: float):
    """``M`` (an int: that many times evenly spread on the grid, the last at its end) or a
    sequence / comma-separated string of backward times in ``[0, T]``."""
    if isinstance(spec, str):
        text = spec.strip()
        if "," not in text and "." not in text and "e" not in text.lower():
            try:
                spec = int(text)
            except ValueError:
                raise ProblemError(f"checkpoints: {spec!r} is neither a count nor times") from None
        else:
            try:
                spec = [float(p) for p in text.split(",") if p.strip()]
            except ValueError:
                raise ProblemError(f"checkpoints: {spec!r} is not a list of times") from None
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if spec < 1:
            raise ProblemError(f"checkpoints: the count must be >= 1, got {spec}")
        return int(spec)
    arr = np.atleast_1d(np.asarray(spec, dtype=float))
    if arr.size == 0:
        raise ProblemError("checkpoints: no times given")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > T)
    if bad.any():
        raise ProblemError(f"checkpoints must lie in [0, T] = [0, {plain(T)}], got {plain(arr[bad][0])}")
    return arr


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

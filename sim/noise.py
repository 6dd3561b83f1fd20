"""Where the noise comes from: one ``numpy.random.Generator`` per chunk of paths.

DESIGN.md principle 5 and the measured fact that a Generator passed into ``@njit`` code draws
normals ~4x faster than the legacy ``np.random`` inside Numba. The paths are cut into a number
of chunks that depends only on the number of paths (never on the number of threads); chunk
``g`` draws from ``Generator(PCG64(SeedSequence(seed).spawn(G)[g]))``, and each chunk is
simulated start to finish by one thread. Hence the same seed gives bit-identical results
whatever the thread count, and the chunks are independent batches for the standard errors.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_CHUNKS", "MIN_CHUNK_PATHS", "chunk_sizes", "chunk_generators", "check_paths"]

#: Upper bound on the number of chunks: enough batches for a jackknife standard error with
#: ~63 degrees of freedom and for load balance on many cores, few enough to keep the per-chunk
#: moment tables (chunks × checkpoints × d²) small.
MAX_CHUNKS = 64
#: Chunks hold at least this many paths (when there are enough paths for two chunks).
MIN_CHUNK_PATHS = 16


def check_paths(paths) -> int:
    if isinstance(paths, bool) or not isinstance(paths, (int, np.integer)) or paths < 2:
        raise ValueError(f"paths must be an integer >= 2 (a variance needs two samples), got {paths!r}")
    return int(paths)


def chunk_sizes(paths: int) -> np.ndarray:
    """Split ``paths`` into ``G = clip(paths // MIN_CHUNK_PATHS, 2, MAX_CHUNKS)`` chunks whose
    sizes differ by at most one (the first ``paths % G`` chunks get one more)."""
    n = check_paths(paths)
    G = int(np.clip(n // MIN_CHUNK_PATHS, 2, MAX_CHUNKS))
    sizes = np.full(G, n // G, dtype=np.int64)
    sizes[: n % G] += 1
    return sizes


def chunk_generators(seed: int | None, n_chunks: int):
    """``n_chunks`` independent PCG64 generators spawned from ``SeedSequence(seed)``, as a
    ``numba.typed.List`` (so that the kernel does not recompile for each chunk count)."""
    from numba import typed  # deferred: DESIGN.md principle 6

    children = np.random.SeedSequence(seed).spawn(int(n_chunks))
    gens = typed.List()
    for c in children:
        gens.append(np.random.Generator(np.random.PCG64(c)))
    return gens

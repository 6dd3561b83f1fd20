"""Where the noise comes from: independent SFC64 streams per chunk of paths, from ``SeedSequence``.

The paths are cut into a number of chunks that depends only on the number of paths (never on
the number of threads or workers). Chunk ``g`` draws from ``LANES + 1`` streams
``SFC64(c)`` for ``c`` in ``SeedSequence(seed).spawn(G)[g].spawn(LANES + 1)`` (NumPy's own
seeding of its SFC64 bit generator; the last stream serves the ziggurat's rejections, see
:mod:`ldmstop.sim.kernels`), and each chunk is simulated start to finish, in order, through
its own streams. Hence the same seed gives bit-identical results whatever the thread count, the
cut into waves or the Dask cluster, and the chunks are independent batches for the standard
errors (docs/simulate.md).
"""

from __future__ import annotations

import numpy as np
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does

__all__ = ["MAX_CHUNKS", "MAX_CHUNK_PATHS", "MIN_CHUNK_PATHS", "LANES", "chunk_sizes", "chunk_states", "check_paths"]

#: Number of chunks up to ``MAX_CHUNKS · MAX_CHUNK_PATHS`` paths: enough batches for a jackknife
#: standard error with ~63 degrees of freedom and for load balance on many cores, few enough to
#: keep the per-chunk moment tables (chunks × checkpoints × d²) small.
MAX_CHUNKS = 64
#: Beyond ``MAX_CHUNKS`` chunks of this many paths (2.7e8 paths), the number of chunks grows in
#: multiples of ``MAX_CHUNKS`` so that no chunk (one Dask task) holds more: 10¹⁰ paths are
#: 2,432 tasks of ~4.1 M paths each.
MAX_CHUNK_PATHS = 1 << 22
#: Chunks hold at least this many paths (when there are enough paths for two chunks).
MIN_CHUNK_PATHS = 16
#: SFC64 streams drawn side by side per chunk (== :data:`ldmstop.sim.kernels.LANES`; kept here
#: too so that seeding does not import Numba).
LANES = 16


def check_paths(paths) -> int:
    if isinstance(paths, bool) or not isinstance(paths, (int, np.integer)) or paths < 2:
        raise ProblemError(f"paths must be an integer >= 2 (a variance needs two samples), got {paths!r}")
    return int(paths)


def chunk_count(paths: int) -> int:
    """The number of chunks :func:`chunk_sizes` cuts ``paths`` into (nothing allocated: the
    command line predicts the run's memory from it)."""
    n = check_paths(paths)
    G = int(np.clip(n // MIN_CHUNK_PATHS, 2, MAX_CHUNKS))
    if n > MAX_CHUNKS * MAX_CHUNK_PATHS:
        G = MAX_CHUNKS * (-(-n // (MAX_CHUNKS * MAX_CHUNK_PATHS)))
    return G


def chunk_sizes(paths: int) -> np.ndarray:
    """Split ``paths`` into ``G = clip(paths // MIN_CHUNK_PATHS, 2, MAX_CHUNKS)`` chunks (or,
    beyond ``MAX_CHUNKS · MAX_CHUNK_PATHS`` paths, the smallest multiple of ``MAX_CHUNKS`` with
    at most ``MAX_CHUNK_PATHS`` paths per chunk) whose sizes differ by at most one (the first
    ``paths % G`` chunks get one more)."""
    n = check_paths(paths)
    G = chunk_count(n)
    sizes = np.full(G, n // G, dtype=np.int64)
    sizes[: n % G] += 1
    return sizes


def chunk_states(seed: int | None, n_chunks: int) -> np.ndarray:
    """SFC64 states of every chunk's streams, shape ``(n_chunks, 4, LANES + 1)`` ``uint64``:
    ``[g, :, l]`` is ``numpy.random.SFC64(SeedSequence(seed).spawn(n_chunks)[g].spawn(LANES + 1)[l])``'s
    state ``(a, b, c, counter)`` after NumPy's seeding. The kernels advance it in place."""
    children = np.random.SeedSequence(seed).spawn(int(n_chunks))
    out = np.empty((int(n_chunks), 4, LANES + 1), dtype=np.uint64)
    for g, child in enumerate(children):
        for lane, ss in enumerate(child.spawn(LANES + 1)):
            out[g, :, lane] = np.random.SFC64(ss).state["state"]["state"]
    return out

"""Past one machine: the chunks of a Monte Carlo run as Dask tasks (``dask.distributed``).

``--scheduler local:N`` starts a ``LocalCluster`` of ``N`` single-threaded worker processes for
the run; any other value is the address of a running scheduler (``tcp://host:8786``). Each task
simulates one whole chunk with the same compiled kernel as a local run
(:func:`ldmstop.sim.kernels.simulate_wave` on that chunk alone, all its blocks in order) from
that chunk's streams, and returns its moment sums; the client puts them back in chunk order and
the statistics reduce them exactly as for a local run. So the result is bit-identical to the
single-process run with the same seed. The scheme tables are sent to every worker once.

Needs the optional extra: ``pip install 'ldm-stopping[dask]'``; workers of a remote cluster
need the same ``ldmstop`` (and Numba) installed. See docs/simulate.md (10¹⁰ paths).
"""

from __future__ import annotations

import re

import numpy as np
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does

__all__ = ["check_scheduler", "run_chunks", "chunk_task", "INSTALL_HINT"]

INSTALL_HINT = "--scheduler needs dask.distributed: pip install 'ldm-stopping[dask]'"

_LOCAL = re.compile(r"^local:(\d+)$")
#: How long to try to reach a remote scheduler before giving up (exit 2).
CONNECT_TIMEOUT = "10s"


def check_scheduler(scheduler: str) -> str:
    """Validate ``local:N`` (``N >= 1``) or an address, and that Dask is installed
    (``ValueError`` with the install hint otherwise)."""
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ProblemError(f"scheduler must be 'local:N' or a Dask scheduler address, got {scheduler!r}")
    text = scheduler.strip()
    m = _LOCAL.match(text)
    if text.startswith("local") and (m is None or int(m.group(1)) < 1):
        raise ProblemError(f"--scheduler local:N needs a number of workers N >= 1, got {scheduler!r}")
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise ProblemError(INSTALL_HINT) from None
    return text


def chunk_task(state: np.ndarray, size: int, nb: int, kernel_args: tuple, shape: tuple
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One chunk on a worker: all its blocks, on one Numba thread. Returns its ``s1 (M, R)``,
    ``s2 (M, R)``, ``s2f (M, R', R')``."""
    import numba

    from .kernels import simulate_wave

    M, R, RF = shape
    state = np.array(state, dtype=np.uint64, copy=True)[None]
    sizes = np.array([size], dtype=np.int64)
    s1, s2 = np.zeros((1, M, R)), np.zeros((1, M, R))
    s2f = np.zeros((1, M, RF, RF))
    nblocks = (int(size) + nb - 1) // nb
    previous = numba.get_num_threads()
    numba.set_num_threads(1)  # one task per worker thread: no oversubscription
    try:
        simulate_wave(state, sizes, nb, 0, nblocks, *kernel_args, s1, s2, s2f)
    finally:
        numba.set_num_threads(previous)
    return s1[0], s2[0], s2f[0]


def _client(scheduler: str):
    import logging

    from dask.distributed import Client, LocalCluster

    m = _LOCAL.match(scheduler)
    if m:
        cluster = LocalCluster(n_workers=int(m.group(1)), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise ProblemError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None


def run_chunks(scheduler: str, states: np.ndarray, sizes: np.ndarray, nb: int, kernel_args: tuple,
               s1: np.ndarray, s2: np.ndarray, s2f: np.ndarray, reporter) -> None:
    """One task per chunk on the Dask cluster ``scheduler``; their sums land in ``s1[g]``,
    ``s2[g]``, ``s2f[g]``. SIGINT cancels the tasks and raises ``KeyboardInterrupt``."""
    from dask.distributed import wait

    from .waves import interruptible

    scheduler = check_scheduler(scheduler)
    client, cluster = _client(scheduler)
    shape = (s1.shape[1], s1.shape[2], s2f.shape[2])
    try:
        shared = client.scatter(kernel_args, broadcast=True)
        futures = [client.submit(chunk_task, states[g], int(sizes[g]), nb, shared, shape,
                                 key=f"ldmstop-chunk-{g}-{id(states)}", pure=False)
                   for g in range(sizes.size)]
        index = {f.key: g for g, f in enumerate(futures)}
        pending, done_paths = set(futures), 0
        with interruptible() as flag:
            while pending:
                try:
                    finished, pending = wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
                except TimeoutError:  # nothing finished in 0.5 s: look at the SIGINT flag
                    finished = set()
                for fut in finished:
                    g = index[fut.key]
                    s1[g], s2[g], s2f[g] = fut.result()
                    done_paths += int(sizes[g])
                if finished:
                    reporter.update(done_paths)
                if flag["hit"]:
                    client.cancel(list(pending))
                    raise KeyboardInterrupt
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

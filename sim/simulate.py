"""The simulator's front door: run a latent sampler by Monte Carlo and compare with theory.

``simulate(problem, ...)`` wires the pieces together (docs/design.md, diffrax-like separation):
schedule (:mod:`.schedules`) and score (:mod:`.scores`) give per-step tables; the scheme's
update rule (:mod:`.steps`) is applied by the kernel (:mod:`.kernels`) to chunks of paths
whose noise comes from :mod:`.noise`; the recorder (:mod:`.recorder`) keeps moments at
checkpoints; :mod:`.statistics` turns them into W2² with standard errors, compared with the
exact discrete recursion (:mod:`.recursions`) of the same scheme on the same grid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .noise import check_paths, chunk_sizes
from .recursions import w2_from_variances
from .statistics import ChunkMoments, w2_estimates, w2_full
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does
from ldmstop.results import Record
from ldmstop.sampler import Sampler

__all__ = ["simulate", "SimulationResult", "SimulationSettings", "run_moments"]


@dataclass(frozen=True)
class SimulationSettings(Record):
    """How a simulation ran: ``paths`` in ``chunks`` independent batches, the sampler (``scheme``,
    ``steps``, ``init``, ``cap``, ``truncate``), the root ``seed``, Numba ``threads`` (``None``:
    all), the W² ``estimator`` (``diag``: every PCA dimension; ``full``: an encoder's output)
    and the number of components simulated."""

    paths: int
    steps: int
    scheme: str
    init: str
    cap: float | None
    seed: int | None
    truncate: float
    chunks: int
    threads: int | None
    estimator: str
    simulated_components: int

    _KEYS = ("paths", "steps", "scheme", "init", "cap", "seed", "truncate", "chunks", "threads",
             "estimator", "simulated_components")


@dataclass
class SimulationResult:
    """Monte Carlo W2² (bias-corrected) with standard errors and the exact values, per
    latent dimension (rows ``dims``) and checkpoint (columns, backward times ``times``)."""

    times: np.ndarray
    checkpoint_steps: np.ndarray
    dims: np.ndarray
    mc: np.ndarray
    stderr: np.ndarray
    theory: np.ndarray
    continuous: np.ndarray
    replicates: np.ndarray = field(repr=False)
    moments: ChunkMoments = field(repr=False)
    settings: SimulationSettings | None = None
    elapsed: float = 0.0
    throughput: float = 0.0
    mean_z_max: float = 0.0

    @property
    def z(self) -> np.ndarray:
        """``(MC - exact discrete recursion) / stderr`` per dimension and checkpoint."""
        return (self.mc - self.theory) / self.stderr

    @property
    def z_max(self) -> float:
        return float(np.max(np.abs(self.z)))


def _validate_encoder(encoder, D: int) -> np.ndarray:
    E = np.atleast_2d(np.asarray(encoder, dtype=float))
    if E.ndim != 2 or E.shape[1] != D or not 1 <= E.shape[0] <= D:
        raise ProblemError(f"encoder must be a d x D matrix with 1 <= d <= D = {D}, got shape {E.shape}")
    if not np.all(np.isfinite(E)) or np.max(np.abs(E @ E.T - np.eye(E.shape[0]))) > 1e-8:
        raise ProblemError("encoder rows must be orthonormal (E Eᵀ = I)")
    return np.ascontiguousarray(E)


def kernel_arguments(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int, scheme: str,
                     init: str, cap: float | None, truncate: float, rec_k: np.ndarray,
                     encoder: np.ndarray | None = None, full: bool = False) -> tuple:
    """The per-run arguments of :func:`ldmstop.sim.kernels.simulate_wave` after the chunk ones:
    scheme tables (:mod:`.schemes`), start scale, checkpoints and encoder."""
    from .recursions import initial_variance
    from .schemes import step_tables

    tab = step_tables(sigma2_hat, schedule=schedule, T=T, steps=steps, scheme=scheme,
                      truncate=truncate, cap=cap)
    init_sd = np.sqrt(initial_variance(sigma2_hat, schedule=schedule, T=T, init=init))
    use_enc = encoder is not None
    enc = np.ascontiguousarray(encoder, dtype=float) if use_enc else np.zeros((0, sigma2_hat.size))
    return (tab.scheme_id, init_sd, tab.dt, tab.m_left, tab.drift, tab.diffusion2, tab.noise_sd,
            tab.ei_ratio, tab.ei_weight, tab.ode_left, tab.ode_right, tab.corrector,
            np.ascontiguousarray(rec_k, dtype=np.int64), enc, use_enc, bool(full))


def run_moments(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int, scheme: str,
                init: str, cap: float | None, truncate: float, paths: int, seed: int | None,
                rec_k: np.ndarray, encoder: np.ndarray | None = None, full: bool = False,
                threads: int | None = None, show_progress: bool | str = False,
                scheduler: str | None = None) -> ChunkMoments:
    """Run every chunk of paths and return their moment sums (:class:`ChunkMoments`).

    Here: in waves on ``threads`` Numba threads (:mod:`.waves`); with ``scheduler`` (a Dask
    scheduler address or ``"local:N"``): one Dask task per chunk (:mod:`.distributed`). The
    chunks' streams and the order of every sum are the same either way, so the result is
    bit-identical. ``show_progress``: ``False``/``"off"``, ``True``/``"on"`` or ``"auto"``
    (only for a run predicted to take more than a few seconds). SIGINT raises
    ``KeyboardInterrupt`` within about a second.
    """
    from .kernels import block_paths
    from .noise import chunk_states
    from .waves import Reporter

    args = kernel_arguments(sigma2_hat, schedule=schedule, T=T, steps=steps, scheme=scheme,
                            init=init, cap=cap, truncate=truncate, rec_k=rec_k, encoder=encoder,
                            full=full)
    sizes = chunk_sizes(paths)
    G, D, M = sizes.size, sigma2_hat.size, int(np.asarray(rec_k).size)
    R = encoder.shape[0] if encoder is not None else D
    RF = R if full else 0
    states = chunk_states(seed, G)
    nb = block_paths(D)
    s1, s2 = np.zeros((G, M, R)), np.zeros((G, M, R))
    s2f = np.zeros((G, M, RF, RF))
    mode = {True: "on", False: "off"}.get(show_progress, show_progress)
    k_run = int(np.max(rec_k))
    reporter = Reporter(paths, mode=mode,
                        label=f"{paths} paths x {D} components x {k_run} steps, {scheme}")
    try:
        if scheduler is not None:
            from .distributed import run_chunks

            run_chunks(scheduler, states, sizes, nb, args, s1, s2, s2f, reporter)
        else:
            import numba

            from .waves import run_waves

            previous = numba.get_num_threads()
            if threads is not None:
                numba.set_num_threads(int(threads))
            try:
                run_waves(states, sizes, nb, args, s1, s2, s2f, reporter,
                          threads=numba.get_num_threads())
            finally:
                numba.set_num_threads(previous)  # the caller's setting is not ours to change
    finally:
        reporter.close()
    return ChunkMoments(counts=sizes, s1=s1, s2=s2, s2f=s2f)


#: the old spelling of "every latent dimension" (``d=None``), still accepted with a warning
_ALL = "all"


def _check_d(d, problem) -> int | None:
    """``d``: ``None`` (every latent dimension) or an integer in ``1..D``; the old string
    ``"all"`` means ``None`` (DeprecationWarning)."""
    if isinstance(d, str) and d.strip().lower() == _ALL:
        import warnings

        warnings.warn('simulate(d="all") is deprecated: pass d=None for every latent dimension',
                      DeprecationWarning, stacklevel=3)
        return None
    return None if d is None else problem.check_dimension(d)


def simulate(problem, *, paths: int, steps: int | None = None, scheme: str = "em",
             init: str = "pT", cap: float | None = None, checkpoints=20, seed: int | None = 0,
             threads: int | None = None, truncate: float = 0.0, d: int | None = None,
             encoder: np.ndarray | None = None, estimator: str = "diag",
             show_progress: bool | str = False, scheduler: str | None = None,
             sampler: Sampler | None = None) -> SimulationResult:
    """Monte Carlo W2² of the latent sampler at the checkpoints, against the exact recursion.

    ``d=None`` simulates every component and reports every latent dimension (PCA encoder,
    diagonal estimator); an integer ``d`` simulates the first ``d`` components only (the rest
    of the output is 0 and contributes ``Σ_{i>d} σ_i²``). ``encoder`` (``d × D``, orthonormal
    rows, PCA basis) simulates all components and reports the encoder's output with the
    full-covariance estimator; ``estimator="full"`` does the same for the PCA encoder.
    Checkpoints: a count ``M`` or backward times in ``[0, T]`` (snapped to the grid).
    ``scheduler``: run the chunks as Dask tasks (``"local:N"`` or a scheduler address; needs
    the ``dask`` extra); the result is bit-identical to the run on this process's threads.
    Any schedule: VP ones and the rectified flow (an SDE scheme there needs ``T < 1``); a cap on
    a schedule that is not VP is refused (no continuous-time reference).
    ``sampler``: the settings (scheme, steps, init, cap, truncate, checkpoints) as a
    :class:`~ldmstop.sampler.Sampler` already built for ``problem.T`` (then those arguments are
    not read); otherwise they are checked here, once.
    """
    from .recorder import resolve_checkpoints
    from .recursions import sampler_continuous_variances, sampler_variances

    from ldmstop.errors import ProblemError
    from ldmstop.limits import check_count
    from ldmstop.problem import check_seed
    from ldmstop.registry import SAMPLER_SCHEMES

    paths = check_paths(check_count(paths, name="paths", low=2))
    if sampler is None:
        sampler = Sampler.build(scheme=scheme, steps=steps, init=init, truncate=truncate, cap=cap,
                                checkpoints=checkpoints, T=problem.T, schemes=SAMPLER_SCHEMES)
    seed = check_seed(seed)
    d = _check_d(d, problem)
    if encoder is not None and d is not None:
        raise ProblemError(f"give either d (= {d!r}) or encoder, not both: with an encoder the "
                           "latent dimension is the encoder's number of rows")
    if estimator not in ("diag", "full"):
        raise ProblemError(f"estimator must be 'diag' or 'full', got {estimator!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer))
                                or threads < 1):
        raise ProblemError(f"threads must be an integer >= 1, got {threads!r}")
    scheme, steps, init, cap, truncate = (sampler.scheme, sampler.steps, sampler.init,
                                          sampler.cap, sampler.truncate)
    T = problem.T
    grid = sampler.grid()
    rec_k = resolve_checkpoints(sampler.checkpoint_spec(), grid, T)
    D = problem.D
    hat = np.asarray(problem.sigma2_used, dtype=float)
    sig2 = np.asarray(problem.sigma2, dtype=float)

    if encoder is None and estimator == "full":
        encoder = np.eye(D)[:D if d is None else d]
    if encoder is not None:
        E = _validate_encoder(encoder, D)
        sim_hat, dims = hat, np.array([E.shape[0]])
    elif d is None:
        E, sim_hat, dims = None, hat, np.arange(1, D + 1)
    else:
        E, sim_hat, dims = None, hat[:d], np.array([d])

    # the theory first: it is cheap, and its errors (e.g. an SDE scheme at T = 1 on the
    # rectified flow, a cap on a schedule that is not VP) come before any long work
    _, V = sampler_variances(hat, problem.schedule, sampler)
    _, Vc = sampler_continuous_variances(hat, problem.schedule, sampler)
    if scheduler is not None:
        from .distributed import check_scheduler

        check_scheduler(scheduler)
    t0 = time.perf_counter()
    mom = run_moments(sim_hat, schedule=problem.schedule, T=T, steps=steps, scheme=scheme,
                      init=init, cap=cap, truncate=truncate, paths=paths, seed=seed,
                      rec_k=rec_k, encoder=E, full=E is not None, threads=threads,
                      show_progress=show_progress, scheduler=scheduler)
    elapsed = time.perf_counter() - t0
    est, se, reps = w2_estimates(mom, sig2, encoder=E)

    V, Vc = V[rec_k], Vc[rec_k]
    if E is None:
        theory = w2_from_variances(sig2, V)[dims - 1]
        cont = w2_from_variances(sig2, Vc)[dims - 1]
        if d is not None:
            est, se, reps = est[-1:], se[-1:], reps[:, -1:]
    else:
        theory = w2_full((E[None] * V[:, None, :]) @ E.T, E, sig2)[None]
        cont = w2_full((E[None] * Vc[:, None, :]) @ E.T, E, sig2)[None]
    # the first moments should vanish: a sign or symmetry error in a kernel would show here
    m1 = mom.s1.sum(0) / mom.n
    with np.errstate(divide="ignore", invalid="ignore"):
        mz = np.abs(m1) / np.sqrt(mom.s2.sum(0) / mom.n / mom.n)
    k_run = int(rec_k[-1])
    work = paths * sim_hat.size * max(k_run, 1)
    return SimulationResult(
        times=grid[rec_k], checkpoint_steps=rec_k, dims=dims, mc=est, stderr=se, theory=theory,
        continuous=cont, replicates=reps, moments=mom, elapsed=elapsed,
        throughput=work / elapsed if elapsed > 0 else float("inf"),
        mean_z_max=float(np.nanmax(mz)) if np.isfinite(mz).any() else 0.0,
        settings=SimulationSettings(paths=paths, steps=steps, scheme=scheme, init=init, cap=cap,
                                    seed=seed, truncate=truncate, chunks=int(mom.chunks),
                                    threads=threads, estimator="diag" if E is None else "full",
                                    simulated_components=int(sim_hat.size)),
    )

"""The simulator's front door: run a latent sampler by Monte Carlo and compare with theory.

``simulate(problem, ...)`` wires the pieces together (DESIGN.md, diffrax-like separation):
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

from .grid import check_init, check_scheme, check_steps, check_truncate
from .noise import check_paths, chunk_sizes
from .recursions import continuous_variances, discrete_variances, w2_from_variances
from .scores import check_cap
from .statistics import ChunkMoments, w2_estimates, w2_full

__all__ = ["simulate", "SimulationResult", "run_moments"]


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
    settings: dict = field(default_factory=dict)
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
        raise ValueError(f"encoder must be a d x D matrix with 1 <= d <= D = {D}, got shape {E.shape}")
    if not np.all(np.isfinite(E)) or np.max(np.abs(E @ E.T - np.eye(E.shape[0]))) > 1e-8:
        raise ValueError("encoder rows must be orthonormal (E Eᵀ = I)")
    return np.ascontiguousarray(E)


def run_moments(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int, scheme: str,
                init: str, cap: float | None, truncate: float, paths: int, seed: int | None,
                rec_k: np.ndarray, encoder: np.ndarray | None = None, full: bool = False,
                threads: int | None = None, show_progress: bool = False) -> ChunkMoments:
    """Run the kernel on every chunk; the chunks go in waves (a progress bar's ticks), which
    does not change any draw (each chunk owns its generator)."""
    import numba

    from .kernels import simulate_moments
    from .noise import chunk_generators
    from .recursions import initial_variance
    from .schemes import step_tables

    tab = step_tables(sigma2_hat, schedule=schedule, T=T, steps=steps, scheme=scheme,
                      truncate=truncate, cap=cap)
    init_sd = np.sqrt(initial_variance(sigma2_hat, schedule=schedule, T=T, init=init))
    sizes = chunk_sizes(paths)
    gens = chunk_generators(seed, sizes.size)
    use_enc = encoder is not None
    enc = encoder if use_enc else np.zeros((0, sigma2_hat.size))
    n_waves = min(8, sizes.size) if show_progress else 1
    bounds = np.linspace(0, sizes.size, n_waves + 1).astype(int)
    parts = []
    waves = range(n_waves)
    if show_progress:
        from ldmstop.progress import progress

        waves = progress(waves, desc="simulate", total=n_waves)
    from numba import typed

    previous = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(int(threads))
    try:
        for w in waves:
            lo, hi = bounds[w], bounds[w + 1]
            sub = typed.List([gens[j] for j in range(lo, hi)]) if n_waves > 1 else gens
            parts.append(simulate_moments(sub, sizes[lo:hi], tab.scheme_id, init_sd, tab.dt,
                                          tab.w2_left, tab.w2_right, tab.m_left, tab.m_right,
                                          tab.dB, tab.corrector, rec_k, enc, use_enc, full))
    finally:
        numba.set_num_threads(previous)  # the caller's setting is not ours to change
    s1, s2, s2f = (np.concatenate([p[j] for p in parts], axis=0) for j in range(3))
    return ChunkMoments(counts=sizes, s1=s1, s2=s2, s2f=s2f)


def simulate(problem, *, paths: int, steps: int, scheme: str = "em", init: str = "pT",
             cap: float | None = None, checkpoints=20, seed: int | None = 0,
             threads: int | None = None, truncate: float = 0.0, d: int | str = "all",
             encoder: np.ndarray | None = None, estimator: str = "diag",
             show_progress: bool = False) -> SimulationResult:
    """Monte Carlo W2² of the latent sampler at the checkpoints, against the exact recursion.

    ``d="all"`` simulates every component and reports every latent dimension (PCA encoder,
    diagonal estimator); an integer ``d`` simulates the first ``d`` components only (the rest
    of the output is 0 and contributes ``Σ_{i>d} σ_i²``). ``encoder`` (``d × D``, orthonormal
    rows, PCA basis) simulates all components and reports the encoder's output with the
    full-covariance estimator; ``estimator="full"`` does the same for the PCA encoder.
    Checkpoints: a count ``M`` or backward times in ``[0, T]`` (snapped to the grid).
    """
    from .recorder import resolve_checkpoints
    from .grid import solver_grid

    paths = check_paths(paths)
    steps = check_steps(steps)
    check_scheme(scheme)
    check_init(init)
    cap = check_cap(cap)
    T = problem.T
    truncate = check_truncate(truncate, T)
    if estimator not in ("diag", "full"):
        raise ValueError(f"estimator must be 'diag' or 'full', got {estimator!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer))
                                or threads < 1):
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    grid = solver_grid(T, steps, truncate)
    rec_k = resolve_checkpoints(checkpoints, grid, T)
    D = problem.D
    hat = np.asarray(problem.sigma2_used, dtype=float)
    sig2 = np.asarray(problem.sigma2, dtype=float)

    if encoder is None and estimator == "full":
        dd = D if d == "all" else problem.check_dimension(d)
        encoder = np.eye(D)[:dd]
    if encoder is not None:
        E = _validate_encoder(encoder, D)
        sim_hat, dims = hat, np.array([E.shape[0]])
    elif d == "all":
        E, sim_hat, dims = None, hat, np.arange(1, D + 1)
    else:
        dd = problem.check_dimension(d)
        E, sim_hat, dims = None, hat[:dd], np.array([dd])

    t0 = time.perf_counter()
    mom = run_moments(sim_hat, schedule=problem.schedule, T=T, steps=steps, scheme=scheme,
                      init=init, cap=cap, truncate=truncate, paths=paths, seed=seed,
                      rec_k=rec_k, encoder=E, full=E is not None, threads=threads,
                      show_progress=show_progress)
    elapsed = time.perf_counter() - t0
    est, se, reps = w2_estimates(mom, sig2, encoder=E)

    _, V = discrete_variances(hat, schedule=problem.schedule, T=T, steps=steps, scheme=scheme,
                              init=init, truncate=truncate, cap=cap)
    _, Vc = continuous_variances(hat, schedule=problem.schedule, T=T, steps=steps, scheme=scheme,
                                 init=init, truncate=truncate, cap=cap)
    V, Vc = V[rec_k], Vc[rec_k]
    if E is None:
        theory = w2_from_variances(sig2, V)[dims - 1]
        cont = w2_from_variances(sig2, Vc)[dims - 1]
        if d != "all":
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
        settings=dict(paths=paths, steps=steps, scheme=scheme, init=init, cap=cap, seed=seed,
                      truncate=truncate, chunks=int(mom.chunks), threads=threads,
                      estimator="diag" if E is None else "full",
                      simulated_components=int(sim_hat.size)),
    )

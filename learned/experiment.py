"""The experiment: encoders × latent dimensions × schedules × seeds, metric against stopping time.

Wu et al. (2025, Figure 1 and appendix D.1) find that a latent diffusion model's FID gets worse
over the last sampling steps while a pixel-space model's does not, and their Gaussian theory
with a linear (PCA) autoencoder explains why stopping early can be optimal in a latent space.
This module runs the same comparison at CPU scale on real images: for every encoder (PCA, an
MLP autoencoder) and latent dimension d, and for the pixel-space model (d = D), it trains a
score network by denoising score matching, samples with K solver steps, decodes every step and
measures the distance to held-out data in pixel space; then it locates the optimal stop with a
confidence interval and sets the Gaussian theory's prediction (:mod:`ldmstop.learned.theory`)
beside it. Seeds are independent replicates: seed i retrains the autoencoder and the score
networks from ``PRNGKey(seed + i)`` and draws its own samples and sliced-W2 directions; the data
split is fixed (``split_seed``).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from ldmstop.errors import ProblemError

from .data import Pca, Split, pca
from .schedules import SCHEDULES, sampler_spec, step_coefficients

__all__ = ["Settings", "ENCODERS", "METRICS", "run_experiment", "validate_settings"]

ENCODERS = ("pca", "ae")
#: metric name -> what it is (all squared distances, in pixel space, against held-out data)
METRICS = {"frechet": "Fréchet distance² of Gaussian fits",
           "sw2": "sliced Wasserstein-2² (random directions)",
           "mmd": "MMD² (Gaussian kernel, median-heuristic bandwidth, unbiased)"}


@dataclass(frozen=True)
class Settings:
    """Everything that determines a run (all of it is written to the report)."""

    dims: tuple[int, ...] = (4, 8, 16, 32)
    encoders: tuple[str, ...] = ENCODERS
    schedules: tuple[str, ...] = SCHEDULES
    steps: int = 250                 # K sampling steps
    seeds: int = 3                   # independent replicates
    seed: int = 0                    # first model seed
    split_seed: int = 0
    holdout: float = 0.3
    samples: int = 1000              # generated per seed
    width: int = 128                 # score network
    depth: int = 3
    train_steps: int = 2000
    batch: int = 256
    lr: float = 2e-3
    ema: float = 0.999
    ae_width: int = 128
    ae_steps: int = 2000
    directions: int = 128            # sliced W2
    precondition: str = "diagonal"   # or "isotropic" (ldmstop.learned.train)
    quick: bool = False

    @classmethod
    def quick_settings(cls, **kw) -> "Settings":
        """``--quick``: one seed, 100 steps, smaller nets and shorter training (about a minute)."""
        base = dict(steps=100, seeds=1, samples=500, width=64, train_steps=500, ae_steps=500,
                    ae_width=64, directions=64, quick=True)
        base.update(kw)
        return cls(**base)

    def to_json(self) -> dict:
        return asdict(self)


def _int(name: str, v, lo: int, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo or (hi is not None and v > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ProblemError(f"{name} must be an integer {rng}, got {v!r}")
    return int(v)


def validate_settings(st: Settings, D: int | None = None) -> Settings:
    """Check every setting (and the dims against the data dimension D) before any work."""
    if not st.dims:
        raise ProblemError("dims is empty: give at least one latent dimension")
    for d in st.dims:
        _int("each latent dimension in dims", d, 1)
        if D is not None and d >= D:
            raise ProblemError(f"latent dimension {d} must be below the data dimension D = {D} "
                               "(the pixel-space model, d = D, is always included)")
    if len(set(st.dims)) != len(st.dims):
        raise ProblemError(f"dims has repeated values: {list(st.dims)}")
    for e in st.encoders:
        if e not in ENCODERS:
            raise ProblemError(f"unknown encoder {e!r}; choose from {', '.join(ENCODERS)}")
    if not st.schedules:
        raise ProblemError("schedules is empty")
    for s in st.schedules:
        if s not in SCHEDULES:
            raise ProblemError(f"unknown schedule {s!r}; choose from {', '.join(SCHEDULES)}")
    _int("steps", st.steps, 2, 5000)
    _int("seeds", st.seeds, 1, 64)
    _int("seed", st.seed, 0, 2**31 - 1 - 64)
    _int("split_seed", st.split_seed, 0)
    # the MMD's N × N kernel matrix per seed bounds N: 5,000 is 100 MB per seed in float32
    _int("samples", st.samples, 10, 5000)
    _int("width", st.width, 4, 4096)
    _int("depth", st.depth, 1, 16)
    _int("train_steps", st.train_steps, 1)
    _int("batch", st.batch, 1, 1 << 16)
    _int("ae_width", st.ae_width, 4, 4096)
    _int("ae_steps", st.ae_steps, 1)
    _int("directions", st.directions, 1, 4096)
    for name in ("lr", "ema", "holdout"):
        v = getattr(st, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise ProblemError(f"{name} must be a number, got {v!r}")
    if not 0 < st.lr < 1:
        raise ProblemError(f"lr must be in (0, 1), got {st.lr!r}")
    if not 0 <= st.ema < 1:
        raise ProblemError(f"ema must be in [0, 1), got {st.ema!r}")
    from .train import PRECONDITIONING

    if st.precondition not in PRECONDITIONING:
        raise ProblemError(f"precondition must be one of {', '.join(PRECONDITIONING)}, got {st.precondition!r}")
    if not 0 < st.holdout < 1:
        raise ProblemError(f"holdout must be a fraction in (0, 1), got {st.holdout!r}")
    return replace(st, dims=tuple(sorted(int(d) for d in st.dims)))


class _Bar:
    """One tqdm bar (stderr, with ETA) over all the work, in units of training steps."""

    def __init__(self, total: int, enabled: bool):
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="ldmstop learned", unit="step", file=sys.stderr,
                             dynamic_ncols=True, leave=False, smoothing=0.05)

    def __call__(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def describe(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _stack(tree, S: int):
    from .backend import require

    jax, jnp, _ = require()
    return jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (S,) + a.shape), tree)


def run_experiment(split: Split, settings: Settings | None = None, *, progress: bool | None = None
                   ) -> dict:
    """Run the experiment on a train/held-out split and return the result document
    (the ``--json`` output of ``ldmstop learned``, plus ``_samples`` for the figures).

    Deterministic for fixed settings: single-threaded XLA and BLAS
    (:mod:`ldmstop.learned.backend`), seeded keys everywhere."""
    from .backend import require, single_thread

    st = validate_settings(settings or Settings(), split.D)
    require()
    with single_thread():
        return _run(split, st, progress if progress is not None else sys.stderr.isatty())


def _run(split: Split, st: Settings, show_progress: bool) -> dict:
    from .backend import require
    from .metrics import frechet_from_moments, make_heldout
    from .nets import linear_autoencoder
    from .sampler import sample_and_measure
    from .stopping import optimal_stop, verdict_row
    from .theory import gaussian_theory
    from .train import TrainConfig, reconstruction_error, train_autoencoders, train_scores

    jax, jnp, _ = require()
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    D = split.D
    S = st.seeds
    seeds = np.arange(st.seed, st.seed + S, dtype=np.int64)
    P: Pca = pca(split.train)
    held = make_heldout(split.heldout, seeds, st.directions, base_seed=st.seed)
    cfg = TrainConfig(width=st.width, depth=st.depth, steps=st.train_steps, batch=st.batch,
                      lr=st.lr, ema=st.ema, precondition=st.precondition)
    encoders = list(st.encoders) + ["pixel"]
    spaces = [(e, d) for e in st.encoders for d in st.dims] + [("pixel", D)]
    n_sched = len(st.schedules)
    units = (len(st.dims) * st.ae_steps * ("ae" in st.encoders)
             + n_sched * len(spaces) * (st.train_steps + 2 * st.steps))
    bar = _Bar(units, show_progress)
    try:
        # ---------------------------------------------------------------- encoders
        spaces_data = {}
        ae_report = {}
        for e, d in spaces:
            mask = (np.arange(D) < d).astype(float)
            basis = np.eye(D) if e == "pixel" else P.basis * mask  # D × D, zero columns beyond d
            lin = _stack(linear_autoencoder(basis, P.mean, st.ae_width, mask), S)
            if e == "ae":
                bar.describe(f"autoencoder d={d}")
                params, lat, loss = train_autoencoders(
                    split.train, basis, P.mean, mask, width=st.ae_width, steps=st.ae_steps,
                    seeds=seeds, target_variance=float(P.eigenvalues[:d].mean()), progress=bar)
                ae_report[str(d)] = {
                    "recon_train": reconstruction_error(params, split.train).tolist(),
                    "recon_heldout": reconstruction_error(params, split.heldout).tolist(),
                    "pca_recon_train": float(reconstruction_error(lin, split.train)[0]),
                    "pca_recon_heldout": float(reconstruction_error(lin, split.heldout)[0]),
                    "latent_scale": np.asarray(params["scale"], float).tolist(),
                    "loss": loss.tolist()}
                spaces_data[(e, d)] = (lat, params, mask)
            else:
                lat = (split.train - P.mean) @ basis
                spaces_data[(e, d)] = (np.broadcast_to(lat, (S,) + lat.shape), lin, mask)

        # ---------------------------------------------------------------- scores and sampling
        metrics = {m: {} for m in METRICS}
        stops: dict = {}
        losses: dict = {}
        times: dict = {}
        theory: dict = {}
        samples_show: dict = {}
        for sched in st.schedules:
            spec = sampler_spec(sched)
            coeffs = step_coefficients(spec, st.steps)
            times[sched] = coeffs["times"].tolist()
            theory[sched] = gaussian_theory(P, split.heldout, spec, st.steps, list(st.dims) + [D])
            if not np.allclose(theory[sched]["times"], coeffs["times"], rtol=0, atol=1e-15):
                raise AssertionError("the theory's solver grid differs from the learned sampler's")
            for m in METRICS:
                metrics[m][sched] = {e: {} for e in encoders}
            stops[sched] = {e: {} for e in encoders}
            losses[sched] = {e: {} for e in encoders}
            samples_show[sched] = {e: {} for e in encoders}
            for e, d in spaces:
                bar.describe(f"{sched} {e} d={d}: training")
                lat, dec, mask = spaces_data[(e, d)]
                model = train_scores(np.asarray(lat, np.float32), mask, spec, cfg, seeds, progress=bar)
                bar.describe(f"{sched} {e} d={d}: sampling")
                stats = sample_and_measure(model, dec, coeffs, held, samples=st.samples, seeds=seeds)
                bar(2 * st.steps)
                fd = np.array([[frechet_from_moments(stats["mean"][i, k], stats["cov"][i, k], held,
                                                     cov_dtype=np.float32)
                                for k in range(st.steps + 1)] for i in range(S)])
                curves = {"frechet": fd, "sw2": stats["sw2"], "mmd": stats["mmd"]}
                stops[sched][e][str(d)] = {}
                for m, c in curves.items():
                    se = c.std(axis=0, ddof=1) / np.sqrt(S) if S > 1 else np.full(c.shape[1], np.nan)
                    metrics[m][sched][e][str(d)] = {"mean": c.mean(axis=0).tolist(),
                                                   "stderr": None if S == 1 else se.tolist(),
                                                   "per_seed_end": c[:, -1].tolist()}
                    stops[sched][e][str(d)][m] = optimal_stop(c, coeffs["times"])
                losses[sched][e][str(d)] = model.loss.tolist()
                samples_show[sched][e][str(d)] = stats["show"][0]
    finally:
        bar.close()

    # -------------------------------------------------------------------- verdicts
    verdicts = []
    all_dims = list(st.dims) + [D]
    for sched in st.schedules:
        th_exact = [theory[sched]["exact"][str(d)]["step"] for d in all_dims]
        th_plug = [theory[sched]["plugin"][str(d)]["step"] for d in all_dims]
        for e in st.encoders:
            for m in METRICS:
                row_stops = [stops[sched][e][str(d)][m] for d in st.dims] + [stops[sched]["pixel"][str(D)][m]]
                row = verdict_row(all_dims, row_stops, th_exact)
                row_plug = verdict_row(all_dims, row_stops, th_plug)
                row.update(schedule=sched, encoder=e, metric=m, dims=all_dims,
                           theory_order_plugin=row_plug["theory_order"],
                           tau_theory_plugin=row_plug["tau_theory"])
                verdicts.append(row)

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "settings": st.to_json(),
        "data": split.source,
        "D": D,
        "dims": list(st.dims),
        "encoders": encoders,
        "schedules": list(st.schedules),
        "samplers": {s: asdict(sampler_spec(s)) for s in st.schedules},
        "metric_definitions": dict(METRICS, mmd_bandwidth=held.bandwidth,
                                   sw2_directions=st.directions),
        "pca_eigenvalues": P.eigenvalues.tolist(),
        "times": times,
        "metrics": metrics,
        "optimal_stop": stops,
        "theory": theory,
        "verdicts": verdicts,
        "autoencoder": ae_report,
        "loss_curves": losses,
        "elapsed_s": time.perf_counter() - t_start,
        # CPU seconds of this process: the run time on an idle core, whatever the machine's load
        "cpu_s": time.process_time() - cpu_start,
        "load_average": list(load) if load else None,
        "_samples": samples_show,
    }

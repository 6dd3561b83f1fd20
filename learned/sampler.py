"""Sampling the learned models, decoding every step, and the pixel-space statistics per step.

One compiled loop (``jax.lax.scan`` over the K solver steps, ``jax.vmap`` over seeds) starts
``N`` latent samples from ``N(0, I)``, applies ``y ← α_k y + β_k net(y, s_k) + γ_k ξ_k``
(:mod:`ldmstop.learned.schedules`), and at every grid time ``t_0 … t_K`` decodes the current
state to pixel space and reduces it to what the metrics need (:mod:`ldmstop.learned.metrics`):
the mean and covariance (Fréchet distance), the sliced Wasserstein-2 distance to the held-out
projections, and the kernel sums of the MMD. Nothing of size K × N × D is ever stored.
A stop at step k returns the state ``Y_{t_k}`` itself, decoded (the stopped process of Wu et
al. 2025, not a denoised estimate).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .backend import require
from .metrics import HeldOut, mmd2_from_sums, sliced_w2_jax, kernel_sums_jax
from .nets import decode
from .train import ScoreModel, _seed_keys, flags, score_output, signal_noise

__all__ = ["sample_and_measure", "StepStats"]


class StepStats(dict):
    """Per seed and grid time: ``mean`` (S, K+1, D), ``cov`` (S, K+1, D, D), ``sw2`` (S, K+1),
    ``mmd`` (S, K+1), ``show`` (S, K+1, n_show, D) decoded samples to display."""


@lru_cache(maxsize=None)
def _sampler(L: int, D: int, N: int, K: int, n_show: int, n_dir: int, M: int):
    jax, jnp, _ = require()

    def one_seed(score_p, dec_p, sigma_data2, key, theta, ref_sorted, ref_x, sw_idx, bandwidth,
                 alpha, beta, gamma, s_grid, fl, mask):
        def measure(y):
            x = decode(dec_p, y)
            mean = jnp.mean(x, axis=0)
            xc = x - mean
            cov = xc.T @ xc / (N - 1)
            sw2 = sliced_w2_jax(x, theta, ref_sorted, sw_idx)
            kxx, kxy = kernel_sums_jax(x, ref_x, bandwidth)
            return mean, cov, sw2, kxx, kxy, x[:n_show]

        k0, k1 = jax.random.split(key)
        y0 = mask * jax.random.normal(k0, (N, L))

        def body(carry, inp):
            y, k = carry
            al, be, ga, s = inp
            k, kn = jax.random.split(k)
            stats = measure(y)
            sv = jnp.full((N,), s)
            a, b = signal_noise(sv, fl[0])
            out = score_output(score_p, y, sv, a, b, sigma_data2, fl[0], mask)
            y = al * y + be * out + ga * mask * jax.random.normal(kn, y.shape)
            return (y, k), stats

        (yK, _), stats = jax.lax.scan(body, (y0, k1), (alpha, beta, gamma, s_grid))
        last = measure(yK)
        return tuple(jnp.concatenate([a, b[None]], axis=0) for a, b in zip(stats, last))

    return jax.jit(jax.vmap(one_seed, in_axes=(0, 0, 0, 0, 0, 0, None, None, None,
                                               None, None, None, None, None, None)))


def sample_and_measure(model: ScoreModel, decoder: dict, coeffs: dict, held: HeldOut, *,
                       samples: int, seeds: np.ndarray, n_show: int = 8) -> StepStats:
    """Run the sampler of every seed's network and return the per-step statistics.

    ``decoder``: autoencoder parameters with a leading seed axis (:mod:`ldmstop.learned.nets`);
    ``coeffs``: :func:`ldmstop.learned.schedules.step_coefficients`; ``held``: the held-out
    reference (:class:`ldmstop.learned.metrics.HeldOut`), whose sliced-W2 directions are per seed.
    """
    jax, jnp, _ = require()
    L = int(np.asarray(decoder["dec_lin"]).shape[-1])
    D = held.x.shape[1]
    K = len(coeffs["s"])
    f = _sampler(L, D, int(samples), K, int(n_show), held.theta.shape[-1], held.x.shape[0])
    keys = _seed_keys(seeds, 3)
    sw_idx = held.sw_index(int(samples))
    c = lambda a: jnp.asarray(np.asarray(a), jnp.float32)  # noqa: E731
    mean, cov, sw2, kxx, kxy, show = f(
        model.params, decoder, c(model.sigma_data2), keys, c(held.theta), c(held.sorted_proj),
        c(held.x), tuple(jnp.asarray(i) for i in sw_idx[:2]) + (c(sw_idx[2]),), jnp.float32(held.bandwidth),
        c(coeffs["alpha"]), c(coeffs["beta"]), c(coeffs["gamma"]), c(coeffs["s"]), c(flags(model.spec)),
        c(model.mask))
    out = StepStats(mean=np.asarray(mean, float), cov=np.asarray(cov, float),
                    sw2=np.asarray(sw2, float), show=np.asarray(show, float))
    out["mmd"] = mmd2_from_sums(np.asarray(kxx, float), np.asarray(kxy, float), int(samples), held)
    for k in ("mean", "cov", "sw2", "mmd"):
        if not np.all(np.isfinite(out[k])):
            raise FloatingPointError(f"sampler produced non-finite {k} ({model.spec.schedule}, "
                                     f"d = {int(model.mask.sum())}): the learned score diverged")
    return out

"""Training: denoising score matching in a latent space, and the MLP autoencoder.

Score (Vincent 2011; Ho et al. 2020; Liu et al. 2023): with ``X_s = b_s X_0 + a_s ε`` and ``s``
uniform on ``[s_min, 1]``, the model predicts the noise ``ε`` (VP) or the velocity
``v = ε - X_0`` (rectified flow) as

    out = skip(x) + c_out ⊙ F(c_in ⊙ x, features(s)),

preconditioned per latent coordinate i with the training variance ``σ_i²`` of that coordinate
(Karras et al. 2022's c_in/c_skip/c_out, per coordinate as in per-channel latent normalisation):
``v_i = a² + b² σ_i²``, ``c_in = 1/sqrt(v_i)``, ``skip`` the conditional mean of the target under
a Gaussian with those variances — ``a x/v_i`` for ε, ``(a - b σ_i²) x/v_i`` for v — and
``c_out`` the standard deviation that Gaussian leaves — ``b σ_i/sqrt(v_i)`` for ε,
``σ_i/sqrt(v_i)`` for v. At initialisation (``F = 0``, its last layer is zero) the model is the
exact score of ``N(0, diag σ²)``: for PCA latents, the Gaussian theory's score; training adds
what the data have beyond that diagonal Gaussian (the loss curve's first point is that
Gaussian's loss). Losses: ``E ‖out - ε‖²`` (ε: score matching weighted by ``a_s²``) and
``E ‖out - (ε - X_0)‖²`` (flow matching: score matching weighted by ``s²/(1 - s)²``, since the
score is ``-(x + (1 - s) v)/s``), averaged over the d live coordinates.

Adam (Kingma & Ba 2015, optax defaults) with a warm-up and cosine decay of the learning rate, an
exponential moving average of the weights (Wu et al. 2025, Tables 2–3, use Adam and EMA), and
``jax.vmap`` over seeds: the S networks of one latent space train in one compiled loop
(``jax.lax.scan`` over chunks of steps). Latent spaces are padded to D with a mask
(:mod:`ldmstop.learned.nets`) and the schedule enters as data (a flag), so one compiled program
trains every (schedule, encoder, d).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .backend import require
from .nets import FIXED, decode, encode, init_autoencoder, init_score_net, score_net, time_features
from .schedules import SamplerSpec, jax_signal_noise

__all__ = ["TrainConfig", "ScoreModel", "train_scores", "train_autoencoders", "score_output",
           "reconstruction_error", "LOSS_CHUNK", "PRECONDITIONING"]

#: training steps per compiled call (one progress-bar update, one point of the loss curve)
LOSS_CHUNK = 50


@dataclass(frozen=True)
class TrainConfig:
    width: int = 128
    depth: int = 3
    steps: int = 2000
    batch: int = 256
    lr: float = 2e-3
    ema: float = 0.999
    #: ``diagonal``: per-coordinate σ_i² in the preconditioning (module docstring);
    #: ``isotropic``: their mean for every coordinate (Karras et al. 2022's scalar σ_data), so
    #: that the skip is not the exact score of a diagonal Gaussian and the network must learn it
    precondition: str = "diagonal"


PRECONDITIONING = ("diagonal", "isotropic")


@dataclass
class ScoreModel:
    """Trained score networks of one latent space, one per seed (stacked on axis 0)."""

    spec: SamplerSpec
    params: object           # EMA weights, leading axis = seed
    sigma_data2: np.ndarray  # (S, L) training variance of each latent coordinate, per seed
    mask: np.ndarray         # (L,) live latent coordinates
    loss: np.ndarray         # (S, steps // LOSS_CHUNK) mean loss per chunk


def flags(spec: SamplerSpec) -> np.ndarray:
    """``[is_velocity, s_min]``: the schedule as data for the shared compiled programs."""
    return np.array([1.0 if spec.target == "v" else 0.0, spec.s_min], np.float32)


def signal_noise(s, is_v):
    """``(a_s, b_s)`` of the rectified flow where ``is_v`` else of VP-linear (traced select)."""
    _, jnp, _ = require()
    a_rf, b_rf = jax_signal_noise("rectified-flow")
    a_vp, b_vp = jax_signal_noise("vp-linear")
    return jnp.where(is_v > 0.5, a_rf(s), a_vp(s)), jnp.where(is_v > 0.5, b_rf(s), b_vp(s))


#: floor on the per-coordinate variance (a zero-variance pixel would give 0/0 at s = 0)
VAR_FLOOR = 1e-8


def score_output(params, x, s, a, b, sigma2, is_v, mask):
    """``m ⊙ (skip(x) + c_out ⊙ F(c_in ⊙ x, features(s)))`` (module docstring): the velocity
    (rectified flow, ``is_v``) or the noise (VP). ``sigma2``: (L,) coordinate variances."""
    _, jnp, _ = require()
    a2, b2 = (a * a)[:, None], (b * b)[:, None]
    sig2 = jnp.maximum(sigma2, VAR_FLOOR)[None, :]
    v = a2 + b2 * sig2
    rs = jnp.sqrt(v)
    skip = jnp.where(is_v > 0.5, (a[:, None] - b[:, None] * sig2) / v, a[:, None] / v) * x
    c_out = jnp.where(is_v > 0.5, jnp.sqrt(sig2) / rs, b[:, None] * jnp.sqrt(sig2) / rs)
    return mask * (skip + c_out * score_net(params, x / rs, time_features(s, a)))


def _adam(lr: float, steps: int, weight_decay: float = 0.0):
    _, _, optax = require()
    warm = max(1, min(100, steps // 10))
    sched = optax.warmup_cosine_decay_schedule(0.0, lr, warm, max(steps, warm + 1), lr * 0.01)
    return optax.adamw(sched, weight_decay=weight_decay) if weight_decay else optax.adam(sched)


@lru_cache(maxsize=None)
def _score_trainer(L: int, width: int, depth: int, batch: int, steps: int, lr: float, ema: float):
    jax, jnp, optax = require()
    opt = _adam(lr, steps)

    def loss_fn(params, x0, key, sigma_data2, fl, mask, d_eff):
        k1, k2 = jax.random.split(key)
        u = jax.random.uniform(k1, (x0.shape[0],))
        s = fl[1] + (1.0 - fl[1]) * u
        a, b = signal_noise(s, fl[0])
        e = mask * jax.random.normal(k2, x0.shape)
        xs = b[:, None] * x0 + a[:, None] * e
        target = e - fl[0] * x0
        out = score_output(params, xs, s, a, b, sigma_data2, fl[0], mask)
        return jnp.sum((out - target) ** 2) / (x0.shape[0] * d_eff)

    def step(carry, key, data, sigma_data2, fl, mask, d_eff):
        params, ema_p, opt_state, t = carry
        k1, k2 = jax.random.split(key)
        idx = jax.random.randint(k1, (batch,), 0, data.shape[0])
        loss, g = jax.value_and_grad(loss_fn)(params, data[idx], k2, sigma_data2, fl, mask, d_eff)
        up, opt_state = opt.update(g, opt_state, params)
        params = optax.apply_updates(params, up)
        decay = jnp.minimum(ema, (1.0 + t) / (10.0 + t))  # EMA warm-up: early weights fade
        ema_p = jax.tree_util.tree_map(lambda e_, p_: decay * e_ + (1.0 - decay) * p_, ema_p, params)
        return (params, ema_p, opt_state, t + 1.0), loss

    def chunk(carry, key, data, sigma_data2, fl, mask, d_eff):
        keys = jax.random.split(key, LOSS_CHUNK)
        carry, losses = jax.lax.scan(lambda c, k: step(c, k, data, sigma_data2, fl, mask, d_eff), carry, keys)
        return carry, jnp.mean(losses)

    def init(key, d_eff):
        p = init_score_net(key, L, width, depth, d_eff)
        return (p, p, opt.init(p), jnp.float32(0.0))

    return (jax.jit(jax.vmap(init, in_axes=(0, None))),
            jax.jit(jax.vmap(chunk, in_axes=(0, 0, 0, 0, None, None, None))))  # noqa: E501


def _seed_keys(seeds, tag: int):
    jax, jnp, _ = require()
    return jax.vmap(lambda s: jax.random.fold_in(jax.random.PRNGKey(s), tag))(jnp.asarray(seeds, jnp.uint32))


def train_scores(latents: np.ndarray, mask: np.ndarray, spec: SamplerSpec, cfg: TrainConfig,
                 seeds: np.ndarray, progress=None) -> ScoreModel:
    """Train one score network per seed on ``latents`` (S × n × L, padded; ``mask``: the d live
    coordinates) for ``spec``'s schedule.

    Seed ``i``'s initialisation and minibatches come from ``jax.random.PRNGKey(seeds[i])``.
    ``progress(k)`` is called after each chunk of ``k`` steps."""
    jax, jnp, _ = require()
    S, n, L = latents.shape
    mask = np.asarray(mask, np.float32)
    d_eff = float(mask.sum())
    steps = max(LOSS_CHUNK, (cfg.steps // LOSS_CHUNK) * LOSS_CHUNK)
    init, chunk = _score_trainer(L, cfg.width, cfg.depth, cfg.batch, steps, cfg.lr, cfg.ema)
    if cfg.precondition not in PRECONDITIONING:
        raise ValueError(f"precondition must be one of {PRECONDITIONING}, got {cfg.precondition!r}")
    var = np.asarray(latents, float).var(axis=1) * mask  # (S, L)
    if cfg.precondition == "isotropic":
        var = (var.sum(axis=1, keepdims=True) / d_eff) * mask
    sigma_data2 = var.astype(np.float32)
    carry = init(_seed_keys(seeds, 1), jnp.float32(d_eff))
    data = jnp.asarray(latents, jnp.float32)
    fl, m, de = jnp.asarray(flags(spec)), jnp.asarray(mask), jnp.float32(d_eff)
    sd2 = jnp.asarray(sigma_data2)
    k_train = _seed_keys(seeds, 2)
    losses = []
    for i in range(steps // LOSS_CHUNK):
        k_now = jax.vmap(lambda k: jax.random.fold_in(k, i))(k_train)
        carry, loss = chunk(carry, k_now, data, sd2, fl, m, de)
        losses.append(np.asarray(loss))
        if progress is not None:
            progress(LOSS_CHUNK)
    loss = np.stack(losses, axis=1).astype(float)
    if not np.all(np.isfinite(loss)):
        raise FloatingPointError(f"score training diverged ({spec.schedule}, d = {int(d_eff)}): "
                                 "non-finite loss; lower the learning rate")
    return ScoreModel(spec=spec, params=carry[1], sigma_data2=sigma_data2, mask=mask, loss=loss)


def _recon(p, x):
    _, jnp, _ = require()
    return jnp.mean(jnp.sum((decode(p, encode(p, x)) - x) ** 2, axis=-1))


@lru_cache(maxsize=None)
def _ae_trainer(D: int, L: int, width: int, batch: int, steps: int, lr: float):
    jax, jnp, optax = require()
    opt = _adam(lr, steps, weight_decay=1e-4)

    def split(p):
        return {k: v for k, v in p.items() if k not in FIXED}, {k: p[k] for k in FIXED}

    def loss_fn(tp, fixed, x):
        return _recon(dict(tp, **fixed), x)

    def step(carry, key, data, fixed):
        tp, opt_state = carry
        idx = jax.random.randint(key, (batch,), 0, data.shape[0])
        loss, g = jax.value_and_grad(loss_fn)(tp, fixed, data[idx])
        up, opt_state = opt.update(g, opt_state, tp)
        return (optax.apply_updates(tp, up), opt_state), loss

    def chunk(carry, key, data, fixed):
        keys = jax.random.split(key, LOSS_CHUNK)
        carry, losses = jax.lax.scan(lambda c, k: step(c, k, data, fixed), carry, keys)
        return carry, jnp.mean(losses)

    def init(key, basis, mean, mask):
        tp, fixed = split(init_autoencoder(key, basis, mean, width, mask))
        return (tp, opt.init(tp)), fixed

    return (jax.jit(jax.vmap(init, in_axes=(0, None, None, None))),
            jax.jit(jax.vmap(chunk, in_axes=(0, 0, None, 0))))


def train_autoencoders(train: np.ndarray, basis: np.ndarray, mean: np.ndarray, mask: np.ndarray,
                       *, width: int, steps: int, seeds: np.ndarray, target_variance: float,
                       batch: int = 256, lr: float = 1e-3, progress=None
                       ) -> tuple[dict, np.ndarray, np.ndarray]:
    """Train one autoencoder per seed (PCA-initialised, :func:`ldmstop.learned.nets.init_autoencoder`).

    After training, the latent scale ``c`` of each seed is set so that the mean variance of the
    d live latent coordinates is ``target_variance`` (the PCA latent's mean variance): the
    diffusion then sees latents of the same size as PCA's. Returns ``(params, latents
    (S × n × L), loss (S × chunks))`` with a leading seed axis on ``params``."""
    jax, jnp, _ = require()
    n, D = train.shape
    L = basis.shape[1]
    steps = max(LOSS_CHUNK, (steps // LOSS_CHUNK) * LOSS_CHUNK)
    init, chunk = _ae_trainer(D, L, width, batch, steps, lr)
    x = jnp.asarray(train, jnp.float32)
    carry, fixed = init(_seed_keys(seeds, 11), jnp.asarray(basis, jnp.float32),
                        jnp.asarray(mean, jnp.float32), jnp.asarray(mask, jnp.float32))
    k_train = _seed_keys(seeds, 12)
    losses = []
    for i in range(steps // LOSS_CHUNK):
        k_now = jax.vmap(lambda k: jax.random.fold_in(k, i))(k_train)
        carry, loss = chunk(carry, k_now, x, fixed)
        losses.append(np.asarray(loss))
        if progress is not None:
            progress(LOSS_CHUNK)
    params = dict(carry[0], **fixed)
    lat = np.asarray(jax.jit(jax.vmap(encode, in_axes=(0, None)))(params, x), dtype=np.float64)
    live = lat[:, :, np.asarray(mask) > 0]
    var = live.reshape(len(seeds), -1).var(axis=1)
    if not np.all(np.isfinite(var)) or np.any(var <= 0):
        raise FloatingPointError(f"autoencoder training diverged (d = {int(np.sum(mask))})")
    scale = np.sqrt(float(target_variance) / var)
    params["scale"] = jnp.asarray(scale, jnp.float32)
    loss = np.stack(losses, axis=1).astype(float)
    if not np.all(np.isfinite(loss)):
        raise FloatingPointError(f"autoencoder training diverged (d = {int(np.sum(mask))}): non-finite loss")
    return params, lat * scale[:, None, None], loss


def reconstruction_error(params: dict, x: np.ndarray) -> np.ndarray:
    """Mean squared reconstruction error ``E ‖x - dec(enc(x))‖²`` per seed (summed over the D
    pixels, averaged over samples)."""
    jax, jnp, _ = require()
    f = jax.jit(jax.vmap(_recon, in_axes=(0, None)))
    return np.asarray(f(params, jnp.asarray(x, jnp.float32)), dtype=float)

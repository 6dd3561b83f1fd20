"""Small networks in plain JAX: the score network and the MLP autoencoder.

Parameters are nested tuples/lists of arrays (a pytree), so that ``jax.vmap`` trains the
networks of several seeds at once. Initialisation: weights ``N(0, 1/fan_in)``, biases 0, the
last layer of every residual branch 0 (each network starts at a known simple map: the score
network at 0, the autoencoder at its linear part).

Every latent space is stored padded to the data dimension D with a 0/1 ``mask`` of its d
coordinates: padded coordinates are zero on input and masked on output, so a d-dimensional
model is exactly embedded, and one compiled program serves every d (XLA compiles once per
shape; on this machine a compile costs 3 to 15 s, more than training a small model).
"""

from __future__ import annotations

import numpy as np

from .backend import require

__all__ = ["N_TIME_FEATURES", "time_features", "init_score_net", "score_net", "init_autoencoder",
           "encode", "decode", "linear_autoencoder", "FIXED"]

#: log a_s, then sin and cos of π k s for k = 1..8
N_TIME_FEATURES = 17


def _dense(key, fan_in: int, fan_out: int, zero: bool = False):
    jax, jnp, _ = require()
    if zero:
        return (jnp.zeros((fan_in, fan_out), jnp.float32), jnp.zeros((fan_out,), jnp.float32))
    w = jax.random.normal(key, (fan_in, fan_out), jnp.float32) / np.sqrt(fan_in)
    return (w, jnp.zeros((fan_out,), jnp.float32))


def time_features(s, a):
    """Noise-level features of forward time ``s`` with noise scale ``a = a_s``:
    ``log(max(a, 1e-4))/4`` (resolves the small noise levels where the last steps live) and a
    Fourier basis of ``s``."""
    _, jnp, _ = require()
    k = jnp.arange(1, 9, dtype=jnp.float32)
    ang = jnp.pi * k * s[:, None]
    return jnp.concatenate([jnp.log(jnp.maximum(a, 1e-4))[:, None] / 4.0, jnp.sin(ang), jnp.cos(ang)], -1)


def init_score_net(key, d: int, width: int, depth: int, d_eff=None):
    """Residual MLP ``[x_in, features] → width → (depth - 1) residual blocks → d``.

    ``d_eff``: the number of live (unmasked) inputs, for the ``1/fan_in`` scale of the first layer."""
    jax, jnp, _ = require()
    keys = jax.random.split(key, depth + 1)
    first = _dense(keys[0], d + N_TIME_FEATURES, width)
    if d_eff is not None:
        first = (first[0] * jnp.sqrt((d + N_TIME_FEATURES) / (d_eff + N_TIME_FEATURES)), first[1])
    blocks = [_dense(keys[i], width, width) for i in range(1, depth)]
    last = _dense(keys[depth], width, d, zero=True)
    return (first, blocks, last)


def score_net(params, x_in, feats):
    """Network output on preconditioned inputs ``x_in`` (n × d) and time features (n × F)."""
    jax, jnp, _ = require()
    (w0, b0), blocks, (w1, b1) = params
    h = jax.nn.silu(jnp.concatenate([x_in, feats], -1) @ w0 + b0)
    for w, b in blocks:
        h = h + jax.nn.silu(h @ w + b)
    return h @ w1 + b1


def _mlp_init(key, sizes):
    jax, _, _ = require()
    keys = jax.random.split(key, len(sizes) - 1)
    n = len(sizes) - 1
    return [_dense(k, a, b, zero=(i == n - 1)) for i, (k, a, b) in enumerate(zip(keys, sizes[:-1], sizes[1:]))]


def _mlp(layers, h):
    jax, _, _ = require()
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i < len(layers) - 1:
            h = jax.nn.silu(h)
    return h


def init_autoencoder(key, basis: np.ndarray, mean: np.ndarray, width: int, mask=None):
    """Autoencoder ``z = c·m⊙((x - μ) A_e + MLP_e(x - μ))``, ``x̂ = μ + z' A_dᵀ + MLP_d(z')`` with
    ``z' = m⊙z/c``.

    ``A_e = A_d = basis`` (D × L, the PCA basis padded with zero columns) and zero last MLP
    layers: training starts from the linear (PCA) autoencoder, the paper's linear autoencoder,
    and the MLPs add the nonlinearity. ``m`` is the latent mask, ``c`` a latent scale (1 while
    training; set afterwards so that the latent variance matches PCA's, like the scale factor of
    Rombach et al. 2022). ``μ``, ``m`` and ``c`` are fixed; everything else is trained."""
    jax, jnp, _ = require()
    D, L = basis.shape
    k1, k2 = jax.random.split(key)
    A = jnp.asarray(basis, jnp.float32)
    m = jnp.ones((L,), jnp.float32) if mask is None else jnp.asarray(mask, jnp.float32)
    return {"enc_lin": A, "enc_mlp": _mlp_init(k1, [D, width, width, L]),
            "dec_lin": A, "dec_mlp": _mlp_init(k2, [L, width, width, D]),
            "mean": jnp.asarray(mean, jnp.float32), "mask": m, "scale": jnp.float32(1.0)}


#: entries of the autoencoder's parameters that training leaves alone
FIXED = ("mean", "mask", "scale")


def linear_autoencoder(basis: np.ndarray, mean: np.ndarray, width: int, mask=None):
    """The PCA (or identity, for pixel space) autoencoder in the same parameter structure, MLPs
    exactly zero, so that one decoder function serves every encoder."""
    p = init_autoencoder(require()[0].random.PRNGKey(0), basis, mean, width, mask)
    zero = lambda layers: [(w * 0.0, b * 0.0) for w, b in layers]  # noqa: E731
    p["enc_mlp"] = zero(p["enc_mlp"])
    p["dec_mlp"] = zero(p["dec_mlp"])
    return p


def encode(p, x):
    xc = x - p["mean"]
    return p["scale"] * p["mask"] * (xc @ p["enc_lin"] + _mlp(p["enc_mlp"], xc))


def decode(p, z):
    z = p["mask"] * z / p["scale"]
    return p["mean"] + z @ p["dec_lin"].T + _mlp(p["dec_mlp"], z)

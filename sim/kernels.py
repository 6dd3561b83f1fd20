"""The Monte Carlo kernel: paths in parallel chunks, moments recorded at checkpoints.

``@njit(parallel=True, cache=True)``; ``prange`` over chunks, each chunk drawing from its own
Generator (:mod:`ldmstop.sim.noise`) and simulated by one thread from start to end, so results
are bit-identical for any thread count. Inside a chunk, paths are processed in blocks of
``BLOCK`` so that the state is O(BLOCK · D) whatever the number of paths, and the loop stops
at the last checkpoint.

The scalar update rules of the schemes (formulas, orders, references in
:mod:`ldmstop.sim.schemes`) and the moment accumulator of the recorder
(:mod:`ldmstop.sim.recorder`) are defined in this file, not imported from those modules, on
purpose: Numba's on-disk cache (``cache=True``) is keyed on the source file of the cached
function only, so an edited rule inlined from another file would leave a stale compiled
kernel in use (observed: a deliberately broken rule in a separate module went unnoticed).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["simulate_moments", "run_chunk", "normals_floor", "BLOCK", "linear_score", "em_step", "ei_step",
           "euler_ode_step", "heun_step", "accumulate"]

#: Paths per block inside a chunk (state of BLOCK × D floats per thread).
BLOCK = 256

EM, EI, EULER_ODE, HEUN = 0, 1, 2, 3  # == schemes.SCHEME_IDS


# ---------------------------------------------------------------- scheme update rules
@njit(cache=True, inline="always")
def linear_score(y: float, m: float) -> float:
    """Gaussian (plug-in / capped) score of one PCA component: ``-m y``."""
    return -m * y


@njit(cache=True, inline="always")
def em_step(y: float, m: float, w2: float, dt: float, sd: float, z: float) -> float:
    """Euler–Maruyama: ``y + Δ w² (y + 2 score) + sqrt(2 w² Δ) z`` (``sd = sqrt(2 w² Δ)``)."""
    return y + dt * w2 * (y + 2.0 * linear_score(y, m)) + sd * z


@njit(cache=True, inline="always")
def ei_step(y: float, m: float, eB: float, g1: float, sd: float, z: float) -> float:
    """Exponential integrator: ``e^{ΔB} y + 2 (e^{ΔB} - 1) score + sqrt(e^{2ΔB} - 1) z``
    (``eB = e^{ΔB}``, ``g1 = e^{ΔB} - 1``, ``sd = sqrt(e^{2ΔB} - 1)``)."""
    return eB * y + 2.0 * g1 * linear_score(y, m) + sd * z


@njit(cache=True, inline="always")
def euler_ode_step(y: float, m: float, w2: float, dt: float) -> float:
    """Euler on the probability-flow ODE: ``y + Δ w² (y + score)``."""
    return y + dt * w2 * (y + linear_score(y, m))


@njit(cache=True, inline="always")
def heun_step(y: float, m0: float, m1: float, w20: float, w21: float, dt: float,
              corrector: bool) -> float:
    """Heun on the probability-flow ODE: predictor ``y + Δ f_0``, corrector
    ``y + Δ/2 (f_0 + f_1(y_pred))`` with ``f = w² (y + score)``; predictor only when
    ``corrector`` is false (last step onto ``s = 0``)."""
    f0 = w20 * (y + linear_score(y, m0))
    y_pred = y + dt * f0
    if not corrector:
        return y_pred
    f1 = w21 * (y_pred + linear_score(y_pred, m1))
    return y + 0.5 * dt * (f0 + f1)


# ---------------------------------------------------------------- recorder
@njit(cache=True, inline="always")
def accumulate(y, nb, enc, use_enc, full, s1, s2, s2f, lat):
    """Add the moments of the first ``nb`` rows of ``y`` (paths × D) to ``s1``, ``s2``
    (length R) and, in full mode, ``s2f`` (R × R)."""
    R = s1.shape[0]
    D = y.shape[1]
    for p in range(nb):
        if use_enc:
            for r in range(R):
                acc = 0.0
                for i in range(D):
                    acc += enc[r, i] * y[p, i]
                lat[r] = acc
        else:
            for r in range(R):
                lat[r] = y[p, r]
        for r in range(R):
            s1[r] += lat[r]
            s2[r] += lat[r] * lat[r]
        if full:
            for r in range(R):
                for q in range(R):
                    s2f[r, q] += lat[r] * lat[q]


# ---------------------------------------------------------------- kernels


@njit(cache=True)
def run_chunk(rng, n, scheme_id, init_sd, dt, w2L, w2R, mL, mR, dB, corrector, rec_k, enc,
              use_enc, full, s1, s2, s2f):
    """Simulate the ``n`` paths of one chunk with generator ``rng``, adding their moments at
    the grid steps ``rec_k`` to ``s1 (M, R)``, ``s2 (M, R)``, ``s2f (M, R', R')``.

    Kept out of the ``prange`` body: compiled as an ordinary function its loops run ~20% faster
    than when outlined by the parallel backend (measured, benchmarks/bench_sim.py)."""
    D = init_sd.shape[0]
    M = rec_k.shape[0]
    R = s1.shape[1]
    k_last = rec_k[M - 1]
    y = np.empty((BLOCK, D))
    lat = np.empty(R)
    start = 0
    while start < n:
        nb = min(BLOCK, n - start)
        for p in range(nb):
            for i in range(D):
                y[p, i] = init_sd[i] * rng.standard_normal()
        c = 0
        if rec_k[0] == 0:
            accumulate(y, nb, enc, use_enc, full, s1[0], s2[0], s2f[0], lat)
            c = 1
        for k in range(k_last):
            h = dt[k]
            if scheme_id == EM:
                sd = math.sqrt(2.0 * w2L[k] * h)
                w2 = w2L[k]
                for p in range(nb):
                    for i in range(D):
                        y[p, i] = em_step(y[p, i], mL[k, i], w2, h, sd, rng.standard_normal())
            elif scheme_id == EI:
                eB = math.exp(dB[k])
                g1 = math.expm1(dB[k])
                sd = math.sqrt(math.expm1(2.0 * dB[k]))
                for p in range(nb):
                    for i in range(D):
                        y[p, i] = ei_step(y[p, i], mL[k, i], eB, g1, sd, rng.standard_normal())
            elif scheme_id == EULER_ODE:
                w2 = w2L[k]
                for p in range(nb):
                    for i in range(D):
                        y[p, i] = euler_ode_step(y[p, i], mL[k, i], w2, h)
            else:
                w20 = w2L[k]
                w21 = w2R[k]
                corr = corrector[k]
                for p in range(nb):
                    for i in range(D):
                        y[p, i] = heun_step(y[p, i], mL[k, i], mR[k, i], w20, w21, h, corr)
            if c < M and rec_k[c] == k + 1:
                accumulate(y, nb, enc, use_enc, full, s1[c], s2[c], s2f[c], lat)
                c += 1
        start += nb


@njit(parallel=True, cache=True)
def simulate_moments(gens, sizes, scheme_id, init_sd, dt, w2L, w2R, mL, mR, dB, corrector,
                     rec_k, enc, use_enc, full):
    """Simulate ``sizes[g]`` paths in chunk ``g`` and return per-chunk moment sums
    ``(s1 (G, M, R), s2 (G, M, R), s2f (G, M, R or 0, R or 0))`` at the grid steps ``rec_k``."""
    G = sizes.shape[0]
    D = init_sd.shape[0]
    M = rec_k.shape[0]
    R = enc.shape[0] if use_enc else D
    RF = R if full else 0
    s1 = np.zeros((G, M, R))
    s2 = np.zeros((G, M, R))
    s2f = np.zeros((G, M, RF, RF))
    for g in prange(G):
        run_chunk(gens[np.int64(g)], sizes[g], scheme_id, init_sd, dt, w2L, w2R, mL, mR, dB,
                  corrector, rec_k, enc, use_enc, full, s1[g], s2[g], s2f[g])
    return s1, s2, s2f


@njit(cache=True)
def draw_chunk(rng, count):
    """Draw ``count`` normals and sum them (so that the draws cannot be optimised away)."""
    acc = 0.0
    for j in range(count):
        acc += rng.standard_normal()
    return acc


@njit(parallel=True, cache=True)
def normals_floor(gens, sizes, per_path):
    """The RNG floor: the same chunks and generators as :func:`simulate_moments`, drawing
    ``per_path`` normals for each path and nothing else."""
    G = sizes.shape[0]
    out = np.zeros(G)
    for g in prange(G):
        out[g] = draw_chunk(gens[np.int64(g)], sizes[g] * per_path)
    return out

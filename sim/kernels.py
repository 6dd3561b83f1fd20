"""The Monte Carlo kernel: paths in parallel chunks, moments recorded at checkpoints.

``@njit(parallel=True, cache=True)``; ``prange`` over chunks, each chunk drawing from its own
Generator (:mod:`ldmstop.sim.noise`) and simulated by one thread from start to end, so results
are bit-identical for any thread count. Inside a chunk, paths are processed in blocks of
``BLOCK`` so that the state is O(BLOCK · D) whatever the number of paths, and the loop stops
at the last checkpoint. The update rules are those of :mod:`ldmstop.sim.steps`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .recorder import accumulate
from .steps import ei_step, em_step, euler_ode_step, heun_step

__all__ = ["simulate_moments", "normals_floor", "BLOCK"]

#: Paths per block inside a chunk (state of BLOCK × D floats per thread).
BLOCK = 256

EM, EI, EULER_ODE, HEUN = 0, 1, 2, 3  # == schemes.SCHEME_IDS


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
    k_last = rec_k[M - 1]
    s1 = np.zeros((G, M, R))
    s2 = np.zeros((G, M, R))
    s2f = np.zeros((G, M, RF, RF))
    for g in prange(G):
        rng = gens[np.int64(g)]
        n = sizes[g]
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
                accumulate(y, nb, enc, use_enc, full, s1[g, 0], s2[g, 0], s2f[g, 0], lat)
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
                    accumulate(y, nb, enc, use_enc, full, s1[g, c], s2[g, c], s2f[g, c], lat)
                    c += 1
            start += nb
    return s1, s2, s2f


@njit(parallel=True, cache=True)
def normals_floor(gens, sizes, per_path):
    """The RNG floor: draw ``per_path`` normals for each path of each chunk, nothing else
    (summed so that the draws cannot be optimised away)."""
    G = sizes.shape[0]
    out = np.zeros(G)
    for g in prange(G):
        rng = gens[np.int64(g)]
        acc = 0.0
        for j in range(sizes[g] * per_path):
            acc += rng.standard_normal()
        out[g] = acc
    return out

"""The Monte Carlo kernels: normal draws, update rules, moment recorder, chunks in waves.

**Noise.** Each chunk of paths owns ``LANES`` SFC64 streams plus one more for the ziggurat's
rare rejections (:mod:`ldmstop.sim.noise` seeds them from ``SeedSequence``; the state is a
``(4, LANES + 1)`` ``uint64`` array, advanced in place). SFC64 is NumPy's own
``numpy.random.SFC64`` (Doty-Humphrey's Small Fast Chaotic generator), transcribed here so that
the compiler inlines it and runs the ``LANES`` streams side by side in SIMD registers;
:func:`fill_normals` then applies NumPy's 256-layer ziggurat (``random_standard_normal`` of
NumPy's ``distributions.c``, with the tables NumPy ships through Numba's
``numba.np.random._constants``). Normal ``e`` of a draw comes from lane ``e % LANES``: its first
64-bit word decides it when it falls in its ziggurat rectangle (98.8 %); otherwise NumPy's
algorithm continues from that word with further words from the rejection stream. Every
draw is exactly N(0, 1) (the wedge and tail tests are NumPy's, fed independent uniforms); the
tests reproduce the lanes word for word with ``numpy.random.SFC64`` and the whole transform with
an independent NumPy transcription, and test moments, KS/Anderson–Darling and tails.
Measured (``benchmarks/bench_sim.py``, normals per CPU-second): 1.6× Numba's
``Generator.standard_normal`` and 4× NumPy's C ``Generator.standard_normal``.

**Paths.** A chunk is cut into blocks of ``block_paths(D)`` paths (a function of ``D`` only);
each block is simulated from start to end, drawing ``ceil(nb·D / LANES)·LANES`` normals per step
(the few beyond ``nb·D`` are discarded), and its moments are added to the chunk's sums in path
order. :func:`simulate_wave` runs blocks ``[b0, b1)`` of every chunk (``prange`` over chunks);
a run is any sequence of waves covering all blocks. Because each chunk's blocks go in order
through its own streams and sums, the result is bit-identical for any thread count and any
cut into waves (a progress bar's ticks, a Dask task per chunk).

The scalar update rules of the schemes (formulas, orders, references in
:mod:`ldmstop.sim.schemes`) and the moment accumulator of the recorder
(:mod:`ldmstop.sim.recorder`) are defined in this file, not imported from those modules, on
purpose: Numba's on-disk cache (``cache=True``) is keyed on the source file of the cached
function only, so an edited rule inlined from another file would leave a stale compiled
kernel in use (observed: a deliberately broken rule in a separate module went unnoticed).

**Cache.** When no cache location is writable (read-only installation and home), the kernels
are compiled without the cache, with one warning line on stderr (:data:`CACHE`).
"""

from __future__ import annotations

import math
import sys

import numpy as np
from numba import njit, prange
from numba.np.random._constants import (fi_double, ki_double, wi_double, ziggurat_nor_inv_r,
                                        ziggurat_nor_r)

__all__ = ["CACHE", "LANES", "BLOCK_ELEMENTS", "block_paths", "simulate_wave", "fill_normals",
           "normals_floor", "linear_score", "em_step", "ei_step", "euler_ode_step", "heun_step",
           "accumulate"]

#: SFC64 streams drawn side by side in each chunk (two AVX-512 / four AVX2 vectors of uint64).
LANES = 16
#: Target size of one block's state (paths × D floats): a block's normals, raw words and state
#: stay in the core's L1/L2 cache.
BLOCK_ELEMENTS = 2048
#: At least this many paths per block, so that each row of the per-step tables (D floats, read
#: once per block and step) serves several paths when D is large (CIFAR-10's D = 3072: +15-20 %).
MIN_BLOCK_PATHS = 8

EM, EI, EULER_ODE, HEUN = 0, 1, 2, 3  # == schemes.SCHEME_IDS


def block_paths(D: int) -> int:
    """Paths per block for ``D`` simulated components: ``max(MIN_BLOCK_PATHS, BLOCK_ELEMENTS // D)``."""
    return max(MIN_BLOCK_PATHS, BLOCK_ELEMENTS // int(D))


def _cache_usable() -> bool:
    """Whether Numba finds a writable cache location for this file (its ``__pycache__``,
    ``NUMBA_CACHE_DIR`` or the user cache directory); if not, say so once and compile in memory."""
    from numba import njit as _njit

    def _probe():  # pragma: no cover - never called, only located
        return 0

    try:
        _njit(cache=True)(_probe)
    except RuntimeError as exc:  # numba: "cannot cache function ...: no locator available"
        sys.stderr.write("ldmstop: warning: no writable Numba cache directory (read-only install "
                         "and home; set NUMBA_CACHE_DIR to a writable folder to keep compiled "
                         f"kernels): compiling without the cache ({str(exc).split(':')[0]})\n")
        return False
    return True


#: ``cache=`` of every kernel: False when no cache location is writable (one warning line).
CACHE = _cache_usable()

# ---------------------------------------------------------------- noise: SFC64 + ziggurat
_U1, _U3, _U8, _U9, _U11 = np.uint64(1), np.uint64(3), np.uint64(8), np.uint64(9), np.uint64(11)
_U24, _U40, _UFF = np.uint64(24), np.uint64(40), np.uint64(0xFF)
_MASK52 = np.uint64(0x000FFFFFFFFFFFFF)
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53, NumPy's next_double


@njit(cache=CACHE, inline="always")
def _sfc64(a, b, c, n):
    """One step of SFC64 (NumPy's ``sfc64_next``): new state ``(a, b, c, counter)`` and output."""
    tmp = a + b + n
    return b ^ (b >> _U11), c + (c << _U3), ((c << _U24) | (c >> _U40)) + tmp, n + _U1, tmp


@njit(cache=CACHE)
def _ziggurat_rest(st, r):
    """NumPy's ``random_standard_normal`` from its first 64-bit word ``r`` on (one that missed
    its rectangle), further words from the stream ``st`` (advanced in place)."""
    a, b, c, n = st[0], st[1], st[2], st[3]
    while True:
        idx = np.intp(r & _UFF)
        r = r >> _U8
        rabs = (r >> _U1) & _MASK52
        x = np.float64(rabs) * wi_double[idx]
        if (r & _U1) == _U1:
            x = -x
        if rabs < ki_double[idx]:
            break
        if idx == 0:  # the tail beyond r (Marsaglia 1964)
            while True:
                a, b, c, n, w1 = _sfc64(a, b, c, n)
                xx = -ziggurat_nor_inv_r * math.log1p(-np.float64(w1 >> _U11) * _TO_DOUBLE)
                a, b, c, n, w2 = _sfc64(a, b, c, n)
                yy = -math.log1p(-np.float64(w2 >> _U11) * _TO_DOUBLE)
                if yy + yy > xx * xx:
                    x = -(ziggurat_nor_r + xx) if ((rabs >> _U8) & _U1) == _U1 else ziggurat_nor_r + xx
                    break
            break
        a, b, c, n, w1 = _sfc64(a, b, c, n)
        if ((fi_double[idx - 1] - fi_double[idx]) * (np.float64(w1 >> _U11) * _TO_DOUBLE)
                + fi_double[idx]) < math.exp(-0.5 * x * x):
            break
        a, b, c, n, r = _sfc64(a, b, c, n)  # rejected: start over
    st[0], st[1], st[2], st[3] = a, b, c, n
    return x


@njit(cache=CACHE)
def fill_normals(state, u, z, m):
    """``z[:m]`` <- standard normals (``m`` a multiple of ``LANES``); ``state (4, LANES + 1)``
    holds the lanes' SFC64 states (columns ``0..LANES-1``) and the rejection stream's (last
    column); ``u`` is scratch for ``m`` raw words."""
    L = LANES
    A = state[0]
    B = state[1]
    C = state[2]
    N = state[3]
    for j in range(m // L):  # vectorised across the lanes
        for lane in range(L):
            a = A[lane]
            b = B[lane]
            c = C[lane]
            n = N[lane]
            tmp = a + b + n
            A[lane] = b ^ (b >> _U11)
            B[lane] = c + (c << _U3)
            C[lane] = ((c << _U24) | (c >> _U40)) + tmp
            N[lane] = n + _U1
            u[j * L + lane] = tmp
    misses = 0
    for e in range(m):  # the ziggurat's rectangle step, vectorised (table gathers)
        r = u[e]
        idx = np.intp(r & _UFF)
        rabs = (r >> _U9) & _MASK52
        v = np.float64(rabs) * wi_double[idx]
        z[e] = -v if ((r >> _U8) & _U1) == _U1 else v
        misses += rabs >= ki_double[idx]
    if misses > 0:
        rej = state[:, L]
        for e in range(m):
            r = u[e]
            if ((r >> _U9) & _MASK52) >= ki_double[np.intp(r & _UFF)]:
                z[e] = _ziggurat_rest(rej, r)


# ---------------------------------------------------------------- scheme update rules
@njit(cache=CACHE, inline="always")
def linear_score(y: float, m: float) -> float:
    """Gaussian (plug-in / capped) score of one PCA component: ``-m y``."""
    return -m * y


@njit(cache=CACHE, inline="always")
def em_step(y: float, m: float, f: float, g2: float, dt: float, sd: float, z: float) -> float:
    """Euler–Maruyama on the backward SDE ``dY = (-f Y + g² score) dt + g dB``:
    ``y + Δ (g² score(y) - f y) + sqrt(g² Δ) z`` (``sd = sqrt(g² Δ)``; VP: ``f = -w²``, ``g² = 2w²``)."""
    return y + dt * (g2 * linear_score(y, m) - f * y) + sd * z


@njit(cache=CACHE, inline="always")
def ei_step(y: float, m: float, ratio: float, weight: float, sd: float, z: float) -> float:
    """Exponential integrator: ``(b_{s'}/b_s) y + b_{s'} (G(s) - G(s')) score(y) + sd z``
    (VP: ``e^{ΔB} y + 2 (e^{ΔB} - 1) score + sqrt(e^{2ΔB} - 1) z``)."""
    return ratio * y + weight * linear_score(y, m) + sd * z


@njit(cache=CACHE, inline="always")
def euler_ode_step(y: float, c: float, dt: float) -> float:
    """Euler on the probability-flow ODE ``dY = c Y dt`` (``c = -f - g² m / 2``; VP: ``w² (1 - m)``)."""
    return y + dt * (c * y)


@njit(cache=CACHE, inline="always")
def heun_step(y: float, c0: float, c1: float, dt: float, corrector: bool) -> float:
    """Heun on the probability-flow ODE: predictor ``y + Δ c_0 y``, corrector
    ``y + Δ/2 (c_0 y + c_1 y_pred)``; predictor only when ``corrector`` is false (last step
    onto ``s = 0``)."""
    f0 = c0 * y
    y_pred = y + dt * f0
    if not corrector:
        return y_pred
    return y + 0.5 * dt * (f0 + c1 * y_pred)


# ---------------------------------------------------------------- recorder
@njit(cache=CACHE, inline="always")
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
@njit(cache=CACHE)
def run_chunk(state, n, nb, b0, b1, scheme_id, init_sd, dt, mL, drift, diff2, sd, ratio,
              weight, cL, cR, corrector, rec_k, enc, use_enc, full, s1, s2, s2f):
    """Simulate blocks ``[b0, b1)`` (``nb`` paths each; the last may be shorter) of one chunk of
    ``n`` paths with noise ``state``, adding their moments at the grid steps ``rec_k`` to
    ``s1 (M, R)``, ``s2 (M, R)``, ``s2f (M, R', R')``.

    Kept out of the ``prange`` body: compiled as an ordinary function its loops run ~20% faster
    than when outlined by the parallel backend (measured, benchmarks/bench_sim.py)."""
    D = init_sd.shape[0]
    M = rec_k.shape[0]
    R = s1.shape[1]
    L = LANES
    k_last = rec_k[M - 1]
    sde = scheme_id == EM or scheme_id == EI
    mmax = ((nb * D + L - 1) // L) * L
    u = np.empty(mmax, np.uint64)
    z = np.empty(mmax)
    y = np.empty((nb, D))
    lat = np.empty(R)
    nblocks = (n + nb - 1) // nb
    for blk in range(b0, min(b1, nblocks)):
        cnt = min(nb, n - blk * nb)
        m = ((cnt * D + L - 1) // L) * L
        fill_normals(state, u, z, m)
        for p in range(cnt):
            for i in range(D):
                y[p, i] = init_sd[i] * z[p * D + i]
        c = 0
        if rec_k[0] == 0:
            accumulate(y, cnt, enc, use_enc, full, s1[0], s2[0], s2f[0], lat)
            c = 1
        for k in range(k_last):
            h = dt[k]
            if sde:
                fill_normals(state, u, z, m)
            if scheme_id == EM:
                f = drift[k]
                g2 = diff2[k]
                s = sd[k]
                for p in range(cnt):
                    for i in range(D):
                        y[p, i] = em_step(y[p, i], mL[k, i], f, g2, h, s, z[p * D + i])
            elif scheme_id == EI:
                ra = ratio[k]
                we = weight[k]
                s = sd[k]
                for p in range(cnt):
                    for i in range(D):
                        y[p, i] = ei_step(y[p, i], mL[k, i], ra, we, s, z[p * D + i])
            elif scheme_id == EULER_ODE:
                for p in range(cnt):
                    for i in range(D):
                        y[p, i] = euler_ode_step(y[p, i], cL[k, i], h)
            else:
                corr = corrector[k]
                for p in range(cnt):
                    for i in range(D):
                        y[p, i] = heun_step(y[p, i], cL[k, i], cR[k, i], h, corr)
            if c < M and rec_k[c] == k + 1:
                accumulate(y, cnt, enc, use_enc, full, s1[c], s2[c], s2f[c], lat)
                c += 1


@njit(parallel=True, cache=CACHE)
def simulate_wave(states, sizes, nb, b0, b1, scheme_id, init_sd, dt, mL, drift, diff2, sd, ratio,
                  weight, cL, cR, corrector, rec_k, enc, use_enc, full, s1, s2, s2f):
    """Blocks ``[b0, b1)`` of every chunk ``g`` (``sizes[g]`` paths, noise ``states[g]``),
    moments added to ``s1[g] (M, R)``, ``s2[g]``, ``s2f[g] (M, R', R')`` in place."""
    G = sizes.shape[0]
    for g in prange(G):
        run_chunk(states[g], sizes[g], nb, b0, b1, scheme_id, init_sd, dt, mL, drift, diff2, sd,
                  ratio, weight, cL, cR, corrector, rec_k, enc, use_enc, full, s1[g], s2[g],
                  s2f[g])


@njit(cache=CACHE)
def _draw_chunk(state, count):
    """Draw ``count`` normals (in rows of 2048) and sum them, so that nothing is optimised away."""
    u = np.empty(BLOCK_ELEMENTS, np.uint64)
    z = np.empty(BLOCK_ELEMENTS)
    acc = 0.0
    done = 0
    while done < count:
        fill_normals(state, u, z, BLOCK_ELEMENTS)
        acc += z[0] + z[BLOCK_ELEMENTS - 1]
        done += BLOCK_ELEMENTS
    return acc


@njit(parallel=True, cache=CACHE)
def normals_floor(states, counts):
    """The generator floor: ``counts[g]`` normals from chunk ``g``'s streams and nothing else
    (``prange`` over chunks, as :func:`simulate_wave`)."""
    G = counts.shape[0]
    out = np.zeros(G)
    for g in prange(G):
        out[g] = _draw_chunk(states[g], counts[g])
    return out

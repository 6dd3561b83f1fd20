"""The simulator's normal generator (:mod:`ldmstop.sim.kernels`, seeded by :mod:`ldmstop.sim.noise`).

References independent of the kernels: NumPy's own ``numpy.random.SFC64`` for the raw words,
and a plain-Python transcription of NumPy's ziggurat (``random_standard_normal`` in NumPy's
``distributions.c``) for the transform; exact N(0, 1) probabilities for the distribution tests
(moments, Kolmogorov–Smirnov, Anderson–Darling, tails); independence across lanes and chunks.
The same tests at 10⁸ draws are in ``benchmarks/bench_sim.py`` (``--quality``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ldmstop.sim.kernels import LANES, fill_normals
from ldmstop.sim.noise import LANES as NOISE_LANES
from ldmstop.sim.noise import chunk_states

ROW = 2048  # normals per call, a multiple of LANES


def _draw(state: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` calls of ``fill_normals``: (normals, raw words), each ``rows * ROW`` long."""
    u = np.empty(ROW, np.uint64)
    z = np.empty(ROW)
    zs, us = [], []
    for _ in range(rows):
        fill_normals(state, u, z, ROW)
        zs.append(z.copy())
        us.append(u.copy())
    return np.concatenate(zs), np.concatenate(us)


def _numpy_ziggurat(first: int, words) -> float:
    """NumPy's ``random_standard_normal``, transcribed in plain Python, from the 64-bit word
    ``first`` on, further words from the iterator ``words``."""
    from numba.np.random._constants import (fi_double, ki_double, wi_double, ziggurat_nor_inv_r,
                                            ziggurat_nor_r)

    def uniform():  # NumPy's next_double
        return (int(next(words)) >> 11) * (1.0 / 9007199254740992.0)

    r = int(first)
    while True:
        idx = r & 0xFF
        r >>= 8
        sign = r & 1
        rabs = (r >> 1) & 0x000FFFFFFFFFFFFF
        x = float(rabs) * float(wi_double[idx])
        if sign:
            x = -x
        if rabs < int(ki_double[idx]):
            return x
        if idx == 0:
            while True:
                xx = -ziggurat_nor_inv_r * math.log1p(-uniform())
                yy = -math.log1p(-uniform())
                if yy + yy > xx * xx:
                    return -(ziggurat_nor_r + xx) if (rabs >> 8) & 1 else ziggurat_nor_r + xx
        if (float(fi_double[idx - 1]) - float(fi_double[idx])) * uniform() + float(fi_double[idx]) < math.exp(-0.5 * x * x):
            return x
        r = int(next(words))


def test_lane_count_is_one_constant():
    assert LANES == NOISE_LANES


def test_lanes_are_numpys_sfc64_streams_word_for_word():
    seed, G, g = 123, 5, 3
    st = chunk_states(seed, G)[g].copy()
    _, u = _draw(st, 4)
    kids = np.random.SeedSequence(seed).spawn(G)[g].spawn(LANES + 1)
    for lane in range(LANES):
        ref = np.random.SFC64(kids[lane]).random_raw(u.size // LANES)
        np.testing.assert_array_equal(u[lane::LANES], ref)


def test_transform_is_numpys_ziggurat_bit_for_bit():
    """Rectangle hits from the lane word; misses continue NumPy's algorithm on the rejection
    stream, in order — compared with the plain-Python transcription, every bit."""
    seed = 7
    st = chunk_states(seed, 1)[0].copy()
    z, u = _draw(st, 30)
    rej_ss = np.random.SeedSequence(seed).spawn(1)[0].spawn(LANES + 1)[LANES]
    words = iter(np.random.SFC64(rej_ss).random_raw(10**6))
    ref = []
    from numba.np.random._constants import ki_double

    misses = 0
    for w in u:
        w = int(w)
        if ((w >> 9) & 0x000FFFFFFFFFFFFF) < int(ki_double[w & 0xFF]):
            ref.append(_numpy_ziggurat(w, iter(())))
        else:
            misses += 1
            ref.append(_numpy_ziggurat(w, words))
    assert misses > 100  # the slow path (wedges and tail) was exercised
    np.testing.assert_array_equal(z, np.array(ref))


def test_lane_agrees_with_numpy_generator_until_its_first_miss():
    """NumPy's own ``Generator(SFC64).standard_normal`` on a lane's stream gives the same values
    up to the lane's first rectangle miss (from there NumPy takes its next words from the same
    stream, the kernels from the rejection stream)."""
    from numba.np.random._constants import ki_double

    kid = np.random.SeedSequence(11).spawn(1)[0].spawn(LANES + 1)[0]
    z, u = _draw(chunk_states(11, 1)[0].copy(), 4)
    w = u[0::LANES]
    miss = ((w >> np.uint64(9)) & np.uint64(0x000FFFFFFFFFFFFF)) >= ki_double[(w & np.uint64(0xFF)).astype(np.intp)]
    first_miss = int(np.argmax(miss))
    assert miss.any() and first_miss > 10
    ref = np.random.Generator(np.random.SFC64(kid)).standard_normal(first_miss + 1)
    np.testing.assert_array_equal(z[0::LANES][:first_miss], ref[:first_miss])


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    return _draw(chunk_states(2024, 1)[0].copy(), 1000)[0]  # 2,048,000 draws


def test_moments(sample):
    n = sample.size
    assert abs(sample.mean()) < 5 / math.sqrt(n)
    assert abs(sample.var() - 1.0) < 5 * math.sqrt(2.0 / n)
    assert abs(np.mean(sample**3)) < 5 * math.sqrt(15.0 / n)
    assert abs(np.mean(sample**4) - 3.0) < 5 * math.sqrt(96.0 / n)


def test_kolmogorov_smirnov_and_anderson_darling(sample):
    assert stats.kstest(sample, "norm").pvalue > 1e-3
    ad = stats.anderson(sample[:200_000], dist="norm", method="interpolate")
    assert ad.pvalue > 1e-3


@pytest.mark.parametrize("c", [2.0, 3.0, 3.6541528853610088, 4.0])
def test_tails(sample, c):
    """P(|Z| > c) within 5 binomial standard errors; c = r is the ziggurat's tail boundary."""
    p = math.erfc(c / math.sqrt(2.0))
    n = sample.size
    got = np.mean(np.abs(sample) > c)
    assert abs(got - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-7


def test_tail_beyond_ziggurat_boundary_is_exponential():
    """Draws beyond r = 3.654 come from the tail algorithm: their excess over r, given > r, is
    the N(0, 1) tail (Mills ratio): compare the conditional mean with the exact one."""
    z = _draw(chunk_states(5, 1)[0].copy(), 2500)[0]  # 5.1 M draws, ~1,300 beyond r
    r = 3.6541528853610088
    t = np.abs(z[np.abs(z) > r]) - r
    phi = math.exp(-r * r / 2) / math.sqrt(2 * math.pi)
    q = 0.5 * math.erfc(r / math.sqrt(2))
    exact_mean = phi / q - r  # E[Z - r | Z > r]
    assert t.size > 500
    assert abs(t.mean() - exact_mean) < 5 * t.std() / math.sqrt(t.size)


def test_independent_across_lanes_and_chunks():
    states = chunk_states(99, 3)
    draws = [_draw(states[g].copy(), 200)[0] for g in range(3)]
    n = draws[0].size
    bound = 5 / math.sqrt(n)
    for a in range(3):
        for b in range(a + 1, 3):
            assert abs(np.corrcoef(draws[a], draws[b])[0, 1]) < bound
    lanes = draws[0].reshape(-1, LANES)  # column l = lane l
    c = np.corrcoef(lanes.T)
    off = c[~np.eye(LANES, dtype=bool)]
    assert np.max(np.abs(off)) < 5 / math.sqrt(lanes.shape[0])
    # consecutive draws of one lane are uncorrelated too
    lane = lanes[:, 0]
    assert abs(np.corrcoef(lane[:-1], lane[1:])[0, 1]) < 5 / math.sqrt(lane.size)
    # every stream of every chunk starts from its own state
    flat = states.transpose(0, 2, 1).reshape(-1, 4)
    assert np.unique(flat, axis=0).shape[0] == flat.shape[0]


def test_seeded_states_do_not_depend_on_the_chunk_count_beyond_their_index():
    """SeedSequence children are indexed: chunk g's streams are the same for any G > g."""
    np.testing.assert_array_equal(chunk_states(5, 4)[:2], chunk_states(5, 2))


@pytest.mark.slow
def test_ten_million_draws_distribution():
    z = _draw(chunk_states(31, 1)[0].copy(), 5000)[0]  # 1.02e7
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.var() - 1.0) < 5 * math.sqrt(2.0 / z.size)


def test_chunks_for_huge_runs_stay_bounded_in_size():
    from ldmstop.sim.noise import MAX_CHUNK_PATHS, MAX_CHUNKS, chunk_sizes

    assert chunk_sizes(10**6).size == MAX_CHUNKS  # the jackknife's 64 batches
    for n in (MAX_CHUNKS * MAX_CHUNK_PATHS, MAX_CHUNKS * MAX_CHUNK_PATHS + 1, 10**10):
        s = chunk_sizes(n)
        assert s.sum() == n and s.max() <= MAX_CHUNK_PATHS and s.max() - s.min() <= 1
        assert s.size % MAX_CHUNKS == 0
    assert chunk_sizes(10**10).size == 2432

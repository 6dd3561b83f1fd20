"""Benchmark of the exact curve: the full W²(t, d) map on the CIFAR-10 spectrum (D = 3072, 1001
backward times, every d) and the start-up time of `ldmstop --help`. Whole-process start-up and
`--json` output at scale are in benchmarks/bench_start.py.

Baselines run in the same process: a per-dimension Python loop computing the same map, and a
bare `python -c pass`. Prints a table and writes benchmarks/results/curve.json.

    python benchmarks/bench_curve.py [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from ldmstop import Problem
    from ldmstop.curve import (backward_times, component_errors, compute_curve, noise_levels,
                               w2_map)

    eig = np.load(importlib.resources.files("ldmstop.data") / "cifar10_eigenvalues.npy").astype(float)
    problem = Problem.from_variances(eig, samples=50_000, seed=0, schedule="vp-linear", T=1.0)
    times = backward_times(problem.T, 1001)
    w2_map(problem, times[:3])  # warm-up: first-call costs are not part of the map's cost

    map_best, map_med = _best(lambda: w2_map(problem, times), args.repeat)
    curve_best, curve_med = _best(lambda: compute_curve(problem, grid=1001), max(1, args.repeat // 2))

    # Baseline: a Python loop over d that recomputes each dimension's sum (O(D²K) work). Run on
    # every 32nd dimension and scaled by the work ratio Σ_all d / Σ_subset d (cost ∝ d), since
    # the full loop takes minutes here.
    subset = np.arange(1, problem.D + 1, 32)

    def loop():
        x = noise_levels(problem, times)
        out = np.empty((subset.size, times.size))
        for n, d in enumerate(subset):
            out[n] = component_errors(problem.sigma2[:d], problem.sigma2_hat[:d], x).sum(0) \
                + problem.sigma2[d:].sum()
        return out

    loop_subset = _best(loop, 1)[0]
    loop_time = loop_subset * (problem.D * (problem.D + 1) / 2) / subset.sum()
    np.testing.assert_allclose(loop(), w2_map(problem, times)[subset - 1], rtol=1e-9, atol=1e-12)

    def cmd(argv):
        return lambda: subprocess.run(argv, check=True, capture_output=True)

    help_best, help_med = _best(cmd([sys.executable, "-m", "ldmstop", "--help"]), args.repeat)
    bare_best, _ = _best(cmd([sys.executable, "-c", "pass"]), args.repeat)

    res = {
        "D": problem.D,
        "grid": int(times.size),
        "w2_map_seconds": {"best": map_best, "median": map_med},
        "compute_curve_seconds": {"best": curve_best, "median": curve_med},
        "python_loop_over_d_seconds_extrapolated": loop_time,
        "python_loop_subset_seconds": loop_subset,
        "speedup_vectorised_vs_loop": loop_time / map_best,
        "help_startup_seconds": {"best": help_best, "median": help_med},
        "bare_python_startup_seconds": bare_best,
        "help_overhead_over_bare_python_seconds": help_best - bare_best,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "numpy": np.__version__},
    }
    for k, v in res.items():
        print(f"{k:45s} {v}")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "curve.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(res, fh, indent=2)
    os.replace(tmp, out)
    print(f"written {out}")


if __name__ == "__main__":
    main()

"""Benchmark of `ldmstop advise` on large data: PCA of 50,000 samples × 3,072
dimensions (CIFAR-10 size) streamed from a float32 .npy file, then the advice.

Synthetic data with a known covariance (the CIFAR-10 spectrum in a random orthonormal basis) is
written once in chunks. Each measurement runs in a fresh subprocess and reports its own peak
resident memory, VmHWM from /proc/self/status (ru_maxrss is not used: Linux carries the
parent's high-water mark across fork + exec, which inflated a first measurement to 932 MB). Baseline in the same run: `np.cov(np.load(file))`, the obvious
one-liner. Prints a table and writes benchmarks/results/advise.json.

    python benchmarks/bench_advise.py [--n 50000] [--dir /tmp] [--keep]
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import subprocess
import sys
import time

import numpy as np

CHILD_PCA = r"""
import json, sys, time
import numpy as np
from ldmstop.advise import data_spectrum
t0 = time.perf_counter()
lam, n = data_spectrum(sys.argv[1])
dt = time.perf_counter() - t0
np.save(sys.argv[2], lam)
print(json.dumps({"seconds": dt, "peak_rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}))
"""

CHILD_BASELINE = r"""
import json, sys, time
import numpy as np
t0 = time.perf_counter()
X = np.load(sys.argv[1])
lam = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
dt = time.perf_counter() - t0
np.save(sys.argv[2], lam)
print(json.dumps({"seconds": dt, "peak_rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}))
"""

CHILD_ADVISE = r"""
import json, sys, time
from ldmstop.cli import main
t0 = time.perf_counter()
rc = main(["advise", "--data", sys.argv[1], "--schedule", "vp-linear", "--scheme", "heun",
           "--steps", "50", "--json"])
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "rc": rc, "peak_rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}), file=sys.stderr)
"""


def _write_data(path: str, n: int, lam: np.ndarray, chunk: int = 2048) -> float:
    """X = Z diag(sqrt λ) Oᵀ, Z standard normal, O a random orthonormal basis; float32."""
    rng = np.random.default_rng(np.random.SeedSequence(6))
    D = lam.size
    O, _ = np.linalg.qr(rng.standard_normal((D, D)))
    M = (O * np.sqrt(lam)[None, :]).T  # rows of Z @ M have covariance O diag(λ) Oᵀ
    t0 = time.perf_counter()
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, D))
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        X[s:s + m] = (rng.standard_normal((m, D)) @ M).astype(np.float32)
    X.flush()
    del X
    return time.perf_counter() - t0


def _child(code: str, *args: str, stream: str = "stdout") -> dict:
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads((r.stdout if stream == "stdout" else r.stderr).strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--keep", action="store_true", help="keep the generated data file")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()

    lam = np.sort(np.load(importlib.resources.files("ldmstop.data") / "cifar10_eigenvalues.npy")
                  .astype(float))[::-1]
    D = lam.size
    path = os.path.join(args.dir, f"ldmstop_bench_{args.n}x{D}.npy")
    gen = _write_data(path, args.n, lam) if not os.path.exists(path) else None
    file_mb = os.path.getsize(path) / 2**20

    out_ours = os.path.join(args.dir, "bench_lam_ours.npy")
    ours = _child(CHILD_PCA, path, out_ours)
    lam_ours = np.load(out_ours)
    rel = np.abs(lam_ours[:50] - lam[:50]) / lam[:50]
    res = {"n": args.n, "D": D, "file_mb": file_mb, "generate_seconds": gen,
           "ldmstop_pca": ours,
           "top50_eigen_rel_error_vs_truth": {"max": float(rel.max()), "median": float(np.median(rel)),
                                              "expected_sampling_scale_sqrt(2/n)": float(np.sqrt(2 / args.n))}}
    if not args.no_baseline:
        out_base = os.path.join(args.dir, "bench_lam_base.npy")
        try:
            base = _child(CHILD_BASELINE, path, out_base)
            lam_base = np.load(out_base)
            base["max_rel_diff_vs_ldmstop"] = float(np.max(np.abs(lam_base[:D // 2] - lam_ours[:D // 2])
                                                         / lam_base[:D // 2]))
        except subprocess.CalledProcessError as exc:  # e.g. killed for memory: a result too
            base = {"failed": f"exit {exc.returncode}"}
        res["baseline_np_cov_of_np_load"] = base
    res["advise_heun_50_steps_end_to_end"] = _child(CHILD_ADVISE, path, stream="stderr")
    res["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "numpy": np.__version__,
                      "load_average_1_5_15_at_end": list(os.getloadavg()),
                      "note": "shared machine: wall times vary with other users' load; memory does not"}
    if not args.keep:
        os.unlink(path)

    print(f"PCA of {args.n} x {D} float32 ({file_mb:.0f} MB on disk)")
    print(f"  ldmstop data_spectrum : {ours['seconds']:8.2f} s, peak RSS {ours['peak_rss_mb']:7.0f} MB")
    if "baseline_np_cov_of_np_load" in res and "seconds" in res["baseline_np_cov_of_np_load"]:
        b = res["baseline_np_cov_of_np_load"]
        print(f"  np.cov(np.load(...))  : {b['seconds']:8.2f} s, peak RSS {b['peak_rss_mb']:7.0f} MB")
    a = res["advise_heun_50_steps_end_to_end"]
    print(f"  ldmstop advise (heun, 50 steps), end to end: {a['seconds']:.2f} s, peak RSS {a['peak_rss_mb']:.0f} MB")
    print(f"  top-50 eigenvalues vs truth: max rel. error {rel.max():.3g} (sampling scale {np.sqrt(2 / args.n):.3g})")
    outdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "advise.json"), "w") as fh:
        json.dump(res, fh, indent=2)
    print(f"wrote {os.path.join(outdir, 'advise.json')}")


if __name__ == "__main__":
    main()

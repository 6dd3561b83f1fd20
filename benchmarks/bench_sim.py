"""Benchmark of the Monte Carlo simulator, against baselines run in the same invocation.

Standard workload: 200,000 paths × 8 components × 400 Euler–Maruyama steps, 20 checkpoints,
OU, plug-in score, 2 threads. Measured (best of ``--repeat`` interleaved runs; the machine's
load average is recorded with every figure):

1. whole process: ``ldmstop simulate … --json`` against a plain-NumPy script of the same sampler
   (vectorised over paths, ``Generator.standard_normal(out=…)``), each a fresh process;
2. kernel: :func:`ldmstop.sim.simulate.run_moments` against the same NumPy sampler in this
   process, and against the normal-generator floor (the same chunks' streams drawing the same
   number of normals and nothing else), 1 and 2 threads;
3. normal generators that could serve (normals per second): NumPy's C ziggurat (PCG64, SFC64,
   Philox; one thread, and two Python threads filling buffers, it releases the GIL), Numba's
   ``Generator.standard_normal`` (NumPy's bit generator through its ``ctypes`` ``next_uint64``),
   and the kernels' SFC64 lanes + NumPy's ziggurat;
4. peak memory of a fresh process against steps and paths;
5. Dask: the same run on a LocalCluster of 1 and 2 workers (after a warm-up run);
6. start-up: ``ldmstop simulate`` with 1,000 paths × 10 steps, empty and warm Numba cache,
   against ``python -c "import numpy"``; SIGINT latency of a long run;
7. ``--quality``: the generator at 10⁸ draws (moments, KS, Anderson–Darling, tails).

    python benchmarks/bench_sim.py [--repeat R] [--quality] [--no-dask] [--only whole,kernel,...]

``--only`` reruns some sections (whole, kernel, generators, memory, dask, startup, quality) and
merges them into the existing JSON (e.g. the key ratios again when the machine is quiet).

Prints a table and writes benchmarks/results/sim.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TRUE = [10, 0.2, 0.2, 0.2, 0.05, 0.02, 0.0, 0.0]
EST = [9.5, 0.25, 0.18, 0.21, 0.04, 0.03, 0.001, 0.0005]
P, K, M, T = 200_000, 400, 20, 2.0
CLI = ["simulate", "--variances", ",".join(map(str, TRUE)), "--estimated", ",".join(map(str, EST)),
       "--scheme", "em", "--steps", str(K), "--paths", str(P), "--checkpoints", str(M), "--d", "all",
       "--json"]

# The NumPy baseline, self-contained (imports NumPy only): OU (w² = 1), plug-in score
# m = 1/v̂, v̂(s) = σ̂² + (1 - e^{-2s})(1 - σ̂²); EM y <- (1 + Δ(1 - 2m)) y + sqrt(2Δ) z, written
# to be fast: one multiply by a row of coefficients, normals drawn into a preallocated buffer.
NUMPY_EM = r"""
import numpy as np
def numpy_em(est, T, K, M, P, seed):
    h = np.asarray(est, dtype=float)
    t = T * np.arange(K + 1) / K
    s = T - t[:-1]
    dt = np.diff(t)
    v = h[None, :] + (-np.expm1(-2 * s))[:, None] * (1 - h[None, :])
    coef = 1.0 + dt[:, None] * (1.0 - 2.0 / v)
    sd = np.sqrt(2.0 * dt)
    rec = set(np.rint(K * np.arange(1, M + 1) / M).astype(int).tolist())
    rng = np.random.default_rng(seed)
    vT = h + (-np.expm1(-2 * T)) * (1 - h)
    y = np.sqrt(vT) * rng.standard_normal((P, h.size))
    z = np.empty_like(y)
    s1, s2 = [], []
    for k in range(K):
        y *= coef[k]
        rng.standard_normal(out=z)
        z *= sd[k]
        y += z
        if k + 1 in rec:
            s1.append(y.sum(0))
            s2.append(np.einsum("ij,ij->j", y, y))
    return np.array(s1), np.array(s2)
"""
exec(NUMPY_EM)  # defines numpy_em here too, for the in-process comparison


def load() -> float:
    return round(os.getloadavg()[0], 2)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_process(argv, env=None, cpu: dict | None = None) -> float:
    """Wall seconds of a fresh process; its CPU seconds (user + system) go to ``cpu["s"]``."""
    c0 = _children_cpu()
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    if cpu is not None:
        cpu["s"] = _children_cpu() - c0
    return time.perf_counter() - t0


def whole_process(repeat: int) -> dict:
    numpy_script = NUMPY_EM + f"\nnumpy_em({EST}, {T}, {K}, {M}, {P}, 0)\n"
    cli = [sys.executable, "-m", "ldmstop", *CLI, "--threads", "2"]
    timed_process(cli)  # the Numba cache is warm from here on
    best = {"numpy": math.inf, "ldmstop": math.inf, "numpy_cpu": math.inf, "ldmstop_cpu": math.inf}
    loads = []
    for _ in range(repeat):
        loads.append(load())
        for key, argv in (("numpy", [sys.executable, "-c", numpy_script]), ("ldmstop", cli)):
            cpu = {}
            best[key] = min(best[key], timed_process(argv, cpu=cpu))
            best[key + "_cpu"] = min(best[key + "_cpu"], cpu["s"])
    return {"numpy_process_s": best["numpy"], "ldmstop_process_s": best["ldmstop"],
            "ratio": best["numpy"] / best["ldmstop"],
            # CPU seconds of each process (user + system, all threads): what the work costs,
            # whatever else runs on the machine
            "numpy_process_cpu_s": best["numpy_cpu"], "ldmstop_process_cpu_s": best["ldmstop_cpu"],
            "load": loads + [load()]}


def kernel(repeat: int) -> dict:
    import numba

    from ldmstop.sim.grid import solver_grid
    from ldmstop.sim.kernels import normals_floor
    from ldmstop.sim.noise import chunk_sizes, chunk_states
    from ldmstop.sim.recorder import resolve_checkpoints
    from ldmstop.sim.recursions import discrete_variances
    from ldmstop.sim.simulate import run_moments

    h = np.asarray(EST)
    rec_k = resolve_checkpoints(M, solver_grid(T, K), T)
    sizes = chunk_sizes(P)
    work = P * len(EST) * K

    def ours(th):
        return run_moments(h, schedule="ou", T=T, steps=K, scheme="em", init="pT", cap=None,
                           truncate=0.0, paths=P, seed=0, rec_k=rec_k, threads=th)

    def floor(th):
        previous = numba.get_num_threads()
        numba.set_num_threads(th)
        normals_floor(chunk_states(0, sizes.size), sizes * len(EST) * K)
        numba.set_num_threads(previous)

    # both samplers simulate the law of the exact recursion (else the race means nothing)
    _, V = discrete_variances(h, schedule="ou", T=T, steps=K, scheme="em", init="pT")
    _, s2_np = numpy_em(EST, T, K, M, P, 1)
    mom = ours(2)
    for name, s2 in (("NumPy", s2_np / P), ("ldmstop", mom.s2.sum(0) / P)):
        z = np.abs(s2 / V[rec_k] - 1) / np.sqrt(2.0 / P)
        assert z.max() < 5, f"{name} sampler disagrees with the exact recursion (z = {z.max():.1f})"
    floor(1)
    best = {"numpy": math.inf}
    for th in (1, 2):
        best[("kernel", th)] = best[("floor", th)] = math.inf
    loads = []
    for _ in range(repeat):
        loads.append(load())
        t0, c0 = time.perf_counter(), time.process_time()
        numpy_em(EST, T, K, M, P, 0)
        best["numpy"] = min(best["numpy"], time.perf_counter() - t0)
        best["numpy_cpu"] = min(best.get("numpy_cpu", math.inf), time.process_time() - c0)
        for th in (1, 2):
            for key, fn in (("kernel", ours), ("floor", floor)):
                t0, c0 = time.perf_counter(), time.process_time()
                fn(th)
                best[(key, th)] = min(best[(key, th)], time.perf_counter() - t0)
                best[(key, th, "cpu")] = min(best.get((key, th, "cpu"), math.inf),
                                             time.process_time() - c0)
    out = {"numpy_s": best["numpy"], "numpy_rate": work / best["numpy"],
           "numpy_cpu_s": best["numpy_cpu"], "load": loads + [load()]}
    for th in (1, 2):
        tk, tf = best[("kernel", th)], best[("floor", th)]
        ck, cf = best[("kernel", th, "cpu")], best[("floor", th, "cpu")]
        out[str(th)] = {"kernel_s": tk, "floor_s": tf, "kernel_rate": work / tk,
                        "floor_rate": work / tf, "kernel_vs_numpy": best["numpy"] / tk,
                        "kernel_vs_floor": tk / tf,
                        # per CPU-second (all threads): robust to a loaded machine
                        "kernel_cpu_s": ck, "floor_cpu_s": cf, "kernel_vs_floor_cpu": ck / cf,
                        "kernel_vs_numpy_cpu_per_thread": best["numpy_cpu"] / (ck / th)}
    return out


def generators(repeat: int) -> dict:
    """Normals per second of each generator that could feed the kernel."""
    import numba
    from numba import njit, prange

    from ldmstop.sim.kernels import normals_floor
    from ldmstop.sim.noise import chunk_states

    n = 40_000_000
    buf_n = 1 << 16

    def numpy_c(bitgen, threads):
        gens = [np.random.Generator(bitgen(s)) for s in np.random.SeedSequence(0).spawn(threads)]

        def work(g):
            buf = np.empty(buf_n)
            for _ in range(n // threads // buf_n):
                g.standard_normal(out=buf)

        ts = [threading.Thread(target=work, args=(g,)) for g in gens]
        [t.start() for t in ts]
        [t.join() for t in ts]

    @njit
    def _draw_gen(rng, count):
        acc = 0.0
        for _ in range(count):
            acc += rng.standard_normal()
        return acc

    @njit(parallel=True)
    def numba_generator(gens, count):
        out = np.zeros(len(gens))
        for g in prange(len(gens)):
            out[g] = _draw_gen(gens[np.int64(g)], count)
        return out

    def numba_gen(threads):
        from numba import typed

        gens = typed.List([np.random.Generator(np.random.PCG64(s))
                           for s in np.random.SeedSequence(0).spawn(64)])
        numba.set_num_threads(threads)
        numba_generator(gens, n // 64)

    def lanes(threads):
        numba.set_num_threads(threads)
        normals_floor(chunk_states(0, 64), np.full(64, n // 64, dtype=np.int64))

    cases = {"numpy C ziggurat, PCG64": lambda th: numpy_c(np.random.PCG64, th),
             "numpy C ziggurat, SFC64": lambda th: numpy_c(np.random.SFC64, th),
             "numpy C ziggurat, Philox (counter-based)": lambda th: numpy_c(np.random.Philox, th),
             "numba Generator(PCG64) via ctypes next_uint64": numba_gen,
             "kernels: 16 SFC64 lanes + NumPy's ziggurat": lanes}
    numba_gen(1)
    lanes(1)
    res = {}
    for name, fn in cases.items():
        res[name] = {}
        for th in (1, 2):
            best, best_cpu = math.inf, math.inf
            for _ in range(repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                fn(th)
                best = min(best, time.perf_counter() - t0)
                best_cpu = min(best_cpu, time.process_time() - c0)
            res[name][str(th)] = n / best
            res[name][f"{th}_per_cpu_second"] = n / best_cpu
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    res["load"] = load()
    return res


MEM_CHILD = r"""
import json, sys, time
import numpy as np
from ldmstop import Problem
from ldmstop.sim.simulate import simulate

def status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")

p = Problem.from_variances({true}, estimated={est})
simulate(p, paths=2000, steps=20, scheme="em", checkpoints=20, seed=0, threads=2)
rss = status("VmRSS")
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the high-water mark: VmHWM is then the run's own peak
t = time.perf_counter()
simulate(p, paths={paths}, steps={steps}, scheme="em", checkpoints=20, seed=0, threads=2)
print(json.dumps({{"rss_before_mb": rss, "peak_mb": status("VmHWM"), "run_s": time.perf_counter() - t}}))
"""


def memory() -> list:
    out = []
    for steps, paths in ((50, 20_000), (500, 20_000), (5000, 20_000), (500, 200_000), (500, 1_000_000)):
        code = MEM_CHILD.format(true=TRUE, est=EST, paths=paths, steps=steps)
        r = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout.strip().splitlines()[-1])
        out.append({"steps": steps, "paths": paths, **r, "growth_mb": r["peak_mb"] - r["rss_before_mb"],
                    "load": load()})
    return out


def dask_scaling(repeat: int) -> dict:
    from dask.distributed import LocalCluster

    from ldmstop import Problem
    from ldmstop.sim.simulate import simulate

    p = Problem.from_variances(TRUE, estimated=EST)
    kw = dict(paths=P, steps=K, scheme="em", checkpoints=M, seed=0)
    local = simulate(p, threads=2, **kw)
    out = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cl:
            start = time.perf_counter() - t0
            simulate(p, paths=2000, steps=10, scheme="em", seed=0, scheduler=cl.scheduler_address)
            best = math.inf
            for _ in range(repeat):
                t1 = time.perf_counter()
                r = simulate(p, scheduler=cl.scheduler_address, **kw)
                best = min(best, time.perf_counter() - t1)
            assert np.array_equal(r.moments.s2, local.moments.s2), "Dask run not bit-identical"
        out[str(workers)] = {"run_s": best, "cluster_start_s": start, "load": load(),
                             "bit_identical": True}
    out["speedup_2_vs_1"] = out["1"]["run_s"] / out["2"]["run_s"]
    return out


def startup(repeat: int) -> dict:
    small = [sys.executable, "-m", "ldmstop", "simulate", "--variances", "10,0.2,0.2,0.2,0,0",
             "--paths", "1000", "--steps", "10", "--json"]
    res = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        res["cold_cache_s"] = timed_process(small, env)
        res["warm_cache_s"] = min(timed_process(small, env) for _ in range(repeat))
    res["import_numpy_s"] = min(timed_process([sys.executable, "-c", "import numpy"]) for _ in range(repeat))
    code = ("import time; t=time.perf_counter(); import numba; a=time.perf_counter(); "
            "from ldmstop.sim.schedule_tables import schedule_table; schedule_table('ou'); "
            "b=time.perf_counter(); import ldmstop.sim.kernels; c=time.perf_counter(); "
            "print(a-t, b-a, c-b)")
    parts = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split()
    res["import_numba_s"], res["schedule_tables_sympy_s"], res["kernels_module_s"] = map(float, parts)
    res["load"] = load()
    # SIGINT: a run of many minutes, interrupted once it has printed its estimate
    slow = [sys.executable, "-m", "ldmstop", "simulate", "--variances", "10,0.2,0.2,0.2,0,0",
            "--paths", "30000000", "--steps", "2000", "--checkpoints", "4"]
    proc = subprocess.Popen(slow, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proc.stderr.readline()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    res["sigint_exit_s"] = time.perf_counter() - t0
    res["sigint_rc"] = proc.returncode
    res["sigint_last_line"] = err.strip().splitlines()[-1]
    return res


def quality(n: int = 100_000_000) -> dict:
    from scipy import stats

    from ldmstop.sim.kernels import fill_normals
    from ldmstop.sim.noise import chunk_states

    st = chunk_states(20251008, 1)[0].copy()
    z = np.empty(n)
    u = np.empty(1 << 16, np.uint64)
    for k in range(0, n, 1 << 16):
        m = min(1 << 16, n - k)
        m -= m % 16
        if m == 0:
            break
        fill_normals(st, u, z[k:k + m], m)
    z = z[: n - n % 16]
    n = z.size
    out = {"n": n, "mean_z": float(z.mean() * math.sqrt(n)),
           "var_z": float((z.var() - 1) / math.sqrt(2 / n)),
           "kurt_z": float((np.mean(z**4) - 3) / math.sqrt(96 / n)),
           "ks_pvalue": float(stats.kstest(z, "norm").pvalue)}
    ad = stats.anderson(z, dist="norm", method="interpolate")
    out["ad_statistic"] = float(ad.statistic)
    out["ad_pvalue"] = float(ad.pvalue)
    for c in (3.0, 4.0, 5.0):
        p = math.erfc(c / math.sqrt(2))
        got = float(np.mean(np.abs(z) > c))
        out[f"tail_{c:g}_z"] = (got - p) / math.sqrt(p * (1 - p) / n)
    out["load"] = load()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quality", action="store_true", help="the generator at 1e8 draws")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--only", default=None, help="comma-separated sections to rerun and merge")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "sim.json"))
    args = ap.parse_args()
    import numba

    every = {"whole", "kernel", "generators", "memory", "dask", "startup", "quality"}
    want = every if args.only is None else set(args.only.split(","))
    if not want <= every:
        ap.error(f"--only: unknown sections {sorted(want - every)}")
    if args.no_dask:
        want.discard("dask")
    if not args.quality and args.only is None:
        want.discard("quality")

    previous = {}
    if args.only is not None and os.path.exists(args.out):
        with open(args.out) as fh:
            previous = json.load(fh)
    res = {**previous, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "numpy": np.__version__, "numba": numba.__version__,
                       "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()},
           "workload": {"paths": P, "D": len(EST), "steps": K, "checkpoints": M, "scheme": "em",
                        "true": TRUE, "estimated": EST}}
    if "whole" in want:
        res["whole_process"] = w = whole_process(args.repeat)
        print(f"whole process, {P} paths x {len(EST)} x {K} EM steps, 2 threads: ldmstop "
              f"{w['ldmstop_process_s']:.2f} s, NumPy script {w['numpy_process_s']:.2f} s -> "
              f"x{w['ratio']:.2f}; CPU seconds {w['ldmstop_process_cpu_s']:.2f} vs "
              f"{w['numpy_process_cpu_s']:.2f} (load {w['load']})")
    if "kernel" in want:
        res["kernel"] = k = kernel(args.repeat)
        print(f"kernel: NumPy {k['numpy_rate'] / 1e6:.0f} M/s (load {k['load']})")
    for th in ("1", "2") if "kernel" in want else ():
        r = k[th]
        print(f"  {th} thread(s): kernel {r['kernel_rate'] / 1e6:.0f} M/s = x{r['kernel_vs_numpy']:.2f} "
              f"NumPy; generator floor {r['floor_rate'] / 1e6:.0f} M/s, kernel/floor {r['kernel_vs_floor']:.2f}"
              f" (CPU time: kernel/floor {r['kernel_vs_floor_cpu']:.2f}, per thread "
              f"x{r['kernel_vs_numpy_cpu_per_thread']:.2f} NumPy)")
    if "generators" in want:
        res["generators"] = generators(args.repeat)
    g = res.get("generators", {})
    for name, v in g.items() if "generators" in want else ():
        if name != "load":
            print(f"  {name:48s} 1 thread {v['1'] / 1e6:6.0f} M/s, 2 threads {v['2'] / 1e6:6.0f} M/s"
                  f"; per CPU-second {v['1_per_cpu_second'] / 1e6:6.0f} / {v['2_per_cpu_second'] / 1e6:6.0f} M")
    if "generators" in want:
        print(f"  (load {g['load']})")
    if "memory" in want:
        res["memory"] = memory()
    for m in res["memory"] if "memory" in want else ():
        print(f"memory: steps {m['steps']:5d}, paths {m['paths']:8d}: +{m['growth_mb']:.2f} MB during "
              f"the run (RSS {m['rss_before_mb']:.0f} MB; {m['run_s']:.2f} s; load {m['load']})")
    if "dask" in want:
        res["dask"] = d = dask_scaling(args.repeat)
        print(f"Dask LocalCluster: 1 worker {d['1']['run_s']:.2f} s, 2 workers {d['2']['run_s']:.2f} s "
              f"-> x{d['speedup_2_vs_1']:.2f} (bit-identical to the local run; cluster start "
              f"{d['1']['cluster_start_s']:.1f} / {d['2']['cluster_start_s']:.1f} s; load {d['2']['load']})")
    if "startup" in want:
        res["startup"] = s = startup(args.repeat)
        print(f"start-up, 1000 paths x 10 steps: warm cache {s['warm_cache_s']:.2f} s, empty cache "
              f"{s['cold_cache_s']:.1f} s; python -c 'import numpy' {s['import_numpy_s']:.2f} s; "
              f"import numba {s['import_numba_s']:.2f} s, SymPy schedule tables "
              f"{s['schedule_tables_sympy_s']:.2f} s, kernels module {s['kernels_module_s']:.2f} s; "
              f"SIGINT -> exit {s['sigint_rc']} after "
              f"{s['sigint_exit_s']:.2f} s (load {s['load']})")
    if "quality" in want:
        res["quality"] = q = quality()
        print("generator at 1e8 draws: " + ", ".join(f"{k_} {v:.3g}" for k_, v in q.items()))
    res["machine"]["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(res, fh, indent=2)
    os.replace(tmp, args.out)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()

"""Start-up and output at scale: whole-process times and peak memory of the run-time commands.

Every figure is a fresh interpreter, timed from launch to exit (best and median of --repeat
runs), with its own peak resident memory (``wait4``). Measured in one run, against baselines
run in the same script: ``python -c "import numpy"`` (the floor of any numpy program) and,
with ``--before PYTHON``, the same commands under an interpreter that has another checkout of
ldmstop installed (the base commit), so that before/after are measured under the same load.

Targets (ratios to the numpy import where the target is one):

- ``ldmstop curve --variances 1,0.5 --json``: ≤ 3× ``python -c "import numpy"``;
- ``ldmstop curve --spectrum <CIFAR-10> --json`` (D = 3072, 1001 times): ≤ 2 s;
- ``ldmstop curve --spectrum <D = 20000> --json``: ≤ 15 s and ≤ 1.5 GB peak RSS (the CIFAR-10
  spectrum resampled log-linearly to 20,000 eigenvalues);
- ``ldmstop derive --format all``: ≤ 5 s;
- ``ldmstop --help``: no SymPy, no Numba (checked by tests/test_cli.py; timed here).

Wall time depends on the machine's load (report it: it is in the results); the CPU time of
each process (user + system) is recorded beside it. Also the two JSON encoders of ``ldmstop.jsonout`` on the CIFAR-10 map (orjson, and the standard
library with ``LDMSTOP_JSON=stdlib``). Prints a table and writes benchmarks/results/start.json.

    python benchmarks/bench_start.py [--repeat N] [--before /path/to/base/venv/bin/python]

A base environment: ``git archive <commit> | tar -x -C /tmp/base && python -m venv
/tmp/base/.venv && /tmp/base/.venv/bin/pip install -e /tmp/base``.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

TARGETS = {
    "curve_small_over_numpy_import": 3.0,
    "curve_cifar10_json_s": 2.0,
    "curve_d20000_json_s": 15.0,
    "curve_d20000_json_peak_mb": 1500.0,
    "derive_all_s": 5.0,
}


def run_once(argv: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one process; its stdout is discarded.

    The peak is the kernel's ``ru_maxrss`` of the child, which is never below the launcher's
    own resident memory at the fork (``launcher_rss_mb`` in the results); CPU seconds (user +
    system) depend less on the machine's load than wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    dt = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err[-500:]}")
    return dt, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def measure(argv: list[str], repeat: int, env: dict | None = None) -> dict:
    runs = [run_once(argv, env) for _ in range(repeat)]
    secs = [r[0] for r in runs]
    return {"best_s": min(secs), "median_s": statistics.median(secs),
            "cpu_best_s": min(r[2] for r in runs), "peak_mb": max(r[1] for r in runs),
            "runs": repeat}


def _own_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each fast command (default 5)")
    ap.add_argument("--before", metavar="PYTHON",
                    help="interpreter of an environment with the base commit of ldmstop installed")
    ap.add_argument("--skip-large", action="store_true", help="skip the D = 20000 map")
    args = ap.parse_args()

    eig = np.load(importlib.resources.files("ldmstop.data") / "cifar10_eigenvalues.npy").astype(float)
    tmp = tempfile.mkdtemp(prefix="ldmstop-bench-start-")
    cifar = os.path.join(tmp, "cifar10.npy")
    np.save(cifar, eig)
    big = os.path.join(tmp, "d20000.npy")
    pos = np.linspace(0, eig.size - 1, 20_000)
    np.save(big, np.exp(np.interp(pos, np.arange(eig.size), np.log(np.clip(eig, 1e-300, None)))))

    interpreters = {"after": sys.executable}
    if args.before:
        interpreters["before"] = args.before
    r, slow = args.repeat, max(1, args.repeat // 2)
    commands = {
        # name: (arguments after `python`, repeats, environment overrides)
        "python_pass": (["-c", "pass"], r, None),
        "import_numpy": (["-c", "import numpy"], r, None),
        "help": (["-m", "ldmstop", "--help"], r, None),
        "curve_small": (["-m", "ldmstop", "curve", "--variances", "1,0.5", "--json"], r, None),
        "curve_small_vp_linear": (["-m", "ldmstop", "curve", "--variances", "1,0.5", "--schedule",
                                   "vp-linear", "--json"], r, None),
        "curve_cifar10_json": (["-m", "ldmstop", "curve", "--spectrum", cifar, "--json"], slow, None),
        "curve_cifar10_json_stdlib": (["-m", "ldmstop", "curve", "--spectrum", cifar, "--json"], slow,
                                      {"LDMSTOP_JSON": "stdlib"}),
        "curve_cifar10_table": (["-m", "ldmstop", "curve", "--spectrum", cifar], slow, None),
        "derive_all": (["-m", "ldmstop", "derive", "--format", "all", "--out",
                        os.path.join(tmp, "derive")], slow, None),
    }
    if not args.skip_large:
        commands["curve_d20000_json"] = (["-m", "ldmstop", "curve", "--spectrum", big, "--json"], 1, None)
    launcher_rss = _own_rss_mb()
    load_start = os.getloadavg()
    t_start = time.time()
    results: dict[str, dict] = {name: {} for name in interpreters}
    # Interleave before/after command by command, so both see the same machine load.
    for cname, (argv, rep, env_over) in commands.items():
        for iname, exe in interpreters.items():
            if iname == "before" and cname == "curve_cifar10_json_stdlib":
                continue  # the base has one encoder
            env = {**os.environ, **(env_over or {})}
            # the base is slow: fewer runs of it (interleaved all the same)
            reps = 1 if (iname == "before" and cname == "curve_d20000_json") else (
                min(rep, slow) if iname == "before" else rep)
            res = measure([exe, *argv], reps, env)
            results[iname][cname] = res
            print(f"{iname:6s} {cname:28s} best {res['best_s']:7.3f} s  median {res['median_s']:7.3f} s"
                  f"  cpu {res['cpu_best_s']:7.3f} s  peak {res['peak_mb']:7.0f} MB", flush=True)
    load_end = os.getloadavg()

    after = results["after"]
    figures = {
        "curve_small_over_numpy_import": after["curve_small"]["best_s"] / after["import_numpy"]["best_s"],
        "curve_cifar10_json_s": after["curve_cifar10_json"]["best_s"],
        "curve_cifar10_json_cpu_s": after["curve_cifar10_json"]["cpu_best_s"],
        "curve_small_over_numpy_import_cpu": (after["curve_small"]["cpu_best_s"]
                                              / after["import_numpy"]["cpu_best_s"]),
        "derive_all_s": after["derive_all"]["best_s"],
        "help_over_python_pass": after["help"]["best_s"] / after["python_pass"]["best_s"],
        "json_orjson_speedup_cifar10": (after["curve_cifar10_json_stdlib"]["best_s"]
                                        / after["curve_cifar10_json"]["best_s"]),
    }
    if "curve_d20000_json" in after:
        figures["curve_d20000_json_s"] = after["curve_d20000_json"]["best_s"]
        figures["curve_d20000_json_peak_mb"] = after["curve_d20000_json"]["peak_mb"]
        figures["curve_d20000_json_cpu_s"] = after["curve_d20000_json"]["cpu_best_s"]
    if "before" in results:
        before = results["before"]
        figures["before_curve_small_over_numpy_import"] = (before["curve_small"]["best_s"]
                                                           / after["import_numpy"]["best_s"])
        for c in before:
            if c in after and c not in ("python_pass", "import_numpy"):
                figures[f"speedup_{c}"] = before[c]["best_s"] / after[c]["best_s"]
    verdicts = {k: (figures[k] <= v) for k, v in TARGETS.items() if k in figures}

    from ldmstop.jsonout import fast_encoder_available

    doc = {
        "results": results, "figures": figures, "targets": TARGETS, "meets_target": verdicts,
        "load_average": {"start": load_start, "end": load_end},
        "launcher_rss_mb": launcher_rss,
        "elapsed_s": time.time() - t_start,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "numpy": np.__version__,
                    "orjson": fast_encoder_available()},
        "before_interpreter": args.before,
    }
    print()
    for k, v in figures.items():
        tgt = f"  (target ≤ {TARGETS[k]:g}: {'met' if verdicts[k] else 'NOT met'})" if k in TARGETS else ""
        print(f"{k:45s} {v:10.3f}{tgt}")
    print(f"load average: start {load_start}, end {load_end}")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "start.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp_out = out + ".tmp"
    with open(tmp_out, "w") as fh:
        json.dump(doc, fh, indent=2)
    os.replace(tmp_out, out)
    print(f"written {out}")


if __name__ == "__main__":
    main()

"""Benchmark of the verification suite: `ldmstop verify` at 50 digits with its counterexample
search (docs/verify.md), --quick and default, with and without the Monte Carlo confirmations.

Each measurement runs the real command in a fresh subprocess (start-up, imports and SymPy
lambdification included), reporting wall time, CPU time of the child (user + sys), the load
average at the start and at the end, and the CPU seconds each claim and each search spent: the
machine is shared (2 cores), so wall time under load overstates the command's own cost, which
CPU time shows. Targets (wall, on 2 cores): default `ldmstop verify` (with its default quick
Monte Carlo) < 90 s, `--quick` < 20 s. `--thorough` adds one `--search thorough` run.
Prints a table and writes benchmarks/results/verify.json.

    python benchmarks/bench_verify.py [--repeat N] [--skip-mc] [--thorough]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

TARGETS = {"default": 90.0, "quick": 20.0, "quick+mc": 20.0}
HERE = os.path.dirname(os.path.abspath(__file__))


def _measure(args: list[str]) -> dict:
    """Run ``ldmstop verify ARGS --json`` in a child process; wall and CPU seconds, summary."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ldmstop", "verify", *args, "--json"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"ldmstop verify {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    doc = json.loads(proc.stdout)
    return {
        "args": args, "exit_status": proc.returncode, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "load_avg_1min_at_start": round(load, 2),
        "load_avg_1min_at_end": round(os.getloadavg()[0], 2),
        "search_budget": doc["summary"].get("search_budget"),
        "search_evaluations": doc["summary"].get("search_evaluations"),
        "per_claim_cpu_s": {c["id"]: c.get("cpu_seconds") for c in doc["claims"]},
        "per_claim_search_s": {c["id"]: (c.get("search") or {}).get("seconds") for c in doc["claims"]},
        "claims": doc["summary"]["claims"], "holds": doc["summary"]["holds"],
        "known_erratum": doc["summary"]["known_erratum"], "refuted": doc["summary"]["refuted"],
        "controls_rejected": doc["summary"]["controls_rejected"],
        "seconds_claims_internal": doc["summary"]["seconds_claims"],
        "per_claim_s": {c["id"]: c["seconds"] for c in doc["claims"]},
        "monte_carlo": doc["monte_carlo"]["status"],
        "monte_carlo_s": round(doc["monte_carlo"].get("seconds", 0.0), 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs per configuration (best is kept)")
    ap.add_argument("--skip-mc", action="store_true", help="skip the runs with Monte Carlo")
    ap.add_argument("--thorough", action="store_true", help="add a --search thorough run")
    ns = ap.parse_args()
    configs = [("quick", ["--quick", "--no-mc"]), ("default-no-mc", ["--no-mc"])]
    if not ns.skip_mc:
        configs.insert(1, ("quick+mc", ["--quick"]))
        configs.append(("default", []))  # the default: quick Monte Carlo
    if ns.thorough:
        configs.append(("thorough", ["--search", "thorough", "--no-mc"]))
    results = {}
    for name, args in configs:
        runs = [_measure(args) for _ in range(max(1, ns.repeat))]
        best = min(runs, key=lambda r: r["wall_s"])
        best["runs_wall_s"] = [r["wall_s"] for r in runs]
        if name in TARGETS:
            best["target_wall_s"] = TARGETS[name]
            best["meets_target"] = best["wall_s"] < TARGETS[name]
        results[name] = best
    print(f"{'configuration':<15}{'wall s':>8}{'cpu s':>8}{'load':>11}{'target':>8}{'evals':>9}  verdicts")
    for name, r in results.items():
        tgt = f"<{r['target_wall_s']:.0f}" if "target_wall_s" in r else "-"
        load = f"{r['load_avg_1min_at_start']:.1f}-{r['load_avg_1min_at_end']:.1f}"
        print(f"{name:<15}{r['wall_s']:>8.1f}{r['cpu_s']:>8.1f}{load:>11}{tgt:>8}"
              f"{r['search_evaluations'] or 0:>9}  {r['holds']} hold, {r['known_erratum']} errata, "
              f"{r['refuted']} refuted"
              + (f"; MC {r['monte_carlo_s']:.1f} s ({r['monte_carlo']})" if r["monte_carlo_s"] else ""))
    out = {"benchmark": "ldmstop verify", "dps": 50, "python": platform.python_version(),
           "machine": platform.machine(), "cpus": os.cpu_count(),
           "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "results": results}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", "verify.json")
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)
    os.replace(path + ".tmp", path)
    print(f"written {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the verification suite (issue 3): `ldmstop verify` at 50 digits, full and
--quick, without the Monte Carlo confirmations (--no-mc; the sim issue's time is not counted
against the suite's targets), plus one full run with them when ldmstop.sim.confirm exists.

Each measurement runs the real command in a fresh subprocess (start-up, imports and SymPy
lambdification included), reporting wall time, CPU time of the child (user + sys) and the load
average at the start: the machine is shared (2 cores), so wall time under load overstates the
command's own cost, which CPU time shows. Targets: full < 60 s, --quick < 15 s (wall).
Prints a table and writes benchmarks/results/verify.json.

    python benchmarks/bench_verify.py [--repeat N] [--skip-mc]
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

TARGETS = {"full": 60.0, "quick": 15.0}
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
    ap.add_argument("--skip-mc", action="store_true", help="skip the run with Monte Carlo")
    ns = ap.parse_args()
    configs = [("quick", ["--quick", "--no-mc"]), ("full", ["--no-mc"])]
    if not ns.skip_mc:
        configs.append(("full+mc", ["--mc", "quick"]))
        configs.append(("full+mc-full", ["--mc", "full"]))
    results = {}
    for name, args in configs:
        runs = [_measure(args) for _ in range(max(1, ns.repeat))]
        best = min(runs, key=lambda r: r["wall_s"])
        best["runs_wall_s"] = [r["wall_s"] for r in runs]
        if name in TARGETS:
            best["target_wall_s"] = TARGETS[name]
            best["meets_target"] = best["wall_s"] < TARGETS[name]
        results[name] = best
    print(f"{'configuration':<14}{'wall s':>9}{'cpu s':>9}{'load':>7}{'target':>9}  verdicts")
    for name, r in results.items():
        tgt = f"<{r['target_wall_s']:.0f}" if "target_wall_s" in r else "-"
        print(f"{name:<14}{r['wall_s']:>9.1f}{r['cpu_s']:>9.1f}{r['load_avg_1min_at_start']:>7.1f}"
              f"{tgt:>9}  {r['holds']} hold, {r['known_erratum']} errata, {r['refuted']} refuted"
              + (f"; MC {r['monte_carlo_s']:.1f} s ({r['monte_carlo']})" if name.startswith("full+mc") else ""))
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

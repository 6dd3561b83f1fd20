#!/usr/bin/env python
"""Mutation score of ``ldmstop verify`` and ``pytest`` on a curated set of realistic bugs.

    python benchmarks/mutation/run.py                      # every mutant, verify and pytest
    python benchmarks/mutation/run.py --verify-only --ids d01-ext-inverse-high-end,a08-bisection-iterations
    python benchmarks/mutation/run.py --rev main --out benchmarks/results/mutation_before.json
    python benchmarks/mutation/run.py --check              # anchors only: which mutants are stale
    python benchmarks/mutation/run.py --list

Each mutant (``mutants.py``) is applied to a scratch copy of the tree (the working tree is never
written to); then ``ldmstop verify`` (defaults: 50 digits, Monte Carlo quick) and ``pytest -x``
(CI Hypothesis profile: derandomised, no example database) run against the copy. A mutant is
killed by a command that exits non-zero. Prints a table and writes JSON (default
``benchmarks/results/mutation.json``); see README.md in this folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness as H  # noqa: E402
from mutants import MUTANTS, Mutant  # noqa: E402

VERIFY_TARGET = 0.90
PYTEST_TARGET = 0.97
DEFAULT_OUT = Path("benchmarks/results/mutation.json")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--verify-only", action="store_true", help="run ldmstop verify only")
    g.add_argument("--pytest-only", action="store_true", help="run pytest only")
    ap.add_argument("--ids", help="comma-separated mutant ids (default: all)")
    ap.add_argument("--rev", help="mutate this git revision instead of the working tree")
    ap.add_argument("--out", type=Path, default=None, help=f"JSON output (default {DEFAULT_OUT})")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run in parallel (default 1)")
    ap.add_argument("--verify-timeout", type=float, default=900.0, help="seconds (default 900)")
    ap.add_argument("--pytest-timeout", type=float, default=2400.0, help="seconds (default 2400)")
    ap.add_argument("--profile", default="ci", help="Hypothesis profile for pytest (default ci)")
    ap.add_argument("--tests", help="comma-separated test paths or node ids for pytest instead of "
                                    "the whole suite (to check which tests see a mutant; not "
                                    "for kill rates)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the check that the unmutated copy passes (not recommended)")
    ap.add_argument("--skip-stale", action="store_true",
                    help="run the mutants whose anchors match and record the others as refused "
                         "(default: refuse to start)")
    ap.add_argument("--resume", action="store_true",
                    help="reuse results in --out for unchanged mutants on an unchanged tree")
    ap.add_argument("--check", action="store_true", help="check the anchors and exit")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"),
                    help="print a Markdown table of two results files side by side and exit")
    ap.add_argument("--summarise", type=Path, metavar="JSON",
                    help="re-label a results file with the catalogue's current descriptions and "
                         "verify scopes, recompute its summary, print the table and exit")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error(f"--jobs must be >= 1, got {args.jobs}")
    return args


def select(ids: str | None) -> list[Mutant]:
    if not ids:
        return list(MUTANTS)
    by_id = {m.id: m for m in MUTANTS}
    wanted = [i.strip() for i in ids.split(",") if i.strip()]
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise SystemExit(f"error: unknown mutant id {unknown[0]!r} (see --list)")
    return [by_id[i] for i in wanted]


def killed(outcome: dict | None, m: Mutant) -> bool | None:
    if outcome is None:
        return None
    if outcome["status"] == "fail":
        return True
    if outcome["status"] == "timeout":
        return bool(m.timeout_is_kill)
    return False


def run_one(m: Mutant, slot: dict, args) -> dict:
    """Apply ``m`` to the worker's scratch copy and run the commands."""
    tree, env = slot["tree"], slot["env"]
    H.fresh_copy(slot["pristine"], tree)
    original, replacement = H.apply_mutant(tree, m)
    rec = {"id": m.id, "file": m.file, "why": m.why, "verify_scope": list(m.verify_scope),
           "tags": list(m.tags), "hash": H.mutant_hash(m), "original": original,
           "replacement": replacement, "regenerate": m.regenerate,
           "timeout_is_kill": m.timeout_is_kill}
    t0 = time.monotonic()
    gen = H.regenerate(tree, env, 1800) if m.regenerate else None
    rec["regenerated"] = None if gen is None else asdict(gen)
    if gen is not None and gen.status != "pass":
        # the generated modules cannot even be rebuilt: any build of the tree fails
        rec["verify"] = rec["pytest"] = {"status": "fail", "returncode": gen.returncode,
                                         "seconds": 0.0, "detail": ["generator failed"], "tail": gen.tail}
    else:
        rec["verify"] = None if args.pytest_only else asdict(
            H.run_verify(tree, env, args.verify_timeout, []))
        targets = args.tests.split(",") if args.tests else None
        rec["pytest"] = None if args.verify_only else asdict(
            H.run_pytest(tree, env, args.pytest_timeout, targets, mutated=m.file))
    rec["killed_by_verify"] = killed(rec["verify"], m)
    rec["killed_by_pytest"] = killed(rec["pytest"], m)
    rec["seconds"] = round(time.monotonic() - t0, 1)
    return rec


def summarise(records: list[dict]) -> dict:
    ran = [r for r in records if r.get("status") != "refused"]
    scope = [r for r in ran if r["verify_scope"] and r["killed_by_verify"] is not None]
    vk = [r for r in scope if r["killed_by_verify"]]
    pt = [r for r in ran if r["killed_by_pytest"] is not None]
    pk = [r for r in pt if r["killed_by_pytest"]]
    either = [r for r in ran if r["killed_by_verify"] or r["killed_by_pytest"]]
    vall = [r for r in ran if r["killed_by_verify"] is not None]

    def rate(k, n):
        return round(len(k) / len(n), 4) if n else None

    timeouts = [r["id"] for r in ran for c in ("verify", "pytest")
                if r.get(c) and r[c]["status"] == "timeout"]
    return {
        "mutants": len(records), "run": len(ran),
        "refused": [r["id"] for r in records if r.get("status") == "refused"],
        "verify_scope": len(scope), "verify_killed_in_scope": len(vk),
        "verify_kill_rate_in_scope": rate(vk, scope), "verify_target": VERIFY_TARGET,
        "verify_killed_all": sum(1 for r in vall if r["killed_by_verify"]),
        "verify_run": len(vall),
        "pytest_run": len(pt), "pytest_killed": len(pk), "pytest_kill_rate": rate(pk, pt),
        "pytest_target": PYTEST_TARGET,
        "killed_by_either": len(either),
        "survive_verify_in_scope": [r["id"] for r in scope if not r["killed_by_verify"]],
        "survive_pytest": [r["id"] for r in pt if not r["killed_by_pytest"]],
        "survive_both": [r["id"] for r in ran if r["killed_by_verify"] is False
                         and r["killed_by_pytest"] is False],
        "timeouts": timeouts,
    }


def _cell(outcome: dict | None, kill: bool | None) -> str:
    if outcome is None:
        return "-"
    if outcome["status"] == "timeout":
        return "timeout" + (" (kill)" if kill else "")
    if outcome["status"] == "pass":
        return "survived"
    what = ", ".join(str(d) for d in outcome["detail"][:2])
    return f"killed ({what})"[:60]


def table(records: list[dict]) -> str:
    rows = [("mutant", "verify scope", "verify", "pytest (first failure)", "s")]
    for r in records:
        if r.get("status") == "refused":
            rows.append((r["id"], "", "REFUSED", r["reason"][:60], ""))
            continue
        rows.append((r["id"], "yes" if r["verify_scope"] else "no",
                     _cell(r["verify"], r["killed_by_verify"]),
                     _cell(r["pytest"], r["killed_by_pytest"]), f"{r['seconds']:.0f}"))
    w = [max(len(str(row[i])) for row in rows) for i in range(5)]
    lines = ["  ".join(str(c).ljust(w[i]) for i, c in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def summary_text(s: dict) -> str:
    def pct(x):
        return "n/a" if x is None else f"{100 * x:.1f}%"

    out = [f"verify: {s['verify_killed_in_scope']}/{s['verify_scope']} killed in its scope "
           f"({pct(s['verify_kill_rate_in_scope'])}, target {pct(s['verify_target'])}); "
           f"{s['verify_killed_all']}/{s['verify_run']} of all mutants run",
           f"pytest: {s['pytest_killed']}/{s['pytest_run']} killed ({pct(s['pytest_kill_rate'])}, "
           f"target {pct(s['pytest_target'])})",
           f"either: {s['killed_by_either']}/{s['run']}"]
    if s["survive_verify_in_scope"]:
        out.append("survive verify (in scope): " + ", ".join(s["survive_verify_in_scope"]))
    if s["survive_pytest"]:
        out.append("survive pytest: " + ", ".join(s["survive_pytest"]))
    if s["refused"]:
        out.append("REFUSED (stale anchors): " + ", ".join(s["refused"]))
    if s["timeouts"]:
        out.append("timeouts: " + ", ".join(s["timeouts"]))
    return "\n".join(out)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.summarise:
        return resummarise(args.summarise)
    if args.compare:
        print(compare(*args.compare))
        return 0
    mutants = select(args.ids)
    if args.list:
        for m in mutants:
            print(f"{m.id:38s} {m.file:28s} {'verify' if m.verify_scope else '      '}  {m.why[:70]}")
        return 0
    root = H.repo_root(HERE)
    out_path = args.out or (root / DEFAULT_OUT)
    if not out_path.is_absolute():
        out_path = Path.cwd() / out_path
    if out_path.exists() and out_path.is_dir():
        raise SystemExit(f"error: --out {out_path} is a folder")
    H.clean_stale_run_dirs()
    run_dir = H.new_run_dir()
    stop = threading.Event()

    def on_signal(signum, frame):  # SIGTERM: unwind like Ctrl-C so that `finally` cleans up
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    records: list[dict] = []
    doc: dict = {}
    try:
        pristine = run_dir / "pristine"
        source = H.materialise(root, pristine, args.rev)
        stale = H.stale_mutants(pristine, mutants)
        if stale and not args.skip_stale:
            print("error: mutants whose anchor no longer matches (re-anchor them in "
                  "benchmarks/mutation/mutants.py, or pass --skip-stale):", file=sys.stderr)
            for e in stale:
                print("  " + e, file=sys.stderr)
            return 2
        if args.check:
            print(f"{len(mutants)} mutants, every anchor matches exactly once in {source}")
            return 0
        fingerprint = H.tree_fingerprint(pristine)
        previous = {}
        if args.resume and out_path.is_file():
            import json

            old = json.loads(out_path.read_text())
            if old.get("source_fingerprint") == fingerprint:
                previous = {r["id"]: r for r in old.get("mutants", []) if r.get("status") != "refused"}
        load0 = os.getloadavg()
        slots = []
        for w in range(args.jobs):
            tree = run_dir / f"tree-{w}"
            shim = run_dir / f"shim-{w}"
            H.fresh_copy(pristine, tree)
            H.write_shim(tree, shim)
            env = H.child_env(shim, run_dir / f"numba-{w}", args.profile)
            slots.append({"pristine": pristine, "tree": tree, "env": env})
        H.check_imports(slots[0]["tree"], slots[0]["env"])
        for slot in slots:
            H.warm_numba_cache(slot["tree"], slot["env"])
        doc = {"tool": "benchmarks/mutation/run.py", "source": source,
               "source_fingerprint": fingerprint, "python": sys.version.split()[0],
               "commands": {"verify": "python -m ldmstop verify --json",
                            "pytest": f"HYPOTHESIS_PROFILE={args.profile} python -m pytest -x -q "
                                      "-p no:cacheprovider <unit files naming the mutated module, other unit files> tests/property"},
               "loadavg_start": [round(x, 2) for x in load0], "complete": False,
               "tests": args.tests}
        if not args.no_baseline:
            base = {}
            for name, fn in (("verify", lambda s: H.run_verify(s["tree"], s["env"], args.verify_timeout, [])),
                             ("pytest", lambda s: H.run_pytest(s["tree"], s["env"], args.pytest_timeout,
                                                               args.tests.split(",") if args.tests else None))):
                if (name == "verify" and args.pytest_only) or (name == "pytest" and args.verify_only):
                    continue
                o = fn(slots[0])
                base[name] = asdict(o)
                print(f"baseline {name}: {o.status} in {o.seconds:.0f} s", flush=True)
                if o.status != "pass":
                    print(f"error: the unmutated copy fails {name}; kill results would mean "
                          f"nothing.\n{o.tail}", file=sys.stderr)
                    doc["baseline"] = base
                    return 1
            doc["baseline"] = base
        for m in mutants:
            if any(e.startswith(m.id + ":") for e in stale):
                reason = next(e for e in stale if e.startswith(m.id + ":"))
                records.append({"id": m.id, "file": m.file, "status": "refused", "reason": reason,
                                "verify_scope": list(m.verify_scope)})
        todo = [m for m in mutants if not any(r["id"] == m.id for r in records)]
        done: dict[str, dict] = {}
        # --resume: reuse a result for an unchanged mutant on an unchanged tree, and carry over
        # the results of catalogue mutants not selected this time (the file stays whole)
        selected = {m.id for m in mutants}
        for m in MUTANTS:
            r = previous.get(m.id)
            # same tree (fingerprint checked above) and the same edit applied: the same result
            same = r is not None and r.get("file") == m.file and r.get("regenerate") == m.regenerate \
                and (r.get("original"), r.get("replacement")) in m.anchors
            if same and (m.id not in selected or m in todo):
                done[m.id] = r
        todo = [m for m in todo if m.id not in done]
        free = list(range(args.jobs))
        lock = threading.Lock()

        def task(m: Mutant) -> dict:
            with lock:
                w = free.pop()
            try:
                return run_one(m, slots[w], args)
            finally:
                with lock:
                    free.append(w)

        def save(partial: bool) -> None:
            order = {m.id: i for i, m in enumerate(MUTANTS)}
            recs = sorted(records + list(done.values()), key=lambda r: order[r["id"]])
            doc["mutants"] = recs
            doc["summary"] = summarise(recs)
            doc["complete"] = not partial
            H.write_json_atomic(out_path, doc)

        n_total = len(todo)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(task, m): m for m in todo}
            for k, fut in enumerate(_as_completed(futures), 1):
                r = fut.result()
                done[r["id"]] = r
                print(f"[{k}/{n_total}] {r['id']}: verify {_cell(r['verify'], r['killed_by_verify'])}; "
                      f"pytest {_cell(r['pytest'], r['killed_by_pytest'])} ({r['seconds']:.0f} s)",
                      flush=True)
                save(partial=True)
        doc["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        save(partial=False)
        print()
        print(table(doc["mutants"]))
        print()
        print(summary_text(doc["summary"]))
        print(f"load average at start {doc['loadavg_start']}, at end {doc['loadavg_end']} "
              f"({os.cpu_count()} cores); results: {out_path}")
        return 0
    except KeyboardInterrupt:
        H.kill_children()
        print("interrupted: partial results kept in the JSON (complete: false); "
              "rerun with --resume", file=sys.stderr)
        return 130
    finally:
        H.kill_children()
        shutil.rmtree(run_dir, ignore_errors=True)


def resummarise(path: Path) -> int:
    """Labels (``why``, ``verify_scope``, ``tags``) classify a result without changing it: apply
    the catalogue's current ones to a results file and recompute its summary."""
    import json

    doc = json.loads(path.read_text())
    by_id = {m.id: m for m in MUTANTS}
    for r in doc.get("mutants", []):
        m = by_id.get(r["id"])
        if m is not None:
            r["verify_scope"], r["tags"] = list(m.verify_scope), list(m.tags)
            if "why" in r:
                r["why"] = m.why
    doc["summary"] = summarise(doc["mutants"])
    H.write_json_atomic(path, doc)
    print(table(doc["mutants"]))
    print()
    print(summary_text(doc["summary"]))
    return 0


def _short(r: dict | None, which: str) -> str:
    if r is None:
        return "—"
    if r.get("status") == "refused":
        return "retired"
    o = r.get(which)
    if o is None:
        return "—"
    if o["status"] == "pass":
        return "**survived**"
    if o["status"] == "timeout":
        return "timeout"
    d = str(o["detail"][0]) if o["detail"] else "failed"
    return d.split("::")[-1][:48] if which == "pytest" else d[:40]


def compare(before: Path, after: Path) -> str:
    """Markdown: one row per catalogue mutant, verify and pytest outcomes before and after."""
    import json

    docs = [json.loads(Path(p).read_text()) for p in (before, after)]
    recs = [{r["id"]: r for r in d.get("mutants", [])} for d in docs]
    lines = ["| mutant | verify scope | verify before | verify after | pytest before | pytest after |",
             "|---|---|---|---|---|---|"]
    for m in MUTANTS:
        b, a = recs[0].get(m.id), recs[1].get(m.id)
        lines.append(f"| `{m.id}` | {'yes' if m.verify_scope else 'no'} | {_short(b, 'verify')} | "
                     f"{_short(a, 'verify')} | {_short(b, 'pytest')} | {_short(a, 'pytest')} |")
    for name, d in zip(("before", "after"), docs):
        s = summarise(d.get("mutants", []))
        lines.append("")
        lines.append(f"{name}: " + summary_text(s).replace("\n", "; "))
    return "\n".join(lines)


def _as_completed(futures):
    from concurrent.futures import as_completed

    return as_completed(futures)


if __name__ == "__main__":
    sys.exit(main())

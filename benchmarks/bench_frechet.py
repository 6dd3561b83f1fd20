"""Accuracy, error bound and speed of ``ldmstop.frechet.frechet_distance2`` against its peers.

Reference: ``frechet_distance2_mp`` at 60 digits (itself evaluated at 130) on the *exact*
float64 inputs, cross-checked for D ≤ 16 against an independent 130-digit route (the eigenvalues
of the non-symmetric product ``A B``, ``mp.eig``). Peers, in the same run: the pytorch-fid
formula (``scipy.linalg.sqrtm(A @ B)``), POT's ``ot.gaussian.bures_wasserstein_distance``
(``pip install -e '.[bench]'``), and the previous ldmstop trace form (copied below).

Families (D ∈ {4, 16, 64, 256}, log-spaced spectra with condition number 1e4 … 1e16, Haar
bases): ``independent`` pairs; nearby pairs ``rotation`` (B = R A Rᵀ, R = exp(θK), θ = 1e-2),
``relative`` (B = A + δ A^{1/2} W A^{1/2}, W Wishart / D, δ = 1e-2) and ``additive``
(B = A + δ (tr A / D) W, the perturbation is not relative to A's small eigenvalues). A sweep
over θ shows how each method's error scales as the pair gets closer. The 60-digit reference
costs O(D³) mpmath operations: ~3 min for one D = 256 pair on a positive-definite input
(Cholesky factors), ~20 min where the float64 input is PSD only up to round-off (cond 1e16:
eigsy), so D = 256 has one pair on two cells only (rotation and relative at cond 1e8; the JSON
lists ``samples`` per cell); D ≤ 64 covers every cell.

Each pair is also evaluated with the refinement of the eigen-factors off (``refine=False``),
the ``unrefined`` columns: what the refinement buys and whether the plain bound still holds.
Timing at D = 2048 (``--timing-dim``): the ``relative`` pair (no refinement asked for: the
common case) and the ``additive`` pair (refined), each against scipy-sqrtm.

Run: ``python benchmarks/bench_frechet.py [--quick] [--workers 2] [--no-timing] [--dims 4,16,64]``.
Writes ``benchmarks/results/frechet.json`` and prints the tables (and the machine load);
``--readme-table`` reprints them from the JSON. References are cached (``LDMSTOP_FRECHET_REF_CACHE``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import scipy.linalg as sla

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "results", "frechet.json")
CACHE = os.environ.get("LDMSTOP_FRECHET_REF_CACHE", "/tmp/ldmstop_frechet_refs.json")
CONDS = (1e4, 1e8, 1e12, 1e16)
FAMILIES = ("independent", "rotation", "relative", "additive")
NEAR = 1e-2


# ----------------------------------------------------------------------------- inputs
def _haar(D, rng):
    Q, R = np.linalg.qr(rng.standard_normal((D, D)))
    return Q * np.sign(np.diag(R))


def _cov(lam, Q):
    M = (Q * lam) @ Q.T
    return 0.5 * (M + M.T)


def _spectrum(D, cond, rng):
    lam = np.logspace(0.0, -math.log10(cond), D)
    return lam * rng.uniform(0.5, 2.0)


def make_pair(family, D, cond, seed, near=NEAR):
    rng = np.random.default_rng([seed, D, int(math.log10(cond)), FAMILIES.index(family)])
    lam = _spectrum(D, cond, rng)
    Q = _haar(D, rng)
    A = _cov(lam, Q)
    if family == "independent":
        B = _cov(_spectrum(D, cond, rng), _haar(D, rng))
    elif family == "rotation":
        K = rng.standard_normal((D, D))
        K = (K - K.T) / math.sqrt(2 * D)
        R = sla.expm(near * K)
        B = _cov(lam, R @ Q)
    elif family == "relative":
        G = np.sqrt(lam)[:, None] * rng.standard_normal((D, D))
        P = (Q @ G) @ (Q @ G).T / D
        B = A + near * 0.5 * (P + P.T)
    elif family == "additive":
        G = rng.standard_normal((D, D))
        P = G @ G.T / D
        B = A + near * float(np.trace(A)) / D * 0.5 * (P + P.T)
    else:
        raise ValueError(family)
    return A, B


# ----------------------------------------------------------------------------- peers
def previous_ldmstop(S1, S2):
    """The trace form ldmstop used before (verbatim): tr S1 + tr S2 − 2 Σ sqrt λ(S2^{1/2}S1S2^{1/2})."""
    S2s = 0.5 * (S2 + S2.T)
    lam, U = np.linalg.eigh(S2s)
    r2 = (U * np.sqrt(np.clip(lam, 0.0, None))) @ U.T
    M = r2 @ S1 @ r2
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(0.5 * (M + M.T)), 0.0, None)).sum()
    return float(max(np.trace(S1) + np.trace(S2) - 2.0 * cross, 0.0))


def scipy_sqrtm(S1, S2):
    """pytorch-fid's calculate_frechet_distance (zero means), scipy.linalg.sqrtm of S1 S2."""
    covmean = sla.sqrtm(S1.dot(S2))
    if not np.isfinite(covmean).all():
        offset = np.eye(S1.shape[0]) * 1e-6
        covmean = sla.sqrtm((S1 + offset).dot(S2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.trace(S1) + np.trace(S2) - 2 * np.trace(covmean))


def pot_bw(S1, S2):
    import ot

    z = np.zeros(S1.shape[0])
    return float(ot.gaussian.bures_wasserstein_distance(z, z, S1, S2)) ** 2


PEERS = {"scipy-sqrtm": scipy_sqrtm, "pot": pot_bw, "previous-ldmstop": previous_ldmstop}


# ----------------------------------------------------------------------------- reference
def _key(A, B):
    return hashlib.sha256(A.tobytes() + B.tobytes()).hexdigest()[:32]


def _reference(args):
    """60-digit W2² (as a decimal string) and, for D ≤ 16, the independent eig(AB) route."""
    A, B = args
    import mpmath as mp

    from ldmstop.frechet import frechet_distance2_mp

    t = time.perf_counter()
    with mp.workdps(60):
        ref = frechet_distance2_mp(A, B)
    out = {"ref": mp.nstr(ref, 60), "seconds": time.perf_counter() - t}
    if A.shape[0] <= 16:
        with mp.workdps(130):
            Am, Bm = mp.matrix(A.tolist()), mp.matrix(B.tolist())
            lam = mp.eig(Am * Bm, left=False, right=False)
            cross = mp.fsum(mp.sqrt(max(mp.re(x), 0)) for x in lam)
            alt = mp.fsum(Am[i, i] + Bm[i, i] for i in range(A.shape[0])) - 2 * cross
            out["independent_route_rel_diff"] = float(abs(alt - ref) / abs(ref)) if ref != 0 else float(abs(alt))
    return out


def references(pairs, workers):
    cache = {}
    if os.path.exists(CACHE):
        with open(CACHE) as fh:
            cache = json.load(fh)
    todo = [(k, A, B) for k, (A, B) in pairs.items() if k not in cache]
    todo.sort(key=lambda t: t[1].shape[0])  # the cheap ones first: a partial cache is useful
    if todo:
        print(f"computing {len(todo)} references at 60 digits ({workers} workers) ...", file=sys.stderr)
        with ProcessPoolExecutor(max_workers=workers) as ex:
            futs = {ex.submit(_reference, (A, B)): k for k, A, B in todo}
            for i, (f, k) in enumerate(((f, futs[f]) for f in futs), 1):
                cache[k] = f.result()
                with open(CACHE + ".tmp", "w") as fh:
                    json.dump(cache, fh)
                os.replace(CACHE + ".tmp", CACHE)
                print(f"  {i}/{len(todo)} D={pairs[k][0].shape[0]} {cache[k]['seconds']:.0f}s", file=sys.stderr)
    return cache


# ----------------------------------------------------------------------------- evaluation
def rel_err(v, ref):
    import mpmath as mp

    if v is None or not math.isfinite(v):
        return math.nan
    with mp.workdps(60):
        r = mp.mpf(ref)
        return float(abs(mp.mpf(v) - r) / r) if r != 0 else float(abs(mp.mpf(v)))


def evaluate(A, B, ref):
    import warnings

    from ldmstop.frechet import _factor, _procrustes, frechet_distance2

    res = frechet_distance2(A, B, return_error=True)
    ba = frechet_distance2(B, A)
    out = {"ldmstop": rel_err(res.value, ref), "bound": res.error / abs(float(ref)) if float(ref) else math.inf,
           "symmetry": abs(ba - res.value) / res.value if res.value else 0.0,
           "refined": sum(res.parts.get("refined", []))}
    # The same pair without the refinement of the eigen-factors (what it buys, and its bound).
    plain = frechet_distance2(A, B, return_error=True, refine=False)
    out["unrefined"] = rel_err(plain.value, ref)
    out["unrefined_bound"] = plain.error / abs(float(ref)) if float(ref) else math.inf
    # The core without the fixed argument order (how symmetric the formulation itself is).
    tol = 64 * A.shape[0] * 1.2e-16
    v1 = _procrustes(_factor("S1", A, tol)[2], _factor("S2", B, tol)[2])[0]
    v2 = _procrustes(_factor("S2", B, tol)[2], _factor("S1", A, tol)[2])[0]
    out["symmetry_unordered"] = abs(v1 - v2) / max(v1, 1e-300)
    for name, f in PEERS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out[name] = rel_err(f(A, B), ref)
            except Exception:  # a peer that raises counts like a NaN
                out[name] = math.nan
    return out


def _median(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return float(np.median(xs)) if xs else math.nan


def samples_for(D, family, cond, quick):
    if D <= 4:
        return 3 if quick else 12
    if D <= 16:
        return 2 if quick else 6
    if D <= 64:
        return 1 if quick else 2
    # D = 256: one pair, on the cells the reference can afford (see the module docstring).
    if quick:
        return 0
    return 1 if family in ("rotation", "relative") and cond == 1e8 else 0


def _time(f, A, B, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f(A, B)
        ts.append(time.perf_counter() - t)
    return min(ts)


def timing(D, reps=1, additive=True):
    """Seconds at dimension D: the ``relative`` pair at cond 1e8 (where the bound does not ask
    for the refinement: the common case) and, with ``additive``, the ``additive`` pair at cond
    1e8 (where it does: two more rounds of products and a second SVD), each against scipy-sqrtm."""
    from ldmstop.frechet import frechet_distance2

    A, B = make_pair("relative", D, 1e8, 0)
    out = {}
    box = {}
    for name, f in (("scipy-sqrtm", scipy_sqrtm), ("ldmstop", frechet_distance2),
                    ("ldmstop+bound", lambda a, b: box.setdefault("r", frechet_distance2(a, b, return_error=True)))):
        out[name] = _time(f, A, B, reps)
    out["ratio_ldmstop_to_scipy"] = out["ldmstop"] / out["scipy-sqrtm"]
    out["ratio_ldmstop_bound_to_scipy"] = out["ldmstop+bound"] / out["scipy-sqrtm"]
    out["refined"] = box["r"].parts["refined"]
    if additive:
        A, B = make_pair("additive", D, 1e8, 0)
        res = {}
        box = {}
        res["scipy-sqrtm"] = _time(scipy_sqrtm, A, B, reps)
        res["ldmstop+bound"] = _time(lambda a, b: box.setdefault("r", frechet_distance2(a, b, return_error=True)), A, B, reps)
        res["refined"] = box["r"].parts["refined"]
        res["ratio_ldmstop_bound_to_scipy"] = res["ldmstop+bound"] / res["scipy-sqrtm"]
        out["additive_cond1e8"] = res
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer pairs, no D = 256")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--timing-dim", type=int, default=2048)
    ap.add_argument("--dims", default="4,16,64,256", help="dimensions of the accuracy table")
    ap.add_argument("--timing-only", action="store_true",
                    help="only re-time D = --timing-dim; appended to the JSON's timing_reruns")
    ap.add_argument("--readme-table", action="store_true", help="only print the tables of the existing JSON")
    args = ap.parse_args(argv)
    if args.readme_table:
        with open(OUT) as fh:
            print_tables(json.load(fh))
        return 0
    load0 = os.getloadavg()
    if args.timing_only:
        with open(OUT) as fh:
            doc = json.load(fh)
        t = timing(args.timing_dim)
        t.update(dim=args.timing_dim, load_average_start=load0, load_average_end=os.getloadavg())
        doc.setdefault("timing_reruns", []).append(t)
        with open(OUT + ".tmp", "w") as fh:
            json.dump(doc, fh, indent=1, allow_nan=True)
        os.replace(OUT + ".tmp", OUT)
        print(json.dumps(t))
        return 0
    families = FAMILIES
    cells, pairs = [], {}
    for fam in families:
        for D in [int(x) for x in args.dims.split(",")]:
            for cond in CONDS:
                n = samples_for(D, fam, cond, args.quick)
                keys = []
                for s in range(n):
                    A, B = make_pair(fam, D, cond, s)
                    k = _key(A, B)
                    pairs[k] = (A, B)
                    keys.append(k)
                if keys:
                    cells.append({"family": fam, "D": D, "cond": cond, "keys": keys})
    sweep = []
    for near in (1e-1, 1e-2, 1e-3, 1e-4, 1e-5):
        for s in range(1 if args.quick else 3):
            A, B = make_pair("rotation", 64, 1e12, 100 + s, near=near)
            k = _key(A, B)
            pairs[k] = (A, B)
            sweep.append((near, k))
    refs = references(pairs, args.workers)
    methods = ["ldmstop", *PEERS]
    rows = []
    worst_ratio = math.inf
    ratios = []
    for c in cells:
        ev = [evaluate(*pairs[k], refs[k]["ref"]) for k in c["keys"]]
        row = {"family": c["family"], "D": c["D"], "cond": c["cond"], "samples": len(ev)}
        for m in methods:
            vals = [e[m] for e in ev]
            row[m] = {"median": _median(vals), "max": max((v for v in vals if not math.isnan(v)), default=math.nan),
                      "nan": sum(math.isnan(v) for v in vals)}
        r = [e["bound"] / e["ldmstop"] if e["ldmstop"] > 0 else math.inf for e in ev]
        ratios += [x for x in r if math.isfinite(x)]
        row["bound_over_error"] = {"min": min(r), "median": _median(r)}
        row["bound_relative_median"] = _median([e["bound"] for e in ev])
        row["bound_violations"] = sum(e["bound"] < e["ldmstop"] for e in ev)
        row["refined_pairs"] = sum(e["refined"] > 0 for e in ev)
        row["unrefined"] = {"median": _median([e["unrefined"] for e in ev]),
                            "bound_relative_median": _median([e["unrefined_bound"] for e in ev]),
                            "bound_violations": sum(e["unrefined_bound"] < e["unrefined"] for e in ev)}
        row["symmetry_max"] = max(e["symmetry"] for e in ev)
        row["symmetry_unordered_max"] = max(e["symmetry_unordered"] for e in ev)
        alt = [refs[k].get("independent_route_rel_diff") for k in c["keys"]]
        row["reference_check_max"] = max((a for a in alt if a is not None), default=None)
        worst_ratio = min(worst_ratio, row["bound_over_error"]["min"])
        rows.append(row)
    sweep_rows = []
    for near in sorted({n for n, _ in sweep}, reverse=True):
        ev = [evaluate(*pairs[k], refs[k]["ref"]) for n, k in sweep if n == near]
        sweep_rows.append({"theta": near, **{m: _median([e[m] for e in ev]) for m in methods},
                           "bound": _median([e["bound"] for e in ev]),
                           "w2_over_trace": _median([float(refs[k]["ref"]) / float(np.trace(pairs[k][0]) + np.trace(pairs[k][1]))
                                                     for n, k in sweep if n == near])})
    # Targets on the nearby families at cond >= 1e8.
    near_rows = [r for r in rows if r["family"] != "independent" and r["cond"] >= 1e8]
    tgt = []
    for r in near_rows:
        best_peer = min(r[p]["median"] for p in PEERS if not math.isnan(r[p]["median"]))
        tgt.append({"family": r["family"], "D": r["D"], "cond": r["cond"], "ldmstop": r["ldmstop"]["median"],
                    "best_peer": best_peer, "gain": best_peer / max(r["ldmstop"]["median"], 1e-300)})
    per_family = {}
    for fam in FAMILIES[1:]:
        ts = [t for t in tgt if t["family"] == fam]
        if ts:
            per_family[fam] = {"median_le_1e-10": all(t["ldmstop"] <= 1e-10 for t in ts),
                               "gain_ge_1e4": all(t["gain"] >= 1e4 for t in ts),
                               "min_gain": min(t["gain"] for t in ts),
                               "max_median": max(t["ldmstop"] for t in ts)}
    summary = {
        "nearby_cond_ge_1e8": per_family,
        "ldmstop_nan": sum(r["ldmstop"]["nan"] for r in rows),
        "symmetric_1e-12": all(r["symmetry_max"] <= 1e-12 for r in rows),
        "bound_violations": sum(r["bound_violations"] for r in rows),
        "unrefined_bound_violations": sum(r["unrefined"]["bound_violations"] for r in rows),
        "refined_pairs": sum(r["refined_pairs"] for r in rows),
        "bound_over_error_min": worst_ratio,
        "bound_over_error_median": _median(ratios),
        "pairs": sum(r["samples"] for r in rows),
    }
    tim = None if args.no_timing else timing(args.timing_dim)
    load1 = os.getloadavg()
    doc = {"cells": rows, "targets": tgt, "sweep_rotation_D64_cond1e12": sweep_rows, "summary": summary,
           "timing": tim, "timing_dim": args.timing_dim, "load_average_start": load0, "load_average_end": load1,
           "reference": "frechet_distance2_mp at 60 digits (evaluated at 130) on the exact float64 inputs",
           "reference_seconds_max": max(v["seconds"] for v in refs.values() if "seconds" in v),
           "nearby_size": NEAR, "quick": args.quick}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT + ".tmp", "w") as fh:
        json.dump(doc, fh, indent=1, allow_nan=True)
    os.replace(OUT + ".tmp", OUT)
    print_tables(doc)
    return 0


def readme_table(doc):
    """The README's table: one row per family and cond, over the dimensions of the run."""
    fams = list(dict.fromkeys(r["family"] for r in doc["cells"]))
    dims = sorted({r["D"] for r in doc["cells"]})
    print(f"| family | cond | pairs (D = {'/'.join(map(str, dims))}) | ldmstop, median (worst D) | unrefined, median (worst D) | "
          "best peer, median (its best D) | gain, min over D | bound, median (worst D) | bound / error, min | refined pairs | POT NaN |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for fam in fams:
        for cond in CONDS:
            rs = [r for r in doc["cells"] if r["family"] == fam and r["cond"] == cond]
            if not rs:
                continue
            n = "/".join(str(next((r["samples"] for r in rs if r["D"] == D), 0)) for D in dims)
            best = [min(r[p]["median"] for p in PEERS if not math.isnan(r[p]["median"])) for r in rs]
            gain = min(b / max(r["ldmstop"]["median"], 1e-300) for b, r in zip(best, rs))
            nan = sum(r["pot"]["nan"] for r in rs)
            print(f"| {fam} | {cond:.0e} | {n} | {_f(max(r['ldmstop']['median'] for r in rs))} | "
                  f"{_f(max(r['unrefined']['median'] for r in rs))} | {_f(min(best))} | {gain:.0e} | "
                  f"{_f(max(r['bound_relative_median'] for r in rs))} | {min(r['bound_over_error']['min'] for r in rs):.1f} | "
                  f"{sum(r['refined_pairs'] for r in rs)}/{sum(r['samples'] for r in rs)} | {nan}/{sum(r['samples'] for r in rs)} |")


def _f(x):
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1e}"


def print_tables(doc):
    print("| family | D | cond | n | ldmstop | bound | bound/err (min) | scipy-sqrtm | POT | previous | NaN (sqrtm/POT/prev) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in doc["cells"]:
        nan = "/".join(str(r[p]["nan"]) for p in PEERS)
        print(f"| {r['family']} | {r['D']} | {r['cond']:.0e} | {r['samples']} | {_f(r['ldmstop']['median'])} | "
              f"{_f(r['bound_relative_median'])} | {_f(r['bound_over_error']['min'])} | {_f(r['scipy-sqrtm']['median'])} | "
              f"{_f(r['pot']['median'])} | {_f(r['previous-ldmstop']['median'])} | {nan} |")
    print()
    print("| θ (rotation, D = 64, cond 1e12) | W2²/(tr A + tr B) | ldmstop | bound | scipy-sqrtm | POT | previous |")
    print("|---|---|---|---|---|---|---|")
    for r in doc["sweep_rotation_D64_cond1e12"]:
        print(f"| {r['theta']:.0e} | {_f(r['w2_over_trace'])} | {_f(r['ldmstop'])} | {_f(r['bound'])} | "
              f"{_f(r['scipy-sqrtm'])} | {_f(r['pot'])} | {_f(r['previous-ldmstop'])} |")
    print()
    print("summary:", json.dumps(doc["summary"]))
    if doc["timing"]:
        t = doc["timing"]
        print(f"timing D = {doc['timing_dim']}: scipy-sqrtm {t['scipy-sqrtm']:.1f} s, ldmstop {t['ldmstop']:.1f} s "
              f"({t['ratio_ldmstop_to_scipy']:.2f}x), with the bound {t['ldmstop+bound']:.1f} s "
              f"({t['ratio_ldmstop_bound_to_scipy']:.2f}x)")
        a = t.get("additive_cond1e8")
        if a:
            print(f"  additive pair (refined: {a['refined']}): scipy-sqrtm {a['scipy-sqrtm']:.1f} s, "
                  f"ldmstop with the bound {a['ldmstop+bound']:.1f} s ({a['ratio_ldmstop_bound_to_scipy']:.2f}x)")
    print(f"load average at start {doc['load_average_start']}, at end {doc['load_average_end']}")
    print()
    readme_table(doc)


if __name__ == "__main__":
    sys.exit(main())

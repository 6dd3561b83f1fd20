"""Run the claims and assemble the report document (the JSON that ``--json`` prints).

Document keys: ``tool``, ``paper``, ``dps``, ``quick``, ``seed``, ``search`` (the budget),
``claims`` (one object per claim: ``id``, ``source``, ``verdict``, ``residual``, ``methods``,
``negative_control``, ``code_control``, ``counterexample`` when refuted or a known erratum,
``domain``, ``search``, ``certified``, ``validity``, …), ``monte_carlo`` and ``summary``.
"""

from __future__ import annotations

import importlib
import sys
import time
from typing import Callable

from .claim import CODE_DISAGREES, HOLDS, KNOWN_ERRATUM, REFUTED, Claim, Context

__all__ = ["CLAIMS", "claim_ids", "extension_ids", "load_claims", "run_suite", "exit_status"]

PAPER = ("Wu, Berthet, Biau, Boyer, Elie, Marion, Optimal Stopping in Latent Diffusion Models, "
         "arXiv:2510.08409")

#: claim id -> "module:Class" (imported lazily; order = report order)
CLAIMS: dict[str, str] = {
    "prop1": "prop1:Prop1",
    "prop2": "prop2:Prop2",
    "prop2-plugin": "prop2_plugin:Prop2Plugin",
    "prop3a": "prop3:Prop3a",
    "prop3b": "prop3:Prop3b",
    "prop4": "prop4:Prop4",
    "prop5": "prop5:Prop5",
    "lemma1": "prop5:Lemma1",
    "cor1": "cor1:Corollary1",
    "prop6": "prop6:Prop6",
    "prop7": "prop7:Prop7",
    "prop9": "prop9:Prop9",
    "prop10": "prop10:Prop10",
    "lemma2ii": "lemma2:Lemma2ii",
    "lemma2ii-psd": "lemma2:Lemma2iiPSD",
    "fig4-left": "fig4:Fig4Left",
    "fig4-right": "fig4:Fig4Right",
}


def claim_ids() -> list[str]:
    return list(CLAIMS)


def extension_ids() -> list[str]:
    """Ids of the checks beyond the paper (``ldmstop.verify.extensions``)."""
    from .extensions import EXTENSIONS  # light: a dict of "module:function" names

    return list(EXTENSIONS)


def _wanted(only: str | None) -> list[str] | None:
    if not only:
        return None
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    known = claim_ids() + extension_ids()
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ValueError(f"unknown claim id {unknown[0]!r}; choose from {', '.join(known)}")
    return wanted


def load_claims(only: str | None = None, *, extensions: bool = False) -> list[Claim]:
    """Instantiate the paper's claims, or those named in ``only`` (a comma-separated list of
    ids), in report order; the checks beyond the paper (``ldmstop.verify.extensions``, after
    the paper's claims) too with ``extensions``, or where ``only`` names them."""
    from .extensions import EXTENSIONS

    wanted = _wanted(only)
    out = []
    for package, registry in (("claims", CLAIMS), ("extensions", EXTENSIONS)):
        for cid, target in registry.items():
            selected = cid in wanted if wanted is not None else (package == "claims" or extensions)
            if not selected:
                continue
            mod, cls = target.split(":")
            out.append(getattr(importlib.import_module(f"ldmstop.verify.{package}.{mod}"), cls)())
    return out


def _monte_carlo(ctx: Context, mode: str | bool) -> dict:
    """Monte Carlo confirmations from ``ldmstop.sim.confirm`` when that module exists.

    ``mode``: ``"quick"`` (fewer paths: a few seconds once Numba's cache is warm), ``"full"``
    (the sharp confirmation, about two minutes on 2 cores) or ``"off"``. ``True`` means quick.
    """
    if mode is True:
        mode = "quick"
    if mode in (False, None, "off"):
        return {"status": "skipped (--mc off)", "results": []}
    if mode not in ("quick", "full"):
        raise ValueError(f"Monte Carlo mode must be quick, full or off, got {mode!r}")
    try:
        from ldmstop.sim.confirm import run_confirmations  # the simulator's confirmations
    except ImportError as exc:
        return {"status": f"unavailable ({exc})", "results": []}
    t0 = time.perf_counter()
    try:
        results = run_confirmations(quick=mode == "quick", seed=ctx.seed)
    except Exception as exc:  # reported, never hidden; the claims' verdicts do not depend on it
        return {"status": f"error: {type(exc).__name__}: {exc}", "results": [],
                "seconds": time.perf_counter() - t0}
    return {"status": f"ran ({mode})", "mode": mode, "results": list(results),
            "seconds": time.perf_counter() - t0}


def exit_status(doc: dict) -> int:
    """0 iff no claim is refuted and every negative control — statement side and code side —
    was rejected (a control that passes means the check cannot fail, so its verdict certifies
    nothing); also 1 when the code disagrees with the paper or a certificate could not run."""
    s = doc["summary"]
    bad = (s["refuted"] or s["controls_not_rejected"] or s.get("code_controls_not_rejected")
           or s.get("code_disagrees") or s.get("certificate_errors")
           or s.get("monte_carlo_failed")  # a confirmation that errored is not a pass without it
           or s.get("monte_carlo_disagrees"))
    return 1 if bad else 0


#: the claims with an interval certificate (``ldmstop.verify.certify.CLAIM_IDS``; a test ties
#: the two): named here so that a run without them never imports the certifier, which builds its
#: interval functions from the SymPy derivations (seconds of SymPy start-up)
CERTIFIED_CLAIMS = frozenset({"prop1", "prop2", "lemma1", "prop9"})




def certificate(claim_id: str, quick: bool) -> tuple[dict | None, str | None]:
    """The interval-arithmetic certificate of ``ldmstop.verify.certify`` for one claim, where one
    applies: ``(certificate JSON or None, note)``. An error is reported (and fails the run)."""
    if claim_id not in CERTIFIED_CLAIMS:
        return None, None
    from .certify import certificate_for

    try:
        cert = certificate_for(claim_id, quick)
    except Exception as exc:  # reported, never hidden
        return None, f"certificate error: {type(exc).__name__}: {exc}"
    if cert is None:
        return None, None
    return cert.to_json(), None


def _search_total(claims: list[Claim], ctx: Context) -> int:
    """Evaluations the searches will spend (for a progress bar with an ETA)."""
    from .search import BUDGETS

    b = BUDGETS[ctx.budget]
    n = 0
    for c in claims:
        for variant in ("paper",) + (("corrected",) if c.corrected else ()):
            f = c.falsifier(variant)
            if f is not None:
                n += int(b.total(0) * f.budget_scale) + len(f.edges())
    return max(n, 1)


def run_suite(ctx: Context, *, only: str | None = None, figures_dir: str | None = None,
              monte_carlo: str | bool = "quick", extensions: bool = False, show_progress: bool | None = None,
              on_result: Callable | None = None) -> dict:
    """Check every claim (``only``: a subset; ``extensions``: the checks beyond the paper too)
    and return the report document."""
    from ldmstop.progress import progress

    t0 = time.perf_counter()
    claims = load_claims(only, extensions=extensions)
    results = []
    cert_notes: dict = {}
    eval_bar = None
    if ctx.budget == "thorough" and (show_progress or (show_progress is None and sys.stderr.isatty())):
        # the searches dominate: a bar over their evaluations gives a meaningful ETA
        from tqdm import tqdm

        eval_bar = tqdm(total=_search_total(claims, ctx), desc="ldmstop verify --search thorough",
                        unit="eval", file=sys.stderr, leave=False, dynamic_ncols=True)
        ctx.tick = eval_bar.update
        bar = claims
    else:
        bar = progress(claims, desc="ldmstop verify", total=len(claims), enabled=show_progress)
    for claim in bar:
        if hasattr(bar, "set_postfix_str"):
            bar.set_postfix_str(claim.id)
        if eval_bar is not None:
            eval_bar.set_postfix_str(claim.id)
        res = claim.run(ctx, figures_dir=figures_dir)
        res.certified, note = certificate(claim.id, ctx.quick)
        if note:
            cert_notes[claim.id] = note
            res.notes.append(note)
        results.append(res)
        if on_result is not None:
            on_result(res)
    if eval_bar is not None:
        eval_bar.close()
        ctx.tick = None
    claims_seconds = time.perf_counter() - t0
    docs = [r.to_json() for r in results]
    mc = _monte_carlo(ctx, monte_carlo)
    verdicts = [c["verdict"] for c in docs]
    code_bad = [c["id"] for c in docs if c["verdict"] == CODE_DISAGREES
                or (c.get("code_comparison") or {}).get("ok") is False]
    summary = {
        "claims": len(docs),
        "extensions": sum(1 for c in docs if c.get("extension")),
        "holds": verdicts.count(HOLDS),
        "refuted": verdicts.count(REFUTED),
        "known_erratum": verdicts.count(KNOWN_ERRATUM),
        "refuted_ids": [c["id"] for c in docs if c["verdict"] == REFUTED],
        "known_erratum_ids": [c["id"] for c in docs if c["verdict"] == KNOWN_ERRATUM],
        # the code disagreeing with the transcription fails the run whatever the paper's verdict:
        # a known erratum of the paper does not excuse a bug in ldmstop's own code
        "code_disagrees": len(code_bad),
        "code_disagrees_ids": code_bad,
        "controls_rejected": sum(1 for c in docs if c["negative_control"]["rejected"]),
        "controls_not_rejected": [c["id"] for c in docs if not c["negative_control"]["rejected"]],
        "code_controls_rejected": sum(1 for c in docs if (c.get("code_control") or {}).get("rejected")),
        "code_controls_not_rejected": [c["id"] for c in docs
                                       if (c.get("code_control") or {}).get("applicable")
                                       and not c["code_control"]["rejected"]],
        "code_controls_not_applicable": [c["id"] for c in docs
                                         if not (c.get("code_control") or {}).get("applicable")],
        "search_budget": ctx.budget,
        "search_evaluations": sum((c.get("search") or {}).get("evaluations", 0)
                                  + (c.get("corrected_search") or {}).get("evaluations", 0)
                                  for c in docs),
        "certified": [c["id"] for c in docs if (c.get("certified") or {}).get("certified")],
        "certificate_errors": [k for k, v in cert_notes.items() if v.startswith("certificate error")],
        "worst_residual": max((abs(c["residual"]) for c in docs
                               if isinstance(c["residual"], float)), default=0.0),
        # residuals are measured against different tolerances (dps identities, the 30-digit ODE
        # route, the float64 code): the ratio says how close any check came to its limit
        "worst_residual_over_tolerance": max((abs(c["residual"]) / c["tolerance"] for c in docs
                                              if isinstance(c["residual"], float)
                                              and c["tolerance"] > 0),
                                             default=0.0),
        "monte_carlo_unconfirmed": [m.get("id") for m in mc["results"] if not m.get("confirmed")],
        # a confirmation that shows a defect of the simulator beyond chance fails the run (a bug
        # in sim/, as a code comparison that fails): each says so in ``fails_run`` — a
        # deterministic check that failed, or a statistical one past its family-wise bar
        # (ldmstop.sim.confirm); a stop check merely not confirmed (power) does not
        "monte_carlo_disagrees": [m.get("id") for m in mc["results"] if m.get("fails_run")],
        # the Monte Carlo was asked for and could not run: the reason, and a non-zero exit
        "monte_carlo_failed": (mc["status"] if mc["status"].startswith(("error", "unavailable"))
                               else None),
        "seconds_claims": round(claims_seconds, 3),
        "seconds_total": round(time.perf_counter() - t0, 3),
    }
    doc = {
        "tool": "ldmstop verify",
        "paper": PAPER,
        "dps": ctx.dps,
        "quick": ctx.quick,
        "seed": ctx.seed,
        "search": ctx.budget,
        "claims": docs,
        "monte_carlo": mc,
        "summary": summary,
    }
    summary["exit_status"] = exit_status(doc)
    return doc

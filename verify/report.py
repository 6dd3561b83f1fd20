"""Rendering of the report document: the terminal table and ``report.md``."""

from __future__ import annotations

import json
import math

__all__ = ["fmt_residual", "terminal_table", "markdown_report"]

_VERDICT_MARK = {"holds": "holds", "refuted": "REFUTED", "known-erratum": "known-erratum"}


def fmt_residual(v) -> str:
    """A residual for display: ``0``, ``3.0e-51``, or a string passed through."""
    if isinstance(v, str):
        return v
    if v == 0:
        return "0"
    if isinstance(v, float) and math.isfinite(v):
        return f"{v:.1e}"
    return str(v)


def _short_methods(methods: list[str], width: int = 38) -> str:
    first = methods[0] if methods else ""
    if len(first) > width:
        first = first[: width - 1] + "…"
    return first + (f" (+{len(methods) - 1})" if len(methods) > 1 else "")


def _errata(n: int) -> str:
    return f"{n} known erratum" if n == 1 else f"{n} known errata"


def terminal_table(doc: dict) -> str:
    """Fixed-width table: claim, source, methods, worst residual, verdict, control."""
    rows = [("claim", "source", "methods", "worst residual", "verdict", "control")]
    for c in doc["claims"]:
        rows.append((c["id"], c["source"].replace("Wu et al. 2025, ", ""),
                     _short_methods(c["methods"]), fmt_residual(c["residual"]),
                     _VERDICT_MARK.get(c["verdict"], c["verdict"]),
                     "rejected" if c["negative_control"]["rejected"] else "PASSED (broken check)"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    s = doc["summary"]
    lines.append("")
    lines.append(f"{s['claims']} claims at {doc['dps']} digits{' (quick)' if doc['quick'] else ''}: "
                 f"{s['holds']} hold, {_errata(s['known_erratum'])}, {s['refuted']} refuted; "
                 f"{s['controls_rejected']}/{s['claims']} negative controls rejected; "
                 f"{s['seconds_total']:.1f} s")
    mc = doc.get("monte_carlo", {})
    if mc.get("results"):
        conf = sum(1 for m in mc["results"] if m.get("confirmed"))
        lines.append(f"Monte Carlo: {conf}/{len(mc['results'])} confirmations")
    else:
        lines.append(f"Monte Carlo: {mc.get('status', 'not run')}")
    return "\n".join(lines)


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def _kv(d: dict) -> str:
    return "; ".join(f"{k} = {_value(v)}" for k, v in d.items() if k != "size")


def markdown_report(doc: dict) -> str:
    """``report.md``: summary table, then one section per claim with formula, methods,
    residual, negative control, findings and figures; then the Monte Carlo confirmations."""
    s = doc["summary"]
    out = [
        "# ldmstop verify — verification report",
        "",
        f"Paper: {doc['paper']}.",
        "",
        f"Precision: {doc['dps']} decimal digits (mpmath){'; quick mode' if doc['quick'] else ''}; "
        f"random settings seeded with {doc['seed']}. Verdicts: **holds**, **refuted** (smallest "
        f"counterexample inside the hypotheses shown), **known-erratum** (printed statement refuted, "
        f"corrected statement verified). Every claim carries a negative control — a perturbed "
        f"statement the same check must reject.",
        "",
        f"**Summary:** {s['claims']} claims: {s['holds']} hold, {_errata(s['known_erratum'])}, "
        f"{s['refuted']} refuted; {s['controls_rejected']}/{s['claims']} negative controls rejected; "
        f"{s['seconds_total']:.1f} s.",
        "",
        "| claim | source | verdict | worst residual | settings / checks | control |",
        "|---|---|---|---|---|---|",
    ]
    for c in doc["claims"]:
        out.append(f"| [{c['id']}](#{c['id']}) | {c['source']} | **{c['verdict']}** | "
                   f"{fmt_residual(c['residual'])} | {c['n_settings']} / {c['n_checks']} | "
                   f"{'rejected' if c['negative_control']['rejected'] else '**not rejected**'} |")
    out.append("")
    errata = [c for c in doc["claims"] if c.get("corrected_statement")]
    refuted = [c for c in doc["claims"] if c["verdict"] == "refuted"]
    if errata or refuted or any(c.get("findings") for c in doc["claims"]):
        out += ["## Findings", ""]
        for c in refuted:
            out.append(f"- **{c['id']} refuted** — smallest counterexample: {_kv(c['counterexample'])}")
        for c in errata:
            out.append(f"- **{c['id']} known erratum** — corrected statement (verified): "
                       f"{c['corrected_statement']}")
        for c in doc["claims"]:
            for f in c.get("findings", []):
                if not f.startswith("corrected statement verified"):
                    out.append(f"- {c['id']}: {f}")
        out.append("")
    for c in doc["claims"]:
        out += [f"## {c['id']}", "", f"**{c['title']}** — {c['source']}", "",
                f"*Hypotheses:* {c['hypotheses']}", "", f"*Statement:* {c['statement']}", "",
                "*Methods:* " + "; ".join(c["methods"]) + ".", "",
                f"*Verdict:* **{c['verdict']}**. Worst residual {fmt_residual(c['residual'])} "
                f"({c['residual_what']}; tolerance {c['tolerance']:.0e}); {c['n_settings']} settings, "
                f"{c['n_checks']} checks, {c['seconds']:.2f} s.", ""]
        nc = c["negative_control"]
        ev = nc["evidence"]
        out += [f"*Negative control:* {nc['statement']} — "
                f"{'**rejected**' if nc['rejected'] else '**NOT rejected: the check is broken**'}"
                + (f"; first evidence: {_kv(ev) if isinstance(ev, dict) else ev}." if nc["rejected"] else "."),
                ""]
        if c.get("counterexample"):
            out += [f"*Smallest counterexample:* {_kv(c['counterexample'])}", ""]
        if c.get("corrected_statement"):
            out += [f"*Corrected statement (verified):* {c['corrected_statement']}", ""]
        for f in c.get("findings", []):
            out.append(f"- {f}")
        if c.get("findings"):
            out.append("")
        for fig in c.get("figures", []):
            out += [f"![{c['id']}](figures/{fig})", ""]
    mc = doc.get("monte_carlo", {})
    out += ["## Monte Carlo confirmations", ""]
    if mc.get("results"):
        out += ["| id | description | confirmed | gain | stderr | max z |", "|---|---|---|---|---|---|"]
        for m in mc["results"]:
            out.append(f"| {m.get('id')} | {m.get('description', '')} | {m.get('confirmed')} | "
                       f"{_value(m.get('gain'))} | {_value(m.get('gain_stderr'))} | {_value(m.get('z_max'))} |")
        out.append("")
    else:
        out += [f"Status: {mc.get('status', 'not run')}.", ""]
    out += ["## Reproduce", "", "```bash",
            f"ldmstop verify --dps {doc['dps']} --seed {doc['seed']}{' --quick' if doc['quick'] else ''} --out DIR",
            "```", "", "<details><summary>summary (JSON)</summary>", "", "```json",
            json.dumps(s, indent=1, ensure_ascii=False), "```", "</details>", ""]
    return "\n".join(out)

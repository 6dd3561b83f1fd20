"""Rendering of the report document: the terminal table, ``--verbose`` details and ``report.md``.

The terminal table fits 100 columns and is aligned by *display* width (combining characters
such as the hat of ``t̂`` take no column, wide characters two), so that it stays a table in any
terminal; the details live in ``--verbose``, ``report.md`` and the JSON.
"""

from __future__ import annotations

import json
import math
import textwrap
import unicodedata

__all__ = ["fmt_residual", "display_width", "terminal_table", "verbose_details", "markdown_report"]

WIDTH = 100

_VERDICT_MARK = {"holds": "holds", "refuted": "REFUTED", "known-erratum": "known-erratum",
                 "code-disagrees": "CODE-DISAGREES"}


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: combining marks 0, East Asian wide/full 2."""
    w = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _clip(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch + "…") > width:
            break
        out += ch
    return out + "…"


def _wrap(text: str, width: int = WIDTH, indent: str = "") -> list[str]:
    """Wrap by display width (textwrap counts code points; close enough after a margin)."""
    lines = textwrap.wrap(text, width=width - 2, initial_indent=indent, subsequent_indent=indent + "  ",
                          break_long_words=True, break_on_hyphens=False)
    out = []
    for ln in lines:
        while display_width(ln) > width:
            out.append(_clip(ln, width))
            ln = indent + "  " + ln[len(out[-1]) - 1:]
        out.append(ln)
    return out or [indent]


def fmt_residual(v) -> str:
    """A residual for display: ``0``, ``3.0e-51``, or a string passed through."""
    if isinstance(v, str):
        return v
    if v is None:
        return "n/a"
    if v == 0:
        return "0"
    if isinstance(v, (int, float)) and math.isfinite(v):
        return f"{v:.1e}"
    return str(v)


def _short_source(source: str) -> str:
    s = source.replace("Wu et al. 2025, ", "")
    for sep in (" (", " /"):
        if sep in s:
            s = s.split(sep)[0]
    return s


def _residual_vs_tol(c: dict) -> str:
    r, t = c.get("residual"), c.get("tolerance")
    if not isinstance(r, (int, float)) or not isinstance(t, (int, float)) or t <= 0:
        return fmt_residual(r)
    sign = "≤" if abs(r) <= t else ">"
    return f"{fmt_residual(r)} {sign} {t:.0e}"


def _count(n: int) -> str:
    if n >= 10**6:
        return f"{n / 1e6:.1f}M"
    if n >= 10**4:
        return f"{n / 1e3:.0f}k"
    if n >= 1000:
        return f"{n / 1e3:.1f}k"
    return str(n)


def _search_cell(c: dict) -> str:
    s = c.get("search")
    if not s:
        return "no search"
    n = _count(int(s.get("evaluations", 0)))
    if s.get("refuted"):
        cert = s.get("certificate") or {}
        m = cert.get("margin_100_digits")
        dg = cert.get("digits_agreeing")
        mtxt = f"{m:.0e}" if isinstance(m, float) else str(m)
        return f"{n} ev, cx {mtxt}" + (f" {dg:.0f}d" if isinstance(dg, (int, float)) else "")
    m = s.get("closest_margin_50_digits")
    if isinstance(m, (int, float)):
        return f"{n} ev, max {m:+.0e}" if m != 0 else f"{n} ev, max 0"
    return f"{n} ev"


def _controls_cell(c: dict) -> str:
    st = "✓" if c["negative_control"]["rejected"] else "✗"
    cc = c.get("code_control") or {}
    code = "n/a" if not cc.get("applicable") else ("✓" if cc.get("rejected") else "✗")
    return f"stmt {st} code {code}"


def _errata(n: int) -> str:
    return f"{n} known erratum" if n == 1 else f"{n} known errata"


def terminal_table(doc: dict) -> str:
    """Claim, source, verdict, residual against its tolerance, search, controls (≤ 100 columns)."""
    head = ("claim", "source", "verdict", "residual ≤ tol", "search (max margin)", "controls")
    rows = [head]
    for c in doc["claims"]:
        rows.append((c["id"], _short_source(c["source"]), _VERDICT_MARK.get(c["verdict"], c["verdict"]),
                     _residual_vs_tol(c), _search_cell(c), _controls_cell(c)))
    caps = (13, 12, 14, 17, 22, 15)
    widths = [min(cap, max(display_width(r[i]) for r in rows)) for i, cap in enumerate(caps)]
    lines = []
    for k, r in enumerate(rows):
        cells = [_pad(_clip(cell, w), w) for cell, w in zip(r, widths)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("search: evaluations, then the largest margin found (max; a margin > 0 would be a "
                 "counterexample)")
    lines.append("  or a counterexample's margin (cx) at 100 digits and the digits agreeing with "
                 "50 (d)")
    s = doc["summary"]
    lines.append("")
    budget = s.get("search_budget", doc.get("search", ""))
    text = (f"{s['claims']} claims at {doc['dps']} digits{' (quick)' if doc['quick'] else ''}, search "
            f"{budget} ({s.get('search_evaluations', 0):,} evaluations): {s['holds']} hold, "
            f"{_errata(s['known_erratum'])}, {s['refuted']} refuted"
            + (f", code disagrees: {', '.join(s.get('code_disagrees_ids') or [])}"
               if s.get("code_disagrees") else "")
            + f"; statement controls {s['controls_rejected']}/{s['claims']} rejected, code controls "
              f"{s.get('code_controls_rejected', 0)}/{s['claims'] - len(s.get('code_controls_not_applicable', []))}"
              f" ({len(s.get('code_controls_not_applicable', []))} n/a); {s['seconds_total']:.1f} s")
    lines += _wrap(text)
    if s.get("known_erratum_ids"):
        lines += _wrap("known errata (smallest counterexamples: --verbose, report.md): "
                       + ", ".join(s["known_erratum_ids"]))
    mc = doc.get("monte_carlo", {})
    if mc.get("results"):
        conf = [m.get("id") for m in mc["results"] if m.get("confirmed")]
        unconf = [m.get("id") for m in mc["results"] if not m.get("confirmed")]
        txt = (f"Monte Carlo ({mc.get('mode', '')}): {len(conf)}/{len(mc['results'])} confirmed: "
               + ", ".join(str(x) for x in conf))
        if unconf:
            txt += "; NOT confirmed: " + ", ".join(str(x) for x in unconf)
        if s.get("monte_carlo_disagrees"):
            txt += ("; the simulator disagrees with the exact recursion beyond the family-wise "
                    "bar (a failure): " + ", ".join(s["monte_carlo_disagrees"]))
        lines += _wrap(txt)
    else:
        lines += _wrap(f"Monte Carlo: {mc.get('status', 'not run')}")
    if s.get("certified"):
        lines += _wrap("certified (interval arithmetic, on a stated box): " + ", ".join(s["certified"]))
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


def _coverage_text(c: dict) -> str:
    s = c.get("search") or {}
    cov = s.get("coverage") or {}
    parts = []
    for k, v in cov.items():
        if "values" in v:
            parts.append(f"{k} ∈ {{{', '.join(map(str, v['values']))}}}")
        elif "min" in v:
            rng = f"[{v['min']:.3g}, {v['max']:.3g}]"
            if "length_min" in v:
                rng += f" (lengths {v['length_min']}–{v['length_max']})"
            parts.append(f"{k} {rng}")
    return "; ".join(parts)


def _search_text(s: dict) -> str:
    ph = s.get("phases") or {}
    de = ph.get("differential_evolution")
    de_txt = (f", differential evolution {len(de)}×{_count(de[0]['evaluations'])}" if de else "")
    base = (f"{s['evaluations']:,} evaluations (budget {s['budget']}, seed {s['seed']}: edges "
            f"{ph.get('edges', 0)}, random {ph.get('random', 0)}{de_txt}); "
            f"{s.get('rechecked_at_50_digits', 0)} re-checked at 50 digits, "
            f"{s.get('precision_artefacts', 0)} float64 artefacts discarded"
            + (f", {s['float64_errors']} float64 evaluations failed (region not searched there)"
               if s.get("float64_errors") else ""))
    m = s.get("closest_margin_50_digits")
    if m is not None and not s.get("refuted"):
        base += f"; closest approach: margin {_value(m)} at 50 digits"
    return base + f"; margin: {s.get('margin', '')}"


def _cert_text(cert: dict) -> str:
    if not cert:
        return ""
    if "margin_100_digits" not in cert:
        return _kv(cert)
    return (f"margin {_value(cert.get('margin_50_digits'))} at 50 digits, "
            f"{_value(cert.get('margin_100_digits'))} at 100, "
            f"{_value(cert.get('margin_independent'))} by the independent route "
            f"({cert.get('independent_route')}, {cert.get('independent_dps')} digits); "
            f"{_value(cert.get('digits_agreeing'))} digits agree; tolerance "
            f"{_value(cert.get('tolerance_100_digits'))}; inside the hypotheses at 100 digits: "
            f"{cert.get('inside_hypotheses_at_100_digits')}")


def verbose_details(doc: dict) -> str:
    """Per claim: domain coverage, search, counterexample, validity, code comparison, controls."""
    out = [""]
    for c in doc["claims"]:
        out += _wrap(f"{c['id']} — {c['source']} — {c['verdict']}")
        if c.get("search"):
            out += _wrap("search: " + _search_text(c["search"]), indent="  ")
            cov = _coverage_text(c)
            if cov:
                out += _wrap("covered: " + cov, indent="  ")
        if c.get("counterexample"):
            out += _wrap("smallest counterexample: " + _kv(c["counterexample"]), indent="  ")
            if c.get("search") and c["search"].get("certificate"):
                out += _wrap("certificate: " + _cert_text(c["search"]["certificate"]), indent="  ")
        if c.get("validity"):
            out += _wrap("validity: " + c["validity"].get("statement", ""), indent="  ")
        if c.get("corrected_search"):
            cs = c["corrected_search"]
            out += _wrap(f"corrected statement searched: {cs['evaluations']:,} evaluations, "
                         f"{'REFUTED' if cs.get('refuted') else 'no counterexample'}", indent="  ")
        cc = c.get("code_comparison")
        if cc:
            out += _wrap(f"code: {cc['what']} — {'agrees' if cc['ok'] else 'DISAGREES'} "
                         f"(residual {fmt_residual(cc['residual'])}, tolerance {fmt_residual(cc['tolerance'])})",
                         indent="  ")
        ctl = c.get("code_control") or {}
        out += _wrap(f"code-side control: {ctl.get('statement')} — "
                     + ("rejected" if ctl.get("rejected") else "n/a: " + str(ctl.get("evidence"))
                        if not ctl.get("applicable") else "NOT rejected"), indent="  ")
        out += _wrap(f"statement control: {c['negative_control']['statement']} — "
                     + ("rejected" if c["negative_control"]["rejected"] else "NOT rejected"), indent="  ")
        if c.get("certified"):
            ct = c["certified"]
            out += _wrap(f"certificate: {'certified' if ct.get('certified') else 'NOT certified'} on box "
                         f"{_value(ct.get('box'))} ({ct.get('boxes')} boxes)", indent="  ")
    return "\n".join(out)


def _domain_md(c: dict) -> list[str]:
    dom = c.get("domain")
    if not dom:
        return []
    cov = (c.get("search") or {}).get("coverage") or {}
    out = ["*Quantified parameters (as printed) and what the search covered:*", "",
           "| parameter | printed | admissible | searched | covered |", "|---|---|---|---|---|"]
    for p in dom["parameters"]:
        cv = cov.get(p["name"])
        if cv is None and p["name"] == "t":
            cv = cov.get("s") or cov.get("u")
        if cv and "min" in cv:
            cov_txt = f"[{cv['min']:.3g}, {cv['max']:.3g}]"
        elif cv and "values" in cv:
            cov_txt = ", ".join(map(str, cv["values"]))
        else:
            cov_txt = "—"
        out.append(f"| {p['name']} | {p['printed']} | {p['admissible']} | {p['searched']} | {cov_txt} |")
    out.append("")
    if dom.get("hypotheses"):
        out += ["*Joint hypotheses:* " + "; ".join(dom["hypotheses"]) + ".", ""]
    if dom.get("fixed"):
        out += ["*Fixed:* " + "; ".join(dom["fixed"]) + ".", ""]
    if dom.get("undefined"):
        out += ["*Left undefined by the paper (and how verify reads it):* " + "; ".join(dom["undefined"]) + ".", ""]
    if dom.get("quote"):
        out += [f"> {dom['quote']}", ""]
    return out


def markdown_report(doc: dict) -> str:
    """``report.md``: summary table, findings, then one section per claim with the printed
    statement, its domain, the search (budget, coverage, closest margin), the counterexample
    and its certificate, the validity map, the controls and the figures; then the Monte Carlo
    confirmations."""
    s = doc["summary"]
    out = [
        "# ldmstop verify — verification report",
        "",
        f"Paper: {doc['paper']}.",
        "",
        f"Precision: {doc['dps']} decimal digits (mpmath){'; quick mode' if doc['quick'] else ''}; "
        f"search budget **{s.get('search_budget', '')}** ({s.get('search_evaluations', 0):,} "
        f"evaluations); seed {doc['seed']}. Verdicts: **holds** (no counterexample on the searched "
        f"domain, reported per parameter), **refuted** (smallest counterexample inside the printed "
        f"hypotheses, certified at 50 and 100 digits), **known-erratum** (printed statement refuted, "
        f"corrected statement verified and searched in turn), **code-disagrees** (the code of "
        f"ldmstop does not compute what the paper states). Every claim carries a statement-side "
        f"negative control and, where code computes it, a code-side one (a deliberately wrong "
        f"backend); both must be rejected.",
        "",
        f"**Summary:** {s['claims']} claims: {s['holds']} hold, {_errata(s['known_erratum'])}, "
        f"{s['refuted']} refuted; statement controls {s['controls_rejected']}/{s['claims']} rejected, "
        f"code controls {s.get('code_controls_rejected', 0)} rejected "
        f"({len(s.get('code_controls_not_applicable', []))} not applicable); {s['seconds_total']:.1f} s.",
        "",
        "| claim | source | verdict | residual / tolerance | search | statement / code control |",
        "|---|---|---|---|---|---|",
    ]
    for c in doc["claims"]:
        cc = c.get("code_control") or {}
        code = "n/a" if not cc.get("applicable") else ("rejected" if cc.get("rejected") else "**not rejected**")
        out.append(f"| [{c['id']}](#{c['id']}) | {c['source']} | **{c['verdict']}** | "
                   f"{_residual_vs_tol(c)} | {_search_cell(c)} | "
                   f"{'rejected' if c['negative_control']['rejected'] else '**not rejected**'} / {code} |")
    out.append("")
    errata = [c for c in doc["claims"] if c.get("corrected_statement")]
    refuted = [c for c in doc["claims"] if c["verdict"] == "refuted"]
    if errata or refuted or any(c.get("findings") for c in doc["claims"]):
        out += ["## Findings", ""]
        for c in refuted + errata:
            tag = "refuted" if c["verdict"] == "refuted" else "known erratum"
            line = f"- **{c['id']} {tag}** — smallest counterexample: {_kv(c.get('counterexample') or {})}"
            if c.get("validity"):
                line += f". Validity: {c['validity'].get('statement')}"
            out.append(line + ".")
            if c.get("corrected_statement"):
                out.append(f"  Corrected statement (verified): {c['corrected_statement']}")
        for c in doc["claims"]:
            for f in c.get("findings", []):
                if not f.startswith("corrected statement verified") and not f.startswith("code:"):
                    out.append(f"- {c['id']}: {f}")
        out.append("")
    for c in doc["claims"]:
        out += [f"## {c['id']}", "", f"**{c['title']}** — {c['source']}", "",
                f"*Hypotheses:* {c['hypotheses']}", "", f"*Statement:* {c['statement']}", ""]
        out += _domain_md(c)
        out += ["*Methods:* " + "; ".join(c["methods"]) + ".", "",
                f"*Verdict:* **{c['verdict']}**. Worst residual {fmt_residual(c['residual'])} "
                f"({c['residual_what']}; tolerance {c['tolerance']:.0e}); {c['n_settings']} targeted "
                f"settings, {c['n_checks']} checks, {c['seconds']:.2f} s.", ""]
        if c.get("search"):
            out += ["*Search:* " + _search_text(c["search"]) + ".", ""]
        if c.get("counterexample"):
            out += [f"*Smallest counterexample:* {_kv(c['counterexample'])}", ""]
            if c.get("search") and c["search"].get("certificate"):
                out += [f"*Certificate of the counterexample:* {_cert_text(c['search']['certificate'])}.", ""]
        if c.get("validity"):
            v = c["validity"]
            out += [f"*Validity map:* {v.get('statement')}."
                    + (f" Corrected hypothesis: {v['corrected_hypothesis']}." if v.get("corrected_hypothesis") else ""), ""]
        if c.get("corrected_statement"):
            out += [f"*Corrected statement (verified):* {c['corrected_statement']}", ""]
        if c.get("corrected_search"):
            cs = c["corrected_search"]
            out += [f"*Corrected statement searched:* {cs['evaluations']:,} evaluations, "
                    f"{'a counterexample: ' + _kv(cs.get('counterexample') or {}) if cs.get('refuted') else 'no counterexample'}.", ""]
        nc = c["negative_control"]
        ev = nc["evidence"]
        out += [f"*Statement-side control:* {nc['statement']} — "
                f"{'**rejected**' if nc['rejected'] else '**NOT rejected: the check is broken**'}"
                + (f"; first evidence: {_kv(ev) if isinstance(ev, dict) else ev}." if nc["rejected"] else "."),
                ""]
        cc = c.get("code_control") or {}
        if cc.get("applicable"):
            ev = cc.get("evidence")
            out += [f"*Code-side control* (`{cc.get('target')}`): {cc.get('statement')} — "
                    f"{'**rejected**' if cc.get('rejected') else '**NOT rejected**'}"
                    + (f"; evidence: {_kv(ev) if isinstance(ev, dict) else ev}." if cc.get("rejected") else "."), ""]
        else:
            out += [f"*Code-side control:* not applicable — {cc.get('evidence')}.", ""]
        if c.get("code_comparison"):
            cm = c["code_comparison"]
            out += [f"*Code compared:* {cm['what']} — {'agrees' if cm['ok'] else '**disagrees**'} "
                    f"(residual {fmt_residual(cm['residual'])}, tolerance {fmt_residual(cm['tolerance'])}).", ""]
        if c.get("certified"):
            ct = c["certified"]
            out += [f"*Certificate (interval arithmetic):* {'certified' if ct.get('certified') else 'not certified'} "
                    f"on box {_value(ct.get('box'))} — {ct.get('statement', '')} ({ct.get('boxes')} boxes, "
                    f"depth {ct.get('max_depth')}, {ct.get('seconds')} s).", ""]
        for f in c.get("findings", []):
            out.append(f"- {f}")
        if c.get("findings"):
            out.append("")
        for fig in c.get("figures", []):
            out += [f"![{c['id']}](figures/{fig})", ""]
    mc = doc.get("monte_carlo", {})
    out += ["## Monte Carlo confirmations", ""]
    if mc.get("results"):
        out += ["| id | description | confirmed | fails the run | gain | stderr | max z | defects |",
                "|---|---|---|---|---|---|---|---|"]
        dash = lambda v: "—" if v is None else _value(v)  # noqa: E731
        for m in mc["results"]:
            out.append(f"| {m.get('id')} | {m.get('description', '')} | {m.get('confirmed')} | "
                       f"{'**yes**' if m.get('fails_run') else 'no'} | {dash(m.get('gain'))} | "
                       f"{dash(m.get('gain_stderr'))} | {dash(m.get('z_max'))} | "
                       f"{'; '.join(m.get('defects') or []) or '—'} |")
        out += ["", "A confirmation *fails the run* when it shows a defect of the simulator beyond "
                "chance: a deterministic check that failed, or a statistical one past its "
                "family-wise bar (docs/verify.md). A stop check merely not confirmed is a "
                "question of power and is reported only.", ""]
    else:
        out += [f"Status: {mc.get('status', 'not run')}.", ""]
    out += ["## Reproduce", "", "```bash",
            f"ldmstop verify --dps {doc['dps']} --seed {doc['seed']} --search {s.get('search_budget', 'default')}"
            f"{' --quick' if doc['quick'] else ''} --out DIR",
            "```", "", "<details><summary>summary (JSON)</summary>", "", "```json",
            json.dumps(s, indent=1, ensure_ascii=False), "```", "</details>", ""]
    return "\n".join(out)

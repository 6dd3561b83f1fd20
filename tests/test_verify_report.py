"""The terminal table: at most 100 columns, aligned by display width (combining characters take
no column), each residual shown against its tolerance, the Monte Carlo confirmations named."""

from __future__ import annotations

import json
import unicodedata

import pytest

from ldmstop.verify.report import display_width, markdown_report, terminal_table, verbose_details


def test_display_width_counts_combining_marks_as_zero():
    assert display_width("t̂_d") == 3 and len("t̂_d") == 4
    assert display_width("σ̂²") == 2
    assert display_width("漢字") == 4


def _claim(cid, source, verdict="holds", residual=1e-51, tol=1e-40, search=None, code=True):
    return {"id": cid, "source": source, "verdict": verdict, "residual": residual, "tolerance": tol,
            "negative_control": {"rejected": True, "statement": "c", "evidence": "e"},
            "code_control": {"applicable": code, "rejected": True if code else None,
                             "statement": "wrong backend", "evidence": "x"},
            "search": search, "methods": ["m"], "title": "t", "hypotheses": "h", "statement": "s",
            "residual_what": "r", "n_settings": 1, "n_checks": 1, "seconds": 0.1, "findings": []}


@pytest.fixture
def doc():
    search = {"evaluations": 4120, "refuted": False, "closest_margin_50_digits": -0.693,
              "budget": "default", "seed": 0, "phases": {"edges": 10, "random": 100}}
    refuted = {"evaluations": 5230, "refuted": True,
               "certificate": {"margin_100_digits": 4.9e-4, "digits_agreeing": 37.6},
               "budget": "default", "seed": 0, "phases": {}}
    claims = [_claim("prop2-plugin", "Wu et al. 2025, Prop 2 (t̂_d)", "known-erratum", search=refuted),
              _claim("prop9", "Wu et al. 2025, Prop 9 (and Prop 3's event probability)", search=search),
              _claim("prop10", "Wu et al. 2025, Prop 10", residual=0.042, tol=0.07, code=False),
              _claim("remark-σ̂", "Wu et al. 2025, Remark t̂", search=search)]
    summary = {"claims": 4, "holds": 3, "known_erratum": 1, "refuted": 0, "controls_rejected": 3,
               "code_controls_rejected": 2, "code_controls_not_applicable": ["prop10"],
               "seconds_total": 12.3, "search_budget": "default", "search_evaluations": 9350,
               "known_erratum_ids": ["prop2-plugin"]}
    mc = {"mode": "quick", "results": [{"id": "agreement", "confirmed": True},
                                       {"id": "stop-fig4-right", "confirmed": True},
                                       {"id": "optimal-dimension", "confirmed": False}]}
    return {"claims": claims, "summary": summary, "monte_carlo": mc, "dps": 50, "quick": False,
            "paper": "p", "seed": 0}


def _columns(text: str) -> int:
    """Display width, typed independently of the module under test (these cells hold no wide
    characters): a combining mark takes no column."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def test_table_fits_100_columns_and_aligns_by_display_width(doc):
    lines = terminal_table(doc).splitlines()
    assert max(_columns(ln) for ln in lines) <= 100
    header, rule = lines[0], lines[1]
    rows = lines[2:6]
    assert any(any(unicodedata.combining(ch) for ch in r) for r in rows)  # the hard case is there
    # every column starts at the same display offset in every row
    col = _columns(header[:header.index("verdict")])
    for r in rows:
        cut = next(i for i in range(len(r) + 1) if _columns(r[:i]) == col)
        assert r[cut:].split()[0] in ("known-erratum", "holds"), r
    starts = [i for i in range(len(rule)) if rule[i] == "-" and (i == 0 or rule[i - 1] == " ")]
    for s in starts:  # each column of the rule starts where a header name starts
        cut = next(i for i in range(len(header) + 1) if display_width(header[:i]) == s)
        assert header[cut] != " " and (cut == 0 or header[cut - 1] == " ")


def test_residual_against_tolerance_and_controls(doc):
    text = terminal_table(doc)
    assert "1.0e-51 ≤ 1e-40" in text and "4.2e-02 ≤ 7e-02" in text
    assert "stmt ✓ code ✓" in text and "stmt ✓ code n/a" in text
    assert "cx 5e-04" in text and "max -7e-01" in text
    # the search cell is whole (not clipped), with the digits agreeing where the doc has them
    assert "…" not in text


def test_monte_carlo_confirmations_are_named(doc):
    text = terminal_table(doc)
    assert "2/3 confirmed: agreement, stop-fig4-right" in text
    assert "NOT confirmed: optimal-dimension" in text


def test_verbose_and_markdown_render(doc):
    v = verbose_details(doc)
    assert "prop2-plugin" in v and "code-side control" in v
    assert max(display_width(ln) for ln in v.splitlines()) <= 100
    md = markdown_report(doc)
    assert "| [prop9](#prop9) |" in md and "Monte Carlo confirmations" in md
    json.dumps(doc)  # the document stays JSON


def test_markdown_names_a_confirmation_that_fails_the_run_and_its_defect(doc):
    doc["monte_carlo"]["results"].append({"id": "convergence", "confirmed": False, "fails_run": True,
                                          "defects": ["ou/em/exact/pT: gap 0.1 at 200 steps"]})
    rows = [ln for ln in markdown_report(doc).splitlines() if ln.startswith("| convergence |")]
    assert len(rows) == 1 and "**yes**" in rows[0] and "gap 0.1 at 200 steps" in rows[0]
    agree = [ln for ln in markdown_report(doc).splitlines() if ln.startswith("| agreement |")][0]
    assert "| no |" in agree

"""``ldmstop verify`` — the verification suite (foundation version: derivation identities and
the Prop 2 thresholds of the paper's Figure 4 settings, at high precision)."""

from __future__ import annotations

import argparse

HELP = "check every claim of the paper at high precision and report verdicts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="fewer random settings")
    parser.add_argument("--dps", type=int, default=50, help="mpmath decimal digits (default 50)")
    parser.add_argument("--only", metavar="ID", help="run one claim")
    parser.add_argument("--out", metavar="DIR", help="write report.md, report.json, figures/")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from .basic import run_basic

    return run_basic(args)

"""``ldmstop verify`` — every claim of the paper checked at high precision, with verdicts.

Light on import (``ldmstop --help`` loads this module): mpmath, SymPy and matplotlib are loaded
by :func:`run` only.
"""

from __future__ import annotations

import argparse
import os
import sys

HELP = "check every claim of the paper at high precision and report verdicts"

_MIN_DPS, _MAX_DPS = 20, 400


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="fewer random settings (same checks, same precision)")
    parser.add_argument("--dps", type=int, default=50,
                        help=f"mpmath decimal digits ({_MIN_DPS}..{_MAX_DPS}, default 50)")
    parser.add_argument("--only", metavar="ID",
                        help="run only these claims (comma-separated ids, e.g. prop2,prop3b)")
    parser.add_argument("--out", metavar="DIR",
                        help="write report.md, report.json and figures/ into DIR")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON document")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random settings (default 0)")
    parser.add_argument("--extensions", action="store_true",
                        help="also run the checks beyond the paper (Pierret & Galerne table, "
                             "new schedules, capacity and stopping; about 2 minutes)")
    parser.add_argument("--mc", choices=("quick", "full", "off"), default="quick",
                        help="Monte Carlo confirmations (ldmstop.sim): quick (default, seconds once "
                             "Numba's cache is warm), full (sharper, ~2 minutes), off")
    parser.add_argument("--no-mc", dest="mc", action="store_const", const="off",
                        help="same as --mc off")
    parser.add_argument("--search", choices=("quick", "default", "thorough"), default=None,
                        help="budget of the counterexample search over every claim's domain "
                             "(default: quick with --quick, else default; thorough takes several "
                             "minutes and shows a progress bar with an ETA)")
    parser.add_argument("--verbose", action="store_true",
                        help="after the table, each claim's domain coverage, closest margin, "
                             "counterexample, validity boundary and controls")


def run(args: argparse.Namespace) -> int:
    from ldmstop.atomic import Outputs
    from ldmstop.cli_common import emit, input_phase
    from ldmstop.jsonout import dumps

    from ldmstop.verify.claim import Context
    from ldmstop.verify.report import markdown_report, terminal_table, verbose_details
    from ldmstop.verify.suite import load_claims, run_suite

    with input_phase():  # every check before any work (docs/errors.md)
        if not (_MIN_DPS <= args.dps <= _MAX_DPS):
            raise ValueError(f"--dps must be in {_MIN_DPS}..{_MAX_DPS}, got {args.dps}")
        if args.seed < 0:
            raise ValueError(f"--seed must be >= 0, got {args.seed}")
        load_claims(args.only)  # unknown ids fail here, before any work
    # The report is one set (report.md, report.json, figures/): built in a temporary folder as
    # the claims run, published at the end, the report after the figures it links; a run that
    # is interrupted or killed leaves the previous report as it was.
    with Outputs() as out:
        folder = out.folder(args.out, flag="--out", last=("report.json", "report.md"))
        ctx = Context(dps=args.dps, quick=args.quick, seed=args.seed, search=args.search)
        figures_dir = os.path.join(folder, "figures") if folder else None
        if figures_dir:
            os.makedirs(figures_dir, exist_ok=True)
        doc = run_suite(ctx, only=args.only, figures_dir=figures_dir, monte_carlo=args.mc,
                        extensions=args.extensions, show_progress=False if args.json else None)
        if folder:
            for name, text in (("report.json", dumps(doc, indent=1) + "\n"),
                               ("report.md", markdown_report(doc))):
                with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
                    fh.write(text)
    if args.json:
        emit(doc)
    else:
        print(terminal_table(doc))
        if args.verbose:
            print(verbose_details(doc))
        if args.out:
            print(f"report written to {os.path.join(args.out, 'report.md')}")
        sys.stdout.flush()
    return doc["summary"]["exit_status"]

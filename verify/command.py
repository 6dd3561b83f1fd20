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
    if not (_MIN_DPS <= args.dps <= _MAX_DPS):
        raise ValueError(f"--dps must be in {_MIN_DPS}..{_MAX_DPS}, got {args.dps}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.out is not None and os.path.exists(args.out) and not os.path.isdir(args.out):
        raise ValueError(f"--out {args.out!r} exists and is not a folder")

    from ldmstop.cli_common import emit
    from ldmstop.jsonout import dumps

    from .claim import Context
    from .report import markdown_report, terminal_table, verbose_details
    from .suite import load_claims, run_suite

    load_claims(args.only)  # unknown ids fail here, before any work (ValueError -> exit 2)
    ctx = Context(dps=args.dps, quick=args.quick, seed=args.seed, search=args.search)
    figures_dir = os.path.join(args.out, "figures") if args.out else None
    if figures_dir:
        os.makedirs(figures_dir, exist_ok=True)
    doc = run_suite(ctx, only=args.only, figures_dir=figures_dir, monte_carlo=args.mc, extensions=args.extensions,
                    show_progress=False if args.json else None)
    if args.out:
        from ldmstop.atomic import write_text_atomic

        for name, text in (("report.json", dumps(doc, indent=1) + "\n"),
                           ("report.md", markdown_report(doc))):
            path = os.path.join(args.out, name)
            write_text_atomic(path, text)
            os.chmod(path, 0o644)  # the atomic temp file is created 0600; a report is shared
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

"""``ldmstop derive`` — export every SymPy derivation (LaTeX, JSON, Python, Markdown).

The exports are rendered from the catalogue generated ahead of time from the SymPy derivations
(``ldmstop.derivations.generated.catalogue``), so this command loads no SymPy; ``--fresh``
derives everything with SymPy instead (the same text while the generated modules are up to
date, which the test suite checks)."""

from __future__ import annotations

import argparse
import os
import sys

HELP = "export the symbolic derivations (LaTeX, JSON, standalone Python, Markdown)"
FORMATS = ("latex", "json", "python", "markdown")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS + ("all",), default=None,
                        help="export format (default: markdown on stdout, all with --out)")
    parser.add_argument("--out", metavar="DIR", help="write derivations.<ext> files into DIR")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary of what was written (or the JSON export)")
    parser.add_argument("--fresh", action="store_true",
                        help="derive every result with SymPy now (seconds) instead of reading the "
                             "catalogue generated from the same derivations")


def run(args: argparse.Namespace) -> int:
    from ldmstop.atomic import Outputs
    from ldmstop.derivations import export as ex
    from ldmstop.errors import ProblemError

    fmt = args.format
    if args.out is None:
        if fmt == "all":
            raise ProblemError("--format all needs --out DIR (several files)")
        if args.json and fmt not in (None, "json"):
            raise ProblemError("--json prints the JSON export; combine it with --format json or omit --format")
        fmt = "json" if args.json else (fmt or "markdown")
        sys.stdout.write(ex.render(fmt, fresh=args.fresh))
        return 0
    formats = FORMATS if fmt in (None, "all") else (fmt,)
    # The files are one set: written into a temporary folder, published together at the end.
    with Outputs() as out:
        tmp = out.folder(args.out, flag="--out")
        ex.export(tmp, formats, fresh=args.fresh)
    paths = [os.path.join(args.out, f"derivations.{ex.EXTENSIONS[f]}") for f in formats]
    if args.json:
        from ldmstop.cli_common import emit

        emit({"written": paths})
    else:
        for p in paths:
            print(f"wrote {p}")
    return 0

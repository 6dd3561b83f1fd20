"""The ``ldmstop`` command line.

Each subcommand lives in its own module exposing ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. Those modules import nothing heavy at module level, so ``ldmstop --help``
starts without SymPy or Numba (docs/design.md, principle 6). Input errors (``ValueError``) become one
line on stderr and exit status 2, never a traceback (principle 3).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

__all__ = ["main", "build_parser", "COMMANDS"]

#: subcommand name -> module implementing it (order = order in --help)
COMMANDS: dict[str, str] = {
    "verify": "ldmstop.verify.command",
    "derive": "ldmstop.cmd_derive",
    "curve": "ldmstop.cmd_curve",
    "simulate": "ldmstop.sim.command",
    "advise": "ldmstop.cmd_advise",
    "frechet": "ldmstop.cmd_frechet",
    "learned": "ldmstop.cmd_learned",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ldmstop",
        description="Derive, verify and simulate optimal stopping in latent diffusion models "
                    "(Wu, Berthet, Biau, Boyer, Elie, Marion 2025, arXiv:2510.08409).",
    )
    parser.add_argument("--version", action="version", version=f"ldmstop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in COMMANDS.items():
        mod = importlib.import_module(modname)
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_module=modname)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    mod = importlib.import_module(args._module)
    try:
        return int(mod.run(args) or 0)
    except ValueError as exc:  # input errors: ProblemError and friends
        print(f"ldmstop {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ldmstop {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `ldmstop curve --json | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

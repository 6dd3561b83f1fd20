"""The ``ldmstop`` command line.

Each subcommand lives in its own module of :mod:`ldmstop.commands` exposing ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. Those modules import nothing heavy at module level, so ``ldmstop --help``
starts without SymPy or Numba (docs/design.md, principle 6).

The error contract (docs/errors.md) is kept here, at the edge, in one place: whatever goes
wrong, the user gets one line on stderr, ``ldmstop COMMAND: ...``, never a traceback, and the
exit status says what kind of failure it was — 0 success, 1 a failure while running (a write
that fails mid-way, a numerical failure, an internal error), 2 an input error (a bad flag or
value, an unusable output path, a size that cannot fit; all checked before long work starts),
130 interrupted. Only :class:`~ldmstop.errors.LdmstopError`\\ s carry an input-error status: an
unexpected exception is a bug in ldmstop and is reported as one (``LDMSTOP_TRACEBACK=1`` prints
its traceback too).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
import traceback

from . import __version__
from .errors import LdmstopError

__all__ = ["main", "build_parser", "COMMANDS"]

#: subcommand name -> module implementing it (order = order in --help)
COMMANDS: dict[str, str] = {
    "verify": "ldmstop.commands.verify",
    "derive": "ldmstop.commands.derive",
    "curve": "ldmstop.commands.curve",
    "simulate": "ldmstop.commands.simulate",
    "advise": "ldmstop.commands.advise",
    "frechet": "ldmstop.commands.frechet",
    "learned": "ldmstop.commands.learned",
}

#: environment variable that adds the traceback to an internal error's one line
TRACEBACK_ENV = "LDMSTOP_TRACEBACK"


class _Parser(argparse.ArgumentParser):
    """argparse's parser, except that a failed write of the help or usage text is an error
    (the standard library drops it silently: ``ldmstop --help > /dev/full`` would exit 0)."""

    def _print_message(self, message, file=None):
        if message:
            file = file or sys.stderr
            file.write(message)
            file.flush()


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    # allow_abbrev=False everywhere: `--gri 5` must not silently mean `--grid 5`.
    parser = _Parser(
        prog="ldmstop", allow_abbrev=False,
        description="Derive, verify and simulate optimal stopping in latent diffusion models "
                    "(Wu, Berthet, Biau, Boyer, Elie, Marion 2025, arXiv:2510.08409).",
    )
    parser.add_argument("--version", action="version", version=f"ldmstop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    subs = {}
    for name, modname in COMMANDS.items():
        mod = importlib.import_module(modname)
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP, allow_abbrev=False)
        mod.add_arguments(p)
        p.set_defaults(_module=modname)
        subs[name] = p
    return parser, subs


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser (subcommands included)."""
    return _parsers()[0]


def _say(command: str | None, text: str) -> None:
    """One line on stderr (nothing if stderr itself is gone)."""
    prefix = f"ldmstop {command}" if command else "ldmstop"
    line = " ".join(f"{prefix}: {text}".split("\n"))
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _detach_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the interpreter's final flush of whatever
    is still buffered cannot fail a second time (the advice of Python's signal docs for EPIPE)."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def _where(exc: BaseException) -> str:
    """``file.py:LINE in function`` of the innermost frame, for a bug report."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    f = frames[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}"


def _after(argv: list[str], command: str, flag: str) -> bool:
    """Whether ``flag`` comes after the subcommand's name on the command line."""
    try:
        return argv.index(command) < argv.index(flag)
    except ValueError:
        return True


def main(argv: list[str] | None = None) -> int:
    parser, subs = _parsers()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, extra = parser.parse_known_args(argv)
        command = getattr(args, "command", None)
        if extra:
            # An unknown flag after the subcommand belongs to the subcommand: its usage, not ours.
            owner = subs.get(command) if command and _after(argv, command, extra[0]) else None
            (owner or parser).error(f"unrecognized arguments: {' '.join(extra)}")
        if not command:  # the help on stdout, and the failure on stderr like any other
            parser.print_help()
            sys.stdout.flush()
            _say(None, f"error: no command given: choose one of {', '.join(COMMANDS)}")
            return 2
    except BrokenPipeError:
        _detach_stdout()
        return 0
    except OSError as exc:  # --help into a full disk or /dev/full
        _detach_stdout()
        _say(None, f"error: writing stdout failed: {exc.strerror or exc}")
        return 1
    mod = importlib.import_module(args._module)
    try:
        status = int(mod.run(args) or 0)
        sys.stdout.flush()  # a write to stdout that fails must fail here, inside the contract
        return status
    except KeyboardInterrupt:
        _say(command, "interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (`ldmstop curve --json | head`): not an error
        _detach_stdout()
        return 0
    except LdmstopError as exc:
        _say(command, f"error: {exc}")
        return exc.exit_status
    except OSError as exc:
        # Our own writers attach the file name; an OSError without one is a write to stdout.
        what = exc.filename if exc.filename is not None else "stdout"
        if exc.filename is None:
            _detach_stdout()
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "") or str(exc)
        _say(command, f"error: writing {what} failed: {reason}")
        return 1
    except MemoryError:
        _say(command, "error: out of memory (the sizes were within this machine's available "
                      "memory when the run started; another process may have taken it)")
        return 1
    except Exception as exc:  # a bug: say so, never disguise it as bad input
        if os.environ.get(TRACEBACK_ENV):
            traceback.print_exc()
        _say(command, f"internal error (a bug in ldmstop; please report it with the command "
                      f"line): {type(exc).__name__}: {exc} [{_where(exc)}; "
                      f"{TRACEBACK_ENV}=1 shows the traceback]")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Command-line flags shared by the commands that take a problem (curve, simulate, advise).

docs/design.md, command-line contract: ``--variances`` | ``--spectrum FILE.npy`` |
``--covariance FILE.npy``; ``--estimated`` or ``--samples n --seed s``; ``--schedule``; ``--T``.
Also the pieces of the error contract (docs/errors.md) the commands share: :func:`input_phase`
and the figure flag's format check.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import Iterator

from .errors import LdmstopError, ProblemError
from .problem import Problem, parse_floats
from .registry import DEFAULT_SCHEDULE, DEFAULT_T, SCHEDULES

__all__ = ["add_problem_arguments", "problem_from_args", "emit", "input_phase", "T_HELP"]

#: the --T help: every schedule's default horizon
T_HELP = "horizon (default: " + ", ".join(f"{DEFAULT_T[s]:g} for {s}" for s in SCHEDULES) + ")"


@contextmanager
def input_phase() -> Iterator[None]:
    """The checks a command makes before it starts working. Modules outside ``ldmstop``'s
    own API (the simulator's, the verifier's) validate with plain ``ValueError``/``TypeError``;
    raised *here*, before any work, such an error can only be about the input, so it is an input
    error (exit status 2). Outside this block a plain ``ValueError`` is a bug and reported as one."""
    try:
        yield
    except LdmstopError:
        raise
    except (ValueError, TypeError) as exc:
        raise ProblemError(str(exc)) from None


def add_problem_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    src = parser.add_argument_group("problem (one of)")
    src.add_argument("--variances", metavar="V1,V2,...",
                     help="diagonal covariance: comma-separated variances, any order")
    src.add_argument("--spectrum", metavar="FILE.npy", help="1-D array of covariance eigenvalues")
    src.add_argument("--covariance", metavar="FILE.npy", help="D x D covariance matrix")
    est = parser.add_argument_group("score (default: exact)")
    est.add_argument("--estimated", metavar="V1,V2,...",
                     help="plug-in estimate of the variances, paired with --variances")
    est.add_argument("--samples", type=int, metavar="N",
                     help="draw the plug-in estimate from N training samples")
    est.add_argument("--seed", type=int, help="seed of the training samples (with --samples; default: 0)")
    parser.add_argument("--schedule", choices=SCHEDULES, default=DEFAULT_SCHEDULE,
                        help=f"noise schedule (default: {DEFAULT_SCHEDULE})")
    parser.add_argument("--T", type=float, default=None, help=T_HELP)
    parser.set_defaults(_problem_required=required)


def problem_from_args(args: argparse.Namespace) -> Problem:
    """Build and validate the :class:`Problem` the flags describe."""
    given = [n for n in ("variances", "spectrum", "covariance") if getattr(args, n, None) is not None]
    if len(given) != 1:
        raise ProblemError("give exactly one of --variances, --spectrum, --covariance"
                           + (f" (got {', '.join('--' + g for g in given)})" if given else ""))
    kw = dict(schedule=args.schedule, T=args.T)
    if args.estimated is not None:
        kw["estimated"] = parse_floats(args.estimated, name="--estimated")
    if args.samples is not None:
        kw["samples"] = args.samples
        # the command line is reproducible: a plug-in estimate without --seed is drawn with seed 0
        kw["seed"] = 0 if args.seed is None else args.seed
    if args.variances is not None:
        return Problem.from_variances(parse_floats(args.variances, name="--variances"), **kw)
    if args.spectrum is not None:
        return Problem.from_spectrum_file(args.spectrum, **kw)
    return Problem.from_covariance_file(args.covariance, **kw)


def emit(obj) -> None:
    """Print one strict JSON document on stdout (streamed: large numpy arrays are written row
    by row, never converted float by float; see :mod:`ldmstop.jsonout`)."""
    from .jsonout import write

    write(obj, sys.stdout)

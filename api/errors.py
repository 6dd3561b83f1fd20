"""Exceptions of ldmstop and how the command line reports them (docs/errors.md).

Every error ldmstop raises on purpose is an :class:`LdmstopError`; its ``exit_status`` is the
status the command line exits with after printing the message on one line of stderr:

- :class:`ProblemError` (a ``ValueError``): invalid input — a value, a file, a flag, an
  unusable output path (:class:`OutputPathError`), a size that cannot fit in this machine's
  memory (:class:`ResourceError`). Exit status 2. Messages name the argument (or flag) and the
  value.
- :class:`NumericalError` (an ``ArithmeticError``): a result that is not a finite number for an
  input that was accepted. Never written as an output. Exit status 1.

Anything else that escapes a command is not an input error: an ``OSError`` while writing
(a full disk, ``/dev/full`` on stdout) is reported on one line with exit status 1, and any other
exception is reported as an internal error (a bug in ldmstop), exit status 1.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["LdmstopError", "ProblemError", "OutputPathError", "ResourceError", "NumericalError",
           "plain"]


class LdmstopError(Exception):
    """Base class of every ldmstop error."""

    #: status of the command line after printing the message
    exit_status = 1


class ProblemError(LdmstopError, ValueError):
    """Invalid user input: the message names the offending argument and value. The CLI prints it
    on one line of stderr and exits with status 2."""

    exit_status = 2


class OutputPathError(ProblemError):
    """An output path that cannot receive the output (missing or read-only folder, a file where a
    folder is needed, an unsupported figure format); raised before any computation."""


class ResourceError(ProblemError):
    """A size that would not fit in this machine's memory, or a count too large to represent;
    raised from the predicted needs, before anything is allocated."""


class NumericalError(LdmstopError, ArithmeticError):
    """A non-finite number in a result for an accepted input: the computation failed, and the
    result is withheld rather than written. Exit status 1."""

    exit_status = 1


def plain(value) -> str:
    """``value`` for a message: numbers as a user typed them (``5.0``, not ``np.float64(5.0)``),
    strings quoted, everything else by ``repr``."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        return repr(f) if math.isfinite(f) else str(f)
    if hasattr(value, "dtype") and getattr(value, "ndim", None) == 0:  # numpy 0-d array
        return plain(value.item())
    return repr(value)

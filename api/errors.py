"""Exceptions of ldmstop. All input errors are ``ValueError`` subclasses (docs/design.md, principle 3)."""

__all__ = ["LdmstopError", "ProblemError"]


class LdmstopError(Exception):
    """Base class of every ldmstop error."""


class ProblemError(LdmstopError, ValueError):
    """Invalid user input: the message names the offending value. The CLI prints it on one
    line of stderr and exits with status 2."""

"""Progress display for slow commands: a tqdm bar on stderr, silent when stderr is not a terminal
or when the caller asks for quiet output (``--json``)."""

from __future__ import annotations

import sys
from typing import Iterable, TypeVar

__all__ = ["progress"]

_T = TypeVar("_T")


def progress(iterable: Iterable[_T], *, desc: str, total: int | None = None,
             enabled: bool | None = None) -> Iterable[_T]:
    """Wrap ``iterable`` in a progress bar written to stderr."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, file=sys.stderr, leave=False, dynamic_ncols=True)

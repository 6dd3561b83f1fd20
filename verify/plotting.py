"""Matplotlib (Agg) for the report's figures, imported only when ``--out`` asks for figures."""

from __future__ import annotations

import os

__all__ = ["plt", "save"]


def plt():
    """``matplotlib.pyplot`` on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def save(fig, folder: str, name: str) -> str:
    """Write ``fig`` atomically to ``folder/name``; returns ``name`` (the report links it)."""
    from ldmstop.plots import savefig_atomic

    path = os.path.join(folder, name)
    savefig_atomic(fig, path)
    os.chmod(path, 0o644)  # a report is for sharing: the atomic temp file was created 0600
    plt().close(fig)
    return name

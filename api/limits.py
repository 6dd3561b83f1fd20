"""Size limits: predict a run's memory and time from its sizes before starting it.

Every command that allocates in proportion to its sizes (``--grid``, ``--steps``,
``--checkpoints``, ``--paths``, the dimension D of the input) calls :func:`require_memory` with
its predicted peak and :func:`warn_if_long` with its predicted time before it allocates
anything. A run that cannot fit in the memory this process can use is refused with a
:class:`~ldmstop.errors.ResourceError` (exit status 2) naming the flag; a count too large to
represent (``--paths 10**30``) is refused by :func:`check_count`; a run predicted to take longer
than :data:`LONG_RUN_S` gets one warning line with the estimate and goes on (Ctrl-C stops it).

The memory predictions are peak bytes measured with ``tracemalloc`` on this code (e.g. the exact
W² map peaks at about 4.2 float64 arrays of D × K; the Heun recursion at about 7), rounded up.
"""

from __future__ import annotations

import math
import os
import resource
import sys

from .errors import ResourceError

__all__ = ["available_memory", "require_memory", "check_count", "warn_if_long", "fmt_bytes",
           "fmt_seconds", "LONG_RUN_S", "MAX_COUNT", "simulate_memory"]

#: a run predicted to take longer than this gets a warning with the estimate
LONG_RUN_S = 600.0
#: largest count (paths, steps, grid points) the compiled kernels can index (int64)
MAX_COUNT = 2**63 - 1
#: share of the available memory a run may plan to use (the rest: the interpreter, libraries,
#: the operating system's own needs during the run)
_USABLE = 0.85


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_available() -> int | None:
    """Room left under a cgroup v2 memory limit (containers), if any."""
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            used = int(fh.read().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return None


def _address_space_left() -> int | None:
    """Room left under ``ulimit -v`` (RLIMIT_AS), if set."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    size = None
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    size = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return max(soft - (size or 0), 0)


def available_memory() -> int:
    """Bytes this process can allocate now: the physical memory the kernel reports available
    (``MemAvailable``; else ``os.sysconf`` free pages), capped by a cgroup limit and by
    ``ulimit -v`` when they are tighter."""
    phys = _meminfo_available()
    if phys is None:
        try:
            phys = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            phys = 1 << 62  # unknown: do not refuse on a guess
    caps = [c for c in (_cgroup_available(), _address_space_left()) if c is not None]
    return int(min([phys, *caps]))


def fmt_bytes(n: float) -> str:
    """``1.2 GB``-style size (decimal units)."""
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB"):
        if abs(n) < 1000 or unit == "EB":
            return f"{n:.3g} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n:.3g} EB"  # pragma: no cover


def fmt_seconds(s: float) -> str:
    """A duration for a person: ``40 s``, ``12 min``, ``3.2 hours``, ``5.1 days``, ``2e+09 years``."""
    if not math.isfinite(s):
        return "forever"
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} hours"
    if s < 365 * 86400:
        return f"{s / 86400:.1f} days"
    return f"{s / (365.25 * 86400):.2g} years"


def require_memory(nbytes: float, *, what: str) -> None:
    """Refuse (ResourceError) a run whose predicted peak ``nbytes`` does not fit in the memory
    available now. ``what`` names the sizes responsible, e.g. ``"--grid 1000000000 (with D = 2)"``."""
    avail = available_memory()
    if not math.isfinite(nbytes) or nbytes > _USABLE * avail:
        raise ResourceError(
            f"{what} needs about {fmt_bytes(nbytes)} of memory; this machine has "
            f"{fmt_bytes(avail)} available: use a smaller value")


def check_count(value, *, name: str, low: int = 1, high: int = MAX_COUNT) -> int:
    """An integer count in ``[low, high]``; beyond ``high`` (default: what int64 can hold, the
    kernels' index type) it is a ResourceError, below ``low`` a ProblemError."""
    from .errors import ProblemError, plain

    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
        raise ProblemError(f"{name} must be an integer, got {plain(value)}")
    v = int(value)
    if v < low:
        raise ProblemError(f"{name} must be an integer >= {low}, got {v}")
    if v > high:
        shown = f"{v:.3g}" if v > 1e15 else str(v)
        limit = "2**63 - 1, the largest count the compiled kernels index" if high == MAX_COUNT else str(high)
        raise ResourceError(f"{name} {shown} is too large: at most {limit}")
    return v


def warn_if_long(seconds: float, *, what: str, command: str | None = None) -> bool:
    """One warning line on stderr when a run is predicted to take longer than
    :data:`LONG_RUN_S`; returns whether it warned. The run goes on (Ctrl-C stops it)."""
    if not (seconds > LONG_RUN_S):
        return False
    prefix = f"ldmstop {command}" if command else "ldmstop"
    print(f"{prefix}: warning: {what}: estimated {fmt_seconds(seconds)} on this machine; "
          "Ctrl-C stops it", file=sys.stderr, flush=True)
    return True


def simulate_memory(D: int, steps: int, checkpoints: int, kept: int, full: int = 0,
                    chunks: int = 64) -> float:
    """Predicted peak bytes of ``ldmstop simulate``: the exact recursions of the theory (about 9
    float64 arrays of D × (K+1), as :func:`ldmstop.curve.discrete_curve`), the per-step tables
    of the kernel (about 10 of K × D), and per chunk of paths its generator states (4 × 17
    uint64) and moment sums (checkpoints × (2·d + full²) floats)."""
    D, K, M = float(D), float(steps), float(checkpoints)
    per_chunk = 4 * 17 + M * (2 * float(kept) + float(full) ** 2)
    return 8.0 * (9 * D * (K + 1) + 10 * K * D + float(chunks) * per_chunk)

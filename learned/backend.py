"""The optional network library (JAX + optax), loaded on demand, single-threaded and seeded.

``ldmstop learned`` trains small networks; they need the ``[learned]`` extra. This module is the
one place that imports JAX: it checks the extra is installed (else a one-line
:class:`MissingExtraError`, exit status 2 on the command line), and, before the first JAX import
of the process, pins XLA's CPU backend to one thread (``--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1``) so that a seeded run gives the same bits every time: with one
thread the order of every floating-point reduction is fixed. numpy's BLAS is limited to one
thread too (``threadpoolctl``, a dependency of scikit-learn) while a run is in progress.

Why JAX: it is what Wu et al. (2025, appendix D) used; on CPU its XLA-compiled matrix products
run at about 60 GFLOP/s on one core here, against under 2 GFLOP/s for this machine's numpy
BLAS, and ``jax`` + ``jaxlib`` + ``optax`` install from PyPI in about 20 s (~390 MB, CPU only).
PyTorch's PyPI wheel for Linux pulls the CUDA stack (several GB of ``nvidia-*`` wheels); its
CPU-only wheels live on a separate index. docs/learned.md has the measurements.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys

from ldmstop.errors import ProblemError

__all__ = ["MissingExtraError", "INSTALL_HINT", "require", "single_thread", "REQUIRED_MODULES"]

INSTALL_HINT = "pip install 'ldm-stopping[learned]'  (from a checkout: pip install -e '.[learned]')"
#: import name -> distribution, the modules the extra provides
REQUIRED_MODULES = {"jax": "jax", "optax": "optax", "sklearn": "scikit-learn",
                    "scipy": "scipy", "threadpoolctl": "threadpoolctl"}
_XLA_SINGLE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


class MissingExtraError(ProblemError):
    """The ``[learned]`` extra is not installed (the message gives the install command)."""


def missing_modules() -> list[str]:
    """Distributions of the extra that cannot be imported."""
    return [dist for mod, dist in REQUIRED_MODULES.items() if importlib.util.find_spec(mod) is None]


def require():
    """Return ``(jax, jax.numpy, optax)``, configured for deterministic single-threaded CPU runs.

    Raises :class:`MissingExtraError` naming the missing packages and the install command.
    """
    missing = missing_modules()
    if missing:
        raise MissingExtraError(f"ldmstop learned needs the [learned] extra (missing: "
                                f"{', '.join(missing)}): {INSTALL_HINT}")
    if "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in flags:
            os.environ["XLA_FLAGS"] = (flags + " " + _XLA_SINGLE_THREAD).strip()
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp
    import optax

    jax.config.update("jax_enable_x64", False)
    return jax, jnp, optax


@contextlib.contextmanager
def single_thread():
    """Limit numpy's BLAS/OpenMP pools to one thread for the duration of a run."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield

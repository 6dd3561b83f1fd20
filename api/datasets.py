"""Real data sets shipped by PyPI packages, for ``ldmstop advise --digits`` (optional extra)."""

from __future__ import annotations

import numpy as np

from .errors import ProblemError

__all__ = ["digits_data", "cifar10_spectrum"]


def digits_data() -> np.ndarray:
    """scikit-learn's ``load_digits``: 1,797 images of 8×8 pixels, as (1797, 64), pixel values
    0..16 mapped to [-1, 1] (``x/8 - 1``), the range diffusion models are trained on (the
    CIFAR-10 spectrum shipped with ldmstop is on that scale too).

    Pedregosa et al. 2011, JMLR 12; the data are the UCI ML hand-written digits (Alpaydin &
    Kaynak 1998). scikit-learn is an optional extra: ``pip install 'ldm-stopping[digits]'``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ProblemError("--digits needs scikit-learn: pip install 'ldm-stopping[digits]'") from None
    return np.asarray(load_digits().data, dtype=float) / 8.0 - 1.0


def cifar10_spectrum() -> np.ndarray:
    """The 3,072 CIFAR-10 covariance eigenvalues shipped as ``ldmstop.data`` (descending).

    From the code of Pierret & Galerne, ICML 2025 (emilePi/Preprint_code, cifar10.npy)."""
    from importlib.resources import files

    with files("ldmstop.data").joinpath("cifar10_eigenvalues.npy").open("rb") as fh:
        lam = np.load(fh, allow_pickle=False)
    return np.sort(np.asarray(lam, dtype=float))[::-1].copy()

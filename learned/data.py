"""Data for ``ldmstop learned``: scikit-learn's 8×8 digits or a user's ``.npy`` matrix, split into
a training set (encoders and scores are fit on it) and a held-out set (every metric compares
generated samples with it), and the PCA of the training set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ldmstop.errors import ProblemError

__all__ = ["Split", "split_data", "digits_split", "npy_split", "Pca", "pca"]


@dataclass(frozen=True)
class Split:
    train: np.ndarray     # (n, D) float64
    heldout: np.ndarray   # (M, D) float64
    source: dict = field(default_factory=dict)

    @property
    def D(self) -> int:
        return int(self.train.shape[1])


def split_data(X: np.ndarray, *, holdout: float, seed: int, source: dict) -> Split:
    """Random split (``numpy.random.default_rng(seed)`` permutation) with a fraction ``holdout``
    held out. Raises :class:`ProblemError` for a matrix that cannot be used."""
    X = np.asarray(X)
    if X.dtype.kind not in "iuf":
        raise ProblemError(f"data must be numeric (integer or float), got dtype {X.dtype}")
    if X.ndim != 2:
        raise ProblemError(f"data must be a 2-D array (samples × dimensions), got shape {X.shape}")
    X = X.astype(np.float64)
    bad = ~np.isfinite(X)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ProblemError(f"data[{i}, {j}] = {float(X[i, j])!r} is not finite")
    n, D = X.shape
    if D < 2:
        raise ProblemError(f"data has D = {D} dimension(s); a latent space needs D >= 2")
    if not (isinstance(holdout, float) or isinstance(holdout, int)) or not 0.0 < float(holdout) < 1.0:
        raise ProblemError(f"holdout must be a fraction in (0, 1), got {holdout!r}")
    m = int(round(float(holdout) * n))
    if m < 10 or n - m < 10:
        raise ProblemError(f"data has {n} samples: the split (holdout {holdout:g}) leaves "
                           f"{n - m} for training and {m} held out; each needs at least 10")
    perm = np.random.default_rng(seed).permutation(n)
    src = dict(source, n_samples=int(n), D=int(D), n_train=int(n - m), n_heldout=int(m),
               holdout=float(holdout), split_seed=int(seed))
    return Split(train=X[perm[m:]], heldout=X[perm[:m]], source=src)


def digits_split(*, holdout: float = 0.3, seed: int = 0) -> Split:
    """scikit-learn's ``load_digits`` (1,797 images, 8×8, pixels mapped to [-1, 1]:
    :func:`ldmstop.datasets.digits_data`)."""
    from ldmstop.datasets import digits_data

    return split_data(digits_data(), holdout=holdout, seed=seed,
                      source={"kind": "digits", "name": "scikit-learn load_digits, 8×8 pixels in [-1, 1]"})


def npy_split(path: str | os.PathLike, *, holdout: float = 0.3, seed: int = 0) -> Split:
    """A user's ``.npy`` matrix (n samples × D), used as given (no rescaling)."""
    from ldmstop.problem import open_npy

    X = np.asarray(open_npy(path, what="data"))
    return split_data(X, holdout=holdout, seed=seed, source={"kind": "data", "path": os.fspath(path)})


@dataclass(frozen=True)
class Pca:
    mean: np.ndarray         # (D,)
    eigenvalues: np.ndarray  # (D,) descending, clipped at 0
    basis: np.ndarray        # (D, D), column i = i-th principal axis


def pca(train: np.ndarray) -> Pca:
    """PCA of the centred training data: ``Σ̂ = (1/(n-1)) Σ (x - x̄)(x - x̄)ᵀ = U diag(λ) Uᵀ``
    (``numpy.linalg.eigh``, float64). The encoder of dimension d is ``z = U_dᵀ(x - x̄)``, the
    decoder ``x̄ + U_d z``: the paper's linear autoencoder ``P_d``, ``P_dᵀ`` in the eigenbasis."""
    X = np.asarray(train, float)
    mu = X.mean(axis=0)
    C = np.cov(X, rowvar=False, ddof=1)
    lam, U = np.linalg.eigh(C)
    order = np.argsort(lam)[::-1]
    lam, U = np.clip(lam[order], 0.0, None), U[:, order]
    # a sign convention, so the basis does not depend on LAPACK's choice: largest entry positive
    signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
    return Pca(mean=mu, eigenvalues=lam, basis=U * np.where(signs == 0, 1.0, signs))

"""The Gaussian theory's prediction for the same data, same d, same schedule and sampler.

Two readings, both from :func:`ldmstop.curve.discrete_curve` (the exact W2² of the discretised
latent sampler for Gaussian data, per-component variance recursions of Pierret & Galerne 2025,
README ``ldmstop curve``), started from ``N(0, I)`` on the learned sampler's grid:

- ``exact``: the data are ``N(0, diag λ)`` with λ the training set's PCA eigenvalues and the
  score is that Gaussian's exact score (what ``ldmstop advise`` assumes by default);
- ``plugin``: the score is the Gaussian score of the training spectrum ``σ̂² = λ`` and the
  target is the held-out data, ``σ_i² = u_iᵀ C_held u_i`` along the training axes ``u_i``
  (the paper's plug-in setting, eq. (5) and Prop 1; the off-diagonal part of ``C_held`` in
  that basis is left out, so this is the diagonal approximation of the held-out target).

The result per d: the best step and its time, the W2² there and at the end, and the curve.
"""

from __future__ import annotations

import numpy as np

from .data import Pca
from .schedules import SamplerSpec

__all__ = ["gaussian_theory"]


def _per_d(res, dims: list[int]) -> dict:
    out = {}
    for d in dims:
        w = np.asarray(res.w2_squared[d - 1], float)
        k = int(np.argmin(w))
        out[str(d)] = {"step": k, "t": float(res.times[k]), "steps_from_end": int(len(w) - 1 - k),
                       "w2_best": float(w[k]), "w2_end": float(w[-1]), "gain": float(w[-1] - w[k]),
                       "relative_gain": float((w[-1] - w[k]) / w[-1]) if w[-1] > 0 else None,
                       "curve": w.tolist()}
    return out


def gaussian_theory(pca: Pca, heldout: np.ndarray, spec: SamplerSpec, steps: int,
                    dims: list[int]) -> dict:
    """``{"exact": {d: …}, "plugin": {d: …}, "times": [...]}`` for latent dimensions ``dims``."""
    from ldmstop.curve import discrete_curve
    from ldmstop.problem import Problem

    kw = dict(scheme=spec.scheme, steps=int(steps), init="normal", truncate=spec.truncate)
    lam = np.asarray(pca.eigenvalues, float)
    exact = discrete_curve(Problem.from_variances(lam, schedule=spec.schedule, T=spec.T), **kw)
    U = pca.basis
    C = np.cov(np.asarray(heldout, float), rowvar=False, ddof=1)
    target = np.clip(np.einsum("ij,jk,ki->i", U.T, C, U), 0.0, None)
    plug = discrete_curve(Problem.from_variances(target, estimated=lam, schedule=spec.schedule, T=spec.T), **kw)
    top = max(dims)
    for res in (exact, plug):  # components must stay in the PCA order for the d's compared
        if not np.allclose(res.problem.sigma2_used[:top], lam[:top], rtol=0, atol=0):
            raise AssertionError("theory: the Gaussian problem reordered the leading PCA components")
    return {"times": np.asarray(exact.times, float).tolist(), "exact": _per_d(exact, dims),
            "plugin": _per_d(plug, dims)}

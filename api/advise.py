"""``ldmstop advise``: which latent dimension and which stop to use, for a user's data or spectrum.

Wu et al. (2025) show that in a latent (PCA) space stopping before the end of sampling can be
optimal; docs/theory.md §2 gives the error of every (dimension, stop) pair in closed form for
Gaussian data:

    W²(t, d) = Σ_{i≤d} (sqrt(V_i(t)) - σ_i)² + Σ_{i>d} σ_i²

with ``V_i`` the variance of kept component ``i`` — ``a²_{T-t} + b²_{T-t} σ̂_i²`` for the exact
continuous sampler, or the Pierret & Galerne recursion for a discretised one. The advisor
estimates the spectrum ``σ_i²`` (PCA of centred data, streamed in chunks), builds that map over
every ``d`` and stop, and reports the best stop per ``d``, the overall best ``(d, stop)``, and
its gain over running to the end.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .errors import ProblemError
from .problem import NpyHeader, Problem, npy_header, open_npy
from .results import Record
from .sampler import Sampler

__all__ = ["data_spectrum", "data_moments", "check_data_shape", "covariance_spectrum", "advise",
           "advice_sampler", "Advice", "BestStop", "BestChoice", "RunToEnd", "Gain",
           "DEFAULT_CHUNK_ROWS"]

#: Rows per chunk when streaming the data: 4096 × 3072 float64 is 100 MB, the largest
#: temporary the PCA makes (the covariance itself is D × D float64: 75 MB at D = 3072).
DEFAULT_CHUNK_ROWS = 4096


def _chunk_reader(X, source, chunk_rows: int):
    """Row chunks of ``X`` (an array, or the :class:`~ldmstop.problem.NpyHeader` of the file
    ``source``). A C-ordered ``.npy`` file is read with plain file reads from the header's end,
    never mapped: the pages of the whole file are not counted in (nor kept in) the process's
    resident memory, and a file larger than the address space allowed (``ulimit -v``) is read
    as any other. Otherwise slices of the array (a Fortran-ordered file: of its memory map)."""
    path = os.fspath(source) if isinstance(source, (str, os.PathLike)) else None
    if path is not None and isinstance(X, NpyHeader) and not X.fortran_order:
        n, D = X.shape
        dtype, offset = X.dtype, X.offset

        def gen():
            with open(path, "rb") as fh:
                for start in range(0, n, chunk_rows):
                    rows = min(chunk_rows, n - start)
                    fh.seek(offset + start * D * dtype.itemsize)
                    raw = np.fromfile(fh, dtype=dtype, count=rows * D)
                    if raw.size != rows * D:
                        raise ProblemError(f"data file {path!r} is truncated")
                    yield start, raw.reshape(rows, D)
        return gen
    if isinstance(X, NpyHeader):
        X = open_npy(path, what="data", mmap_mode="r")

    def gen_slices():
        for start in range(0, X.shape[0], chunk_rows):
            yield start, X[start:start + chunk_rows]
    return gen_slices


def data_moments(data, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, name: str = "data",
                 progress_desc: str | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean and centred sample covariance of ``data`` (n samples × D), streamed.

    ``X̄ = (1/n) Σ_k X_k`` and ``Σ̂ = (1/(n-1)) Σ_k (X_k - X̄)(X_k - X̄)ᵀ``, computed in two passes
    over row chunks — the mean, then ``Σ (X_k - X̄)(X_k - X̄)ᵀ`` accumulated in float64 — so only
    one chunk and the D × D matrix are ever in memory, and no ``XᵀX - n X̄X̄ᵀ`` cancellation
    occurs. ``data`` is an array or the path of a ``.npy`` file (read by plain file reads).
    Returns ``(mean, covariance, n)``. Raises :class:`ProblemError` (messages start with
    ``name``) for a wrong shape, a non-numeric dtype, fewer than 2 samples, or a non-finite
    entry (naming its row and column). ``progress_desc``: a progress bar on a terminal.
    """
    X = npy_header(data, what=name) if isinstance(data, (str, os.PathLike)) else np.asarray(data)
    n, D = check_data_shape(X, name)
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise ProblemError(f"chunk_rows must be an integer >= 1, got {chunk_rows!r}")

    chunks = _chunk_reader(X, data, chunk_rows)
    passes = 2 * (-(-n // chunk_rows))
    bar = _progress_counter(progress_desc, passes)
    total = np.zeros(D)
    for start, raw in chunks():
        c = np.asarray(raw, dtype=np.float64)
        bad = ~np.isfinite(c)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ProblemError(f"{name}[{start + i}, {j}] = {float(c[i, j])!r} is not finite")
        total += c.sum(axis=0)
        bar()
    mean = total / n
    S = np.zeros((D, D))
    for _, raw in chunks():
        c = np.asarray(raw, dtype=np.float64) - mean
        S += c.T @ c  # BLAS syrk-like product; float64 whatever the file's dtype
        bar()
    S /= n - 1
    bar(close=True)
    return mean, S, n


def check_data_shape(X: np.ndarray, name: str = "data") -> tuple[int, int]:
    """``(n, D)`` of a samples matrix, or :class:`ProblemError`: numeric dtype (not bool,
    complex, strings), 2-D, at least 2 samples and 1 dimension. Cheap (no data read)."""
    if X.dtype.kind not in "iuf":
        raise ProblemError(f"{name} must be numeric (integer or float), got dtype {X.dtype}")
    if X.ndim != 2:
        raise ProblemError(f"{name} must be a 2-D array (samples × dimensions), got shape {X.shape}")
    n, D = X.shape
    if n < 2:
        raise ProblemError(f"{name} has {n} sample(s); a covariance needs at least 2")
    if D < 1:
        raise ProblemError(f"{name} has 0 dimensions")
    return n, D


def _progress_counter(desc: str | None, total: int):
    """A callable that advances a tqdm bar on stderr (only on a terminal, only with a desc)."""
    import sys

    if desc is None or not sys.stderr.isatty():
        return lambda close=False: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)

    def step(close: bool = False) -> None:
        if close:
            bar.close()
        else:
            bar.update(1)
    return step


def data_spectrum(data, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> tuple[np.ndarray, int]:
    """Eigenvalues (descending) of the centred sample covariance of ``data`` (n samples × D).

    The covariance of :func:`data_moments` (two streamed passes, float64 accumulation).
    Returns ``(eigenvalues, n)``. Raises :class:`ProblemError` for a wrong shape, a non-numeric
    dtype, fewer than 2 samples, or a non-finite entry (naming its row and column).
    """
    _, S, n = data_moments(data, chunk_rows=chunk_rows)
    lam = np.linalg.eigvalsh(S)
    return np.clip(lam, 0.0, None)[::-1].copy(), n


def covariance_spectrum(cov) -> np.ndarray:
    """Eigenvalues (descending) of a validated covariance matrix (symmetric, PSD)."""
    from .problem import eig_covariance

    lam, _ = eig_covariance(cov)
    return lam[::-1].copy()


@dataclass(frozen=True)
class BestStop(Record):
    """The best stop for one latent dimension ``d``: backward time ``t`` (solver ``step`` for a
    discretised sampler, else ``None``), ``W2`` there and ``W2`` at the end of sampling."""

    d: int
    t: float
    step: int | None
    w2: float
    w2_end: float

    _KEYS = ("d", "t", "step", "w2", "w2_end")


@dataclass(frozen=True)
class BestChoice(Record):
    """The overall best ``(d, stop)``: ``W2`` (not squared) at ``t`` (or solver ``step``)."""

    d: int
    t: float
    step: int | None
    w2: float

    _KEYS = ("d", "t", "step", "w2")


@dataclass(frozen=True)
class RunToEnd(Record):
    """Running to the end of sampling (``t``): the best ``d`` there, its ``W2``, and ``W2``
    with every component kept (``w2_full``)."""

    d: int
    t: float
    w2: float
    w2_full: float

    _KEYS = ("d", "t", "w2", "w2_full")


@dataclass(frozen=True)
class Gain(Record):
    """``W2(end) - W2(best)`` (≥ 0) and its ratio to ``W2(end)`` (0 where ``W2(end) = 0``)."""

    w2: float
    relative: float

    _KEYS = ("w2", "relative")


@dataclass(frozen=True)
class Advice:
    """Output of :func:`advise` (W2 values are distances, not squared)."""

    problem: Problem
    times: np.ndarray
    w2: np.ndarray                      # D × K map of W2 (not squared)
    scheme: str
    steps: int | None
    best_stop: list[BestStop]           # one per latent dimension d = 1..D
    best: BestChoice
    end: RunToEnd
    gain: Gain
    source: dict = field(default_factory=dict)

    def to_json(self, include_map: bool = False) -> dict:
        out = {
            "problem": self.problem.describe(),
            "source": self.source,
            "scheme": self.scheme,
            "steps": self.steps,
            "eigenvalues": self.problem.sigma2.tolist(),
            "per_dimension": [r.to_json() for r in self.best_stop],
            "best": self.best.to_json(),
            "end": self.end.to_json(),
            "gain": self.gain.to_json(),
        }
        if include_map:
            out["times"] = self.times.tolist()
            out["w2"] = self.w2.tolist()
        return out


def advice_sampler(problem: Problem, *, scheme: str = "exact", steps: int | None = None,
                   init: str = "pT", truncate: float = 0.0) -> Sampler:
    """The :class:`~ldmstop.sampler.Sampler` the advisor runs, checked for ``problem``. For the
    exact sampler ``steps``, ``init`` and ``truncate`` are not used (and not checked)."""
    if scheme == "exact":
        return Sampler.build(problem=problem)
    return Sampler.build(scheme=scheme, steps=steps, init=init, truncate=truncate, problem=problem)


def advise(problem: Problem, *, scheme: str = "exact", steps: int | None = None,
           init: str = "pT", truncate: float = 0.0, grid: int = 1001,
           source: dict | None = None, sampler: Sampler | None = None) -> Advice:
    """Best stop per latent dimension, overall best ``(d, stop)``, gain over running to the end.

    ``W²(t, d)`` comes from :func:`ldmstop.curve.compute_curve` (exact continuous sampler on
    ``grid`` times, the overall optimum refined off the grid; or a discretised ``scheme`` with
    ``steps`` steps, where the stops are the solver steps). "Running to the end" means the last
    grid time with the best ``d`` for that time (``end.d``) and with ``d = D`` (``end.w2_full``);
    the gain is ``W2(end) - W2(best)`` (≥ 0) and its ratio to ``W2(end)``. ``sampler``: the
    settings already checked (:func:`advice_sampler`; then ``scheme``, ``steps``, ``init`` and
    ``truncate`` are not read).
    """
    from .curve import compute_curve

    if sampler is None:
        sampler = advice_sampler(problem, scheme=scheme, steps=steps, init=init, truncate=truncate)
    scheme, steps = sampler.scheme, sampler.steps
    res = compute_curve(problem, grid=grid, sampler=sampler)
    w2sq = np.clip(res.w2_squared, 0.0, None)
    w2 = np.sqrt(w2sq)
    k_best = np.argmin(w2sq, axis=1)
    discrete = scheme != "exact"
    per_d = [BestStop(d=j + 1, t=float(res.times[k]), step=int(k) if discrete else None,
                      w2=float(w2[j, k]), w2_end=float(w2[j, -1]))
             for j, k in enumerate(k_best)]
    o = res.optimal
    best = BestChoice(d=int(o.d), t=float(o.t), step=o.step if discrete else None,
                      w2=float(np.sqrt(max(o.w2_squared, 0.0))))
    j_end = int(np.argmin(w2sq[:, -1]))
    end = RunToEnd(d=j_end + 1, t=float(res.times[-1]), w2=float(w2[j_end, -1]),
                   w2_full=float(w2[-1, -1]))
    g = end.w2 - best.w2
    gain = Gain(w2=g, relative=(g / end.w2) if end.w2 > 0 else 0.0)
    return Advice(problem=problem, times=np.asarray(res.times), w2=w2, scheme=scheme,
                  steps=None if not discrete else int(steps), best_stop=per_d, best=best,
                  end=end, gain=gain, source=dict(source or {}))

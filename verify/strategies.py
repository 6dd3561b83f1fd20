"""Composable Hypothesis strategies for Gaussian latent-diffusion settings.

Public module ``ldmstop.verify.strategies``: the building blocks of the project's property-based
tests (``tests/property``), meant to be reused in your own tests of samplers, Fréchet distance
code or stopping rules. Every strategy

* draws NumPy ``float64`` arrays (or small named tuples of them) that satisfy a documented
  invariant *by construction* (no heavy ``filter``), so that Hypothesis rarely rejects data;
* shrinks toward small, readable examples: the dimension toward its minimum, values toward
  ``1``, ``0.5``, ``0.25`` … (the first branches of every ``one_of``), rotations toward the
  identity, random seeds toward ``0``.

Conventions follow docs/theory.md §1 (Wu et al. 2025, *Optimal Stopping in Latent Diffusion Models*,
arXiv:2510.08409): variances ``σ_i²`` are the eigenvalues of ``Σ`` listed in *decreasing* order,
plug-in estimates ``σ̂_i²`` are paired with them, schedules default to ``"ou"`` and
``"vp-linear"`` (:data:`ALL_SCHEDULES` lists the four built-in ones).

Example::

    from hypothesis import given
    from ldmstop.verify import strategies as lst

    @given(lst.covariances(min_size=2, max_size=4))
    def test_trace_is_sum_of_eigenvalues(c):
        assert abs(c.matrix.trace() - c.eigenvalues.sum()) <= 1e-12 * c.eigenvalues.sum()

Strategies do not import SymPy or Numba; :func:`problems` imports :mod:`ldmstop` (light).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple, Sequence

import numpy as np

from ldmstop import registry as _registry

try:
    from hypothesis import strategies as st
except ImportError as exc:  # Hypothesis is a test dependency, not a core one
    raise ImportError("ldmstop.verify.strategies needs Hypothesis: pip install "
                      "'ldm-stopping[testing]'") from exc

__all__ = [
    "NICE_VARIANCES",
    "Covariance",
    "EstimatedSpectrum",
    "EstimatedCovariance",
    "variance_values",
    "spectra",
    "distinct_spectra",
    "decaying_spectra",
    "nearly_degenerate_spectra",
    "ill_conditioned_spectra",
    "any_spectra",
    "haar_orthogonal",
    "orthogonal_matrices",
    "covariances",
    "wishart_covariances",
    "low_rank_covariances",
    "ill_conditioned_covariances",
    "psd_matrices",
    "psd_matrix_tuples",
    "plugin_estimates",
    "spectra_with_estimates",
    "loewner_estimate",
    "loewner_estimates",
    "covariances_with_estimates",
    "STRATEGY_MAX_T",
    "STRATEGY_MIN_T",
    "VP_SCHEDULES",
    "ALL_SCHEDULES",
    "NICE_EPS",
    "MIN_ESTIMATE_RATIO",
    "schedules",
    "horizons",
    "backward_times",
    "forward_times",
    "problems",
]

#: Readable values every variance strategy tries first (and shrinks toward): powers of two
#: around 1, a few decimal decades, values on both sides of 1 and of the thresholds 1/4, 1/3.
NICE_VARIANCES: tuple[float, ...] = (1.0, 0.5, 0.25, 2.0, 0.1, 0.01, 4.0, 0.2, 0.6, 0.36, 1e-3,
                                     1e-6, 10.0, 1e-10, 1e-12)


class Covariance(NamedTuple):
    """A covariance ``matrix = basis @ diag(eigenvalues) @ basis.T``.

    ``eigenvalues`` are decreasing (``σ_1² ≥ … ≥ σ_D² ≥ 0``); ``basis`` is orthogonal with the
    matching eigenvectors as columns. ``matrix`` is symmetrised exactly (``(M + Mᵀ)/2``) and is
    PSD up to round-off: a rotated exact zero eigenvalue becomes ``±O(D u ‖Σ‖)`` in float64, which
    tolerances in properties must allow for.
    """

    matrix: np.ndarray
    eigenvalues: np.ndarray
    basis: np.ndarray


class EstimatedSpectrum(NamedTuple):
    """True variances, a plug-in estimate inside ``|σ̂_i² − σ_i²| ≤ ε σ_i²``, and that ``ε``."""

    sigma2: np.ndarray
    sigma2_hat: np.ndarray
    eps: float


class EstimatedCovariance(NamedTuple):
    """``Σ`` and an estimate ``Σ̂`` with ``(1−ε)Σ ⪯ Σ̂ ⪯ (1+ε)Σ`` (Wu et al. 2025, Prop 7 event).

    ``estimate`` is itself a :class:`Covariance` (its eigen-decomposition is the empirical PCA
    ``Ô diag(σ̂²) Ôᵀ`` of Prop 7).
    """

    true: Covariance
    estimate: Covariance
    eps: float


# ----------------------------------------------------------------------------- scalars
def _log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    """``10**e`` with ``e`` uniform-ish in ``[log10 lo, log10 hi]``; shrinks toward ``e = 0``
    (the value 1) when 1 is inside the range, else toward the end nearest to 1."""
    elo, ehi = math.log10(lo), math.log10(hi)
    return st.floats(elo, ehi, allow_nan=False).map(lambda e: float(min(max(10.0 ** e, lo), hi)))


def variance_values(min_value: float = 1e-12, max_value: float = 10.0) -> st.SearchStrategy[float]:
    """One variance in ``[min_value, max_value]`` (``min_value > 0``).

    A mix of :data:`NICE_VARIANCES` (tried first, so failures shrink to them), uniform floats and
    log-uniform floats (which reach ``1e-12`` as easily as ``1``).
    """
    if not 0 < min_value <= max_value:
        raise ValueError(f"need 0 < min_value <= max_value, got {min_value}, {max_value}")
    nice = [v for v in NICE_VARIANCES if min_value <= v <= max_value]
    branches = [st.sampled_from(nice)] if nice else []
    branches += [st.floats(min_value, max_value, allow_nan=False), _log_uniform(min_value, max_value)]
    return st.one_of(*branches)


# ----------------------------------------------------------------------------- spectra
def _decreasing(values: Sequence[float]) -> np.ndarray:
    return np.sort(np.asarray(values, dtype=float))[::-1].copy()


@st.composite
def spectra(draw, min_size: int = 1, max_size: int = 6, *, min_value: float = 1e-12,
            max_value: float = 10.0, zeros: bool = False) -> np.ndarray:
    """Decreasing variances ``σ_1² ≥ … ≥ σ_D²`` (repeats allowed), ``D ∈ [min_size, max_size]``.

    With ``zeros=True`` a (possibly empty) tail of exact zeros is appended (singular Σ); the
    total size still lies in ``[min_size, max_size]`` and at least one value is positive.
    """
    D = draw(st.integers(min_size, max_size))
    n_zero = draw(st.integers(0, D - 1)) if zeros else 0
    vals = draw(st.lists(variance_values(min_value, max_value), min_size=D - n_zero,
                         max_size=D - n_zero))
    return np.concatenate([_decreasing(vals), np.zeros(n_zero)])


@st.composite
def distinct_spectra(draw, min_size: int = 1, max_size: int = 6, *, min_value: float = 1e-6,
                     max_value: float = 10.0, min_ratio: float = 1.01,
                     max_ratio: float = 20.0) -> np.ndarray:
    """Strictly decreasing variances with ``σ_i²/σ_{i+1}² ∈ [min_ratio, max_ratio]``.

    The hypothesis ``σ_1 > … > σ_D > 0`` of Props 2 and 6. Built from the ratios (which shrink
    toward the nice ratios 2, 1.5, 4, 10) and a top value; the ratios are capped so that no value
    falls below ``min_value``.
    """
    if min_ratio <= 1:
        raise ValueError("min_ratio must be > 1 for strictly decreasing spectra")
    D = draw(st.integers(min_size, max_size))
    # Room left for D-1 ratios of at least min_ratio below the top value.
    top_min = min(max_value, min_value * min_ratio ** (D - 1))
    top = draw(variance_values(top_min, max_value))
    room = top / min_value
    per_step = room ** (1.0 / max(D - 1, 1))
    hi = max(min_ratio, min(max_ratio, per_step))
    ratio = st.one_of(st.sampled_from([r for r in (2.0, 1.5, 4.0, 10.0) if min_ratio <= r <= hi] or [min_ratio]),
                      st.floats(min_ratio, hi, allow_nan=False))
    rs = draw(st.lists(ratio, min_size=D - 1, max_size=D - 1))
    vals = [top]
    for r in rs:
        vals.append(vals[-1] / r)
    out = np.asarray(vals, dtype=float)
    # Floating-point division keeps strict order; guard it anyway (equal values would break
    # the hypothesis the strategy promises).
    assert np.all(np.diff(out) < 0) or D == 1
    return out


@st.composite
def decaying_spectra(draw, min_size: int = 2, max_size: int = 8, *,
                     kind: str | None = None) -> np.ndarray:
    """Structured spectra: exponential ``c λ^{-(i-1)}`` (``λ ∈ [1.05, 20]``) or power-law
    ``c i^{-α}`` (``α ∈ [0.5, 4]``), with scale ``c ∈ [1e-3, 10]`` (so above and below 1).

    ``kind``: ``"exponential"``, ``"power"`` or ``None`` (either). Corollary 1 of Wu et al. uses
    the exponential family.
    """
    D = draw(st.integers(min_size, max_size))
    kind = kind or draw(st.sampled_from(["exponential", "power"]))
    c = draw(variance_values(1e-3, 10.0))
    i = np.arange(D, dtype=float)
    if kind == "exponential":
        lam = draw(st.one_of(st.sampled_from([2.0, 10.0, 1.5]), st.floats(1.05, 20.0)))
        return c * lam ** (-i)
    if kind == "power":
        alpha = draw(st.one_of(st.sampled_from([1.0, 2.0, 0.5]), st.floats(0.5, 4.0)))
        return c * (i + 1.0) ** (-alpha)
    raise ValueError(f"kind must be 'exponential', 'power' or None, got {kind!r}")


@st.composite
def nearly_degenerate_spectra(draw, min_size: int = 2, max_size: int = 6, *,
                              min_rel_gap: float = 1e-10, max_rel_gap: float = 1e-3) -> np.ndarray:
    """Strictly decreasing spectra whose values cluster: ``σ_{i+1}² = σ_i² (1 − g_i)`` with
    relative gaps ``g_i ∈ [min_rel_gap, max_rel_gap]`` (log-uniform), possibly in two clusters.

    Nearly equal eigenvalues make eigenvectors ill-determined: the hard case for code that
    eigendecomposes (PCA, the full-matrix Fréchet distance).
    """
    D = draw(st.integers(min_size, max_size))
    top = draw(variance_values(1e-4, 10.0))
    gaps = draw(st.lists(_log_uniform(min_rel_gap, max_rel_gap), min_size=D - 1, max_size=D - 1))
    # Optionally one large jump, so that two clusters appear.
    jump_at = draw(st.integers(-1, D - 2)) if D > 2 else -1
    vals = [top]
    for k, g in enumerate(gaps):
        vals.append(vals[-1] * (0.5 if k == jump_at else (1.0 - g)))
    return np.asarray(vals, dtype=float)


@st.composite
def ill_conditioned_spectra(draw, min_size: int = 2, max_size: int = 6, *,
                            max_condition: float = 1e12) -> np.ndarray:
    """Decreasing positive spectra with condition number ``σ_1²/σ_D² = κ`` chosen log-uniformly
    in ``[1, max_condition]``; interior values log-uniform between the two ends."""
    D = draw(st.integers(min_size, max_size))
    top = draw(variance_values(1e-2, 10.0))
    log_kappa = draw(st.one_of(st.sampled_from([math.log10(max_condition), 6.0]),
                               st.floats(0.0, math.log10(max_condition))))
    log_kappa = min(log_kappa, math.log10(max_condition))
    inner = draw(st.lists(st.floats(0.0, 1.0), min_size=max(D - 2, 0), max_size=max(D - 2, 0)))
    expo = np.concatenate([[0.0], np.sort(inner), [1.0]])[:D] if D >= 2 else np.array([0.0])
    return _decreasing(top * 10.0 ** (-log_kappa * expo))


def any_spectra(min_size: int = 1, max_size: int = 6, *, zeros: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Any of the spectrum families above (the general-purpose choice)."""
    fams = [spectra(min_size, max_size, zeros=zeros),
            distinct_spectra(min_size, max_size)]
    if max_size >= 2:
        lo = max(min_size, 2)
        fams += [decaying_spectra(lo, max_size), nearly_degenerate_spectra(lo, max_size),
                 ill_conditioned_spectra(lo, max_size)]
    return st.one_of(*fams)


# ----------------------------------------------------------------------------- rotations
def haar_orthogonal(n: int) -> st.SearchStrategy[np.ndarray]:
    """Haar-distributed ``n × n`` orthogonal matrices (Mezzadri 2007: QR of a Gaussian matrix
    with the signs of ``diag(R)`` moved into ``Q``), from a seed that shrinks toward 0."""

    def build(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        q, r = np.linalg.qr(rng.standard_normal((n, n)))
        return q * np.where(np.diag(r) < 0, -1.0, 1.0)

    return st.integers(0, 2**32 - 1).map(build)


@st.composite
def _givens(draw, n: int) -> np.ndarray:
    """A rotation by angle θ in one coordinate plane (readable near-identity rotations)."""
    Q = np.eye(n)
    if n < 2:
        return Q
    i, j = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
    th = draw(st.one_of(st.sampled_from([math.pi / 4, math.pi / 6]), st.floats(-math.pi, math.pi)))
    c, s = math.cos(th), math.sin(th)
    Q[i, i] = Q[j, j] = c
    Q[i, j], Q[j, i] = -s, s
    return Q


@st.composite
def _signed_permutation(draw, n: int) -> np.ndarray:
    perm = draw(st.permutations(list(range(n))))
    signs = draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=n, max_size=n))
    Q = np.zeros((n, n))
    Q[np.arange(n), perm] = signs
    return Q


def orthogonal_matrices(n: int) -> st.SearchStrategy[np.ndarray]:
    """Orthogonal ``n × n`` matrices: identity (shrink target), signed permutations, a Givens
    rotation, or Haar-random (:func:`haar_orthogonal`)."""
    return st.one_of(st.just(np.eye(n)), _signed_permutation(n), _givens(n), haar_orthogonal(n))


# ----------------------------------------------------------------------------- covariances
def _assemble(eigenvalues: np.ndarray, basis: np.ndarray) -> Covariance:
    lam = np.asarray(eigenvalues, dtype=float)
    M = (basis * lam) @ basis.T
    M = 0.5 * (M + M.T)
    return Covariance(M, lam.copy(), np.asarray(basis, dtype=float).copy())


@st.composite
def covariances(draw, min_size: int = 1, max_size: int = 5, *,
                spectrum: st.SearchStrategy[np.ndarray] | None = None,
                rotation: str = "any") -> Covariance:
    """``Σ = O Λ Oᵀ`` with ``Λ`` from ``spectrum`` (default :func:`any_spectra`) and ``O`` from
    :func:`orthogonal_matrices` (``rotation="any"``) or :func:`haar_orthogonal` (``"haar"``)."""
    lam = draw(spectrum if spectrum is not None else any_spectra(min_size, max_size))
    n = lam.size
    O = draw(haar_orthogonal(n) if rotation == "haar" else orthogonal_matrices(n))
    return _assemble(lam, O)


def ill_conditioned_covariances(min_size: int = 2, max_size: int = 5, *,
                                max_condition: float = 1e12) -> st.SearchStrategy[Covariance]:
    """Rotated ill-conditioned spectra (condition number up to ``max_condition``), Haar basis."""
    return covariances(spectrum=ill_conditioned_spectra(min_size, max_size, max_condition=max_condition),
                       rotation="haar")


def low_rank_covariances(min_size: int = 2, max_size: int = 5) -> st.SearchStrategy[Covariance]:
    """Singular PSD covariances: a spectrum with a tail of exact zeros, rotated (Haar or simple)."""
    return covariances(spectrum=spectra(min_size, max_size, zeros=True))


@st.composite
def wishart_covariances(draw, min_size: int = 1, max_size: int = 5, *,
                        max_dof: int = 8) -> Covariance:
    """``Σ = G Gᵀ / k`` with ``G`` an ``n × k`` standard Gaussian matrix (Wishart(k, I/k)).

    ``k < n`` gives a singular (rank-``k``) covariance. The eigen-decomposition is computed with
    ``numpy.linalg.eigh`` (eigenvalues clipped at 0, decreasing).
    """
    n = draw(st.integers(min_size, max_size))
    k = draw(st.integers(1, max_dof))
    seed = draw(st.integers(0, 2**32 - 1))
    G = np.random.default_rng(seed).standard_normal((n, k))
    M = G @ G.T / k
    M = 0.5 * (M + M.T)
    lam, U = np.linalg.eigh(M)
    return Covariance(M, np.clip(lam[::-1], 0.0, None), U[:, ::-1].copy())


def psd_matrices(min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[Covariance]:
    """Every covariance family: rotated spectra (incl. zeros), Wishart, low-rank, ill-conditioned."""
    fams = [covariances(min_size, max_size), wishart_covariances(min_size, max_size)]
    if max_size >= 2:
        lo = max(min_size, 2)
        fams += [low_rank_covariances(lo, max_size), ill_conditioned_covariances(lo, max_size)]
    return st.one_of(*fams)


def psd_matrix_tuples(k: int = 2, min_size: int = 1, max_size: int = 5,
                      family=psd_matrices) -> st.SearchStrategy[tuple[Covariance, ...]]:
    """``k`` covariances of one common size (pairs for distances, triples for the triangle
    inequality); ``family(n, n)`` is any of the covariance strategies above."""
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(*[family(n, n) for _ in range(k)]))


# ----------------------------------------------------------------------------- estimates
#: Smallest ``1 + u`` a plug-in estimate is drawn with when ``ε ≥ 1``: the paper's estimates are
#: strictly positive (``σ̂_D > 0``), so ``u = −1`` (``σ̂² = 0``) is excluded.
MIN_ESTIMATE_RATIO = 1.0 / 1024


@st.composite
def plugin_estimates(draw, sigma2: np.ndarray, eps: float) -> np.ndarray:
    """``σ̂_i² = σ_i² (1 + u_i)`` with ``u_i ∈ [−min(ε, 1 − 2⁻¹⁰), ε]``: inside the event
    ``|σ̂_i² − σ_i²| ≤ ε σ_i²`` of Wu et al. Props 3/8 and 9 (relative error, so zeros stay 0),
    exactly: the event holds for the float64 values in rational arithmetic.

    ``ε`` may exceed 1 (the event of Prop 5 is ``ε = 1``; ``ε > 3`` reaches ``σ̂² > 4σ²``, where
    keeping a component never helps, and with ``σ² > 1/(1 + ε)`` also ``σ̂² > 1``, where the
    plug-in variance decreases with the noise level); the lower end stops short of ``σ̂² = 0``.
    ``u_i`` shrinks toward 0 (the exact score) and the ends are tried early.
    """
    sigma2 = np.asarray(sigma2, dtype=float)
    lo = -min(float(eps), 1.0 - MIN_ESTIMATE_RATIO)
    u = st.one_of(st.sampled_from([0.0, float(eps), lo]), st.floats(lo, float(eps), allow_nan=False))
    us = np.asarray(draw(st.lists(u, min_size=sigma2.size, max_size=sigma2.size)), dtype=float)
    out = sigma2 * (1.0 + us)
    # Rounding of (1 + u) and of the product can put σ̂² an ulp outside the event, and claims
    # checked at 50 digits see that ulp (Prop 3(a) is tight at the edge of the event): step
    # back toward σ² until the event holds in exact rational arithmetic and in float64.
    e = Fraction(float(eps))
    for i in range(out.size):
        s = Fraction(float(sigma2[i]))
        while (abs(Fraction(float(out[i])) - s) > e * s
               or abs(out[i] - sigma2[i]) > eps * sigma2[i]):  # and as users check it in float64
            out[i] = np.nextafter(out[i], sigma2[i])
    return out


#: ε values every estimate strategy tries first: inside Prop 2's safe event (ε < 3), the Prop 5
#: event (ε = 1) and beyond the 4σ² boundary (ε = 5: σ̂² up to 6σ²).
NICE_EPS: tuple[float, ...] = (0.1, 0.5, 0.01, 1.0, 3.0, 5.0, 0.9)


def _eps_values(min_eps: float, max_eps: float) -> st.SearchStrategy[float]:
    """ε in ``[min_eps, max_eps]``: nice values first, then uniform and (for wide ranges)
    log-uniform draws, so that both ``ε ~ 1e-3`` and ``ε ~ max_eps`` are reached."""
    nice = [e for e in NICE_EPS if min_eps <= e <= max_eps] or [max_eps]
    branches = [st.sampled_from(nice), st.floats(min_eps, max_eps, allow_nan=False)]
    if max_eps > 0 and max_eps / max(min_eps, 1e-4) > 10:
        branches.append(_log_uniform(max(min_eps, 1e-4), max_eps))
    return st.one_of(*branches)


@st.composite
def spectra_with_estimates(draw, spectrum: st.SearchStrategy[np.ndarray] | None = None, *,
                           max_eps: float = 0.5, min_eps: float = 0.0) -> EstimatedSpectrum:
    """A spectrum, an ``ε ∈ [min_eps, max_eps]`` and a plug-in estimate on the ε-event.

    ``max_eps`` may exceed 1 (see :func:`plugin_estimates`): ``max_eps = 8`` reaches estimate
    ratios ``σ̂²/σ²`` from 1/1024 to 9, hence ``σ̂² > 4σ²`` and ``σ̂² > 1``. The pair is left in the spectrum's order (decreasing true variances); the estimates need not
    be ordered. :class:`ldmstop.Problem` reorders by decreasing estimate, as PCA would.
    """
    sig2 = draw(spectrum if spectrum is not None else any_spectra())
    eps = draw(_eps_values(min_eps, max_eps))
    return EstimatedSpectrum(sig2, draw(plugin_estimates(sig2, eps)), float(eps))


def loewner_estimate(cov: Covariance, E: np.ndarray) -> Covariance:
    """``Σ̂ = Σ^{1/2} (I + E) Σ^{1/2}`` for a symmetric ``E``; if ``‖E‖₂ ≤ ε`` then
    ``(1−ε)Σ ⪯ Σ̂ ⪯ (1+ε)Σ`` exactly (congruence preserves the Loewner order)."""
    r = (cov.basis * np.sqrt(cov.eigenvalues)) @ cov.basis.T
    M = r @ (np.eye(E.shape[0]) + E) @ r
    M = 0.5 * (M + M.T)
    lam, U = np.linalg.eigh(M)
    return Covariance(M, np.clip(lam[::-1], 0.0, None), U[:, ::-1].copy())


@st.composite
def loewner_estimates(draw, cov: Covariance, eps: float) -> Covariance:
    """An estimate ``Σ̂`` with ``(1−ε)Σ ⪯ Σ̂ ⪯ (1+ε)Σ`` (Prop 7's event), generally *not*
    commuting with ``Σ``: ``E = U diag(e) Uᵀ`` with ``e_i ∈ [−ε, ε]`` and ``U`` orthogonal."""
    n = cov.eigenvalues.size
    e = draw(st.lists(st.one_of(st.sampled_from([0.0, eps, -eps]), st.floats(-eps, eps)),
                      min_size=n, max_size=n))
    U = draw(orthogonal_matrices(n))
    E = (U * np.asarray(e, dtype=float)) @ U.T
    return loewner_estimate(cov, 0.5 * (E + E.T))


@st.composite
def covariances_with_estimates(draw, cov: st.SearchStrategy[Covariance] | None = None, *,
                               max_eps: float = 0.1, min_eps: float = 0.0) -> EstimatedCovariance:
    """``(Σ, Σ̂, ε)`` on the Loewner event of Prop 7."""
    c = draw(cov if cov is not None else covariances())
    eps = draw(st.one_of(st.sampled_from([e for e in (0.01, 0.1, 1e-3) if min_eps <= e <= max_eps] or [max_eps]),
                         st.floats(min_eps, max_eps, allow_nan=False)))
    return EstimatedCovariance(c, draw(loewner_estimates(c, eps)), float(eps))


# ----------------------------------------------------------------------------- time
#: Largest horizon drawn per schedule (a test default, not the schedule's domain, which is
#: ``ldmstop.registry.MAX_T``): OU is defined for every T (at T = 50, a_T² = 1 − e^{-100} is 1 in
#: float64: the start is pure noise to machine precision); VP-linear's β is defined on [0, 1];
#: VP-cosine stops at 0.9946 (DPM-Solver), where its drift is still finite; the rectified flow
#: at 1.
STRATEGY_MAX_T = {"ou": 50.0, "vp-linear": 1.0, "vp-cosine": 0.9946, "rectified-flow": 1.0}
#: Smallest horizon drawn by default: a diffusion stopped almost at once (a_T² ~ 2e-4 for OU).
STRATEGY_MIN_T = 1e-4
#: The variance-preserving built-in schedules (the closed forms in x = a_s² apply) and all of them.
VP_SCHEDULES = _registry.VP_SCHEDULES
ALL_SCHEDULES = _registry.SCHEDULES


def schedules(names: Sequence[str] = ("ou", "vp-linear")) -> st.SearchStrategy[str]:
    """Schedule names, the first (``"ou"``) being the shrink target (docs/theory.md §1). The default
    is the two VP schedules of the paper; :data:`VP_SCHEDULES` adds VP-cosine (every claim stated
    in ``x = a_s²`` holds for it too) and :data:`ALL_SCHEDULES` the rectified flow."""
    return st.sampled_from(list(names))


def horizons(schedule: str = "ou", *, min_T: float = STRATEGY_MIN_T,
             max_T: float | None = None) -> st.SearchStrategy[float]:
    """Horizons ``T ∈ [min_T, max_T]`` (default ``[1e-4, STRATEGY_MAX_T]``: OU up to 50, the
    others up to the end of their domain). Tries the paper's 2 and 1 (OU) or 1 and 1/2 first,
    then both ends, then uniform and log-uniform draws (so ``T ~ 1e-4`` is as easy to reach as
    ``T ~ 10``)."""
    hi = max_T if max_T is not None else STRATEGY_MAX_T[schedule]
    if not 0 < min_T <= hi:
        raise ValueError(f"need 0 < min_T <= max_T, got {min_T}, {hi}")
    nice = [v for v in ((2.0, 1.0) if schedule == "ou" else (1.0, 0.5)) if min_T <= v <= hi]
    edges = [hi, min_T]
    return st.one_of(st.sampled_from(nice + edges), st.floats(min_T, hi, allow_nan=False),
                     _log_uniform(min_T, hi))


def forward_times(T: float, *, min_s: float = 1e-10) -> st.SearchStrategy[float]:
    """Forward times ``s ∈ [min(min_s, T), T]`` (``s = T − t``): ``T``, ``T/2`` and ``min_s``
    first, then uniform and log-uniform (down to the end of sampling, where scores are stiff)."""
    lo = min(min_s, T)
    return st.one_of(st.sampled_from([T, T / 2, lo]), st.floats(lo, T, allow_nan=False),
                     _log_uniform(lo, T))


def backward_times(T: float, *, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[np.ndarray]:
    """Sorted backward times in ``[0, T]``, always including the edge cases ``0`` and ``T`` as
    candidates (``t = T`` is the end of sampling, where W² is most cancellation-prone)."""
    t = st.one_of(st.sampled_from([T, 0.0, T / 2]), st.floats(0.0, T, allow_nan=False))
    return st.lists(t, min_size=min_size, max_size=max_size).map(lambda v: np.sort(np.asarray(v, float)))


@st.composite
def problems(draw, *, spectrum: st.SearchStrategy[np.ndarray] | None = None,
             estimated: bool | None = None, max_eps: float = 0.5,
             schedule: str | Sequence[str] | None = None):
    """A validated :class:`ldmstop.Problem`: spectrum, optional plug-in estimate on the ε-event
    (``ε ≤ max_eps``, which may exceed 1: see :func:`plugin_estimates`), schedule and horizon
    (:func:`horizons`). ``schedule``: a name, a sequence of names to draw from, or ``None`` (the
    two VP schedules of the paper). ``estimated=None`` draws either case."""
    from ldmstop import Problem

    sig2 = draw(spectrum if spectrum is not None else any_spectra())
    if isinstance(schedule, str):
        sched = schedule
    else:
        sched = draw(schedules(schedule) if schedule is not None else schedules())
    T = draw(horizons(sched))
    est = draw(st.booleans()) if estimated is None else estimated
    hat = None
    if est:
        eps = draw(_eps_values(0.0, max_eps))
        hat = draw(plugin_estimates(sig2, eps))
    return Problem.from_variances(sig2, estimated=hat, schedule=sched, T=T)

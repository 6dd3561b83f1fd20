"""Properties of the Fréchet (Wasserstein-2) distance between centred Gaussians.

Code under test: :mod:`ldmstop.frechet` (float64 ``frechet_distance2``, ``frechet_diagonal`` and
the mpmath ``frechet_distance2_mp``). Independent routes: the covariances' *known* eigen-
decompositions (from the strategies), a 50-digit evaluation through the eigenvalues of the
non-symmetric product ``A B`` (``ldm_reference.frechet_mp_eig``), and two matrix inequalities
proved here:

* upper bound ``d² ≤ ‖A^{1/2} − B^{1/2}‖_F²`` (``d_B² = min_U ‖A^{1/2} − B^{1/2}U‖_F²``, take U = I);
* lower bound ``d² ≥ Σ_i (sqrt λ_i(A) − sqrt λ_i(B))²`` (eigenvalues sorted; von Neumann's trace
  inequality on ``‖A^{1/2}B^{1/2}‖_*``), and
  ``d² ≥ ‖A − B‖_F² / (sqrt‖A‖₂ + sqrt‖B‖₂)²`` (write ``A − B = X(X−Y)ᵀ + (X−Y)Yᵀ`` with
  ``X = A^{1/2}``, ``Y = B^{1/2}U``): strictly positive as soon as ``A ≠ B``, i.e. zero iff equal.

Tolerances are the achievable float64 bound :func:`ldm_reference.frechet_float_error_bound`
(``2 D^{3/2} sqrt(u ‖A‖‖B‖)``): a square root of an eigenvalue near 0 is only known to
``sqrt(u)`` relative, whatever the algorithm, so singular inputs cannot do better.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import ldm_reference as ref
from ldmstop.frechet import frechet_diagonal, frechet_distance2, frechet_distance2_mp
from ldmstop.verify import strategies as lst

pytestmark = pytest.mark.property


def _root(c: lst.Covariance) -> np.ndarray:
    """``A^{1/2}`` from the strategy's own eigen-decomposition (not the code's ``psd_sqrt``)."""
    return (c.basis * np.sqrt(c.eigenvalues)) @ c.basis.T


def _mp_d2(A: np.ndarray, B: np.ndarray) -> mp.mpf:
    with mp.workdps(ref.DPS):
        return frechet_distance2_mp(ref.mp_matrix(A), ref.mp_matrix(B))


@given(lst.psd_matrix_tuples(2))
def test_frechet_nonnegative_and_finite(pair):
    """``d_F² ≥ 0``: the float64 value is finite and ≥ 0, and so is the *unclamped* 50-digit
    value (the float function clamps at 0, so its sign alone proves nothing; the mpmath one
    does not clamp, and a wrong cross-term coefficient makes ``d(A, A) < 0``)."""
    A, B = pair
    f = frechet_distance2(A.matrix, B.matrix)
    assert math.isfinite(f) and f >= 0.0
    with mp.workdps(ref.DPS):
        e = frechet_distance2_mp(ref.mp_matrix(A.matrix), ref.mp_matrix(B.matrix))
        # The stored float64 matrices are PSD only up to round-off: a rotated exact zero
        # eigenvalue becomes ±D u ‖A‖, which is what can show up with a negative sign here.
        defect = 4 * A.eigenvalues.size * ref.U * float(A.eigenvalues.sum() + B.eigenvalues.sum())
        assert e >= -defect
    # The float value is within the achievable bound of the exact one.
    assert abs(f - float(e)) <= ref.frechet_float_error_bound(A.eigenvalues, B.eigenvalues)


@given(lst.psd_matrix_tuples(2))
def test_frechet_symmetric(pair):
    """``d(A, B) = d(B, A)``; the two orders take different square roots (``B^{1/2}AB^{1/2}``
    vs ``A^{1/2}BA^{1/2}``), so equality is a real check, to the achievable bound."""
    A, B = pair
    ab = frechet_distance2(A.matrix, B.matrix)
    ba = frechet_distance2(B.matrix, A.matrix)
    assert abs(ab - ba) <= 2 * ref.frechet_float_error_bound(A.eigenvalues, B.eigenvalues)


@st.composite
def _pair_possibly_equal(draw):
    """``(A, B)`` with ``B`` equal to ``A``, a Loewner perturbation of ``A``, or independent."""
    A = draw(lst.psd_matrices(1, 5))
    kind = draw(st.sampled_from(["equal", "perturbed", "independent"]))
    if kind == "equal":
        return A, A
    if kind == "perturbed":
        eps = draw(st.floats(1e-8, 0.5))
        return A, draw(lst.loewner_estimates(A, eps))
    n = A.eigenvalues.size
    return A, draw(lst.psd_matrices(n, n))


@given(_pair_possibly_equal())
def test_frechet_zero_iff_equal(pair):
    """``d(A, A) = 0`` and ``d(A, B) ≥ ‖A − B‖_F² / (sqrt‖A‖ + sqrt‖B‖)² > 0`` when ``A ≠ B``
    (both directions of "zero iff equal", the second with a proved quantitative margin)."""
    A, B = pair
    tol = ref.frechet_float_error_bound(A.eigenvalues, B.eigenvalues)
    assert frechet_distance2(A.matrix, A.matrix) <= ref.frechet_float_error_bound(A.eigenvalues, A.eigenvalues)
    d2 = frechet_distance2(A.matrix, B.matrix)
    nA, nB = A.eigenvalues.max(), B.eigenvalues.max()
    gap = np.linalg.norm(A.matrix - B.matrix, "fro") ** 2
    lower = gap / (math.sqrt(nA) + math.sqrt(nB)) ** 2 if nA + nB > 0 else 0.0
    note(f"d2={d2!r} lower={lower!r} tol={tol!r}")
    assert d2 >= lower - tol
    if lower > 2 * tol:  # A ≠ B by more than round-off: the distance must see it
        assert d2 > 0.0


@given(lst.psd_matrix_tuples(2))
def test_frechet_sandwich_bounds(pair):
    """``Σ (sqrt λ_i(A) − sqrt λ_i(B))² ≤ d² ≤ ‖A^{1/2} − B^{1/2}‖_F²`` (sorted eigenvalues;
    equality on both sides when A and B commute with the same eigenvector order)."""
    A, B = pair
    d2 = frechet_distance2(A.matrix, B.matrix)
    tol = ref.frechet_float_error_bound(A.eigenvalues, B.eigenvalues)
    lower = float(np.sum((np.sqrt(np.sort(A.eigenvalues)) - np.sqrt(np.sort(B.eigenvalues))) ** 2))
    upper = float(np.linalg.norm(_root(A) - _root(B), "fro") ** 2)
    note(f"lower={lower!r} d2={d2!r} upper={upper!r} tol={tol!r}")
    assert lower - tol <= d2 <= upper + tol


@given(lst.psd_matrix_tuples(3))
def test_frechet_triangle_inequality(triple):
    """``W2`` is a metric: ``d(A, C) ≤ d(A, B) + d(B, C)`` (on distances, not squares)."""
    A, B, C = triple
    ac = frechet_distance2(A.matrix, C.matrix)
    ab = frechet_distance2(A.matrix, B.matrix)
    bc = frechet_distance2(B.matrix, C.matrix)
    # Errors on the squares translate into at most sqrt(tol) on the distances.
    tol = sum(math.sqrt(ref.frechet_float_error_bound(X.eigenvalues, Y.eigenvalues))
              for X, Y in ((A, C), (A, B), (B, C)))
    assert math.sqrt(ac) <= math.sqrt(ab) + math.sqrt(bc) + tol


@st.composite
def _commuting_pair(draw):
    """``A = O diag(a) Oᵀ`` and ``B = O diag(b) Oᵀ`` with a common rotation, ``a, b`` paired
    (not sorted together), zeros allowed."""
    a = draw(lst.any_spectra(1, 6, zeros=True))
    b = draw(st.permutations(list(draw(lst.spectra(a.size, a.size, zeros=True)))))
    b = np.asarray(b, dtype=float)
    O = draw(lst.orthogonal_matrices(a.size))
    return a, b, (O * a) @ O.T, (O * b) @ O.T


@given(_commuting_pair())
def test_frechet_diagonal_closed_form_equals_full_matrix_form(data):
    """Commuting case: ``tr(A + B − 2(B^{1/2}AB^{1/2})^{1/2}) = Σ (sqrt a_i − sqrt b_i)²``.

    Expected value: the right-hand side in 50-digit mpmath from ``a, b``. Checked for both
    ``frechet_diagonal`` (to 1e-13 relative) and the full-matrix ``frechet_distance2`` of the
    rotated matrices (to the achievable bound)."""
    a, b, A, B = data
    with mp.workdps(ref.DPS):
        exact = float(mp.fsum((mp.sqrt(ref.mpf(x)) - mp.sqrt(ref.mpf(y))) ** 2 for x, y in zip(a, b)))
    scale = float(np.sum(a) + np.sum(b))
    assert abs(frechet_diagonal(a, b) - exact) <= 1e-13 * scale + 1e-300
    assert abs(frechet_distance2(A, B) - exact) <= ref.frechet_float_error_bound(a, b)


@given(st.one_of(lst.psd_matrix_tuples(2, 2, 5, family=lst.low_rank_covariances),
                 lst.psd_matrix_tuples(2, 1, 5, family=lambda n, m: lst.wishart_covariances(n, m, max_dof=2)),
                 st.integers(1, 5).map(lambda n: (lst._assemble(np.zeros(n), np.eye(n)),) * 2)))
def test_frechet_singular_psd_finite_nonnegative(pair):
    """Singular PSD inputs (exact zero eigenvalues, rank-deficient Wishart, the zero matrix):
    finite, ≥ 0, and equal to the 50-digit value within the achievable bound."""
    A, B = pair
    f = frechet_distance2(A.matrix, B.matrix)
    assert math.isfinite(f) and f >= 0.0
    assert abs(f - float(_mp_d2(A.matrix, B.matrix))) <= ref.frechet_float_error_bound(A.eigenvalues, B.eigenvalues)


def _ill(n: int, m: int, kappa: float):
    return lst.ill_conditioned_covariances(n, m, max_condition=kappa)


@given(lst.psd_matrix_tuples(2, 2, 5, family=lambda n, m: _ill(n, m, 1e8)))
def test_frechet_matches_mp50_to_1e9_when_well_posed(pair):
    """Ill-conditioned inputs (condition number up to 1e8) against a 50-digit evaluation by
    another route (eigenvalues of ``A B``).

    Well posed means a small relative condition number of ``d²`` at the input,
    ``K = (sqrt(‖A‖‖B‖ κ_A κ_B) + tr A + tr B) / d²`` (an eigenvalue ``μ ≥ λ_min(A)λ_min(B)`` of
    ``B^{1/2}AB^{1/2}`` known to ``u‖A‖‖B‖`` has its square root known to
    ``u‖A‖‖B‖/sqrt(μ)``; the trace form cancels by ``(tr A + tr B)/d²``). Asserted: relative error
    ``≤ 10 D u K`` always (measured ≤ 0.8 D u K), hence ``≤ 1e-9`` wherever ``D u K ≤ 1e-10``
    (docs/frechet.md's target; about half of these examples)."""
    A, B = pair
    with mp.workdps(ref.DPS):
        exact = ref.frechet_mp_eig(A.matrix, B.matrix)
        # Two 50-digit routes agree far below float64 resolution: the reference is sound.
        assert abs(exact - frechet_distance2_mp(ref.mp_matrix(A.matrix), ref.mp_matrix(B.matrix))) \
            <= mp.mpf(10) ** -20 * (1 + abs(exact))
    exact = float(exact)
    assume(exact > 0.0)
    D = A.eigenvalues.size
    kA = A.eigenvalues[0] / A.eigenvalues[-1]
    kB = B.eigenvalues[0] / B.eigenvalues[-1]
    K = (math.sqrt(A.eigenvalues[0] * B.eigenvalues[0] * kA * kB)
         + A.eigenvalues.sum() + B.eigenvalues.sum()) / exact
    rel = abs(frechet_distance2(A.matrix, B.matrix) - exact) / exact
    note(f"rel={rel!r} DuK={D * ref.U * K!r}")
    assert rel <= 10 * D * ref.U * K
    if D * ref.U * K <= 1e-10:
        assert rel <= 1e-9


@given(lst.psd_matrix_tuples(2, 2, 5, family=lambda n, m: _ill(n, m, 1e12)))
def test_frechet_matches_mp50_within_achievable_bound_up_to_cond_1e12(pair):
    """Condition number up to 1e12: the relative-1e-9 target is not achievable in float64 (an
    eigenvalue ``μ ≈ 1e-24‖M‖`` of ``B^{1/2}AB^{1/2}`` is below round-off, so ``sqrt μ`` is
    only known to ``sqrt(u‖M‖)``). What holds, and is asserted: absolute error
    ``≤ 2 D^{3/2} sqrt(u ‖A‖‖B‖)`` (measured: at most 3.9 sqrt(u‖A‖‖B‖))."""
    A, B = pair
    exact = float(_mp_d2(A.matrix, B.matrix))
    assert abs(frechet_distance2(A.matrix, B.matrix) - exact) <= \
        ref.frechet_float_error_bound(A.eigenvalues, B.eigenvalues)

"""Fréchet (Wasserstein-2) distance between Gaussians: cancellation-free float64, error bound, mpmath.

Dowson & Landau (1982); Wu et al. (2025, §2) use it as the error of the generated law:

    W2²(N(μ1, Σ1), N(μ2, Σ2)) = ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr (Σ2^{1/2} Σ1 Σ2^{1/2})^{1/2}.

The trace form subtracts numbers of size ``tr Σ`` to get a result that, for nearby covariances
(FID, late stopping times), is many orders smaller. Here the covariance part is evaluated in its
orthogonal-Procrustes form (docs/frechet.md)

    W2²(Σ1, Σ2) = min_{U orthogonal} ‖F1 − F2 U‖_F²,   F_k F_kᵀ = Σ_k  (any square factors),

with ``F_k = Q_k diag(sqrt λ_k)`` from ``eigh`` (rounding-negative eigenvalues clipped to 0) and
the optimum ``U`` the polar factor of ``F2ᵀ F1`` (from its SVD): the result is a sum of squares of
computed differences, never a difference of traces. Where the a-posteriori bound says the
eigen-factors limit the result — an argument with small eigenvalues where the other has large
ones, so that the value depends on ``sqrt λ`` of eigenvalues ``eigh`` knows only to ``u‖Σ‖``
absolute — they are refined with error-free residuals (Dekker 1971; Ozaki, Ogita, Oishi & Rump
2012) into factors whose error is graded like the eigenvalues (:func:`_refine_factor`,
docs/frechet.md §5). On request (``return_error=True``) the bound comes with the result, and
with ``rtol=`` the 60-digit-capable mpmath route :func:`frechet_distance2_mp` takes over where
it exceeds the requested tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import ProblemError

__all__ = ["frechet_distance2", "frechet_distance2_mp", "frechet_distance2_factors", "FrechetResult", "FrechetPrecisionError",
           "check_covariance", "check_mean", "check_psd", "psd_sqrt", "psd_sqrt_mp", "frechet_diagonal"]

#: Unit round-off of float64.
_U = float(np.finfo(np.float64).eps) / 2
#: Default input tolerance for symmetry and PSD-ness, in units of ``D · u`` of the input's dtype.
_TOL_UNITS = 64.0
#: The eigen-factors of an argument are refined where its share of the a-posteriori bound exceeds
#: this many times the algorithmic part (the floor the refinement cannot lower): a gain of more
#: than an order of magnitude is then available. On the benchmark's pairs that share is 0.2–5×
#: for well-conditioned and most rotated/relative pairs, 20–10⁷× for the additive family.
_REFINE_RATIO = 16.0
#: Largest dimension for which the automatic mpmath route is attempted (D = 256 takes minutes).
MP_MAX_DIM = 256


class FrechetPrecisionError(ProblemError):
    """The requested ``rtol`` cannot be met: the float64 error bound exceeds it and the mpmath
    route is too costly at this dimension (``mp_max_dim``)."""


@dataclass(frozen=True)
class FrechetResult:
    """``value`` = W2² (the Fréchet distance, "FD") in float64, ``error`` = a bound on its
    absolute error, ``method`` = ``"procrustes-float64"`` or ``"mpmath"``. From the mpmath route
    also ``dps`` (digits), ``mp_value`` (the value as a decimal string, for tolerances below
    float64's resolution) and ``mp_error`` (a bound on its error; ``error`` adds the rounding
    of ``value`` to float64)."""

    value: float
    error: float
    method: str
    dps: int | None = None
    mp_value: str | None = None
    mp_error: float | None = None
    parts: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def w2(self) -> float:
        """W2 itself, ``sqrt(value)``."""
        return math.sqrt(self.value)

    @property
    def relative_error(self) -> float:
        return self.error / self.value if self.value > 0 else (0.0 if self.error == 0 else math.inf)

    def __float__(self) -> float:
        return self.value


# ----------------------------------------------------------------------------- validation
def _unit_roundoff(dtype: np.dtype) -> float:
    return float(np.finfo(dtype).eps) / 2 if dtype.kind == "f" else _U


def _as_real_array(name: str, value, ndim: int) -> tuple[np.ndarray, float]:
    if isinstance(value, (str, bytes)):
        raise ProblemError(f"{name} must be a numeric array, got the string {value!r}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ProblemError(f"{name} is not an array ({exc})") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise ProblemError(f"{name} is complex (dtype {arr.dtype}); a covariance and a mean are real")
    if kind == "b":
        raise ProblemError(f"{name} has dtype bool; give numbers")
    if kind not in "iuf":
        raise ProblemError(f"{name} has non-numeric dtype {arr.dtype}; give integers or floats")
    if arr.ndim != ndim:
        what = "a 2-D square matrix" if ndim == 2 else "a 1-D vector"
        raise ProblemError(f"{name} must be {what}, got shape {arr.shape}")
    u = _unit_roundoff(arr.dtype)
    arr = np.asarray(arr, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ProblemError(f"{name}[{', '.join(map(str, idx))}] = {float(arr[idx])!r} is not finite")
    return arr, u


def check_mean(name: str, mu, D: int) -> np.ndarray:
    """A real, finite 1-D mean of length ``D`` as float64 (errors name ``name`` and the value)."""
    arr, _ = _as_real_array(name, mu, 1)
    if arr.shape[0] != D:
        raise ProblemError(f"{name} has length {arr.shape[0]}, the covariances are {D} x {D}")
    return arr


def check_covariance(name: str, S, tol: float | None = None) -> tuple[np.ndarray, float]:
    """Validate a covariance: real numeric dtype (not bool/complex/object), 2-D square, finite,
    symmetric to ``tol`` relative to its largest entry. Returns ``(symmetric part as float64,
    tol)`` with ``tol`` defaulting to ``64 D u`` (``u`` the unit round-off of the input's dtype).
    PSD-ness is checked on the eigenvalues, where they are computed anyway."""
    arr, u = _as_real_array(name, S, 2)
    if arr.shape[0] != arr.shape[1]:
        raise ProblemError(f"{name} must be square, got shape {arr.shape}")
    D = arr.shape[0]
    if D == 0:
        raise ProblemError(f"{name} is empty (shape {arr.shape})")
    if tol is None:
        tol = _TOL_UNITS * D * u
    elif not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ProblemError(f"tol must be a finite number >= 0, got {tol!r}")
    scale = float(np.max(np.abs(arr)))
    asym = np.abs(arr - arr.T)
    k = int(np.argmax(asym))
    i, j = divmod(k, D)
    if asym[i, j] > tol * scale:
        raise ProblemError(
            f"{name} is not symmetric: {name}[{i}, {j}] = {float(arr[i, j])!r} but {name}[{j}, {i}] = "
            f"{float(arr[j, i])!r} (difference {asym[i, j]:.3g} > tol {tol:.3g} x max|{name}| = "
            f"{tol * scale:.3g}; raise tol, --tol on the command line, to accept it: its symmetric part is used)")
    return 0.5 * (arr + arr.T), float(tol)


def check_psd(name: str, S: np.ndarray, tol: float) -> None:
    """:class:`ProblemError` unless the symmetric ``S`` is PSD to ``tol`` relative to its
    largest eigenvalue (as :func:`frechet_distance2` checks it)."""
    _check_psd(name, np.linalg.eigvalsh(S), tol)


def _check_psd(name: str, lam: np.ndarray, tol: float) -> None:
    top = float(lam[-1]) if lam.size else 0.0
    if lam[0] < -tol * max(top, 0.0) or (top <= 0 and lam[0] < 0):
        raise ProblemError(
            f"{name} is not positive semi-definite: eigenvalue {float(lam[0]):.6g} (largest "
            f"{top:.6g}, relative {float(lam[0]) / top if top > 0 else -math.inf:.3g} < -tol = "
            f"{-tol:.3g}); a covariance has no negative eigenvalue beyond round-off "
            f"(raise tol, --tol on the command line, to accept more: negative eigenvalues are then set to 0)")


# ----------------------------------------------------------------------------- float64 core
def _factor(name: str, S: np.ndarray, tol: float):
    """Eigen-factor ``F = Q diag(sqrt λ₊)`` of a validated symmetric ``S`` (``F Fᵀ ≈ S``)."""
    lam, Q = np.linalg.eigh(S)
    _check_psd(name, lam, tol)
    lam = np.clip(lam, 0.0, None)
    return Q, lam, Q * np.sqrt(lam)


def _procrustes(FA: np.ndarray, FB: np.ndarray):
    """``min_U ‖FA − FB U‖_F²`` with ``U`` the polar factor of ``FBᵀ FA`` (SVD)."""
    P, s, Vt = np.linalg.svd(FB.T @ FA)
    U = P @ Vt
    R = FA - FB @ U
    return float(np.sum(R * R)), R, U, s


def _canonical(A: np.ndarray, B: np.ndarray) -> bool:
    """True when ``(A, B)`` should be swapped: a fixed order of the two arguments makes the
    float64 result exactly symmetric, ``d(A, B) == d(B, A)`` bit for bit."""
    ta, tb = float(np.trace(A)), float(np.trace(B))
    if ta != tb:
        return ta < tb
    return A.tobytes() < B.tobytes()


def _input_term(Q, lam, F, S, R_side: np.ndarray, D: int) -> tuple[float, float, float]:
    """Bound pieces for the factorisation error ``E = S − F Fᵀ`` of one argument.

    Returns ``(η, first, β)``: ``η ≥ ‖E‖_F`` (a posteriori residual plus a probabilistic
    ``2 sqrt(D) u tr S`` for the residual's own rounding), ``first = 2‖K‖_F η`` with
    ``K = Qᵀ(I − T)Q`` the gradient of W2² (T the transport map) recovered from the residual
    (``QᵀR = K diag(sqrt λ)``, K symmetric: each entry is read with the larger eigenvalue), and
    ``β = Σ_i min(η²/λ_i, η) ≥ ‖S^{1/2} − (FFᵀ)^{1/2}‖_F²`` (docs/frechet.md, Lemma 2)."""
    E = S - F @ F.T
    tr = float(np.sum(lam))
    eta = float(np.linalg.norm(E)) + 2.0 * math.sqrt(D) * _U * tr + _U * float(np.linalg.norm(S))
    W = Q.T @ R_side
    root = np.sqrt(np.maximum(lam, eta))
    inv = np.divide(1.0, root, out=np.zeros_like(root), where=root > 0)  # root = 0: E = 0 there
    bigger_j = lam[None, :] >= lam[:, None]
    K = np.where(bigger_j, W * inv[None, :], W.T * inv[:, None])
    first = 2.0 * float(np.linalg.norm(K)) * eta
    with np.errstate(divide="ignore"):
        beta = float(np.sum(np.where(lam > eta, eta * eta / np.where(lam > 0, lam, 1.0), eta)))
    return eta, first, beta


def _algorithmic_term(lA, lB, U, s, value: float, D: int) -> float:
    """Algorithmic part of the bound, for the exact factors: U's departure from orthogonality,
    the residual's rounding, U's sub-optimality (from the SVD's backward error), the final sum."""
    w = math.sqrt(value)
    nFA, nFB = math.sqrt(float(np.sum(lA))), math.sqrt(float(np.sum(lB)))
    orth = float(np.linalg.norm(U.T @ U - np.eye(D)))
    rho = math.sqrt(float(np.max(lB, initial=0.0))) * orth + 2.0 * math.sqrt(D) * _U * nFB + _U * w
    dm = 2.0 * math.sqrt(D) * _U * nFA * nFB
    ss = s[:, None] + s[None, :]
    iu = np.triu_indices(D, 1)
    pair = ss[iu]
    with np.errstate(divide="ignore", invalid="ignore"):
        subopt = float(np.sum(np.where(pair > 0, np.minimum(4 * dm * dm / pair, 4 * pair), 0.0)))
    return 2.0 * w * rho + rho * rho + subopt + (2.0 * math.log2(max(D * D, 2)) + 4.0) * _U * value


def _side_contribution(first: float, beta: float, value: float) -> float:
    """One argument's share of the input part (first order plus Lemma 2, or the metric cap)."""
    sb = math.sqrt(beta)
    return min(first + beta, (2.0 * math.sqrt(value) + sb) * sb)


def _combine(termA, termB, alg: float, value: float, refined) -> tuple[float, dict]:
    """Input part + algorithmic part (docs/frechet.md, §3)."""
    etaA, firstA, betaA = termA
    etaB, firstB, betaB = termB
    w = math.sqrt(value)
    # Input part: first order (gradient, doubled for second-order corrections) plus the squared
    # factor change, never more than the metric bound |W2(A,B) − W2(Â,B̂)| ≤ sqrt β_A + sqrt β_B.
    sb = math.sqrt(betaA) + math.sqrt(betaB)
    metric = (2.0 * (w + math.sqrt(alg)) + sb) * sb
    inp = min(firstA + firstB + sb * sb, metric)
    parts = {"input": inp, "input_first_order": firstA + firstB, "input_metric": metric,
             "algorithmic": alg, "eta": [etaA, etaB], "beta": [betaA, betaB], "refined": list(refined)}
    return inp + alg, parts


def _float64(A, B, tolA, tolB, nameA, nameB, want_error: bool, refine: bool | None = None):
    """Value and (if ``want_error``) bound. The eigen-factors are refined (:func:`_refine_factor`)
    where the factorisation error dominates the a-posteriori bound — an argument's input share
    exceeds ``_REFINE_RATIO`` times the algorithmic part — for each argument whose share exceeds
    the algorithmic part; with ``refine=True/False``, always / never."""
    D = A.shape[0]
    QA, lA, FA = _factor(nameA, A, tolA)
    QB, lB, FB = _factor(nameB, B, tolB)
    value, R, U, s = _procrustes(FA, FB)
    if refine is False and not want_error:
        return value, None, {}
    termA = _input_term(QA, lA, FA, A, R, D)
    termB = _input_term(QB, lB, FB, B, -(R @ U.T), D)
    alg = _algorithmic_term(lA, lB, U, s, value, D)
    if refine is None:
        share = [_side_contribution(t[1], t[2], value) for t in (termA, termB)]
        # Once one side is refined (and the Procrustes step redone), the other's factorisation
        # error is the next limit wherever it is above the algorithmic floor: refine it too.
        todo = [x > alg for x in share] if max(share) > _REFINE_RATIO * alg else [False, False]
    else:
        todo = [bool(refine)] * 2
    if not any(todo):
        if not want_error:
            return value, None, {}
        err, parts = _combine(termA, termB, alg, value, todo)
        return value, err, parts
    if todo[0]:
        FA, PA, (lA, nA) = _refine_factor(A, QA, lA)
    if todo[1]:
        FB, PB, (lB, nB) = _refine_factor(B, QB, lB)
    value, R, U, s = _procrustes(FA, FB)
    if not want_error:
        return value, None, {}
    RB = -(R @ U.T)
    termA = _graded_input_term(A, FA, PA, lA, nA, R, D) if todo[0] else _input_term(QA, lA, FA, A, R, D)
    termB = _graded_input_term(B, FB, PB, lB, nB, RB, D) if todo[1] else _input_term(QB, lB, FB, B, RB, D)
    alg = _algorithmic_term(lA, lB, U, s, value, D)
    err, parts = _combine(termA, termB, alg, value, todo)
    return value, err, parts


# ----------------------------------------------------------------------------- refinement
# Error-free transformations (Dekker 1971; Ozaki, Ogita, Oishi & Rump 2012), vectorised: the
# refinement needs ``S − Q Λ Qᵀ`` and ``S − F Fᵀ`` to ~u² relative to ``|F||Fᵀ|``, below
# float64's resolution of the products themselves.
def _two_sum(a, b):
    """``s + e == a + b`` exactly, ``s = fl(a + b)`` (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_prod(a, b):
    """``p + e == a · b`` exactly, ``p = fl(a · b)`` (Dekker's split into 26-bit halves)."""
    p = a * b
    c = 134217729.0 * a
    ah = c - (c - a)
    al = a - ah
    c = 134217729.0 * b
    bh = c - (c - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _ozaki_split(P: np.ndarray, axis: int, n: int, k: int):
    """``P = P_1 + … + P_k + rest`` with each ``P_i`` on one exponent grid per row (``axis=1``,
    a left factor) or per column (``axis=0``, a right factor), coarse enough that a product of
    two pieces over an inner dimension ``n`` is exact in float64 whatever the summation order
    (Ozaki et al. 2012, Alg. 3: ``σ = 2^(⌈log2 max|row|⌉ + β)``, ``β = ⌈(53 + log2 n)/2⌉``,
    here one bit more)."""
    beta = math.ceil((53 + math.log2(max(n, 2))) / 2) + 1
    pieces, rest = [], P
    for _ in range(k):
        mu = np.max(np.abs(rest), axis=axis, keepdims=True)
        pos = mu > 0
        tau = np.ceil(np.log2(np.where(pos, mu, 1.0))).astype(int)
        sigma = np.where(pos, np.ldexp(1.0, tau + beta), 0.0)
        hi = (rest + sigma) - sigma
        pieces.append(hi)
        rest = rest - hi
    return pieces, rest


def _dd_matmul(P: np.ndarray, Q: np.ndarray, k: int = 3):
    """``P @ Q`` as an unevaluated sum ``hi + lo`` accurate to ~u² ``|P||Q|`` entrywise
    (measured ≤ 1.1 u² on random matrices against 50 digits): the piece products ``P_i Q_j``
    with ``i + j ≤ k + 1`` are exact (:func:`_ozaki_split`) and summed with :func:`_two_sum`;
    the remaining ones, of relative size ≲ 2^-57 for ``k = 3`` and ``n ≤ 4096`` (each slice
    takes about ``54 − β`` ≥ 19 bits), in plain float64."""
    n = P.shape[1]
    Ps, Pr = _ozaki_split(P, 1, n, k)
    Qs, Qr = _ozaki_split(Q, 0, n, k)
    hi = Ps[0] @ Qs[0]
    lo = np.zeros_like(hi)
    for t in range(3, k + 2):
        for i in range(1, t):
            hi, e = _two_sum(hi, Ps[i - 1] @ Qs[t - i - 1])
            lo += e
    tail = Pr @ Q
    for i in range(1, k + 1):  # piece i against every piece j with i + j > k + 1, and the rest
        rest = Qr
        for j in range(k + 2 - i, k + 1):
            rest = rest + Qs[j - 1]
        tail += Ps[i - 1] @ rest
    return hi, lo + tail


def _pow2_scale(x: float) -> int:
    """An even exponent ``k`` with ``2^-k x`` near 1 (exact rescaling, keeps the splits in range)."""
    if not (x > 0 and math.isfinite(x)):
        return 0
    e = math.frexp(x)[1]
    return 2 * (e // 2)


def _dd_residual(S: np.ndarray, F: np.ndarray) -> tuple[np.ndarray, float]:
    """``S − F Fᵀ`` to ~u² ``|F||Fᵀ|`` (not to ``u|S|``), and a bound on the Frobenius norm of its
    error: ``8 u² ‖F‖_F² + 2 u ‖S − F Fᵀ‖_F``."""
    k = _pow2_scale(float(np.max(np.abs(S), initial=0.0)))
    Fs = np.ldexp(F, -(k // 2))
    hi, lo = _dd_matmul(Fs, Fs.T)
    d, e = _two_sum(np.ldexp(S, -k), -hi)
    E = np.ldexp(d + (e - lo), k)
    return E, 8.0 * _U * _U * float(np.sum(F * F)) + 2.0 * _U * float(np.linalg.norm(E))


def _refine_factor(S: np.ndarray, Q: np.ndarray, lam: np.ndarray):
    """A factor ``F`` with ``F Fᵀ = S₊`` to an error *graded* like the eigenvalues (entry ``(i, j)``
    of ``Qᵀ(S − FFᵀ)Q`` ~ ``u max(λ_i, λ_j)`` + ``D² u² ‖S‖``, where ``eigh`` leaves ``u‖S‖``
    everywhere). Returns ``(F, P, λ̃)``: ``F ≈ P diag(sqrt λ̃)``, ``P`` the refined eigenbasis.

    With ``Q, Λ`` from ``eigh``, ``S = Q C Qᵀ`` exactly for ``C = Λ + Q⁻¹ Δ Q⁻ᵀ``,
    ``Δ = S − Q Λ Qᵀ``. ``Δ`` is formed with error-free products (:func:`_dd_matmul`) to ~u²‖S‖,
    and ``C ≈ Λ + Qᵀ Δ Q`` (``Q⁻¹ = Qᵀ + O(u)`` costs ``u‖Δ‖ = O(u²‖S‖)``): a graded, nearly
    diagonal matrix — the eigenvalues ``λ_i`` on its diagonal, off-diagonal entries ``O(u‖S‖)`` —
    whose small eigenvalues are now resolved to ``u²‖S‖`` instead of ``u‖S‖``. It is factored
    without losing that: the indices with ``c_ii > τ`` (τ = 8 × the largest off-diagonal row sum,
    so that the scaled block ``D^{-1/2} C_ll D^{-1/2}`` is within 1/8 of I) by Cholesky, whose
    backward error ``|ΔC_ij| ≤ γ sqrt(c_ii c_jj)`` is graded (Demmel 1989); the rest, a block of
    size ~τ, through its Schur complement ``Z = C_ss − C_sl C_ll⁻¹ C_ls`` and ``eigh(Z)`` at its own
    scale, negative eigenvalues set to 0 (the PSD projection). ``F = Q M``, ``M Mᵀ = C``. This is
    one step of the Ogita–Aishima (2018) idea — residuals formed exactly, the correction solved in
    float64 — with the correction solved by a graded factorisation instead of a Newton step, so
    that clustered tiny eigenvalues need no separate treatment."""
    D = S.shape[0]
    k = _pow2_scale(float(np.max(np.abs(lam), initial=0.0)))
    Ss, ls = np.ldexp(S, -k), np.ldexp(lam, -k)
    yh, yl = _two_prod(Q, np.broadcast_to(ls, Q.shape))
    hi, lo = _dd_matmul(yh, Q.T)
    d, e = _two_sum(Ss, -hi)
    Delta = d + (e - lo - yl @ Q.T)
    C = Q.T @ Delta @ Q
    C = 0.5 * (C + C.T)
    C[np.diag_indices(D)] += ls
    order = np.argsort(-np.diag(C), kind="stable")
    C = C[np.ix_(order, order)]
    diag = np.diag(C).copy()
    rowsum = np.sum(np.abs(C), axis=1) - np.abs(diag)
    tau = 8.0 * float(np.max(rowsum, initial=0.0))
    while True:
        r = int(np.sum(diag > tau))
        try:
            L = np.linalg.cholesky(C[:r, :r]) if r else np.zeros((0, 0))
            break
        except np.linalg.LinAlgError:  # not reached for a dominant block; shrink it
            tau = max(4.0 * tau, float(diag[r - 1]))
    if r:
        import scipy.linalg as sla

        Lsl = sla.solve_triangular(L, C[r:, :r].T, lower=True).T
    else:
        Lsl = np.zeros((D, 0))
    Z = C[r:, r:] - Lsl @ Lsl.T
    zeta_raw, V = np.linalg.eigh(0.5 * (Z + Z.T))
    zeta = np.clip(zeta_raw, 0.0, None)
    M = np.zeros((D, D))
    M[:r, :r] = L
    M[r:, :r] = Lsl
    M[r:, r:] = V * np.sqrt(zeta)
    Qo = Q[:, order]
    F = np.ldexp(Qo @ M, k // 2)
    P = Qo.copy()
    P[:, r:] = Qo[:, r:] @ V
    lam_t = np.ldexp(np.concatenate([diag[:r], zeta]), k)
    neg = np.ldexp(np.concatenate([np.zeros(r), np.minimum(zeta_raw, 0.0)]), k)
    return F, P, (lam_t, neg)


def _graded_input_term(S, F, P, lam, neg, R_side: np.ndarray, D: int) -> tuple[float, float, float]:
    """Bound pieces ``(η, first, β)`` as :func:`_input_term`, for a refined factor whose
    error ``E = S − F Fᵀ`` is graded: ``E`` is formed to ~u² (:func:`_dd_residual`) and read in the
    refined eigenbasis, ``Ẽ = Pᵀ E P − diag(ν)`` (``ν`` the eigenvalues set to 0: the PSD
    projection, which the reference makes too, is no error), entry by entry instead of through
    ``‖E‖_F``.

    ``first = 2 (Σ_ij |K_ij| |Ẽ_ij| + ‖K‖_F φ)``, ``φ`` the error of ``Ẽ`` (the residual's own,
    ``P``'s rounding and non-orthogonality ``2 sqrt(D) u ‖E‖_F``); ``K`` as in
    :func:`_input_term` with eigenvalue ``j`` floored at ``η_j = ‖Ẽ e_j‖ + φ``.
    ``β = Σ_i min(Σ_j (|Ẽ_ij| + φ)² / max(λ_i, λ_j), η_i)``: Lemma 2's exact identity
    ``p_iᵀ(X^{1/2} − Y^{1/2})q_j = p_iᵀEq_j / (sqrt λ_i + sqrt μ_j)`` with
    ``(sqrt λ_i + sqrt μ_j)² ≥ max(λ_i, μ_j)`` and ``(μ_j, q_j)`` read as ``(λ_j, p_j)`` — first
    order in ``Ẽ``, an estimate, not Lemma 2's rigorous ``‖E p_i‖²/λ_i`` (which a coupling
    ``Ẽ_ij ~ u λ_j`` to a large ``λ_j`` would inflate to ``u² λ_j² / λ_i``)."""
    E, efloor = _dd_residual(S, F)
    Et = P.T @ E @ P
    Et[np.diag_indices(D)] -= neg  # S₊ − F Fᵀ: the clipped negative eigenvalues are no error
    phi = efloor + 2.0 * math.sqrt(D) * _U * float(np.linalg.norm(E))
    absE = np.abs(Et)
    eta_j = np.sqrt(np.sum(absE * absE, axis=0)) + phi
    lam = np.clip(lam, 0.0, None)
    W = P.T @ R_side
    root = np.sqrt(np.maximum(lam, eta_j))
    inv = np.divide(1.0, root, out=np.zeros_like(root), where=root > 0)
    bigger_j = lam[None, :] >= lam[:, None]
    K = np.where(bigger_j, W * inv[None, :], W.T * inv[:, None])
    first = 2.0 * (float(np.sum(np.abs(K) * absE)) + float(np.linalg.norm(K)) * phi)
    den = np.maximum(lam[:, None], lam[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        quad = np.sum(np.where(den > 0, (absE + phi) ** 2 / np.where(den > 0, den, 1.0), np.inf), axis=1)
    beta = float(np.sum(np.minimum(quad, eta_j)))
    return float(np.linalg.norm(E)) + phi, first, beta


def frechet_distance2(S1, S2, mu1=None, mu2=None, *, return_error: bool = False,
                      rtol: float | None = None, tol: float | None = None,
                      mp_max_dim: int = MP_MAX_DIM, refine: bool | None = None) -> float | FrechetResult:
    """``W2²(N(μ1, S1), N(μ2, S2)) = ‖μ1 − μ2‖² + min_U ‖F1 − F2 U‖_F²`` in float64.

    Dowson & Landau (1982); the error of a generated Gaussian law in Wu et al. (2025, §2).
    ``F_k = Q_k diag(sqrt λ_k)`` are eigen-factors (``F_k F_kᵀ = S_k``) and ``U`` is the polar
    factor of ``F2ᵀ F1``, so the result is a sum of squares of computed differences: no
    ``tr S1 + tr S2 − 2 tr(...)`` cancellation (docs/frechet.md). Exactly symmetric in its
    arguments (they are put in a fixed order first). Means default to 0.

    Inputs are validated (:class:`ProblemError`, naming the argument and the value): real
    numeric dtype (no bool, complex, object), square, one shape, finite, symmetric and PSD to
    ``tol`` relative to their norm (default ``64 D u``, ``u`` the round-off of the input's
    dtype); the symmetric part is used and eigenvalues within ``tol`` below 0 are set to 0.

    ``return_error=True`` returns a :class:`FrechetResult` with an a-posteriori bound on the
    absolute error (docs/frechet.md §3). ``rtol=r`` implies it, and where the bound exceeds
    ``r · value`` recomputes with :func:`frechet_distance2_mp` at enough digits (up to
    ``mp_max_dim``; beyond, :class:`FrechetPrecisionError`).

    Where the a-posteriori bound says the eigen-factors limit the accuracy (an argument with
    small eigenvalues where the other has large ones: the value then depends on ``sqrt λ`` of
    eigenvalues that ``eigh`` knows only to ``u‖S‖`` absolute), they are refined with
    error-free residuals to an error graded like the eigenvalues (:func:`_refine_factor`,
    docs/frechet.md §5) and the Procrustes step is redone; ``refine=True`` / ``False`` forces
    the refinement on / off (the default ``None`` lets the bound decide). ``parts["refined"]``
    of the result says which (ordered) argument was refined.
    """
    if refine is not None and not isinstance(refine, bool):
        raise ProblemError(f"refine must be None, True or False, got {refine!r}")
    A, tolA = check_covariance("S1", S1, tol)
    B, tolB = check_covariance("S2", S2, tol)
    if A.shape != B.shape:
        raise ProblemError(f"S1 and S2 must have one shape, got {A.shape} and {B.shape}")
    D = A.shape[0]
    m1 = np.zeros(D) if mu1 is None else check_mean("mu1", mu1, D)
    m2 = np.zeros(D) if mu2 is None else check_mean("mu2", mu2, D)
    if rtol is not None and not (isinstance(rtol, (int, float)) and rtol > 0 and math.isfinite(rtol)):
        raise ProblemError(f"rtol must be a finite number > 0, got {rtol!r}")
    want = return_error or rtol is not None
    names = ("S1", "S2")
    if _canonical(A, B):
        A, B, tolA, tolB, names = B, A, tolB, tolA, names[::-1]
    # Exact rescaling by an even power of 2 (W2² is homogeneous of degree 1 in the covariances
    # and every float64 step commutes with it) at extreme scales, so that the bound's squares
    # neither overflow nor underflow; in between, no copies (the refinement rescales its own).
    k = _pow2_scale(max(float(np.max(np.abs(A))), float(np.max(np.abs(B)))))
    As, Bs = (A, B) if abs(k) <= 200 else (np.ldexp(A, -k), np.ldexp(B, -k))
    k = 0 if abs(k) <= 200 else k
    value, err, parts = _float64(As, Bs, tolA, tolB, *names, want, refine)
    value = math.ldexp(value, k)
    if want:
        err = math.ldexp(err, k)
    diff = m1 - m2
    mean = float(np.sum(diff * diff))
    total = mean + value
    if not want:
        return total
    err = err + (2.0 * math.log2(max(D, 2)) + 4.0) * _U * mean + _U * total
    res = FrechetResult(total, err, "procrustes-float64", parts=dict(parts, mean=mean))
    if rtol is not None and err > rtol * total:  # below float64's resolution: see mp_value
        if D > mp_max_dim:
            raise FrechetPrecisionError(
                f"rtol={rtol:g} not reached in float64 (error bound {err:.3g}, relative "
                f"{res.relative_error:.3g}) and D = {D} > mp_max_dim = {mp_max_dim} for the mpmath route")
        res = _mp_result(A, B, m1, m2, rtol, total)
    return res


def frechet_distance2_factors(F1, F2) -> float:
    """``W2²(N(0, F1 F1ᵀ), N(0, F2 F2ᵀ)) = min_U ‖F1 − F2 U‖_F²`` from factors (``D × k1``,
    ``D × k2``; the narrower is padded with zero columns), without forming the covariances.

    For covariances known in factored form — a projected ``Eᵀ S E`` of rank ``R < D`` has the
    factor ``Eᵀ S^{1/2}`` — this keeps exact zeros exact: formed in float64, ``Eᵀ S E`` would
    have eigenvalues ``±u`` there whose square roots (``sqrt u``) pollute the result
    (docs/frechet.md, §2). Exactly symmetric in its arguments. Dowson & Landau (1982).
    """
    A, _ = _as_real_array("F1", F1, 2)
    B, _ = _as_real_array("F2", F2, 2)
    if A.shape[0] != B.shape[0]:
        raise ProblemError(f"F1 and F2 must have one number of rows, got {A.shape} and {B.shape}")
    k = max(A.shape[1], B.shape[1])
    A = np.pad(A, ((0, 0), (0, k - A.shape[1])))
    B = np.pad(B, ((0, 0), (0, k - B.shape[1])))
    if _canonical(A, B):
        A, B = B, A
    return _procrustes(A, B)[0]


def _mp_digits(rtol: float, value: float, scale: float, D: int) -> int:
    """Digits for the mpmath route so that its error bound ``D² 10^-dps scale`` is below
    ``rtol · value`` (value: the float64 estimate, floored so that a 0 does not ask for ∞)."""
    target = rtol * max(value, _U * scale)
    need = math.log10(max(D * D * scale, 1e-300) / target) if target > 0 else 30
    return int(min(max(30, math.ceil(need) + 5), 400))


def _mp_result(A, B, m1, m2, rtol, estimate) -> FrechetResult:
    import mpmath as mp

    D = A.shape[0]
    scale = float(np.trace(A) + np.trace(B) + np.sum(m1 * m1) + np.sum(m2 * m2))
    dps = _mp_digits(rtol, estimate, scale, D)
    with mp.workdps(dps):
        val = _mp_core(mp.matrix(A.tolist()), mp.matrix(B.tolist()),
                       mp.matrix(m1.tolist()), mp.matrix(m2.tolist()))
        v = float(val)
        text = mp.nstr(val, dps)
    mp_err = D * D * 10.0 ** (-dps) * scale
    return FrechetResult(v, mp_err + _U * abs(v), "mpmath", dps, text, mp_err)


# ----------------------------------------------------------------------------- mpmath route
def _mp_factor(S):
    """A square factor ``F Fᵀ = S₊`` and ``tr S₊`` at the working precision: Cholesky where
    ``S`` is positive definite (cheap, exact up to the precision), else ``eigsy`` with the
    negative eigenvalues set to 0 (the PSD projection the float64 route makes too)."""
    import mpmath as mp

    n = S.rows
    try:
        L = mp.cholesky(S, tol=0)
        return L, mp.fsum(S[i, i] for i in range(n))
    except (ValueError, ZeroDivisionError):
        lam, Q = mp.eigsy(S)
        r = [mp.sqrt(lam[i]) if lam[i] > 0 else mp.mpf(0) for i in range(n)]
        F = mp.matrix(n, n)
        for i in range(n):
            for j in range(n):
                F[i, j] = Q[i, j] * r[j]
        return F, mp.fsum(lam[i] for i in range(n) if lam[i] > 0)


def _mp_core(S1, S2, m1, m2):
    import mpmath as mp

    n = S1.rows
    dps = mp.mp.dps
    # Twice the digits plus 10: the cross term needs the square roots of eigenvalues near 0,
    # which are known to half the working digits; the inputs are exact numbers, so evaluating
    # them at higher precision is legitimate, and the result is rounded back to dps.
    with mp.workdps(2 * dps + 10):
        A = (S1 + S1.T) / 2
        B = (S2 + S2.T) / 2
        FA, trA = _mp_factor(A)
        FB, trB = _mp_factor(B)
        G = FA.T * FB
        N = G.T * G
        N = (N + N.T) / 2
        ev = mp.eigsy(N, eigvals_only=True)
        cross = mp.fsum(mp.sqrt(ev[i]) for i in range(n) if ev[i] > 0)
        mean = mp.fsum((m1[i] - m2[i]) ** 2 for i in range(n))
        val = mean + trA + trB - 2 * cross
    return +val


def frechet_distance2_mp(S1, S2, mu1=None, mu2=None, *, dps: int | None = None):
    """``W2²(N(μ1, S1), N(μ2, S2))`` in mpmath, at ``dps`` digits (default: the current
    ``mp.dps``), on the exact values of the inputs.

    ``tr S1₊ + tr S2₊ − 2 ‖F1ᵀ F2‖_*`` (``‖·‖_*`` the nuclear norm, ``F_k F_kᵀ = S_k₊``; equal to
    Dowson & Landau's trace form since ``‖S1^{1/2} S2^{1/2}‖_* = tr(S2^{1/2}S1S2^{1/2})^{1/2}``),
    evaluated at ``2·dps + 10`` digits so that the square roots of eigenvalues near 0 do not
    cost half the digits; ``S₊`` is the PSD projection (negative eigenvalues set to 0), as in
    :func:`frechet_distance2`. Inputs: NumPy arrays (validated like the float64 route) or
    ``mp.matrix``. Returns an ``mpf``. Cost: O(D³) mpmath operations, minutes at D = 256.
    """
    import mpmath as mp

    def conv(name, S):
        if isinstance(S, mp.matrix):
            if S.rows != S.cols:
                raise ProblemError(f"{name} must be square, got {S.rows} x {S.cols}")
            return S
        arr, _ = check_covariance(name, S)
        return mp.matrix(arr.tolist())

    with mp.workdps(dps if dps is not None else mp.mp.dps):
        A, B = conv("S1", S1), conv("S2", S2)
        if A.rows != B.rows:
            raise ProblemError(f"S1 and S2 must have one shape, got {A.rows} x {A.cols} and {B.rows} x {B.cols}")
        n = A.rows

        def vec(name, mu):
            if mu is None:
                return mp.matrix(n, 1)
            if isinstance(mu, mp.matrix):
                return mu
            return mp.matrix(check_mean(name, mu, n).tolist())

        return _mp_core(A, B, vec("mu1", mu1), vec("mu2", mu2))


# ----------------------------------------------------------------------------- helpers
def psd_sqrt(A: np.ndarray) -> np.ndarray:
    """Symmetric PSD square root by ``eigh`` (negative round-off eigenvalues clipped to 0)."""
    S, tol = check_covariance("A", A)
    Q, _, F = _factor("A", S, tol)
    return F @ Q.T


def frechet_diagonal(var1: np.ndarray, var2: np.ndarray) -> float:
    """Commuting (diagonal) case: ``Σ_i (sqrt(λ1_i) − sqrt(λ2_i))²`` (Wu et al. 2025, eq. (3))."""
    return float(np.sum((np.sqrt(np.asarray(var1, float)) - np.sqrt(np.asarray(var2, float))) ** 2))


def psd_sqrt_mp(A):
    """mpmath symmetric PSD square root via ``mp.eigsy`` at the current ``mp.dps``."""
    import mpmath as mp

    A = mp.matrix(A)
    n = A.rows
    As = (A + A.T) / 2
    lam, U = mp.eigsy(As)
    D = mp.diag([mp.sqrt(max(lam[i], 0)) for i in range(n)])
    return U * D * U.T

"""Independent reference computations for the property tests.

Everything here is typed from docs/theory.md (the paper's definitions), *not* imported from
``ldmstop.derivations`` or ``ldmstop.curve``: the properties compare the package against these
routes (50-digit mpmath, the full-matrix Fréchet distance of the actual covariances, an ODE
integrator, brute-force grids). A formula broken in the package therefore cannot also break the
expected value.
"""

from __future__ import annotations

import functools
import math

import mpmath as mp
import numpy as np

#: VP-linear β(s) = β_min + s (β_max − β_min) (docs/theory.md §1).
BETA_MIN = 0.1
BETA_MAX = 20.0

#: Unit roundoff of float64.
U = float(np.finfo(float).eps)

DPS = 50


def mpf(v) -> mp.mpf:
    """Exact conversion of a float64 (or int) to mpmath."""
    return mp.mpf(float(v))


# ----------------------------------------------------------------------------- schedules
#: Offset of the cosine schedule (Nichol & Dhariwal 2021, eq. (17)).
COSINE_OFFSET = 0.008


def _cosine_angles_mp(s):
    c = mp.mpf(COSINE_OFFSET)
    half_pi = mp.pi / 2
    return (mp.mpf(s) + c) / (1 + c) * half_pi, c / (1 + c) * half_pi


def ab2_mp(schedule: str, s) -> tuple[mp.mpf, mp.mpf]:
    """``(a_s², b_s²)`` of the forward marginal ``N(0, a_s² I + b_s² Σ)``, typed from each
    schedule's definition: OU ``b = e^{−s}``; VP-linear ``b = exp(−∫ β/2)``, ``β = 0.1 + 19.9 s``;
    VP-cosine ``b² = cos²θ_s / cos²θ_0``, ``θ_s = (s + 0.008)/1.008 · π/2`` (``a² = 1 − b²``
    written as ``sin(θ_s − θ_0) sin(θ_s + θ_0)/cos²θ_0``, no cancellation at small s); rectified
    flow ``a = s``, ``b = 1 − s`` (not variance preserving)."""
    s = mp.mpf(s)
    if schedule == "ou":
        return -mp.expm1(-2 * s), mp.exp(-2 * s)
    if schedule == "vp-linear":
        L = BETA_MIN * s + (BETA_MAX - BETA_MIN) * s**2 / 2
        return -mp.expm1(-L), mp.exp(-L)
    if schedule == "vp-cosine":
        th, th0 = _cosine_angles_mp(s)
        gap = s / (1 + mp.mpf(COSINE_OFFSET)) * mp.pi / 2  # θ_s − θ_0
        return mp.sin(gap) * mp.sin(th + th0) / mp.cos(th0) ** 2, (mp.cos(th) / mp.cos(th0)) ** 2
    if schedule == "rectified-flow":
        return s**2, (1 - s) ** 2
    raise ValueError(schedule)


def a2_mp(schedule: str, s) -> mp.mpf:
    """``a_s²`` (for a VP schedule ``1 − b_s²``; for the rectified flow ``s²``)."""
    return ab2_mp(schedule, s)[0]


def ab2_np(schedule: str, s) -> tuple[np.ndarray, np.ndarray]:
    """float64 ``(a_s², b_s²)``, the same definitions as :func:`ab2_mp`."""
    s = np.asarray(s, dtype=float)
    if schedule == "ou":
        return -np.expm1(-2.0 * s), np.exp(-2.0 * s)
    if schedule == "vp-linear":
        L = BETA_MIN * s + (BETA_MAX - BETA_MIN) * s**2 / 2
        return -np.expm1(-L), np.exp(-L)
    if schedule == "vp-cosine":
        c = COSINE_OFFSET
        th, th0 = (s + c) / (1 + c) * np.pi / 2, c / (1 + c) * np.pi / 2
        gap = s / (1 + c) * np.pi / 2  # θ_s − θ_0 without forming s + c (which rounds s away)
        return np.sin(gap) * np.sin(th + th0) / np.cos(th0) ** 2, (np.cos(th) / np.cos(th0)) ** 2
    if schedule == "rectified-flow":
        return s**2, (1.0 - s) ** 2
    raise ValueError(schedule)


def a2_np(schedule: str, s: np.ndarray) -> np.ndarray:
    return ab2_np(schedule, s)[0]


def rate_np(schedule: str, s) -> np.ndarray:
    """``w_s² = −d log b_s/ds`` of a VP schedule (``β`` in Pierret & Galerne's convention)."""
    s = np.asarray(s, dtype=float)
    if schedule == "ou":
        return np.ones_like(s)
    if schedule == "vp-linear":
        return (BETA_MIN + (BETA_MAX - BETA_MIN) * s) / 2
    if schedule == "vp-cosine":
        c = COSINE_OFFSET
        return np.pi / 2 / (1 + c) * np.tan((s + c) / (1 + c) * np.pi / 2)
    raise ValueError(f"{schedule} is not variance preserving")


def integrated_rate_np(schedule: str, s) -> np.ndarray:
    """``B(s) = ∫_0^s w_u² du = −log b_s``."""
    s = np.asarray(s, dtype=float)
    if schedule == "ou":
        return s
    if schedule == "vp-linear":
        return (BETA_MIN * s + (BETA_MAX - BETA_MIN) * s**2 / 2) / 2
    if schedule == "vp-cosine":
        c = COSINE_OFFSET
        return np.log(np.cos(c / (1 + c) * np.pi / 2)) - np.log(np.cos((s + c) / (1 + c) * np.pi / 2))
    raise ValueError(f"{schedule} is not variance preserving")


def inverse_a2_mp(schedule: str, x) -> mp.mpf:
    """Forward time ``s`` with ``a_s² = x`` for ``x ∈ [0, 1)``."""
    x = mp.mpf(x)
    if schedule == "rectified-flow":
        return mp.sqrt(x)
    if schedule == "vp-cosine":
        c = mp.mpf(COSINE_OFFSET)
        th0 = c / (1 + c) * mp.pi / 2
        # cos θ_s = sqrt(1 − x) cos θ_0; near x = 0 write θ_s − θ_0 = asin(...) to keep digits
        th = mp.acos(mp.sqrt(1 - x) * mp.cos(th0))
        return (th - th0) * (1 + c) * 2 / mp.pi
    L = -mp.log1p(-x)  # ∫_0^s 2w² = −log(1 − x)
    if schedule == "ou":
        return L / 2
    # BETA_MIN s + Δβ s²/2 = L, positive root, rationalised (no cancellation for small L)
    dB = mp.mpf(BETA_MAX - BETA_MIN)
    return 2 * L / (BETA_MIN + mp.sqrt(mp.mpf(BETA_MIN) ** 2 + 2 * dB * L))


def extended_inverse_a2_mp(schedule: str, x, T) -> mp.mpf:
    """``ā^{-2}(x)``: 0 for ``x < 0``, the inverse on ``[0, a_T²]``, ``T`` above; ``±∞`` allowed."""
    T = mp.mpf(T)
    if x == mp.inf:
        return T
    if x == -mp.inf or x < 0:
        return mp.mpf(0)
    if x > a2_mp(schedule, T) or x >= 1:
        return T
    return inverse_a2_mp(schedule, x)


def div_plus(num, den) -> mp.mpf:
    """``num / (den)_+`` with the paper's convention ``y / 0_+ = ±∞`` (``sign(y) ∞``)."""
    num, den = mp.mpf(num), mp.mpf(den)
    if den > 0:
        return num / den
    if num > 0:
        return mp.inf
    if num < 0:
        return -mp.inf
    return mp.mpf(0)


def threshold_time_exact_mp(schedule: str, sigma2, T) -> mp.mpf:
    """Prop 2: ``t_d = T − ā^{-2}(3σ_d² / (1 − σ_d²)_+)``."""
    s2 = mpf(sigma2)
    return mp.mpf(T) - extended_inverse_a2_mp(schedule, div_plus(3 * s2, 1 - s2), T)


def threshold_time_plugin_mp(schedule: str, sigma2, sigma2_hat, T) -> mp.mpf:
    """Prop 2: ``t̂_d = T − ā^{-2}((4σ_d² − σ̂_d²) / (1 − σ̂_d²)_+)``."""
    s2, h2 = mpf(sigma2), mpf(sigma2_hat)
    return mp.mpf(T) - extended_inverse_a2_mp(schedule, div_plus(4 * s2 - h2, 1 - h2), T)


# ----------------------------------------------------------------------------- W2 closed form
def generated_variance_mp(x, sigma2_hat) -> mp.mpf:
    """``v = a² + b² σ̂² = x + (1 − x) σ̂²`` (VP: ``b² = 1 − a²``)."""
    return x + (1 - x) * mpf(sigma2_hat)


def w2_mp(x, sigma2, sigma2_hat, d: int) -> mp.mpf:
    """``W²(t, d) = Σ_{i≤d} (sqrt(v_i) − σ_i)² + Σ_{i>d} σ_i²`` at ``x = a²_{T−t}`` (exact
    inputs, current ``mp.dps``), straight from the definition (Fréchet of diagonal Gaussians)."""
    kept = mp.fsum((mp.sqrt(generated_variance_mp(x, h)) - mp.sqrt(mpf(s))) ** 2
                   for s, h in zip(sigma2[:d], sigma2_hat[:d]))
    dropped = mp.fsum(mpf(s) for s in sigma2[d:])
    return kept + dropped


def w2_all_dims_np(x: np.ndarray, sigma2: np.ndarray, sigma2_hat: np.ndarray) -> np.ndarray:
    """Float64 brute-force table ``W²`` (rows d = 0..D, columns x), the plain definition."""
    x = np.asarray(x, dtype=float)[None, :]
    v = x + (1 - x) * sigma2_hat[:, None]
    err = (np.sqrt(v) - np.sqrt(sigma2)[:, None]) ** 2
    kept = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(err, axis=0)])
    total = sigma2.sum()
    dropped = np.concatenate([[total], total - np.cumsum(sigma2)])
    return kept + dropped[:, None]


def w2_schedule_mp(schedule: str, s, sigma2, sigma2_hat, d: int) -> mp.mpf:
    """``W²`` at forward time ``s`` for any schedule: ``v_i = a_s² + b_s² σ̂_i²`` (the rectified
    flow is not VP, so ``x = a²`` alone does not determine ``v``); for a VP schedule written
    ``x + (1 − x)σ̂²``, which is exactly 1 at ``σ̂² = 1`` at any precision (``a² + b²`` computed
    separately is 1 only to ``10^-dps``)."""
    a2, b2 = ab2_mp(schedule, s)
    vp = schedule != "rectified-flow"
    kept = mp.fsum((mp.sqrt(a2 + (1 - a2) * mpf(h) if vp else a2 + b2 * mpf(h)) - mp.sqrt(mpf(v))) ** 2
                   for v, h in zip(sigma2[:d], sigma2_hat[:d]))
    return kept + mp.fsum(mpf(v) for v in sigma2[d:])


# ----------------------------------------------------------------------------- discrete samplers
def discrete_variances_np(sigma2_hat, *, schedule: str, T: float, steps: int, scheme: str,
                          init: str = "pT", truncate: float = 0.0, cap: float | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Exact variance of each component after each step of a discretised linear sampler (VP
    schedule), typed from Pierret & Galerne (ICML 2025, eqs. (11)–(17); docs/theory.md §5) with this
    module's own schedules and score ``m = min(C, 1/(a_s² + b_s² σ̂²))`` (Prop 4), not from
    ``ldmstop.sim``: grid ``t_k = (T − ε)k/K``, ``s_k = T − t_k``, ``Δ = t_{k+1} − t_k``,
    ``β_k = w²(s_k)``:

    - EM ``v ← (1 + Δβ_k(1 − 2m_k))² v + 2Δβ_k``;
    - EI ``v ← (1 + γ1(1 − 2m_k))² v + 2γ2``, ``γ1 = e^{ΔB} − 1``, ``2γ2 = e^{2ΔB} − 1``;
    - Euler (probability-flow ODE) ``v ← (1 + Δβ_k(1 − m_k))² v``;
    - Heun ``v ← (1 + Δ/2 (f_k + f_{k+1}(1 + Δ f_k)))² v``, ``f = w²(1 − m)``; a step that ends
      at ``s = 0`` is an Euler step (Karras et al. 2022, Alg. 1).

    Start: ``pT`` the model's ``N(0, a_T² + b_T² σ̂²)``, ``normal`` ``N(0, 1)``.
    Returns ``(times (K+1,), V (K+1, D))``."""
    h = np.atleast_1d(np.asarray(sigma2_hat, dtype=float))
    K = int(steps)
    t = (T - truncate) * np.arange(K + 1, dtype=float) / K
    s = T - t

    def m(sv: float) -> np.ndarray:
        a2, b2 = ab2_np(schedule, sv)
        with np.errstate(divide="ignore"):
            out = 1.0 / (a2 + b2 * h)
        return out if cap is None else np.minimum(out, cap)

    a2T, b2T = ab2_np(schedule, T)
    V = np.empty((K + 1, h.size))
    V[0] = np.ones_like(h) if init == "normal" else a2T + b2T * h
    for k in range(K):
        dt = t[k + 1] - t[k]
        beta = float(rate_np(schedule, s[k]))
        mk = m(s[k])
        if scheme == "em":
            V[k + 1] = (1 + dt * beta * (1 - 2 * mk)) ** 2 * V[k] + 2 * dt * beta
        elif scheme == "ei":
            dB = float(integrated_rate_np(schedule, s[k]) - integrated_rate_np(schedule, s[k + 1]))
            V[k + 1] = (1 + math.expm1(dB) * (1 - 2 * mk)) ** 2 * V[k] + math.expm1(2 * dB)
        elif scheme == "euler-ode":
            V[k + 1] = (1 + dt * beta * (1 - mk)) ** 2 * V[k]
        elif scheme == "heun":
            fk = beta * (1 - mk)
            if s[k + 1] > 0:
                f1 = float(rate_np(schedule, s[k + 1])) * (1 - m(s[k + 1]))
                A = 1 + dt / 2 * (fk + f1 * (1 + dt * fk))
            else:
                A = 1 + dt * fk
            V[k + 1] = A**2 * V[k]
        else:
            raise ValueError(scheme)
    return t, V


def w2_from_variances_np(sigma2, V) -> np.ndarray:
    """``W²(t_k, d) = Σ_{i≤d} (sqrt V_{k,i} − σ_i)² + Σ_{i>d} σ_i²``; rows d = 1..D."""
    sig2 = np.asarray(sigma2, dtype=float)
    err = (np.sqrt(np.asarray(V, dtype=float)) - np.sqrt(sig2)[None, :]) ** 2
    out = np.empty((sig2.size, err.shape[0]))
    for d in range(1, sig2.size + 1):
        out[d - 1] = err[:, :d].sum(axis=1) + sig2[d:].sum()
    return out


# ----------------------------------------------------------------------------- matrices
def mp_matrix(A: np.ndarray) -> mp.matrix:
    """Exact float64 → mpmath matrix."""
    A = np.asarray(A, dtype=float)
    M = mp.matrix(A.shape[0], A.shape[1])
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            M[i, j] = mp.mpf(float(A[i, j]))
    return M


def frechet_mp_eig(A: np.ndarray, B: np.ndarray) -> mp.mpf:
    """``d_F²`` in mpmath by an eigen-route of its own: ``tr A + tr B − 2 Σ sqrt(λ_i(A B))``
    (the eigenvalues of ``A B`` equal those of ``B^{1/2} A B^{1/2}``), ``A B`` similar to a PSD
    matrix, evaluated with ``mp.eig`` on the non-symmetric product."""
    Am, Bm = mp_matrix(A), mp_matrix(B)
    lam = mp.eig(Am * Bm, left=False, right=False)
    cross = mp.fsum(mp.sqrt(max(mp.re(l), 0)) for l in lam)
    n = Am.rows
    return mp.fsum(Am[i, i] + Bm[i, i] for i in range(n)) - 2 * cross


def spectral_norm(cov_eigenvalues: np.ndarray) -> float:
    return float(np.max(cov_eigenvalues)) if cov_eigenvalues.size else 0.0


def frechet_float_error_bound(A_eigs: np.ndarray, B_eigs: np.ndarray) -> float:
    """Achievable absolute error of a float64 full-matrix ``d_F²``, whatever the conditioning.

    An eigenvalue ``μ`` of ``M = B^{1/2} A B^{1/2}`` is known to ``~D u ‖A‖‖B‖``; near ``μ = 0``
    its square root is then only known to ``sqrt(D u ‖A‖‖B‖)``, and ``d_F²`` carries
    ``2 Σ_i`` of those: ``2 D^{3/2} sqrt(u ‖A‖₂ ‖B‖₂)``, plus trace round-off. (Measured on
    this module's strategies: at most 3.9 sqrt(u‖A‖‖B‖) for D ≤ 5.)
    """
    D = max(A_eigs.size, 1)
    nA, nB = spectral_norm(A_eigs), spectral_norm(B_eigs)
    return 2.0 * D**1.5 * math.sqrt(U * nA * nB) + 16.0 * D * U * (float(np.sum(A_eigs)) + float(np.sum(B_eigs)))


def projector(basis: np.ndarray, d: int) -> np.ndarray:
    """Orthogonal projector onto the span of the first ``d`` columns of ``basis``."""
    Q = basis[:, :d]
    return Q @ Q.T


# ----------------------------------------------------------------------------- brute force
def brute_force_min_w2(sigma2: np.ndarray, sigma2_hat: np.ndarray, schedule: str, T: float,
                       dims: range | None = None) -> tuple[float, int, float]:
    """Global min of ``W²`` over ``d`` (default 1..D) and ``x = a²_{T−t} ∈ [0, a_T²]``.

    Dense grid (uniform plus geometric toward x = 0), then golden-section refinement around
    each d's best grid point (``x ↦ W²`` is convex, Prop 1's proof); plain float64 formula.
    Returns ``(value, d, x)``.
    """
    sig2, h2 = np.asarray(sigma2, float), np.asarray(sigma2_hat, float)
    xT = float(a2_np(schedule, np.array([T]))[0])
    xs = np.unique(np.concatenate([np.linspace(0.0, xT, 1001), xT * np.logspace(-14, 0, 100)]))
    tab = w2_all_dims_np(xs, sig2, h2)
    dims = range(1, sig2.size + 1) if dims is None else dims
    best = (math.inf, 0, 0.0)
    g = (math.sqrt(5) - 1) / 2
    for d in dims:
        k = int(np.argmin(tab[d]))
        if tab[d, k] < best[0]:
            best = (float(tab[d, k]), d, float(xs[k]))
        lo, hi = xs[max(k - 1, 0)], xs[min(k + 1, xs.size - 1)]
        for _ in range(60):
            a, b = hi - g * (hi - lo), lo + g * (hi - lo)
            fa, fb = w2_all_dims_np(np.array([a, b]), sig2, h2)[d]
            if fa <= fb:
                hi = b
            else:
                lo = a
        xm = 0.5 * (lo + hi)
        val = float(w2_all_dims_np(np.array([xm]), sig2, h2)[d, 0])
        if val < best[0]:
            best = (val, d, xm)
    return best


def stationary_stop_mp(sigma2, sigma2_hat, schedule: str, T) -> tuple[float, float, float] | None:
    """Prop 3(b)'s stationary point for the given (kept) components of a VP schedule: the root
    ``x*`` of ``g(x) = Σ (1 − σ_i/sqrt(σ̂_i² + (1 − σ̂_i²)x))(1 − σ̂_i²)`` on ``[0, a_T²]``
    (bisection at 60 digits), ``s* = ā^{-2}(x*)`` and the float64 resolution ``ds`` of ``s*``: a
    root of ``g`` evaluated in float64 moves by ``~u Σ|terms| / g'(x*)``, ``g'`` the curvature
    ``Σ σ_i(1 − σ̂_i²)²/(2 v_i^{3/2})`` (Prop 1's proof). ``None`` when ``g`` does not change sign
    on ``[0, a_T²]`` (no interior stationary point)."""
    with mp.workdps(60):
        S, H = [mpf(v) for v in sigma2], [mpf(v) for v in sigma2_hat]

        def g(x):
            return mp.fsum((1 - mp.sqrt(s2) / mp.sqrt(h + (1 - h) * x)) * (1 - h) for s2, h in zip(S, H))

        lo, hi = mp.mpf(0), a2_mp(schedule, T)
        if not g(lo) < 0 < g(hi):
            return None
        for _ in range(400):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if g(mid) < 0 else (lo, mid)
        x = (lo + hi) / 2
        curv = mp.fsum(mp.sqrt(s2) * (1 - h) ** 2 / (2 * (h + (1 - h) * x) ** mp.mpf(1.5))
                       for s2, h in zip(S, H))
        scale = mp.fsum(abs(1 - h) * (1 + mp.sqrt(s2) / mp.sqrt(h + (1 - h) * x)) for s2, h in zip(S, H))
        dx = 64 * U * scale / curv + 8 * U * x
        s_star = inverse_a2_mp(schedule, x)
        ds = inverse_a2_mp(schedule, min(x + dx, a2_mp(schedule, T))) - s_star
        return float(x), float(s_star), float(ds)


# ----------------------------------------------------------------------------- Prop 5 (OU)
def capped_coefficient(s: float, sigma2_hat: float, C: float) -> float:
    """``m̂(s) = min(C, 1/(a_s² + b_s² σ̂²))`` for OU (Prop 4)."""
    return min(C, 1.0 / (1.0 - (1.0 - sigma2_hat) * math.exp(-2.0 * s)))


def cap_switch_time(sigma2_hat: float, C: float, T: float) -> float:
    """Backward time ``t'`` after which the cap binds: ``a²_{T−t'} + b²_{T−t'} σ̂² = 1/C`` if
    ``C < 1/σ̂²`` (clipped to 0 when it binds from the start), else ``T``."""
    if C * sigma2_hat >= 1.0:
        return T
    s_switch = -0.5 * math.log((1.0 - 1.0 / C) / (1.0 - sigma2_hat))
    return max(T - s_switch, 0.0)


def rk4_variance(sigma2_hat: float, C: float, T: float, steps: int = 2000,
                 V0: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Integrate ``dV/dt = 2(1 − 2 m̂(T − t)) V + 2``, ``V_0 = V0`` (Prop 5) by classical RK4,
    ``steps`` steps on each side of the kink ``t'`` of ``m̂`` (so each piece is smooth).
    Returns the times and values along the way."""
    tp = cap_switch_time(sigma2_hat, C, T)
    ts, vs = [0.0], [V0]
    V = V0

    def f(t: float, y: float) -> float:
        return 2.0 * (1.0 - 2.0 * capped_coefficient(T - t, sigma2_hat, C)) * y + 2.0

    for a, b in ((0.0, tp), (tp, T)):
        if b <= a:
            continue
        h = (b - a) / steps
        # Evaluate m̂ strictly inside the piece at its ends (one-sided limits at the kink).
        for k in range(steps):
            t = a + k * h
            t_end = b if k == steps - 1 else t + h
            k1 = f(min(max(t, a + 1e-300), b), V)
            k2 = f(t + h / 2, V + h / 2 * k1)
            k3 = f(t + h / 2, V + h / 2 * k2)
            k4 = f(min(t_end, b), V + h * k3)
            V = V + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            ts.append(t_end)
            vs.append(V)
    return np.asarray(ts), np.asarray(vs)


def prop5_closed_form(sigma2_hat: float, C: float, T: float) -> float:
    """``V_T`` of Prop 5 as printed in docs/theory.md §3 (start N(0, 1), OU, cap C)."""
    q = 1.0 - sigma2_hat
    tp = cap_switch_time(sigma2_hat, C, T)
    if tp >= T:
        E = math.exp(-2.0 * T)
        return sigma2_hat * (1 - 2 * q * E + q * E**2) / (1 - 2 * q * E + q**2 * E**2)
    e = math.exp((2 - 4 * C) * (T - tp))
    den = 1 - q * math.exp(-2 * T)
    return ((1 - e) / (2 * C - 1) + e * (1 - q * math.exp(-2 * (T - tp))) / den
            * (1 - 2 * q * math.exp(-2 * T) + q * math.exp(-2 * (T + tp))) / den)


def rk4_steps(sigma2_hat: float, C: float, T: float) -> int:
    """Steps per piece that keep RK4 well inside its stability region: the ODE's rate is
    ``|2(1 − 2m)| ≤ 2(2 min(C, 1/σ̂²) + 1)``; ``h·rate ≤ 0.05`` (and at least 1000 steps)."""
    m_max = min(C, 1.0 / sigma2_hat) if sigma2_hat > 0 else C
    return max(1000, math.ceil(20 * 2 * (2 * m_max + 1) * T))


@functools.lru_cache(maxsize=4096)
def ode_variance_at_T(sigma2_hat: float, C: float, T: float, steps: int | None = None) -> float:
    """``V_T`` of the Prop 5 ODE: RK4 with ``steps`` and ``2·steps`` per smooth piece (default
    :func:`rk4_steps`), combined by Richardson extrapolation (RK4 is 4th order:
    ``V_2n + (V_2n − V_n)/15``)."""
    steps = rk4_steps(sigma2_hat, C, T) if steps is None else steps
    v1 = rk4_variance(sigma2_hat, C, T, steps)[1][-1]
    v2 = rk4_variance(sigma2_hat, C, T, 2 * steps)[1][-1]
    return float(v2 + (v2 - v1) / 15.0)

"""Exact W2² of the latent diffusion output over backward time, every latent dimension.

Wu et al. (2025), eq. (3) and Prop 2 (THEORY.md §2): with ``x = a²_{T-t}`` and
``v_i = x + (1 - x) σ̂_i²``,

    W²(t, d) = Σ_{i≤d} (sqrt(v_i) - σ_i)² + Σ_{i>d} σ_i².

The map over (d, t) is one pass over a D×K array: the per-component errors (generated from the
SymPy derivation, cancellation-free form) are cumulated over ``d`` and the discarded variance is
a reversed cumulative sum. The optimum over t for each d solves the stationarity condition
``g_d(x) = Σ_{i≤d} (1 - σ_i/sqrt(v_i))(1 - σ̂_i²) = 0`` (Prop 3(b), generalised to any spectrum):
``x ↦ W²`` is convex (Prop 1's proof), so the root, when interior, is the minimiser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ProblemError
from .problem import Problem

__all__ = [
    "backward_times",
    "noise_levels",
    "component_errors",
    "component_slopes",
    "w2_map",
    "threshold_times",
    "optimal_stop",
    "CurveResult",
    "compute_curve",
]


def _backends():
    from ldmstop.derivations import backends  # SymPy: imported when a command needs it

    return backends


def backward_times(T: float, grid: int) -> np.ndarray:
    """``grid`` backward times uniform on ``[0, T]``."""
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 2:
        raise ProblemError(f"grid must be an integer >= 2, got {grid!r}")
    return np.linspace(0.0, T, int(grid))


def noise_levels(problem: Problem, times: np.ndarray) -> np.ndarray:
    """``x = a²_{T-t}`` at backward times ``t`` (forward time ``s = T - t``, clipped at 0)."""
    s = np.clip(problem.T - np.asarray(times, dtype=float), 0.0, None)
    return np.asarray(_backends().schedule_functions(problem.schedule)["a2"](s), dtype=float) * np.ones_like(s)


def component_errors(sigma2: np.ndarray, sigma2_hat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``(sqrt(v_i) - σ_i)²`` for every component (rows) and noise level (columns).

    Uses the generated cancellation-free form; a component with ``σ = σ̂ = 0`` at ``x = 0`` has
    ``v = 0`` and error 0 (the 0/0 of that form is resolved by its limit).
    """
    f = _backends().numpy_function("component_error_stable")
    sig = np.sqrt(sigma2)[:, None]
    sh = np.sqrt(sigma2_hat)[:, None]
    xx = np.asarray(x, dtype=float)[None, :]
    delta = (np.asarray(sigma2_hat, float) - np.asarray(sigma2, float))[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        err = f(xx, sig, sh, delta)
    return np.where(np.isnan(err), 0.0, err)


def component_slopes(sigma2: np.ndarray, sigma2_hat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``∂/∂x (sqrt(v_i) - σ_i)² = (1 - σ_i/sqrt(v_i))(1 - σ̂_i²)``, rows = components.

    For ``σ_i = 0`` the slope is ``1 - σ̂_i²`` (the error is ``v_i`` itself), also at ``v_i = 0``.
    """
    f = _backends().numpy_function("component_slope")
    sig = np.sqrt(sigma2)[:, None]
    sh = np.sqrt(sigma2_hat)[:, None]
    xx = np.asarray(x, dtype=float)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        g = f(xx, sig, sh) * np.ones((1, xx.shape[1]))
    zero = (sig == 0.0) & np.ones_like(g, dtype=bool)
    return np.where(zero, (1.0 - sh**2) * np.ones_like(g), g)


def w2_map(problem: Problem, times: np.ndarray) -> np.ndarray:
    """``W²(t, d)`` as a ``D × K`` array: row ``d-1`` is latent dimension ``d``.

    One vectorised pass: cumulative sums over components, no Python loop over ``d``.
    """
    x = noise_levels(problem, times)
    err = component_errors(problem.sigma2, problem.sigma2_used, x)
    kept = np.cumsum(err, axis=0)
    # Σ_{i>d} σ_i²: reversed cumulative sum from the smallest components, which keeps the
    # small tail sums accurate instead of subtracting from the total.
    tail = np.concatenate([np.cumsum(problem.sigma2[::-1])[::-1][1:], [0.0]])
    return kept + tail[:, None]


def threshold_times(problem: Problem, *, estimated: bool = False) -> np.ndarray:
    """``t_1 = 0, t_2, …, t_D, t_{D+1} = T`` (Prop 2); ``t̂_d`` with ``estimated=True``."""
    B = _backends()
    key = problem.schedule.replace("-", "_")
    sig = np.sqrt(problem.sigma2[1:])
    with np.errstate(invalid="ignore", divide="ignore"):
        if estimated:
            if problem.sigma2_hat is None:
                raise ProblemError("estimated thresholds need an estimate (--estimated or --samples)")
            f = B.numpy_function(f"{key}_threshold_time_plugin")
            inner = f(sig, np.sqrt(problem.sigma2_hat[1:]), problem.T)
        else:
            f = B.numpy_function(f"{key}_threshold_time_exact")
            inner = f(sig, problem.T)
    inner = np.asarray(inner, dtype=float) * np.ones_like(sig)
    return np.concatenate([[0.0], inner, [problem.T]])


def _bisect_root(gfun, lo: float, hi: float, iters: int = 200) -> float:
    """Root of an increasing function on ``[lo, hi]`` with ``g(lo) < 0 < g(hi)``."""
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if gfun(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def optimal_stop(problem: Problem, times: np.ndarray, w2: np.ndarray | None = None) -> dict:
    """Global minimiser of ``W²(t, d)`` over ``d ∈ 1..D`` and ``t ∈ [0, T]``.

    The grid gives each ``d``'s best time; convexity in ``x`` bounds how much lower the
    continuous minimum can be (tangent at the grid point), and every ``d`` whose bound can beat
    the best grid value is refined by bisection on ``g_d(x) = 0``. Returns ``d``, ``t``,
    ``w2_squared``, ``interior`` (whether ``t`` solves the stationarity condition) and
    ``x`` (the noise level ``a²_{T-t}``).
    """
    times = np.asarray(times, dtype=float)
    if w2 is None:
        w2 = w2_map(problem, times)
    x = noise_levels(problem, times)
    sig2, hat2 = problem.sigma2, problem.sigma2_used
    slopes = np.cumsum(component_slopes(sig2, hat2, x), axis=0)
    k_best = np.argmin(w2, axis=1)
    rows = np.arange(problem.D)
    f_best = w2[rows, k_best]
    g_best = slopes[rows, k_best]
    # Neighbouring noise levels on the side the slope points to (x decreases as t increases).
    k_left = np.clip(k_best - 1, 0, len(times) - 1)
    k_right = np.clip(k_best + 1, 0, len(times) - 1)
    x_k = x[k_best]
    x_other = np.where(g_best > 0, np.minimum(x[k_left], x[k_right]), np.maximum(x[k_left], x[k_right]))
    lower = f_best + g_best * (x_other - x_k)
    incumbent = float(f_best.min())
    candidates = np.flatnonzero(lower <= incumbent)

    tail = np.concatenate([np.cumsum(sig2[::-1])[::-1][1:], [0.0]])
    best = {"d": int(np.argmin(f_best)) + 1, "x": float(x[k_best[np.argmin(f_best)]]),
            "w2_squared": incumbent, "interior": False}
    best["t"] = float(times[k_best[best["d"] - 1]])
    inv = _backends().schedule_functions(problem.schedule)["inverse_a2"]

    for j in candidates:
        d = j + 1
        s2, h2 = sig2[:d], hat2[:d]

        def g(xv: float, s2=s2, h2=h2) -> float:
            return float(component_slopes(s2, h2, np.array([xv])).sum())

        lo, hi = sorted((float(x_k[j]), float(x_other[j])))
        if lo == hi or not (g(lo) < 0 < g(hi)):
            continue
        xr = _bisect_root(g, lo, hi)
        fr = float(component_errors(s2, h2, np.array([xr])).sum() + tail[j])
        if fr < best["w2_squared"]:
            best = {"d": d, "x": xr, "w2_squared": fr, "interior": True,
                    "t": float(problem.T - float(inv(np.array([xr]))[0]))}
    return best


@dataclass(frozen=True)
class CurveResult:
    """Output of :func:`compute_curve`."""

    problem: Problem
    times: np.ndarray
    w2_squared: np.ndarray
    thresholds_exact: np.ndarray
    thresholds_estimated: np.ndarray | None
    optimal: dict

    def to_json(self) -> dict:
        out = {
            "problem": self.problem.describe(),
            "variances": self.problem.sigma2.tolist(),
            "estimated": None if self.problem.sigma2_hat is None else self.problem.sigma2_hat.tolist(),
            "order": self.problem.order.tolist(),
            "times": self.times.tolist(),
            "w2_squared": self.w2_squared.tolist(),
            "thresholds": {"exact": self.thresholds_exact.tolist()},
            "optimal": self.optimal,
        }
        if self.thresholds_estimated is not None:
            out["thresholds"]["estimated"] = self.thresholds_estimated.tolist()
        return out


def compute_curve(problem: Problem, grid: int = 1001) -> CurveResult:
    """Exact ``W²(t, d)`` on ``grid`` backward times, the thresholds and the global optimum."""
    times = backward_times(problem.T, grid)
    w2 = w2_map(problem, times)
    return CurveResult(
        problem=problem,
        times=times,
        w2_squared=w2,
        thresholds_exact=threshold_times(problem),
        thresholds_estimated=threshold_times(problem, estimated=True) if problem.has_estimate else None,
        optimal=optimal_stop(problem, times, w2),
    )

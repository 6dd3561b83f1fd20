"""Exact W2² of the latent diffusion output over backward time, every latent dimension.

Wu et al. (2025), eq. (3) and Prop 2 (docs/theory.md §2): with ``x = a²_{T-t}`` and
``v_i = x + (1 - x) σ̂_i²``,

    W²(t, d) = Σ_{i≤d} (sqrt(v_i) - σ_i)² + Σ_{i>d} σ_i².

The map over (d, t) is one pass over a D×K array: the per-component errors (generated from the
SymPy derivation, cancellation-free form) are cumulated over ``d`` and the discarded variance is
a reversed cumulative sum. The optimum over t for each d solves the stationarity condition
``g_d(x) = Σ_{i≤d} (1 - σ_i/sqrt(v_i))(1 - σ̂_i²) = 0`` (Prop 3(b), generalised to any spectrum):
``x ↦ W²`` is convex (Prop 1's proof), so the root, when interior, is the minimiser.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

# Generated from the SymPy derivations ahead of time (python -m ldmstop.derivations.generate):
# importing them costs no SymPy. Functions are looked up through the module when called, so
# that replacing a look-up (a test, a verify negative control) reaches this code.
from ldmstop.derivations import backends

from . import registry as _registry
from .dimensions import discarded_variance, w2_by_dimension
from .errors import NumericalError, ProblemError, plain
from .problem import Problem, _real_array
from .results import Optimum, Record, StepChoice, StepOptimum, StepsRow
from .sampler import Sampler

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
    "SCHEMES",
    "component_errors_at",
    "optimal_stop_general",
    "discrete_curve",
    "optimal_steps",
    "stop_vs_steps",
    "Optimum",
    "StepChoice",
    "StepOptimum",
    "StepsRow",
]


#: peak memory of the exact map and its optimum, in float64 arrays of D × K (measured with
#: tracemalloc: 4.2 on VP schedules, 3.1 on the rectified flow; rounded up)
_EXACT_ARRAYS = 6
#: the same for the discretised recursions (measured: 4.0 for em/ei/euler-ode, 7.0 for heun)
_DISCRETE_ARRAYS = 9


def _check_problem(problem, name: str = "problem") -> Problem:
    if not isinstance(problem, Problem):
        raise ProblemError(f"{name} must be an ldmstop.Problem (build one with Problem.from_variances, "
                           f"from_covariance or from_spectrum_file), got {type(problem).__name__}")
    return problem


def _check_int(value, name: str, low: int) -> int:
    """An integer >= ``low``: floats are refused, not truncated (``10.7`` is not 10 steps)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
        raise ProblemError(f"{name} must be an integer >= {low}, got {plain(value)}")
    return int(value)


def map_memory(D: int, K: int, *, discrete: bool = False) -> float:
    """Predicted peak bytes of a D × K map (:func:`compute_curve`, :func:`discrete_curve`)."""
    return 8.0 * float(D) * float(K) * (_DISCRETE_ARRAYS if discrete else _EXACT_ARRAYS)


def require_map_memory(D: int, K: int, what: str, discrete: bool = False) -> None:
    from .limits import require_memory

    require_memory(map_memory(D, K, discrete=discrete), what=f"{what} (with D = {D})")


def ensure_finite(name: str, value) -> None:
    """Raise :class:`NumericalError` if ``value`` (a number, an array, a typed result with
    ``to_json()``, or a dict/list of them) holds a NaN or an infinity: a result with one is
    withheld, never written."""
    stack = [(name, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, Record):
            v = v.to_json()
        if isinstance(v, dict):
            stack.extend((f"{where}[{k!r}]", x) for k, x in v.items())
        elif isinstance(v, (list, tuple)):
            stack.extend((f"{where}[{i}]", x) for i, x in enumerate(v))
        elif isinstance(v, (bool, np.bool_, str)) or v is None:
            continue
        else:
            a = np.asarray(v)
            if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
                idx = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0]) if a.ndim else ()
                bad = a[idx] if idx else a
                raise NumericalError(
                    f"the computed {where}{list(idx) if idx else ''} is {plain(bad)}, not a finite "
                    "number: this input is outside what the float64 formulas can evaluate "
                    "(please report it with the command line)")


def backward_times(T: float, grid: int) -> np.ndarray:
    """``grid`` backward times uniform on ``[0, T]``."""
    grid = _check_int(grid, "grid", 2)
    return np.linspace(0.0, T, grid)


def check_times(problem: Problem, times) -> np.ndarray:
    """Backward times as a float array, each a finite number in ``[0, T]`` (ProblemError naming
    the first offender): outside it the map would extrapolate the schedule."""
    t = _real_array("times", times)
    if t.ndim > 1:
        raise ProblemError(f"times must be a number or a one-dimensional array, got shape {t.shape}")
    bad = ~np.isfinite(t) | (t < 0) | (t > problem.T)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise ProblemError(f"times[{i}] = {plain(t.ravel()[i])} is not a backward time in "
                           f"[0, T] = [0, {plain(problem.T)}]")
    return t


def noise_levels(problem: Problem, times: np.ndarray) -> np.ndarray:
    """``x = a²_{T-t}`` at backward times ``t`` in ``[0, T]`` (forward time ``s = T - t``)."""
    _check_problem(problem)
    times = check_times(problem, times)
    s = np.clip(problem.T - times, 0.0, None)  # T - T is 0; the clip only absorbs a -0.0
    return np.asarray(backends.numpy_schedule(problem.schedule).a2(s), dtype=float) * np.ones_like(s)


def component_errors(sigma2: np.ndarray, sigma2_hat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``(sqrt(v_i) - σ_i)²`` for every component (rows) and noise level (columns).

    Uses the generated cancellation-free form, with ``σ̂² - σ²`` and ``1 - σ̂²`` formed from the
    variances themselves (exact when they are close); a component with ``σ = σ̂ = 0`` at
    ``x = 0`` has ``v = 0`` and error 0 (the 0/0 of that form is resolved by its limit). Only that
    case: any other NaN is a failure and stays NaN, for :func:`ensure_finite` to report.
    """
    f = backends.numpy_function("component_error_stable")
    sig = np.sqrt(sigma2)[:, None]
    sh = np.sqrt(sigma2_hat)[:, None]
    xx = np.asarray(x, dtype=float)[None, :]
    delta = (np.asarray(sigma2_hat, float) - np.asarray(sigma2, float))[:, None]
    one_minus_hat2 = (1.0 - np.asarray(sigma2_hat, float))[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        err = f(xx, sig, sh, delta, one_minus_hat2)
    return np.where((sig == 0.0) & (sh == 0.0) & (xx == 0.0), 0.0, err)


def component_slopes(sigma2: np.ndarray, sigma2_hat: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``∂/∂x (sqrt(v_i) - σ_i)² = (1 - σ_i/sqrt(v_i))(1 - σ̂_i²)``, rows = components.

    For ``σ_i = 0`` the slope is ``1 - σ̂_i²`` (the error is ``v_i`` itself), also at ``v_i = 0``.
    """
    f = backends.numpy_function("component_slope")
    sig = np.sqrt(sigma2)[:, None]
    sh = np.sqrt(sigma2_hat)[:, None]
    xx = np.asarray(x, dtype=float)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        g = f(xx, sig, sh) * np.ones((1, xx.shape[1]))
    zero = (sig == 0.0) & np.ones_like(g, dtype=bool)
    return np.where(zero, (1.0 - sh**2) * np.ones_like(g), g)


def w2_map(problem: Problem, times: np.ndarray) -> np.ndarray:
    """``W²(t, d) = Σ_{i≤d} (sqrt(v_i) - σ_i)² + Σ_{i>d} σ_i²`` as a ``D × K`` array (row
    ``d-1`` is latent dimension ``d``), ``v_i = a_s² + b_s² σ̂_i²``, ``s = T - t``, for any
    schedule (Wu et al. 2025, §2; docs/theory.md §2).

    One path: the kept-component errors :func:`component_errors_at` (the schedule's own
    cancellation-free form), cumulated over components in one vectorised D×K pass
    (:func:`ldmstop.dimensions.w2_by_dimension`).
    """
    _check_problem(problem)
    times = check_times(problem, times)
    return w2_by_dimension(component_errors_at(problem, times), problem.sigma2)


def component_errors_at(problem: Problem, times: np.ndarray) -> np.ndarray:
    """``(sqrt(v_i) - σ_i)²`` at backward times ``times`` (rows = components), in the form that
    keeps the most digits for the schedule: on a VP schedule the noise-level form in
    ``x = a²_{T-t}`` with ``1 - σ̂²`` exact (:func:`component_errors`), otherwise the general form
    in ``a²`` and ``1 - b²`` (:func:`component_errors_general`); chosen by the schedule's
    variance-preserving property."""
    if _is_vp(problem.schedule):
        return component_errors(problem.sigma2, problem.sigma2_used, noise_levels(problem, times))
    co = backends.schedule_coefficients(problem.schedule)
    s = np.clip(problem.T - np.asarray(times, dtype=float), 0.0, None)
    a2 = np.asarray(co["a2"](s), dtype=float) * np.ones_like(s)
    omb2 = np.asarray(co["one_minus_b2"](s), dtype=float) * np.ones_like(s)
    return component_errors_general(problem.sigma2, problem.sigma2_used, a2, omb2)


def threshold_times(problem: Problem, *, estimated: bool = False) -> np.ndarray:
    """``t_1 = 0, t_2, …, t_D, t_{D+1} = T`` (Prop 2); ``t̂_d`` with ``estimated=True``."""
    _check_problem(problem)
    fns = backends.numpy_schedule(problem.schedule)
    sig = np.sqrt(problem.sigma2[1:])
    with np.errstate(invalid="ignore", divide="ignore"):
        if estimated:
            if problem.sigma2_hat is None:
                raise ProblemError("estimated thresholds need an estimate (--estimated or --samples)")
            f = fns.threshold_time_plugin
            inner = f(sig, np.sqrt(problem.sigma2_hat[1:]), problem.T)
        else:
            f = fns.threshold_time_exact
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


def optimal_stop(problem: Problem, times: np.ndarray, w2: np.ndarray | None = None) -> Optimum:
    """Global minimiser of ``W²(t, d)`` over ``d ∈ 1..D`` and ``t ∈ [0, T]`` (Wu et al. 2025,
    Prop 3(b), generalised to any spectrum; docs/theory.md §2).

    The grid gives each ``d``'s best time; convexity in ``x`` bounds how much lower the
    continuous minimum can be (tangent at the grid point), and every ``d`` whose bound can beat
    the best grid value is refined by bisection on ``g_d(x) = Σ_{i≤d} (1 - σ_i/sqrt(v_i))(1 -
    σ̂_i²) = 0``. Returns an :class:`~ldmstop.results.Optimum`: ``d``, ``t``, ``s`` (the forward
    time ``T - t``, to full relative precision where ``t`` is within a few ulps of ``T``: ``t``
    itself cannot resolve a stop 1e-13 before ``T = 2``), ``w2_squared``, ``interior`` (whether
    ``t`` solves the stationarity condition) and ``x`` (the noise level ``a²_{T-t}``;
    ``w2_squared`` is the value at ``s``).
    """
    _check_problem(problem)
    times = check_times(problem, times)
    if w2 is None:
        w2 = w2_map(problem, times)
    w2 = _real_array("w2", w2)
    if w2.shape != (problem.D, times.size):
        raise ProblemError(f"w2 must have shape (D, len(times)) = ({problem.D}, {times.size}), "
                           f"got {w2.shape}")
    if not _is_vp(problem.schedule):
        return optimal_stop_general(problem, times, w2)
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

    tail = discarded_variance(sig2)
    j0 = int(np.argmin(f_best))
    t0 = float(times[k_best[j0]])
    best = Optimum(d=j0 + 1, x=float(x[k_best[j0]]), w2_squared=incumbent, interior=False,
                   t=t0, s=float(problem.T - t0))
    inv = backends.numpy_schedule(problem.schedule).inverse_a2

    for j in candidates:
        d = int(j) + 1  # a Python int, as on the grid branch (JSON, equality with ints)
        s2, h2 = sig2[:d], hat2[:d]

        def g(xv: float, s2=s2, h2=h2) -> float:
            return float(component_slopes(s2, h2, np.array([xv])).sum())

        lo, hi = sorted((float(x_k[j]), float(x_other[j])))
        if lo == hi or not (g(lo) < 0 < g(hi)):
            continue
        xr = _bisect_root(g, lo, hi)
        fr = float(component_errors(s2, h2, np.array([xr])).sum() + tail[j])
        if fr < best.w2_squared:
            s_star = float(inv(np.array([xr]))[0])
            best = Optimum(d=d, x=xr, w2_squared=fr, interior=True,
                           t=float(problem.T - s_star), s=s_star)
    return best


@dataclass(frozen=True)
class CurveResult:
    """Output of :func:`compute_curve`."""

    problem: Problem
    times: np.ndarray
    w2_squared: np.ndarray
    thresholds_exact: np.ndarray
    thresholds_estimated: np.ndarray | None
    #: the global optimum (:class:`~ldmstop.results.Optimum`), or for a discretised sampler
    #: the joint optimum over (d, step) (:class:`~ldmstop.results.StepOptimum`)
    optimal: Optimum | StepOptimum
    #: discretised sampler: ``exact`` is the continuous-time curve above
    scheme: str = "exact"
    steps: int | None = None
    init: str = "pT"
    truncate: float = 0.0
    #: per latent dimension: best solver step, its time and W2² (discretised schemes only)
    optimal_steps: list[StepChoice] | None = None

    @property
    def final_w2(self) -> np.ndarray:
        """W2 (not squared) at the last time of the grid, one value per latent dimension."""
        return np.sqrt(np.clip(self.w2_squared[:, -1], 0.0, None))

    def to_json(self) -> dict:
        """The ``--json`` document. ``times`` and ``w2_squared`` stay numpy arrays (D×K floats:
        converting them to lists would cost seconds and gigabytes on large maps); write the
        document with :mod:`ldmstop.jsonout` (``dumps`` or the streaming ``write``)."""
        out = {
            "problem": self.problem.describe(),
            "variances": self.problem.sigma2.tolist(),
            "estimated": None if self.problem.sigma2_hat is None else self.problem.sigma2_hat.tolist(),
            "order": self.problem.order.tolist(),
            "times": self.times,
            "w2_squared": self.w2_squared,
            "thresholds": {"exact": self.thresholds_exact.tolist()},
            "optimal": self.optimal.to_json(),
        }
        if self.thresholds_estimated is not None:
            out["thresholds"]["estimated"] = self.thresholds_estimated.tolist()
        if self.scheme != "exact":
            out.update({
                "scheme": self.scheme,
                "steps": self.steps,
                "init": self.init,
                "truncate": self.truncate,
                "final_w2": self.final_w2.tolist(),
                "optimal_steps": [r.to_json() for r in self.optimal_steps],
            })
        return out


def compute_curve(problem: Problem, grid: int = 1001, *, scheme: str = "exact",
                  steps: int | None = None, init: str = "pT", truncate: float = 0.0,
                  sampler: Sampler | None = None) -> CurveResult:
    """Exact ``W²(t, d)`` on ``grid`` backward times, the thresholds and the global optimum.

    With ``scheme`` one of :data:`SCHEMES` other than ``exact``, the W2² of the *discretised*
    sampler on its solver grid ``t_k = (T - ε) k/K`` instead (:func:`discrete_curve`).
    ``sampler``: the settings as a :class:`~ldmstop.sampler.Sampler` already built for
    ``problem`` (then ``scheme``, ``steps``, ``init`` and ``truncate`` are not read).
    """
    _check_problem(problem)
    if sampler is None:
        sampler = Sampler.build(scheme=scheme, steps=steps, init=init, truncate=truncate,
                                problem=problem)
    if sampler.discretised:
        return _discrete_curve(problem, sampler)
    grid = _check_int(grid, "grid", 2)
    require_map_memory(problem.D, grid, f"grid = {grid}")
    times = backward_times(problem.T, grid)
    w2 = w2_map(problem, times)
    ensure_finite("W2^2 map", w2)
    res = CurveResult(
        problem=problem,
        times=times,
        w2_squared=w2,
        thresholds_exact=threshold_times(problem),
        thresholds_estimated=threshold_times(problem, estimated=True) if problem.has_estimate else None,
        optimal=optimal_stop(problem, times, w2),
    )
    _ensure_result_finite(res)
    return res


def _ensure_result_finite(res: "CurveResult") -> None:
    ensure_finite("thresholds t_d", res.thresholds_exact)
    if res.thresholds_estimated is not None:
        ensure_finite("thresholds t^_d", res.thresholds_estimated)
    ensure_finite("optimum", res.optimal.to_json())
    if res.optimal_steps is not None:
        ensure_finite("optimal_steps", [r.to_json() for r in res.optimal_steps])


# --------------------------------------------------------------------------- any schedule, discretised samplers
#: Samplers: the exact continuous-time process, or a discretisation of it (Pierret & Galerne
#: 2025: Euler–Maruyama and exponential integrator on the backward SDE, Euler and Heun on the
#: probability-flow ODE).
SCHEMES = _registry.SCHEMES
INITS = _registry.INITS


def _is_vp(schedule: str) -> bool:
    """Whether ``a_s² + b_s² = 1`` (the closed forms in ``x = a²`` apply)."""
    return backends.numpy_schedule(schedule).variance_preserving


def component_errors_general(sigma2: np.ndarray, sigma2_hat: np.ndarray, a2: np.ndarray,
                             one_minus_b2: np.ndarray) -> np.ndarray:
    """``(sqrt(v_i) - σ_i)²``, ``v_i = a² + b² σ̂_i²``, rows = components, columns = times.
    ``σ = σ̂ = 0`` at ``a² = 0`` gives 0/0, resolved by its limit 0 (and only that case)."""
    f = backends.numpy_function("component_error_general")
    sig2 = np.asarray(sigma2, float)[:, None]
    hat2 = np.asarray(sigma2_hat, float)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        err = f(np.asarray(a2, float)[None, :], np.asarray(one_minus_b2, float)[None, :],
                np.sqrt(sig2), np.sqrt(hat2), hat2 - sig2)
    zero = (sig2 == 0.0) & (hat2 == 0.0) & (np.asarray(a2, float)[None, :] == 0.0)
    return np.where(zero, 0.0, err)


def _golden_min(fun, lo: float, hi: float, iters: int = 120) -> tuple[float, float]:
    """Minimum of a unimodal ``fun`` on ``[lo, hi]`` by golden-section search."""
    g = (np.sqrt(5.0) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = fun(c), fun(d)
    for _ in range(iters):
        if b - a <= 1e-15 * max(1.0, abs(a), abs(b)):
            break
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = fun(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = fun(d)
    x = c if fc <= fd else d
    return x, min(fc, fd)


def optimal_stop_general(problem: Problem, times: np.ndarray, w2: np.ndarray,
                         refine: int = 8) -> Optimum:
    """Minimiser of ``W²(t, d)`` over ``d`` and ``t`` for a schedule that is not VP.

    Without VP, ``W²`` is not a function of ``a²`` alone and Prop 1's convexity argument does
    not carry over, so there is no certificate: the grid minimum of the ``refine`` dimensions
    with the lowest grid values is refined by golden section between the neighbouring grid
    times (a local refinement; ``interior`` says it moved off the grid). ``x`` is ``a²_{T-t}``.
    """
    times = np.asarray(times, dtype=float)
    k_best = np.argmin(w2, axis=1)
    f_best = w2[np.arange(problem.D), k_best]
    order = np.argsort(f_best, kind="stable")[:refine]
    sig2, hat2 = problem.sigma2, problem.sigma2_used
    tail = discarded_variance(sig2)
    co = backends.schedule_coefficients(problem.schedule)
    a2f, ombf = co["a2"], co["one_minus_b2"]
    j0 = int(order[0])
    d_b, t_b, w_b, interior = j0 + 1, float(times[k_best[j0]]), float(f_best[j0]), False
    for j in order:
        k = int(k_best[j])
        lo, hi = times[max(k - 1, 0)], times[min(k + 1, len(times) - 1)]

        def fun(t: float, j=j) -> float:
            sv = np.array([max(problem.T - t, 0.0)])
            a2 = np.asarray(a2f(sv), float) * np.ones(1)
            om = np.asarray(ombf(sv), float) * np.ones(1)
            return float(component_errors_general(sig2[:j + 1], hat2[:j + 1], a2, om).sum() + tail[j])

        tr, fr = _golden_min(fun, float(lo), float(hi))
        if fr < w_b:
            d_b, t_b, w_b, interior = int(j) + 1, float(tr), float(fr), bool(lo < tr < hi)
    s_b = max(float(problem.T - t_b), 0.0)
    x_b = float(np.ravel(np.asarray(a2f(np.array([s_b])), float))[0])
    return Optimum(d=d_b, t=t_b, s=s_b, x=x_b, w2_squared=w_b, interior=interior)


def optimal_steps(times: np.ndarray, w2: np.ndarray, T: float | None = None
                  ) -> tuple[list[StepChoice], StepOptimum]:
    """Best solver step per latent dimension and the joint optimum over ``(d, k)``.

    On a solver grid there is nothing between steps, so the optimum is the exact argmin of the
    D×(K+1) array ``W²(t_k, d)`` (ties: the earliest step, then the smallest ``d``). With the
    horizon ``T`` the joint optimum also carries the forward time ``s = T - t``."""
    k_best = np.argmin(w2, axis=1)
    rows = np.arange(w2.shape[0])
    per_d = [StepChoice(d=int(j) + 1, step=int(k), t=float(times[k]), w2_squared=float(w2[j, k]))
             for j, k in zip(rows, k_best)]
    b = per_d[int(np.argmin(w2[rows, k_best]))]
    joint = StepOptimum(d=b.d, step=b.step, t=b.t, w2_squared=b.w2_squared,
                        steps_from_end=int(w2.shape[1] - 1 - b.step),
                        s=None if T is None else float(T - b.t))
    return per_d, joint


def discrete_curve(problem: Problem, *, scheme: str, steps: int | None, init: str = "pT",
                   truncate: float = 0.0) -> CurveResult:
    """W2² of the discretised latent sampler at every solver step, for every latent dimension.

    Per-eigenvalue variance recursions of Pierret & Galerne (2025; docs/theory.md §5), generalised to
    every schedule and to the plug-in score, computed by :func:`ldmstop.sim.recursions.discrete_w2_map`.
    Grid ``t_k = (T - ε) k/K``, ``k = 0..K``; ``w2_squared[d-1, k]`` compares the output with
    ``d`` kept components at step ``k`` with the data. Also the best step per ``d`` and the joint
    optimum (:func:`optimal_steps`).
    """
    _check_problem(problem)
    return _discrete_curve(problem, Sampler.build(scheme=scheme, steps=steps, init=init,
                                                  truncate=truncate, problem=problem,
                                                  schemes=_registry.SAMPLER_SCHEMES))


def _discrete_curve(problem: Problem, sampler: Sampler) -> CurveResult:
    """:func:`discrete_curve` for a discretised :class:`~ldmstop.sampler.Sampler` already
    built for ``problem`` (trusted)."""
    scheme, steps, init, truncate = sampler.scheme, sampler.steps, sampler.init, sampler.truncate
    require_map_memory(problem.D, steps + 1, f"steps = {steps}", discrete=True)
    from ldmstop.sim import recursions as rec  # loaded when needed

    try:  # VP or not: the recursions dispatch on the schedule's coefficients
        times, w2 = rec.sampler_w2_map(problem, sampler)
    except ProblemError:
        raise
    except ValueError as exc:  # sim validates with plain ValueError: name the flag
        raise ProblemError(str(exc)) from None
    times = np.asarray(times, dtype=float)
    w2 = np.asarray(w2, dtype=float)
    if not np.all(np.isfinite(w2)):
        raise ProblemError(f"scheme {scheme} with {steps} steps on {problem.schedule} with "
                           f"T = {plain(problem.T)} does not give finite numbers (a coefficient "
                           "of the recursion overflows, or the scheme diverges): use a smaller "
                           "T or more steps")
    per_d, joint = optimal_steps(times, w2, T=problem.T)
    res = CurveResult(
        problem=problem, times=times, w2_squared=w2,
        thresholds_exact=threshold_times(problem),
        thresholds_estimated=threshold_times(problem, estimated=True) if problem.has_estimate else None,
        optimal=joint, scheme=scheme, steps=int(steps), init=init, truncate=truncate,
        optimal_steps=per_d,
    )
    _ensure_result_finite(res)
    return res


def stop_vs_steps(problem: Problem, *, scheme: str, steps_list, init: str = "pT",
                  truncate: float = 0.0) -> list[StepsRow]:
    """How the joint optimum ``(d, step)`` moves with the number of steps ``K``: one
    :class:`~ldmstop.results.StepsRow` per K with the best ``d``, step, backward time, ``W2²``,
    and the W2² of running to the end with that ``d`` and with ``d = D`` (Pierret & Galerne
    2025's recursions, :func:`discrete_curve`)."""
    _check_problem(problem)
    if isinstance(steps_list, (str, bytes)) or not hasattr(steps_list, "__iter__"):
        raise ProblemError(f"steps_list must be a list of integers, got {steps_list!r}")
    steps_list = [_check_int(K, f"steps_list[{i}]", 1) for i, K in enumerate(steps_list)]
    if not steps_list:
        raise ProblemError("steps_list is empty: give at least one number of steps")
    base = Sampler.build(scheme=scheme, steps=steps_list[0], init=init, truncate=truncate,
                         problem=problem, schemes=_registry.SAMPLER_SCHEMES)
    rows = []
    for K in steps_list:
        res = _discrete_curve(problem, replace(base, steps=K))
        o = res.optimal
        rows.append(StepsRow(steps=int(K), d=o.d, step=o.step, t=o.t,
                             steps_from_end=o.steps_from_end, w2_squared=o.w2_squared,
                             w2_squared_end_same_d=float(res.w2_squared[o.d - 1, -1]),
                             w2_squared_end_full=float(res.w2_squared[-1, -1])))
    return rows

"""Exact deterministic variances of the discretised samplers, and their continuous-time limits.

For Gaussian data every linear sampler keeps samples Gaussian, and in the PCA basis the
components evolve independently, so the exact law of a *discretised* sampler is given by one
scalar variance recursion per component (Pierret & Galerne, ICML 2025, arXiv:2405.14250;
docs/theory.md §5). One recursion for every schedule (:func:`step_factors`, fed by the schedule's
step coefficients of :func:`ldmstop.sim.schedule_tables.step_coefficients`); below in the VP case
(``β = w²``, ``B(s) = ∫_0^s w²``, ``f = -β``, ``g² = 2β``), for the linear score ``-m_i(s) y`` of :mod:`ldmstop.sim.scores` (exact ``m = 1/v``, plug-in ``m = 1/v̂``,
capped ``m = min(C, 1/v̂)``), on the grid ``t_k = (T - ε) k / K`` with ``s_k = T - t_k``,
``Δ = t_{k+1} - t_k``, ``β_k = w²(s_k)``, ``m_k = m(s_k)``:

- Euler–Maruyama (backward SDE):      ``v ← (1 + Δ β_k (1 - 2 m_k))² v + 2 Δ β_k``
- exponential integrator (SDE):       ``v ← (1 + γ1 (1 - 2 m_k))² v + 2 γ2``,
  ``γ1 = e^{ΔB} - 1``, ``γ2 = (e^{2ΔB} - 1)/2``, ``ΔB = B(s_k) - B(s_{k+1})``
- Euler on the probability-flow ODE:  ``v ← (1 + Δ β_k (1 - m_k))² v``
- Heun on the probability-flow ODE:   ``v ← (1 + Δ/2 (f_k + f_{k+1} (1 + Δ f_k)))² v``,
  ``f = w² (1 - m)``; on a step that ends at ``s = 0`` the corrector is skipped (the last step
  is an Euler step, as in Karras et al. 2022, Alg. 1), since the score may be singular there.

Start: ``init="pT"`` is the model's own ``p_T``, variance ``v̂(T) = a_T² + b_T² σ̂²`` (the law
from which the plug-in sampler reproduces ``v̂`` exactly in continuous time);
``init="normal"`` is ``N(0, 1)``.

The continuous-time values (:func:`continuous_variances`) solve, with ``τ`` backward time,
``dV/dτ = 2 w² (1 - 2m) V + 2 w²`` (SDE) or ``dV/dτ = 2 w² (1 - m) V`` (probability-flow ODE),
docs/theory.md §3 (Prop 5 is the OU case). They have closed forms for every VP schedule:
uncapped, ``V(s) = v̂(s) + (V_0 - v̂(T)) (b_T v̂(s) / (b_s v̂(T)))²`` (SDE; the difference to
``v̂`` obeys the homogeneous equation, whose integrating factor is ``(b_T v̂(s)/(b_s v̂(T)))²``)
and ``V(s) = V_0 v̂(s)/v̂(T)`` (ODE); where the cap binds (``v̂ < 1/C``, i.e. ``s < s'`` with
``a²_{s'} = (1/C - σ̂²)/(1 - σ̂²)``) ``m = C`` is constant and
``V = 1/(2C-1) + (V_1 - 1/(2C-1)) e^{-2(2C-1)(B(s')-B(s))}`` (SDE) or
``V = V_1 e^{-2(C-1)(B(s')-B(s))}`` (ODE). The tests check these against a stiff numerical
ODE solver and the OU closed forms of Prop 5, so that MC noise, discretisation bias and
continuous-time theory can be told apart.
"""

from __future__ import annotations

import numpy as np

from .grid import check_init
from .schedule_tables import ode_coefficient, schedule_table, step_coefficients
from .scores import is_variance_preserving, model_variance, score_coefficient
from ldmstop.dimensions import w2_by_dimension
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does
from ldmstop.registry import SAMPLER_SCHEMES
from ldmstop.sampler import Sampler

__all__ = ["discrete_variances", "discrete_w2_map", "continuous_variances", "continuous_w2_map",
           "initial_variance", "w2_from_variances", "step_factors", "sampler_variances",
           "sampler_continuous_variances", "sampler_w2_map"]


def _sampler(*, T: float, steps, scheme, init="pT", truncate=0.0, cap=None) -> Sampler:
    """The settings of a public function below, checked once (:meth:`Sampler.build`); the
    private functions they are handed to trust them."""
    return Sampler.build(scheme=scheme, steps=steps, init=init, truncate=truncate, cap=cap, T=T,
                         schemes=SAMPLER_SCHEMES)


def _as_hat(sigma2_hat) -> np.ndarray:
    h = np.atleast_1d(np.asarray(sigma2_hat, dtype=float))
    if h.ndim != 1 or h.size == 0:
        raise ProblemError(f"sigma2_hat must be a non-empty 1-D array, got shape {h.shape}")
    if not np.all(np.isfinite(h)) or np.any(h < 0):
        raise ProblemError("sigma2_hat must be finite and >= 0")
    return h


def initial_variance(sigma2_hat: np.ndarray, *, schedule: str, T: float, init: str) -> np.ndarray:
    """Start variance per component: ``v̂(T) = σ̂² + a_T² (1 - σ̂²)`` (``pT``) or 1 (``normal``)."""
    return _initial_variance(_as_hat(sigma2_hat), schedule, T, check_init(init))


def _initial_variance(h: np.ndarray, schedule: str, T: float, init: str) -> np.ndarray:
    if init == "normal":
        return np.ones_like(h)
    return model_variance(h, np.array([float(T)]), schedule)[0]


def step_factors(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int, scheme: str,
                 truncate: float = 0.0, cap: float | None = None,
                 heun_last_corrector: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-step linear map of one component: ``v_{k+1} = A_k² v_k + q_k``, for any schedule.

    With the schedule's step coefficients (:func:`ldmstop.sim.schedule_tables.step_coefficients`:
    ``f``, ``g²``, the EI factors) and the score coefficient ``m_k = m(s_k)``, one step
    ``s → s' = s - h`` of each scheme (Pierret & Galerne 2025, eqs. (11)–(17), written for a
    general drift; the module docstring gives the VP forms, ``f = -β``, ``g² = 2β``):

    - EM: ``A = 1 + h (-f - g² m)``, ``q = h g²``;
    - EI: ``A = b_{s'}/b_s - b_{s'} (G(s) - G(s')) m``, ``q = b_{s'}² (a_s²/b_s² - a_{s'}²/b_{s'}²)``;
    - Euler-ODE: ``A = 1 + h c(s)``, ``c = -f - g² m/2`` (:func:`~ldmstop.sim.schedule_tables.ode_coefficient`);
    - Heun: ``A = 1 + h/2 (c(s) + c(s') (1 + h c(s)))``; on a step that ends at ``s = 0`` the
      corrector is skipped (the score may be singular there) unless ``heun_last_corrector``
      (Pierret & Galerne's notebook applies it).

    Returns ``(times (K+1,), A (K, D), q (K,))``. Raises ``ProblemError`` when a coefficient of
    a schedule that is not VP is not finite (an SDE scheme on the rectified flow at ``T = 1``,
    where ``f`` and ``g²`` are infinite); on a VP schedule a factor that overflows is left
    non-finite, and the callers refuse the result.
    """
    smp = _sampler(T=T, steps=steps, scheme=scheme, truncate=truncate, cap=cap)
    return _step_factors(_as_hat(sigma2_hat), schedule, smp, heun_last_corrector)


def _step_factors(h: np.ndarray, schedule: str, smp: Sampler, heun_last_corrector: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scheme, cap, T = smp.scheme, smp.cap, smp.T
    times = smp.grid()
    s = T - times
    s_left, s_right = s[:-1], s[1:]
    dt = np.diff(times)
    co = step_coefficients(schedule, s_left, s_right)
    # a factor that overflows is inf (or NaN), and the callers refuse a non-finite result as an
    # input the scheme cannot take (one error line); NumPy's warnings would only add lines to it
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m = score_coefficient(h, s_left, schedule, cap)
        if scheme == "em":
            A = 1.0 + dt[:, None] * (-co.f_left[:, None] - co.g2_left[:, None] * m)
            q = dt * co.g2_left
        elif scheme == "ei":
            A = co.ei_ratio[:, None] - co.ei_weight[:, None] * m
            q = co.ei_noise
        elif scheme == "euler-ode":
            A = 1.0 + dt[:, None] * ode_coefficient(schedule, s_left, co.f_left, co.g2_left,
                                                     co.beta_left, m, h, cap is not None)
            q = np.zeros_like(dt)
        else:  # heun
            f_left = ode_coefficient(schedule, s_left, co.f_left, co.g2_left, co.beta_left, m, h,
                                     cap is not None)
            m_right = score_coefficient(h, s_right, schedule, cap)
            f_right = ode_coefficient(schedule, s_right, co.f_right, co.g2_right, co.beta_right,
                                      m_right, h, cap is not None)
            corrected = 1.0 + 0.5 * dt[:, None] * (f_left + f_right * (1.0 + dt[:, None] * f_left))
            euler = 1.0 + dt[:, None] * f_left
            keep = (s_right > 0.0) | bool(heun_last_corrector)
            A = np.where(keep[:, None], corrected, euler)
            q = np.zeros_like(dt)
    if not co.variance_preserving and not (np.all(np.isfinite(A)) and np.all(np.isfinite(q))):
        raise ProblemError(f"scheme {scheme} has a non-finite coefficient on the {schedule} schedule "
                           f"with T = {T:g}: its drift or diffusion is infinite at s = T "
                           f"(use a smaller T, e.g. 0.999, or an ODE scheme)")
    return times, A, q


def discrete_variances(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int,
                       scheme: str, init: str = "pT", truncate: float = 0.0,
                       cap: float | None = None, heun_last_corrector: bool = False
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Exact variance of every component after each solver step (Pierret & Galerne 2025, §4),
    for any schedule.

    ``V_0`` from :func:`initial_variance`, then ``V_{k+1} = A_k² V_k + q_k`` with the scheme's
    factors (:func:`step_factors`). Returns ``(times (K+1,), V (K+1, D))``.
    """
    smp = _sampler(T=T, steps=steps, scheme=scheme, init=init, truncate=truncate, cap=cap)
    return sampler_variances(_as_hat(sigma2_hat), schedule, smp, heun_last_corrector)


def sampler_variances(sigma2_hat: np.ndarray, schedule: str, sampler: Sampler,
                      heun_last_corrector: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """:func:`discrete_variances` for settings already checked: a discretised
    :class:`~ldmstop.sampler.Sampler` built for horizon ``sampler.T``, and estimated
    variances ``σ̂²`` (a 1-D array of finite numbers >= 0), both trusted."""
    times, A, q = _step_factors(sigma2_hat, schedule, sampler, heun_last_corrector)
    V = np.empty((A.shape[0] + 1, A.shape[1]))
    V[0] = _initial_variance(sigma2_hat, schedule, sampler.T, sampler.init)
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite: refused by the callers
        A2 = A * A
        for k in range(A.shape[0]):  # K steps, vectorised over the D components
            V[k + 1] = A2[k] * V[k] + q[k]
    return times, V


def continuous_variances(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int,
                         scheme: str, init: str = "pT", truncate: float = 0.0,
                         cap: float | None = None, times: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Continuous-time variance of the process the scheme discretises, at the grid times (or at
    ``times``): the backward SDE for ``em``/``ei``, the probability-flow ODE for
    ``euler-ode``/``heun``. Closed forms in the module docstring (Prop 5 for OU).
    Returns ``(times, V (len(times), D))``.

    The uncapped closed forms hold for any schedule ``(a_s, b_s)``: with ``f = d log b/ds`` the
    forward variance obeys ``d log v̂/ds = 2f + g²/v̂``, so the SDE's ``V - v̂`` decays by the
    same factor ``(b_T v̂(s)/(b_s v̂(T)))²`` and the ODE's ``V`` stays proportional to ``v̂``;
    the capped forms are written for VP schedules (``ValueError`` otherwise).
    """
    h = _as_hat(sigma2_hat)
    smp = _sampler(T=T, steps=steps, scheme=scheme, init=init, truncate=truncate, cap=cap)
    if cap is not None and not is_variance_preserving(schedule):
        raise _cap_not_vp(schedule)
    if times is not None:
        times = np.asarray(times, dtype=float)
        if np.any(times < 0) or np.any(times > T):
            raise ProblemError(f"times must lie in [0, T] = [0, {T}]")
    return sampler_continuous_variances(h, schedule, smp, times)


def _cap_not_vp(schedule: str) -> ProblemError:
    return ProblemError(f"the continuous-time variances with a cap (--cap) are written for VP "
                        f"schedules only, not {schedule!r}")


def sampler_continuous_variances(sigma2_hat: np.ndarray, schedule: str, sampler: Sampler,
                                 times: np.ndarray | None = None
                                 ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`continuous_variances` for settings already checked (a discretised
    :class:`~ldmstop.sampler.Sampler` for horizon ``sampler.T``; ``σ̂²`` and ``times`` in
    ``[0, T]`` trusted). A cap on a schedule that is not VP is refused (ProblemError)."""
    h, smp = sigma2_hat, sampler
    T, cap, ode = smp.T, smp.cap, smp.ode
    vp = is_variance_preserving(schedule)
    if cap is not None and not vp:
        raise _cap_not_vp(schedule)
    if times is None:
        times = smp.grid()
    s = (T - times)[:, None]
    vT = model_variance(h, np.array([float(T)]), schedule)[0]
    V0 = _initial_variance(h, schedule, T, smp.init)
    if vp:
        tab = schedule_table(schedule)
        BT = float(tab.B(np.array([float(T)]))[0])

        def b_ratio(s_arr):  # b_T / b_s = exp(-(B(T) - B(s)))
            return np.exp(-(BT - tab.B(s_arr)))
    else:
        from ldmstop.derivations.backends import schedule_coefficients

        b_of = schedule_coefficients(schedule)["b"]
        bT = float(np.asarray(b_of(np.array([float(T)])), dtype=float).ravel()[0])

        def b_ratio(s_arr):
            with np.errstate(divide="ignore"):
                return bT / (np.asarray(b_of(s_arr), dtype=float) * np.ones_like(s_arr))

    def uncapped(s_arr: np.ndarray) -> np.ndarray:
        v = model_variance(h, s_arr.ravel(), schedule).reshape(s_arr.shape[0], -1)
        v = v * np.ones((1, h.size))
        if ode:
            return V0 * v / vT
        ratio = b_ratio(s_arr) * v / vT  # b_T v̂(s) / (b_s v̂(T))
        return v + (V0 - vT) * ratio**2

    V = uncapped(s)
    if cap is not None:
        binds = h < 1.0 / cap
        x_switch = np.where(binds, (1.0 / cap - h) / np.where(binds, 1.0 - h, 1.0), 0.0)
        a2T = float(tab.a2(np.array([float(T)]))[0])
        # s' = forward time where v̂ = 1/C; beyond a_T² the cap binds on the whole trajectory.
        s_switch = np.where(x_switch >= a2T, T, tab.inverse_a2(np.minimum(x_switch, a2T)))
        s_switch = np.where(binds, s_switch, 0.0)
        V1 = np.where(s_switch >= T, V0, uncapped(s_switch[None, :].T)[np.arange(h.size),
                                                                      np.arange(h.size)])
        tau = tab.B(s_switch)[None, :] - tab.B(s)
        if ode:
            Vc = V1[None, :] * np.exp(-2.0 * (cap - 1.0) * tau)
        else:
            c = 1.0 / (2.0 * cap - 1.0)
            Vc = c + (V1[None, :] - c) * np.exp(-2.0 * (2.0 * cap - 1.0) * tau)
        V = np.where(s < s_switch[None, :], Vc, V)
    return times, V


def w2_from_variances(sigma2: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``W²(t, d) = Σ_{i≤d} (sqrt(V_i) - σ_i)² + Σ_{i>d} σ_i²`` (docs/theory.md §2) for every
    ``d`` at once: ``V`` has shape ``(K, D)``; returns ``(D, K)``, row ``d-1`` for dimension d.
    Cumulative sums over components; the discarded tail is summed from the smallest."""
    sig2 = np.asarray(sigma2, dtype=float)
    err = (np.sqrt(np.asarray(V, dtype=float)) - np.sqrt(sig2)[None, :]) ** 2
    return w2_by_dimension(err.T, sig2)


def discrete_w2_map(problem, *, steps: int, scheme: str, init: str = "pT",
                    truncate: float = 0.0, cap: float | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``W²(t_k, d)`` of the discretised latent sampler for every grid time and ``d``.

    The score uses ``problem.sigma2_used``; the target is ``N(0, diag problem.sigma2)``.
    Returns ``(times (K+1,), w2 (D, K+1))``.
    """
    return sampler_w2_map(problem, _sampler(T=problem.T, steps=steps, scheme=scheme, init=init,
                                            truncate=truncate, cap=cap))


def sampler_w2_map(problem, sampler: Sampler) -> tuple[np.ndarray, np.ndarray]:
    """:func:`discrete_w2_map` for a :class:`~ldmstop.sampler.Sampler` already checked for
    ``problem`` (trusted): ``(times (K+1,), w2 (D, K+1))``."""
    times, V = sampler_variances(np.asarray(problem.sigma2_used, dtype=float), problem.schedule,
                                 sampler)
    return times, w2_from_variances(problem.sigma2, V)


def continuous_w2_map(problem, *, steps: int, scheme: str, init: str = "pT",
                      truncate: float = 0.0, cap: float | None = None,
                      times: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``W²(t, d)`` of the continuous-time process the scheme discretises; ``(times, (D, K))``."""
    times, V = continuous_variances(problem.sigma2_used, schedule=problem.schedule, T=problem.T,
                                    steps=steps, scheme=scheme, init=init, truncate=truncate,
                                    cap=cap, times=times)
    return times, w2_from_variances(problem.sigma2, V)

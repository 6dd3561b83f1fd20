"""Monte Carlo confirmation of the discretised samplers on the new schedules.

VP-cosine goes through ldmstop.sim's Numba Monte Carlo (a VP schedule). The rectified flow is
not VP, so its general recursion (``discrete_variances``) is confirmed here by
simulating sample paths with the schemes written from the SDE definitions (hand-typed
``f = -1/(1-s)``, ``g² = 2s/(1-s)``, score ``-y/(s² + (1-s)² σ̂²)``; the exponential integrator's
weights by numerical quadrature, not by the SymPy antiderivative)."""

from __future__ import annotations

import numpy as np
import pytest

import ldmstop
from ldmstop.sim.recursions import discrete_variances

SIG2_HAT = np.array([1.7, 0.3, 0.02])


@pytest.mark.parametrize("scheme", ["em", "ei", "euler-ode", "heun"])
def test_vp_cosine_discrete_w2_confirmed_by_sim_monte_carlo(scheme):
    """sim's Monte Carlo on VP-cosine against the exact W² of the same sampler from the
    independent transcription (ldm_reference: cosine rate, B and a² typed from Nichol &
    Dhariwal), to which sim's own recursion is pinned too."""
    import ldm_reference as ref

    from ldmstop.sim.simulate import simulate

    p = ldmstop.Problem.from_variances([1.5, 0.3, 0.02], schedule="vp-cosine")
    res = simulate(p, paths=40_000, steps=20, scheme=scheme, checkpoints=4, seed=11)
    _, V = ref.discrete_variances_np(p.sigma2, schedule="vp-cosine", T=p.T, steps=20, scheme=scheme)
    exact = ref.w2_from_variances_np(p.sigma2, V)[:, res.checkpoint_steps]
    np.testing.assert_allclose(res.theory, exact, rtol=1e-10)
    z = np.abs(res.mc - exact) / res.stderr
    assert np.all(np.isfinite(z)) and z.max() < 5.0, (scheme, z.max())


def _rf_paths(scheme: str, T: float, K: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    h2 = SIG2_HAT[None, :]
    f = lambda s: -1.0 / (1.0 - s)  # noqa: E731
    g2 = lambda s: 2.0 * s / (1.0 - s)  # noqa: E731
    b = lambda s: 1.0 - s  # noqa: E731
    v = lambda s: s**2 + (1.0 - s) ** 2 * h2  # noqa: E731
    score = lambda y, s: -y / v(s)  # noqa: E731
    s0 = T
    y = rng.standard_normal((n, 3)) * np.sqrt(v(s0))  # start p_T of the model
    times = T * np.arange(K + 1) / K
    for k in range(K):
        s, s1 = T - times[k], T - times[k + 1]
        dt = times[k + 1] - times[k]
        if scheme == "em":
            y = y + dt * (-f(s) * y + g2(s) * score(y, s)) + np.sqrt(dt * g2(s)) * rng.standard_normal(y.shape)
        elif scheme == "ei":
            u = np.linspace(s1, s, 20001)
            w = np.trapezoid(g2(u) / b(u), u) * b(s1)            # ∫ (b_{s'}/b_u) g²_u du
            q = np.trapezoid((b(s1) / b(u)) ** 2 * g2(u), u)     # ∫ (b_{s'}/b_u)² g²_u du
            y = (b(s1) / b(s)) * y + w * score(y, s) + np.sqrt(q) * rng.standard_normal(y.shape)
        else:
            def vel(yy, ss):
                if ss == 1.0:  # the velocity of the linear interpolant is finite at s = 1
                    return -yy
                return -f(ss) * yy + 0.5 * g2(ss) * score(yy, ss)
            y_pred = y + dt * vel(y, s)
            if scheme == "euler-ode" or s1 == 0.0:
                y = y_pred
            else:
                y = y + 0.5 * dt * (vel(y, s) + vel(y_pred, s1))
    return y


@pytest.mark.parametrize("scheme,T", [("em", 0.995), ("ei", 0.995), ("euler-ode", 1.0), ("heun", 1.0)])
def test_rectified_flow_recursion_confirmed_by_sample_paths(scheme, T):
    K, n = 12, 200_000
    y = _rf_paths(scheme, T, K, n, seed=7)
    _, V = discrete_variances(SIG2_HAT, schedule="rectified-flow", T=T, steps=K,
                                           scheme=scheme, init="pT")
    emp = y.var(axis=0)
    se = V[-1] * np.sqrt(2.0 / (n - 1))  # Gaussian: sd of the sample variance
    z = np.abs(emp - V[-1]) / se
    assert z.max() < 5.0, (scheme, emp, V[-1], z)


@pytest.mark.parametrize("scheme,T", [("em", 0.995), ("ei", 0.995), ("heun", 1.0)])
def test_rectified_flow_mc_comparison_rejects_a_wrong_recursion(scheme, T):
    # negative control: the recursion of a slightly different sampler (one more step) must be
    # told apart by the same comparison, or the test above certifies nothing
    K, n = 12, 200_000
    y = _rf_paths(scheme, T, K, n, seed=7)
    _, V = discrete_variances(SIG2_HAT, schedule="rectified-flow", T=T, steps=K + 1,
                                           scheme=scheme, init="pT")
    z = np.abs(y.var(axis=0) - V[-1]) / (V[-1] * np.sqrt(2.0 / (n - 1)))
    assert z.max() > 5.0, (scheme, z)

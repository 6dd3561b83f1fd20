"""`ldmstop curve` with new schedules and discretised samplers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import ldmstop
from ldmstop.cli import main
from ldmstop.curve import compute_curve, w2_map


def test_general_error_form_equals_the_vp_form_on_vp_schedules():
    """The general form in a² and 1 - b² (what a schedule that is not VP uses) agrees with the
    noise-level form that w2_map uses on VP schedules, where 1 - b² = a²."""
    from ldmstop.curve import component_errors, component_errors_general, noise_levels

    for schedule in ("ou", "vp-linear", "vp-cosine"):
        p = ldmstop.Problem.from_variances([3, 1, 0.5, 0.1, 1e-4],
                                           estimated=[2.5, 1.2, 0.4, 0.12, 2e-4], schedule=schedule)
        t = np.linspace(0, p.T, 201)
        x = noise_levels(p, t)
        vp = component_errors(p.sigma2, p.sigma2_used, x)
        general = component_errors_general(p.sigma2, p.sigma2_used, x, x)
        np.testing.assert_allclose(general, vp, rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(w2_map(p, t), np.cumsum(vp, axis=0)
                                   + np.array([p.sigma2[d:].sum() for d in range(1, p.D + 1)])[:, None],
                                   rtol=1e-12, atol=1e-15)


def test_rectified_flow_curve_brute_force():
    sig2 = np.array([2.0, 0.5, 0.05, 0.001])
    hat2 = np.array([2.2, 0.45, 0.06, 0.003])
    p = ldmstop.Problem.from_variances(sig2, estimated=hat2, schedule="rectified-flow")
    t = np.linspace(0, 1, 101)
    s = 1 - t
    v = s[None, :] ** 2 + (1 - s[None, :]) ** 2 * hat2[:, None]
    err = (np.sqrt(v) - np.sqrt(sig2)[:, None]) ** 2
    want = np.array([err[:d].sum(0) + sig2[d:].sum() for d in range(1, 5)])
    np.testing.assert_allclose(w2_map(p, t), want, rtol=1e-12)


def test_rectified_flow_optimum_beats_grid_and_end():
    p = ldmstop.Problem.from_variances([10, 0.2, 0.2, 0.2, 0, 0], samples=1000, seed=0,
                                       schedule="rectified-flow")
    res = compute_curve(p, grid=1001)
    o = res.optimal
    assert o["w2_squared"] <= res.w2_squared.min() + 1e-15
    # brute force on a 10^6 grid for the optimal d
    t = np.linspace(0, 1, 1_000_001)
    w = w2_map(p, t)[o["d"] - 1]
    assert o["w2_squared"] <= w.min() + 1e-12
    assert abs(t[np.argmin(w)] - o["t"]) < 1e-4


def test_discrete_curve_json_keys_and_grid(capsys):
    rc = main(["curve", "--variances", "1,0.5,0.01", "--scheme", "em", "--steps", "8",
               "--truncate", "0.1", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["scheme"] == "em" and d["steps"] == 8 and d["init"] == "pT"
    np.testing.assert_allclose(d["times"], (2.0 - 0.1) * np.arange(9) / 8)
    w2 = np.array(d["w2_squared"])
    assert w2.shape == (3, 9)
    np.testing.assert_allclose(d["final_w2"], np.sqrt(w2[:, -1]))
    j, k = np.unravel_index(np.argmin(w2), w2.shape)
    assert (d["optimal"]["d"], d["optimal"]["step"]) == (j + 1, k)
    assert [r["step"] for r in d["optimal_steps"]] == list(np.argmin(w2, axis=1))


def test_one_em_step_by_hand():
    # OU, T = 1, one EM step from p_T: v1 = (1 + T(1 - 2/λ_T))² λ_T + 2T, λ_T = e^{-2}σ² + 1 - e^{-2}
    sig2 = 0.3
    p = ldmstop.Problem.from_variances([sig2], schedule="ou", T=1.0)
    res = compute_curve(p, scheme="em", steps=1)
    lamT = math.exp(-2) * sig2 + 1 - math.exp(-2)
    v1 = (1 + (1 - 2 / lamT)) ** 2 * lamT + 2
    assert res.w2_squared[0, 1] == pytest.approx((math.sqrt(v1) - math.sqrt(sig2)) ** 2, rel=1e-13)
    assert res.w2_squared[0, 0] == pytest.approx((math.sqrt(lamT) - math.sqrt(sig2)) ** 2, rel=1e-13)


def test_discrete_converges_to_exact_with_steps():
    p = ldmstop.Problem.from_variances([2.0, 0.3, 0.01], schedule="vp-linear")
    errs = [compute_curve(p, scheme="ei", steps=K).final_w2[-1] for K in (50, 200, 800)]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.2 * errs[0]


def test_vp_step_coefficients_equal_the_general_forms():
    """The one recursion reads each schedule's step coefficients; on a VP schedule they are the
    ``expm1`` forms (``f = -β``, ``g² = 2β``, EI ``e^{ΔB}``, ``2(e^{ΔB} - 1)``, ``e^{2ΔB} - 1``).
    Here they are held to the general forms from ``f``, ``g²``, ``b`` and ``G = ∫ g²/b``
    (Pierret & Galerne 2025, eqs. (11)–(17)) on the same steps, evaluated from the generated
    schedule functions directly."""
    from ldmstop.derivations.backends import schedule_coefficients
    from ldmstop.sim.schedule_tables import step_coefficients

    for schedule in ("ou", "vp-linear", "vp-cosine"):
        co = schedule_coefficients(schedule)
        s = np.linspace(0.9, 1e-3, 41)
        sl, sr = s[:-1], s[1:]
        got = step_coefficients(schedule, sl, sr)
        assert got.variance_preserving
        ev = lambda name, x: np.asarray(co[name](x), dtype=float) * np.ones_like(x)  # noqa: E731
        bl, br = ev("b", sl), ev("b", sr)
        np.testing.assert_allclose(got.f_left, ev("drift", sl), rtol=1e-12)
        np.testing.assert_allclose(got.g2_right, ev("diffusion2", sr), rtol=1e-12)
        np.testing.assert_allclose(got.ei_ratio, br / bl, rtol=1e-12)
        np.testing.assert_allclose(got.ei_weight,
                                   br * (ev("ei_antiderivative", sl) - ev("ei_antiderivative", sr)),
                                   rtol=1e-9)
        np.testing.assert_allclose(got.ei_noise,
                                   br**2 * (ev("a2", sl) / bl**2 - ev("a2", sr) / br**2), rtol=1e-9)


@pytest.mark.parametrize("argv,msg", [
    (["--variances", "1,0.5", "--scheme", "em"], "needs --steps"),
    (["--variances", "1,0.5", "--steps", "5"], "apply to a discretised scheme"),
    (["--variances", "1,0.5", "--scheme", "em", "--steps", "5", "--truncate", "3"], "truncate"),
    (["--variances", "1,0.5", "--schedule", "rectified-flow", "--scheme", "em", "--steps", "5"],
     "non-finite coefficient"),
    (["--variances", "1,0.5", "--schedule", "vp-cosine", "--T", "1.5"], "beyond the vp-cosine"),
])
def test_curve_scheme_errors(argv, msg, capsys):
    assert main(["curve", *argv]) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_rectified_flow_ode_scheme_runs_at_T1():
    p = ldmstop.Problem.from_variances([1.5, 0.2, 0.01], schedule="rectified-flow")
    res = compute_curve(p, scheme="heun", steps=100)
    assert np.all(np.isfinite(res.w2_squared))
    assert res.final_w2[-1] < 0.05

"""The sampler settings are checked once, by Sampler.build, and trusted afterwards."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ldmstop import Problem
from ldmstop.errors import ProblemError
from ldmstop.sampler import Sampler


P = Problem.from_variances([1.0, 0.5, 0.1])


def test_a_sampler_is_frozen_and_its_grid_is_the_solver_grid():
    from ldmstop.sim.grid import solver_grid

    smp = Sampler.build(scheme="heun", steps=7, truncate=0.01, problem=P)
    with pytest.raises(dataclasses.FrozenInstanceError):
        smp.steps = 8  # type: ignore[misc]
    assert smp.discretised and smp.ode and smp.T == P.T
    np.testing.assert_array_equal(smp.grid(), solver_grid(P.T, 7, 0.01))


@pytest.mark.parametrize("kw,words", [
    (dict(scheme="rk4", steps=5), ("scheme", "rk4")),
    (dict(scheme="em"), ("steps",)),
    (dict(scheme="em", steps=10.7), ("steps", "10.7")),
    (dict(scheme="em", steps=0), ("steps", "0")),
    (dict(scheme="em", steps=5, init="zero"), ("init", "zero")),
    (dict(scheme="em", steps=5, truncate=2.0), ("truncate", "2.0")),
    (dict(scheme="em", steps=5, truncate=float("nan")), ("truncate", "nan")),
    (dict(scheme="em", steps=5, cap=1.0), ("cap", "1.0")),
    (dict(scheme="em", steps=5, checkpoints="0.5,9"), ("checkpoints", "9.0")),
    (dict(scheme="exact", steps=5), ("--steps",)),
])
def test_bad_settings_are_problem_errors_naming_the_argument(kw, words):
    with pytest.raises(ProblemError) as ei:
        Sampler.build(problem=P, **kw)
    for w in words:
        assert w in str(ei.value)


def test_the_curve_takes_a_built_sampler_as_it_takes_the_arguments():
    from ldmstop.curve import compute_curve

    smp = Sampler.build(scheme="ei", steps=12, init="normal", problem=P)
    a = compute_curve(P, sampler=smp)
    b = compute_curve(P, scheme="ei", steps=12, init="normal")
    np.testing.assert_array_equal(a.w2_squared, b.w2_squared)
    assert a.to_json()["optimal"] == b.to_json()["optimal"]


def test_simulate_d_all_is_the_deprecated_spelling_of_none():
    from ldmstop.sim.simulate import simulate

    kw = dict(paths=200, steps=4, scheme="em", checkpoints=2, seed=1, threads=1)
    with pytest.warns(DeprecationWarning, match="d=None"):
        old = simulate(P, d="all", **kw)
    new = simulate(P, d=None, **kw)
    np.testing.assert_array_equal(old.mc, new.mc)
    np.testing.assert_array_equal(new.dims, [1, 2, 3])

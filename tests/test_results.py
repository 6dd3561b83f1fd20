"""Typed results: frozen dataclasses whose to_json() keeps the keys of the JSON outputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ldmstop import Problem
from ldmstop.curve import compute_curve, optimal_stop, optimal_steps, stop_vs_steps
from ldmstop.results import Optimum, StepChoice, StepOptimum, StepsRow

FIG4 = Problem.from_variances([1.5, 1.0, 0.5, 0.2], estimated=[1.4, 1.1, 0.45, 0.25])


def test_the_optimum_is_a_frozen_dataclass_with_the_old_keys():
    o = optimal_stop(FIG4, np.linspace(0.0, FIG4.T, 101))
    assert isinstance(o, Optimum)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.d = 1  # type: ignore[misc]
    assert set(o.to_json()) == {"d", "t", "s", "x", "w2_squared", "interior"}
    assert o["d"] == o.d and o.get("step") is None and "x" in o and dict(o) == o.to_json()
    with pytest.raises(KeyError):
        o["step"]


def test_discretised_optima_and_stop_vs_steps_are_typed():
    res = compute_curve(FIG4, scheme="em", steps=10)
    assert isinstance(res.optimal, StepOptimum) and res.optimal.s == pytest.approx(FIG4.T - res.optimal.t)
    assert all(isinstance(r, StepChoice) for r in res.optimal_steps)
    doc = res.to_json()
    assert set(doc["optimal"]) == {"d", "step", "t", "w2_squared", "steps_from_end", "s"}
    assert set(doc["optimal_steps"][0]) == {"d", "step", "t", "w2_squared"}
    _, joint = optimal_steps(res.times, res.w2_squared)  # no horizon: no forward time
    assert joint.s is None and "s" not in joint.to_json()
    rows = stop_vs_steps(FIG4, scheme="em", steps_list=[5, 10])
    assert all(isinstance(r, StepsRow) for r in rows) and rows[1].d == res.optimal.d


def test_advice_parts_are_typed_and_their_json_keeps_its_keys():
    from ldmstop.advise import advise

    doc = advise(FIG4).to_json()
    assert set(doc["best"]) == {"d", "t", "step", "w2"}
    assert set(doc["end"]) == {"d", "t", "w2", "w2_full"}
    assert set(doc["gain"]) == {"w2", "relative"}
    assert set(doc["per_dimension"][0]) == {"d", "t", "step", "w2", "w2_end"}


def test_a_typed_result_is_written_as_its_json():
    from ldmstop.jsonout import dumps

    o = optimal_stop(FIG4, np.linspace(0.0, FIG4.T, 11))
    assert dumps({"o": o}) == dumps({"o": o.to_json()})


def test_simulation_settings_are_typed_and_unpack_like_the_old_dict():
    from ldmstop.sim.simulate import SimulationSettings, simulate

    r = simulate(FIG4, paths=200, steps=4, scheme="ei", checkpoints=2, seed=1, threads=1)
    assert isinstance(r.settings, SimulationSettings) and r.settings.steps == 4
    assert {**r.settings} == r.settings.to_json()
    assert set(r.settings.to_json()) == {"paths", "steps", "scheme", "init", "cap", "seed",
                                         "truncate", "chunks", "threads", "estimator",
                                         "simulated_components"}

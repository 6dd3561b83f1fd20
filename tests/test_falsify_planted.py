"""The falsifier's power: planted, subtly false claims (ldmstop.verify.planted) must be refuted
by the default budget, with a certified counterexample inside the planted region — by the
whole engine and by random sampling plus differential evolution alone (edges off)."""

from __future__ import annotations

import pytest

from ldmstop.verify.planted import PLANTED, planted
from ldmstop.verify.search import run_search


@pytest.mark.parametrize("name", sorted(PLANTED))
@pytest.mark.parametrize("edges", [True, False], ids=["engine", "no-edges"])
def test_default_budget_finds_each_planted_claim(name, edges):
    f = planted(name)
    if not edges:
        f.edges = lambda: []
    res = run_search(f, budget="default", seed=0)
    assert res.refuted, (name, res.best_margin64, res.best_setting)
    assert f.in_region(res.counterexample), (name, f.region, res.counterexample)
    cert = res.certificate
    assert cert["confirmed"] and cert["inside_hypotheses_at_100_digits"]
    assert cert["margin_100_digits"] > cert["tolerance_100_digits"]
    assert cert["digits_agreeing"] >= 20  # a number, not a rounding artefact


@pytest.mark.parametrize("name", ["prop9-bound-small-n", "lemma1-side-of-one"])
def test_planted_found_for_other_seeds(name):
    for seed in (1, 2):
        res = run_search(planted(name), budget="default", seed=seed)
        assert res.refuted and planted(name).in_region(res.counterexample), (name, seed)


def test_the_true_statements_are_not_refuted_by_the_same_search():
    """The planted falsifiers differ from the real ones only in their defect: the real ones
    (prop9, lemma1) hold under the same budget, so a refutation is the defect's doing."""
    from ldmstop.verify.claims.prop5 import _Lemma1Falsifier
    from ldmstop.verify.claims.prop9 import _Prop9Falsifier

    for f in (_Prop9Falsifier("paper"), _Lemma1Falsifier("paper")):
        assert not run_search(f, budget="default", seed=0).refuted

"""Prop 2's plug-in rule with estimated variances above 1: a known erratum (found by the
property tests), its corrected statement verified, its negative control rejected."""

import mpmath as mp

from ldmstop.verify.claim import KNOWN_ERRATUM, Context
from ldmstop.verify.claims.prop2_plugin import Prop2Plugin, _printed_threshold, _w2


def test_known_erratum_with_shrunk_counterexample():
    res = Prop2Plugin().run(Context(dps=30, quick=True))
    assert res.verdict == KNOWN_ERRATUM
    assert res.counterexample["sigma2"] == [4.0, 0.5] and res.counterexample["sigmahat2"] == [4.0, 3.0]
    assert res.counterexample["rule_d"] == 1 and res.counterexample["best_d"] == 2
    assert res.negative_control["rejected"]
    assert "0 elsewhere" in res.findings[0]  # the printed rule fails only where σ̂² > 1


def test_counterexample_by_hand():
    # σ² = (4, 0.5), σ̂² = (4, 3): the printed t̂_2 = T (never keep), yet at t = 0 keeping helps.
    with mp.workdps(30):
        s2, h2 = [mp.mpf(4), mp.mpf("0.5")], [mp.mpf(4), mp.mpf(3)]
        assert _printed_threshold(s2[1], h2[1]) == 2
        assert _w2(s2, h2, mp.mpf(0), 2) < _w2(s2, h2, mp.mpf(0), 1) - mp.mpf("0.4")

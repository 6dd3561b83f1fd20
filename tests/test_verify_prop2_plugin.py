"""Prop 2's plug-in rule with estimated variances above 1: a known erratum (found by the
property tests), its corrected statement verified and searched, its negative controls rejected,
the failure region stated (it needs a horizon long enough for the keep-early window)."""


import mpmath as mp

from ldmstop.verify.claim import KNOWN_ERRATUM, Context
from ldmstop.verify.claims.prop2_plugin import Prop2Plugin, _printed_threshold, _w2, keeps_early


def test_known_erratum_with_certified_counterexample_in_the_sigma_hat_above_one_region():
    res = Prop2Plugin().run(Context(dps=30, quick=True))
    assert res.verdict == KNOWN_ERRATUM
    cx = res.counterexample
    assert any(keeps_early(mp.mpf(a), mp.mpf(b)) for a, b in zip(cx["sigma2"], cx["sigma2_hat"]))
    assert res.search["certificate"]["confirmed"]
    assert res.negative_control["rejected"] and res.code_control["rejected"]
    assert "0 elsewhere" in " ".join(res.findings)  # the printed rule fails only where σ̂² > 1
    assert not res.corrected_search["refuted"]
    assert "fails above" in res.validity["statement"]  # the keep-early window needs a long T


def test_counterexample_by_hand():
    # σ² = (4, 0.5), σ̂² = (4, 3), OU, T = 2: the printed t̂_2 = T (never keep), yet at t = 0
    # keeping helps; the window opens once a_T² ≥ (3 − 2)/(3 − 1), i.e. T ≥ ½ log 2
    with mp.workdps(30):
        s2, h2 = [mp.mpf(4), mp.mpf("0.5")], [mp.mpf(4), mp.mpf(3)]
        assert _printed_threshold(s2[1], h2[1], 2) == 2
        x0 = -mp.expm1(-4)  # a² at forward time T = 2 (backward t = 0)
        assert _w2(s2, h2, x0, 2) < _w2(s2, h2, x0, 1) - mp.mpf("0.4")
        xb = mp.mpf(1) / 2
        assert abs(-mp.log1p(-xb) / 2 - mp.log(2) / 2) < mp.mpf(10) ** -25

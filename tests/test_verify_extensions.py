"""The extension checks of ldmstop.verify.extensions — verdicts, negative controls,
and the transcription of Pierret & Galerne's printed table."""

from __future__ import annotations

import copy

import pytest

from ldmstop.verify.claim import Context
from ldmstop.verify.extensions import extension_claims
from ldmstop.verify.extensions import pierret_galerne as pg

KEYS = {"id", "source", "statement", "verdict", "residual", "methods", "negative_control"}


@pytest.fixture(scope="module")
def figures_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("figs"))


@pytest.fixture(scope="module")
def claims(figures_dir):
    return extension_claims(dps=30, quick=True, figures_dir=figures_dir)


@pytest.mark.slow
def test_every_extension_holds_and_its_control_is_rejected(claims):
    assert [c["id"] for c in claims] == ["pg-table", "schedule-thresholds", "capacity-stopping"]
    for c in claims:
        assert KEYS <= set(c), c["id"]
        assert c["verdict"] == "holds", (c["id"], c.get("counterexample"))
        nc = c["negative_control"]
        assert {"description", "rejected", "residual"} <= set(nc)
        assert nc["rejected"] is True, c["id"]
        assert nc["residual"] > c["tolerance"] >= c["residual"]


@pytest.mark.slow
def test_figures_written(claims, figures_dir):
    import os

    figs = [f for c in claims for f in c["figures"]]
    assert "pg_table.png" in figs and "capacity_stopping.png" in figs  # relative to the folder
    assert all(os.path.getsize(os.path.join(figures_dir, f)) > 1000 for f in figs)


def test_pg_format_matches_their_notebook():
    # formatting_number of the notebook, cases typed by hand
    assert pg.format_pg(0.0) == "0"
    assert pg.format_pg(4.7712) == "4.77"
    assert pg.format_pg(6.71e-4) == "6.7E-04"
    assert pg.format_pg(0.0025) == "2.5E-03"
    assert pg.format_pg(250.0) == "2.5E+02"


def test_pg_transcription_shape():
    assert set(pg.PRINTED) == set(pg.SCHEMES)
    for scheme in pg.SCHEMES:
        assert set(pg.PRINTED[scheme]) == set(pg.EPS)
        assert all(len(row) == 8 for row in pg.PRINTED[scheme].values())


@pytest.mark.slow
def test_pg_comparison_rejects_a_single_wrong_digit(monkeypatch):
    table = pg.compute_table()
    worst, bad = pg._compare(table)
    assert not bad and worst <= 1.0
    wrong = copy.deepcopy(pg.PRINTED)
    wrong["ei"][1e-3][5] = "0.42"  # printed 0.41
    monkeypatch.setattr(pg, "PRINTED", wrong)
    worst, bad = pg._compare(table)
    assert len(bad) == 1 and bad[0]["scheme"] == "ei" and bad[0]["N"] == 500 and worst > 1.0


@pytest.mark.parametrize("name", ["vp_cosine_threshold_time_plugin", "rectified_flow_threshold_time_plugin",
                                  "rectified_flow_threshold_exit_plugin"])
def test_schedule_thresholds_see_a_clipping_error(monkeypatch, name):
    """A derived threshold clipped at the wrong end (0 and T swapped) changes nothing strictly
    inside (0, T), so a comparison of interior roots alone cannot see it; the whole-window
    comparison, clipped ends included, must refute the claim."""
    import mpmath as mp

    from ldmstop.derivations import backends
    from ldmstop.verify.extensions import schedule_thresholds as st

    original = backends.mpmath_function

    def swapped(fname):
        f = original(fname)
        if fname != name:
            return f

        def wrong(*args):
            t, T = f(*args), args[-1]
            return T if t == 0 else (mp.mpf(0) if t == T else t)

        return wrong

    monkeypatch.setattr(backends, "mpmath_function", swapped)
    assert st.ScheduleThresholds().run(Context(quick=True)).verdict == "refuted"

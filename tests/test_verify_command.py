"""``ldmstop verify``: flags, JSON document, report folder, exit status, light import."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ldmstop.cli import main
from ldmstop.verify.suite import exit_status


def _run(capsys, *argv):
    rc = main(["verify", *argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_json_document_shape(capsys):
    rc, out, _ = _run(capsys, "--only", "prop9,cor1", "--json", "--quick", "--dps", "30", "--no-mc")
    assert rc == 0
    doc = json.loads(out)
    assert doc["dps"] == 30 and doc["quick"] is True
    assert [c["id"] for c in doc["claims"]] == ["cor1", "prop9"]
    for c in doc["claims"]:
        assert {"id", "source", "verdict", "residual", "methods", "negative_control"} <= set(c)
        assert {"domain", "certified", "search", "code_control"} <= set(c)
        assert c["negative_control"]["rejected"] is True
        assert c["search"]["budget"] == "quick" and c["search"]["evaluations"] > 0
        assert c["certified"] is None or "box" in c["certified"]
    assert doc["summary"]["refuted"] == 0 and doc["summary"]["exit_status"] == 0
    assert doc["summary"]["search_budget"] == "quick" and doc["search"] == "quick"
    assert doc["monte_carlo"]["status"].startswith("skipped")


def test_search_budget_flag(capsys):
    rc, out, _ = _run(capsys, "--only", "prop9", "--json", "--quick", "--dps", "30", "--no-mc",
                      "--search", "default")
    doc = json.loads(out)
    assert rc == 0 and doc["claims"][0]["search"]["budget"] == "default"
    with pytest.raises(SystemExit) as e:
        main(["verify", "--search", "exhaustive"])
    assert e.value.code == 2


def test_known_erratum_counterexample_in_json_names_parameters(capsys):
    rc, out, _ = _run(capsys, "--only", "prop5", "--json", "--quick", "--dps", "30", "--no-mc")
    [c] = json.loads(out)["claims"]
    assert rc == 0 and c["verdict"] == "known-erratum"
    cx = c["counterexample"]
    assert {"T", "C", "sigma2", "sigma2_hat"} <= set(cx)
    assert c["validity"]["statement"].startswith("fails for T below")
    assert c["search"]["certificate"]["confirmed"] is True


def test_table_and_report_folder(capsys, tmp_path):
    rc, out, _ = _run(capsys, "--only", "fig4-left,fig4-right,prop7", "--quick", "--dps", "30",
                      "--no-mc", "--out", str(tmp_path))
    assert rc == 0
    assert "claim" in out and "fig4-left" in out and "known-erratum" in out
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "![fig4-left](figures/fig4_left.png)" in md
    assert "![fig4-right](figures/fig4_right.png)" in md
    assert "Corrected statement" in md
    for name in ("fig4_left.png", "fig4_right.png", "prop7_validity.png"):
        assert (tmp_path / "figures" / name).stat().st_size > 10_000
    assert "![prop7](figures/prop7_validity.png)" in md and "*Validity map:*" in md
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {c["id"] for c in doc["claims"]} == {"fig4-left", "fig4-right", "prop7"}
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]


@pytest.mark.parametrize("argv, msg", [
    (["--dps", "5"], "--dps"),
    (["--only", "prop99"], "unknown claim id"),
    (["--seed", "-1"], "--seed"),
])
def test_input_errors_exit_2(capsys, argv, msg):
    rc, out, err = _run(capsys, *argv)
    assert rc == 2 and msg in err and out == ""


def test_exit_status_rules():
    base = {"summary": {"refuted": 0, "controls_not_rejected": []}}
    assert exit_status(base) == 0
    assert exit_status({"summary": {"refuted": 1, "controls_not_rejected": []}}) == 1
    assert exit_status({"summary": {"refuted": 0, "controls_not_rejected": ["prop1"]}}) == 1


def test_monte_carlo_section_when_available(monkeypatch):
    import types

    from ldmstop.verify.claim import Context
    from ldmstop.verify.suite import _monte_carlo

    fake = types.ModuleType("ldmstop.sim.confirm")
    fake.run_confirmations = lambda quick=False, seed=0: [
        {"id": "x", "description": "d", "confirmed": True, "gain": 1.0, "gain_stderr": 0.1, "z_max": 0.5}]
    monkeypatch.setitem(sys.modules, "ldmstop.sim.confirm", fake)
    seen = []
    fake.run_confirmations = lambda quick=False, seed=0: seen.append(quick) or [
        {"id": "x", "description": "d", "confirmed": True, "gain": 1.0, "gain_stderr": 0.1, "z_max": 0.5}]
    mc = _monte_carlo(Context(quick=True), True)
    assert mc["status"] == "ran (quick)" and mc["results"][0]["id"] == "x"
    assert _monte_carlo(Context(), "full")["status"] == "ran (full)"
    assert seen == [True, False]  # the MC mode, not --quick, sets the confirmations' size
    assert _monte_carlo(Context(), False)["status"].startswith("skipped")
    assert _monte_carlo(Context(), "off")["status"].startswith("skipped")
    with pytest.raises(ValueError, match="quick, full or off"):
        _monte_carlo(Context(), "fast")
    monkeypatch.setitem(sys.modules, "ldmstop.sim.confirm", None)  # import fails
    assert _monte_carlo(Context(), True)["status"].startswith("unavailable")


def test_help_stays_light():
    code = ("import sys, ldmstop.cli as c; c.build_parser(); "
            "heavy = [m for m in ('sympy', 'mpmath', 'matplotlib', 'numba') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_extensions_run_through_verify(capsys):
    rc, out, _ = _run(capsys, "--only", "schedule-thresholds", "--json", "--quick", "--dps", "30",
                      "--no-mc")
    doc = json.loads(out)
    assert rc == 0
    [c] = doc["claims"]
    assert c["id"] == "schedule-thresholds" and c["extension"] is True
    assert c["verdict"] == "holds" and c["negative_control"]["rejected"] is True
    assert doc["summary"]["extensions"] == 1


def test_extensions_off_by_default_and_listed_in_errors(capsys):
    from ldmstop.verify.suite import extension_ids

    assert {"pg-table", "schedule-thresholds", "capacity-stopping"} <= set(extension_ids())
    with pytest.raises(ValueError, match="pg-table"):
        from ldmstop.verify.suite import load_claims

        load_claims("nonsense")


def test_extension_figures_linked_relative_to_report(tmp_path):
    """An extension runs through Claim.run like a paper claim: its figures are named relative to
    the report's figures/ folder, its control is reported with the claim's keys."""
    import os

    from ldmstop.verify.claim import Context, Extension, Outcome

    class Stub(Extension):
        id = "x"
        control = "c"

        def outcomes(self, ctx):
            return Outcome(data={"table": {"rows": []}}), Outcome(residual=1.0, residual_ok=False)

        def figures(self, ctx, outcome, folder):
            path = os.path.join(folder, "stub.png")
            with open(path, "wb") as fh:
                fh.write(b"png")
            return [os.path.basename(path)]

    folder = tmp_path / "figures"
    folder.mkdir()
    res = Stub().run(Context(), figures_dir=str(folder)).to_json()
    assert res["figures"] == ["stub.png"] and (folder / "stub.png").exists()
    assert res["negative_control"]["statement"] == "c" == res["negative_control"]["description"]
    assert res["negative_control"]["rejected"] is True
    assert res["negative_control"]["evidence"] == "residual 1.0"
    assert res["extension"] is True and res["verdict"] == "holds" and res["table"] == {"rows": []}


def test_summary_grammar():
    from ldmstop.verify.report import _errata

    assert _errata(1) == "1 known erratum" and _errata(2) == "2 known errata"

"""``ldmstop verify`` fails, with the reason in its table, when a Monte Carlo confirmation
errors (instead of passing without it)."""

from __future__ import annotations

import sys
import types

from ldmstop.cli import main


def _fake_confirm(monkeypatch, fn):
    fake = types.ModuleType("ldmstop.sim.confirm")
    fake.run_confirmations = fn
    monkeypatch.setitem(sys.modules, "ldmstop.sim.confirm", fake)


def _boom(quick=False, seed=0):
    raise RuntimeError("cannot cache function: no locator available")


def _ok(quick=False, seed=0):
    return [{"id": "x", "description": "d", "confirmed": True, "gain": None,
             "gain_stderr": None, "z_max": 0.5}]


def test_erroring_confirmation_fails_verify(monkeypatch, capsys):
    argv = ["verify", "--only", "prop1", "--quick", "--dps", "30"]
    _fake_confirm(monkeypatch, _ok)
    assert main(argv) == 0  # the same run passes when the Monte Carlo runs
    capsys.readouterr()
    _fake_confirm(monkeypatch, _boom)
    rc = main(argv)
    out = capsys.readouterr().out
    assert rc == 1
    assert "Monte Carlo: error: RuntimeError: cannot cache function" in out


def test_missing_simulator_fails_verify(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ldmstop.sim.confirm", None)  # the import fails
    rc = main(["verify", "--only", "prop1", "--quick", "--dps", "30"])
    assert rc == 1 and "Monte Carlo: unavailable" in capsys.readouterr().out


def test_mc_off_is_not_a_failure(monkeypatch, capsys):
    _fake_confirm(monkeypatch, _boom)
    assert main(["verify", "--only", "prop1", "--quick", "--dps", "30", "--mc", "off"]) == 0

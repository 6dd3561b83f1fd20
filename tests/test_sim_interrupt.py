"""Long runs: waves do not change the numbers, progress and estimates on stderr, Ctrl-C ends a
run cleanly (``interrupted``, exit 130, no traceback), and a read-only installation compiles
without Numba's cache instead of crashing."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from ldmstop import Problem
from ldmstop.sim import waves
from ldmstop.sim.simulate import simulate

FIG4 = [10, 0.2, 0.2, 0.2, 0, 0]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bit_identical_for_any_threads_and_any_cut_into_waves(monkeypatch):
    p = Problem.from_variances(FIG4, samples=1000, seed=3)
    kw = dict(paths=20_003, steps=40, scheme="ei", checkpoints=5, seed=9)
    a = simulate(p, threads=1, **kw)
    b = simulate(p, threads=2, **kw)
    monkeypatch.setattr(waves, "WAVE_SECONDS", 1e-9)  # one block per wave: many waves
    c = simulate(p, threads=2, **kw)
    for r in (b, c):
        for f in ("s1", "s2", "s2f"):
            np.testing.assert_array_equal(getattr(a.moments, f), getattr(r.moments, f))
    d = simulate(p, threads=1, **{**kw, "seed": 10})
    assert not np.array_equal(a.moments.s2, d.moments.s2)  # the comparison can fail


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def _feed(monkeypatch, tty, total, steps, dt):
    clock = _Clock()
    monkeypatch.setattr(waves.time, "perf_counter", clock)
    out = _Stream(tty)
    rep = waves.Reporter(total, mode="auto", label="L", stream=out)
    for k in range(1, steps + 1):
        clock.t = k * dt
        rep.update(int(total * k / steps))
    rep.close()
    return out.getvalue()


def test_long_run_announces_its_estimate_and_logs_when_not_a_tty(monkeypatch):
    text = _feed(monkeypatch, False, 1000, 200, 0.5)  # 100 s in all
    lines = text.splitlines()
    assert lines[0].startswith("ldmstop simulate: this run will take about 2 min (L)")
    assert "about 600 paths take a minute" in lines[0]
    logs = [ln for ln in lines[1:] if "% (" in ln]
    assert len(logs) >= 9 and "left" in logs[0]  # one line per ~10 s
    assert logs[-1].startswith("ldmstop simulate: 100.0 %")


def test_short_run_stays_silent(monkeypatch):
    assert _feed(monkeypatch, False, 1000, 4, 0.2) == ""


def test_terminal_gets_a_bar(monkeypatch):
    text = _feed(monkeypatch, True, 1000, 20, 0.5)  # 10 s: a bar, no estimate line
    assert "simulate" in text and "path" in text and "this run will take" not in text


SLOW = ["simulate", "--variances", "10,0.2,0.2,0.2,0,0", "--paths", "30000000", "--steps", "2000",
        "--checkpoints", "4", "--threads", "2"]


def _terminal_sigint():
    """Ctrl-C as at a terminal, whatever launched the tests (a background job of a
    non-interactive shell inherits SIGINT ignored, and Python keeps it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_stops_a_long_run_cleanly():
    """Started as a user would; SIGINT once the run is under way (its estimate printed)."""
    proc = subprocess.Popen([sys.executable, "-m", "ldmstop", *SLOW], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_terminal_sigint)
    try:
        seen = []
        for _ in range(50):  # up to the estimate (the run takes many minutes)
            seen.append(proc.stderr.readline())
            if "this run will take about" in seen[-1] or not seen[-1]:
                break
        assert "this run will take about" in seen[-1], seen
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        waited = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "ldmstop simulate: interrupted"
    assert "Traceback" not in err and out == ""
    print(f"exited {waited:.2f} s after SIGINT")  # measured in benchmarks/bench_sim.py


def _read_only_copy(tmp_path):
    """The package as a read-only installation would lay it out: ``ldmstop/`` (api),
    ``ldmstop/sim``, ... with no way to create ``__pycache__`` (a file of that name is in the
    way; permissions do not stop root)."""
    root = tmp_path / "site"
    pkg = root / "ldmstop"
    shutil.copytree(os.path.join(REPO, "api"), pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for sub in ("sim", "derivations", "verify"):
        shutil.copytree(os.path.join(REPO, sub), pkg / sub, ignore=shutil.ignore_patterns("__pycache__"))
    for d in [pkg, *[p for p in pkg.rglob("*") if p.is_dir()]]:
        (d / "__pycache__").write_text("not a folder")
    return root


def test_read_only_install_compiles_without_cache(tmp_path):
    root = _read_only_copy(tmp_path)
    blocked = tmp_path / "file"
    blocked.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(root), HOME=str(blocked), XDG_CACHE_HOME=str(blocked / "cache"),
               NUMBA_CACHE_DIR=str(blocked / "numba"), PYTHONDONTWRITEBYTECODE="1")
    code = ("import ldmstop, sys; from ldmstop.cli import main; print(ldmstop.__file__); "
            "sys.exit(main(['simulate', '--variances', '1,0.5', '--paths', '200', '--steps', '5', "
            "'--json']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=str(tmp_path), timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith(str(root))  # the copy, not the checkout
    warn = [ln for ln in out.stderr.splitlines() if "Numba cache" in ln]
    assert len(warn) == 1 and "compiling without the cache" in warn[0]
    assert "Traceback" not in out.stderr
    assert '"z_max"' in out.stdout


def test_sigint_ignored_by_the_parent_stays_ignored():
    """``nohup``, or a background job of a non-interactive shell: SIGINT is ignored from the
    start, and the simulator does not install its handler over that choice."""
    code = ("import signal\nfrom ldmstop.sim.waves import interruptible\n"
            "with interruptible():\n"
            "    print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)\n"
            "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
            "with interruptible():\n"
            "    print(signal.getsignal(signal.SIGINT) is signal.SIG_DFL)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert out.stdout.split() == ["True", "False"]

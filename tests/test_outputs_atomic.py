"""Output sets are complete or absent (docs/errors.md, "Where files go"): a run killed mid-way
(SIGKILL, a full disk) leaves neither half-written files nor temporaries after the next run, and
the outputs it found are intact. The faults are injected in a subprocess before ldmstop's
``main()``, as benchmarks/adversarial.py does (its ``faults`` cause)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

V = ["--variances", "1,0.5"]
TEMPORARY = re.compile(r"^\.(ldmstop-(tmp|commit)-|tmp-)")

#: die while the figure is being written (a PNG half on disk)
KILL_IN_SAVEFIG = """
import os, signal, matplotlib.figure as _mf
def _die(self, fname, *a, **k):
    with open(fname, 'wb') as fh:
        fh.write(b'\\x89PNG half')
    os.kill(os.getpid(), signal.SIGKILL)
_mf.Figure.savefig = _die
"""
#: die when the report is rendered: every figure of the run has been saved by then
KILL_AT_REPORT = """
import os, signal, ldmstop.verify.report as _report
def _die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
_report.markdown_report = _die
"""
#: die right after the first rename whose target is in the folder TARGET (not a temporary)
KILL_AFTER_FIRST_PUBLISH = """
import os, signal
_target = os.path.realpath({target!r})
for _name in ('replace', 'rename'):
    _orig = getattr(os, _name)
    def _f(a, b, *r, _orig=_orig, **k):
        out = _orig(a, b, *r, **k)
        d = os.path.realpath(os.fspath(b))
        if (d == _target or os.path.dirname(d) == _target) and not os.path.basename(d).startswith('.'):
            os.kill(os.getpid(), signal.SIGKILL)
        return out
    setattr(os, _name, _f)
"""
#: the disk fills up while a .json/.md/.tex file is written
ENOSPC_ON_WRITE = """
import builtins, errno
_open = builtins.open
class _Full:
    def __init__(self, fh): self._fh = fh
    def write(self, s): raise OSError(errno.ENOSPC, 'No space left on device')
    def __getattr__(self, n): return getattr(self._fh, n)
    def __enter__(self): return self
    def __exit__(self, *a): self._fh.close(); return False
def _o(file, mode='r', *a, **k):
    fh = _open(file, mode, *a, **k)
    if 'w' in mode and str(file).endswith(('.json', '.md', '.tex')):
        return _Full(fh)
    return fh
builtins.open = _o
"""


def run(argv, cwd, fault=""):
    code = f"import sys\n{textwrap.dedent(fault)}\nfrom ldmstop.cli import main\nsys.exit(main({list(map(str, argv))!r}))\n"
    env = dict(os.environ)
    env.pop("LDMSTOP_TRACEBACK", None)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=240, env=env)


def temporaries(root):
    return [os.path.relpath(os.path.join(d, n), root)
            for d, dirs, files in os.walk(root) for n in dirs + files if TEMPORARY.match(n)]


def test_sigkill_while_plotting_leaves_no_temporary_after_the_next_run(tmp_path):
    (tmp_path / "old.png").write_bytes(b"OLD PLOT")
    r = run(["curve", *V, "--plot", tmp_path / "old.png"], tmp_path, KILL_IN_SAVEFIG)
    assert r.returncode == -9
    assert (tmp_path / "old.png").read_bytes() == b"OLD PLOT"  # the old output is intact
    r = run(["curve", *V, "--plot", tmp_path / "new.png"], tmp_path)  # the next run there
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "new.png").read_bytes()[:4] == b"\x89PNG"
    assert temporaries(tmp_path) == []  # the dead run's half PNG was removed


def test_derive_format_all_is_one_set(tmp_path):
    # killed after the first file reached the new folder: the folder is all four files or absent
    d = tmp_path / "d"
    r = run(["derive", "--format", "all", "--out", d], tmp_path, KILL_AFTER_FIRST_PUBLISH.format(target=str(d)))
    assert r.returncode in (-9, 0), r.stderr
    if d.exists():
        assert sorted(p.name for p in d.iterdir() if not TEMPORARY.match(p.name)) == [
            "derivations.json", "derivations.md", "derivations.py", "derivations.tex"]


def test_derive_disk_full_midway_keeps_the_old_set(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for e in ("tex", "json", "py", "md"):
        (old / f"derivations.{e}").write_text("OLD " + e)
    r = run(["derive", "--format", "all", "--out", old], tmp_path, ENOSPC_ON_WRITE)
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("ldmstop derive: error:"), r.stderr
    assert "no space" in lines[0].lower()
    for e in ("tex", "json", "py", "md"):
        assert (old / f"derivations.{e}").read_text() == "OLD " + e
    assert temporaries(tmp_path) == []


def test_verify_killed_after_its_figures_leaves_the_old_report(tmp_path):
    old = tmp_path / "old"
    (old / "figures").mkdir(parents=True)
    files = {"report.md": b"OLD REPORT", "report.json": b'{"old": true}',
             "figures/fig4_left.png": b"OLD FIGURE", "notes.txt": b"the user keeps notes here"}
    for rel, data in files.items():
        (old / rel).write_bytes(data)
    r = run(["verify", "--only", "fig4-left,prop1", "--quick", "--no-mc", "--out", old], tmp_path,
            KILL_AT_REPORT)
    assert r.returncode == -9, r.stderr[-500:]
    for rel, data in files.items():
        assert (old / rel).read_bytes() == data, f"{rel} changed by a killed run"
    # nothing of the killed run is mixed into the old set
    assert sorted(p.name for p in (old / "figures").iterdir() if not TEMPORARY.match(p.name)) == ["fig4_left.png"]

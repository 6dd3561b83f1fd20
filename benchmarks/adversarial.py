"""Adversarial harness: bad, extreme and fault inputs across every command and the public API,
each with the clean outcome it must have (docs/errors.md).

A command-line case is clean when

- the exit status is the expected one (0 success, 1 failure while running, 2 input error, 130
  interrupted);
- stderr has no traceback and exactly one line (``ldmstop CMD: error: …``), argparse's usage
  lines excepted — and then they must be the *subcommand's* usage; a run predicted to be long
  may add its one warning line; messages show numbers plainly (no ``np.float64(5.0)``);
- the expected words are in that line (the flag or argument it is about);
- nothing half-written is left: the outputs a failed run names are absent, the old outputs a
  failed or killed run finds are intact, and no temporary file or folder remains (after a
  killed run: once the next command writing there has run);
- a successful run's stdout has no NaN or infinity and its files are what they claim to be
  (a ``.pdf`` is a PDF).

An API case is clean when the call raises a ``ValueError`` subclass whose message names the
argument (or, for valid extreme inputs, returns finite numbers).

Every case runs in a fresh subprocess under ``ulimit -v`` (--memory-limit, default 6 GB), so a
case that would allocate without limit fails fast instead of swapping the shared machine.

    python benchmarks/adversarial.py                       # this checkout, table + JSON
    python benchmarks/adversarial.py --python /other/venv/bin/python --label before
    python benchmarks/adversarial.py --only size- --verbose

Results: ``benchmarks/results/adversarial[-LABEL].json`` (per case: outcome, reasons; per cause:
tried / clean).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

#: root causes (the report counts per cause)
CAUSES = {
    "output": "output-side errors: unusable output paths, writes that fail (stdout /dev/full)",
    "parsing": "command-line parsing: abbreviations, subcommand usage, plain numbers in messages",
    "input": "bad input values and files (one line, exit 2, checked first)",
    "size": "size limits: memory predicted from the sizes, overflowing counts, long-run warning",
    "numbers": "silently wrong numbers: overflow, NaN, horizons, times outside [0, T]",
    "api": "API validation: ValueError subclasses naming the argument",
    "faults": "faults: SIGKILL / Ctrl-C mid-run, output sets, stale temporaries",
}


@dataclass
class Case:
    id: str
    cause: str
    argv: list | None = None          # CLI argv after `ldmstop` ({w}: work dir, {f}: fixtures)
    rc: int | tuple = 2
    msg: tuple = ()                   # words the error line must contain (case-insensitive)
    stdout_to: str | None = None      # "devfull"
    absent: tuple = ()                # paths (relative to {w}) that must not exist afterwards
    intact: tuple = ()                # pre-existing files (relative to {w}) that must not change
    produced: dict = field(default_factory=dict)  # path -> leading bytes it must start with
    warn: str | None = None           # a warning line that must appear (long runs)
    interrupt_after: str | float | None = None  # SIGINT after this stderr text / seconds
    fault: str | None = None          # fault-injection snippet (see FAULTS)
    fault_target: str | None = None   # the folder (relative to {w}) a fault watches
    then: list | None = None          # a follow-up run; afterwards no temporaries may remain
    then_rc: int = 0
    setup: str | None = None          # name of a work-dir setup (see SETUPS)
    complete_or_absent: tuple | None = None  # (folder, number of files): all of the set or none
    api: str | None = None            # API code for the batch runner
    api_expect: str = "raises"        # "raises" (ValueError naming msg) | "finite"
    timeout: float = 240.0


# ----------------------------------------------------------------------------------- fixtures
def make_fixtures(root: Path) -> None:
    """Input files shared by the cases (read-only use)."""
    root.mkdir(parents=True, exist_ok=True)
    s = lambda name, a: np.save(root / name, a)  # noqa: E731
    rng = np.random.default_rng(0)
    s("spec.npy", np.array([1.0, 0.6, 0.36, 0.2]))
    s("spec2d.npy", np.ones((2, 2)))
    s("spec_complex.npy", np.array([1 + 1j, 0.5]))
    s("spec_bool.npy", np.array([True, False]))
    s("spec_str.npy", np.array(["1", "2"]))
    s("spec_nan.npy", np.array([1.0, np.nan]))
    s("spec_neg.npy", np.array([1.0, -0.5]))
    s("spec_empty.npy", np.array([], dtype=float))
    s("spec_big.npy", np.array([1e200, 1.0]))
    s("spec_int.npy", np.array([3, 1], dtype=np.int64))
    np.save(root / "spec_obj.npy", np.array([1.0, "x"], dtype=object), allow_pickle=True)
    np.savez(root / "spec_npz.npz", a=np.ones(3))
    (root / "not_npy.npy").write_bytes(b"this is not an npy file\n")
    full = (root / "spec.npy").read_bytes()
    (root / "spec_trunc.npy").write_bytes(full[: len(full) - 9])
    (root / "somedir").mkdir(exist_ok=True)
    A = rng.standard_normal((4, 4))
    s("cov.npy", A @ A.T + np.eye(4))
    s("cov_nonsq.npy", np.ones((3, 4)))
    s("cov_asym.npy", np.array([[2.0, 1.0], [0.0, 2.0]]))
    s("cov_indef.npy", np.array([[1.0, 2.0], [2.0, 1.0]]))
    s("cov_herm.npy", np.array([[2.0, 1j], [-1j, 2.0]]))
    s("cov_bool.npy", np.eye(2, dtype=bool))
    s("cov_nan.npy", np.array([[1.0, np.nan], [np.nan, 1.0]]))
    s("cov_huge_entries.npy", np.eye(2) * 1e300)
    X = rng.standard_normal((200, 4))
    s("data.npy", X)
    s("data2.npy", X[::-1] * 1.1)
    s("data_1d.npy", X[:, 0])
    s("data_complex.npy", X.astype(complex))
    s("data_bool.npy", X > 0)
    Xn = X.copy()
    Xn[17, 2] = np.nan
    s("data_nan.npy", Xn)
    s("data_onerow.npy", X[:1])
    s("data_3cols.npy", X[:, :3])
    s("mean4.npy", np.zeros(4))
    s("mean3.npy", np.zeros(3))
    # sparse files: huge headers, no disk used (an eight-gigabyte spectrum, an 80 GB covariance)
    np.lib.format.open_memmap(root / "spec_huge.npy", mode="w+", dtype=np.float64, shape=(10**9,))
    np.lib.format.open_memmap(root / "cov_huge.npy", mode="w+", dtype=np.float64, shape=(10**5, 10**5))
    np.lib.format.open_memmap(root / "data_wide.npy", mode="w+", dtype=np.float32, shape=(100, 10**5))
    np.lib.format.open_memmap(root / "data_long.npy", mode="w+", dtype=np.float32, shape=(2 * 10**7, 1000))


#: work-dir setups (run before the case, inside {w})
SETUPS = {
    "file": "open('afile', 'w').write('x')",
    "dir": "import os; os.mkdir('adir')",
    "fifo": "import os; os.mkfifo('fifo.png')",
    "dangling": "import os; os.symlink('missing/x.png', 'link.png')",
    "old_derive": textwrap.dedent("""
        import os; os.mkdir('old')
        for e in ('tex', 'json', 'py', 'md'):
            open(f'old/derivations.{e}', 'w').write('OLD ' + e)
    """),
    "old_report": textwrap.dedent("""
        import os; os.makedirs('old/figures')
        open('old/report.md', 'w').write('OLD REPORT')
        open('old/report.json', 'w').write('{"old": true}')
        open('old/figures/fig4_left.png', 'wb').write(b'OLD FIGURE')
        open('old/notes.txt', 'w').write('the user keeps notes here')
    """),
    "old_plot": "open('old.png', 'wb').write(b'OLD PLOT')",
}

#: fault injections: executed in the process before ldmstop's main()
FAULTS = {
    # die while the figure is being written (a PNG half on disk)
    "kill_in_savefig": textwrap.dedent("""
        import os, signal, matplotlib.figure as _mf
        def _die(self, fname, *a, **k):
            with open(fname, 'wb') as fh:
                fh.write(b'\\x89PNG half')
            os.kill(os.getpid(), signal.SIGKILL)
        _mf.Figure.savefig = _die
    """),
    # die after the first figure of a report has been saved
    "kill_after_first_figure": textwrap.dedent("""
        import os, signal, matplotlib.figure as _mf
        _orig = _mf.Figure.savefig
        def _once(self, *a, **k):
            _orig(self, *a, **k)
            os.kill(os.getpid(), signal.SIGKILL)
        _mf.Figure.savefig = _once
    """),
    # die on the second file rename (one file of a set in place, the others not)
    # die right after the first rename that publishes into the target folder (not a temporary)
    "kill_after_first_publish": textwrap.dedent("""
        import os, signal
        _target = os.path.realpath(os.environ['HARNESS_TARGET'])
        for _name in ('replace', 'rename'):
            _orig = getattr(os, _name)
            def _f(a, b, *r, _orig=_orig, **k):
                out = _orig(a, b, *r, **k)
                d = os.path.realpath(os.fspath(b))
                base = os.path.basename(d)
                if (d == _target or os.path.dirname(d) == _target) and not base.startswith('.'):
                    os.kill(os.getpid(), signal.SIGKILL)
                return out
            setattr(os, _name, _f)
    """),
    # a write that fails mid-way: the disk fills up while the report's JSON is written
    "enospc_on_write": textwrap.dedent("""
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
    """),
    # an internal bug: a formula raises a plain ValueError (must not read as an input error)
    "bug_valueerror": textwrap.dedent("""
        import ldmstop.curve as _c
        def _bug(*a, **k):
            raise ValueError('operands could not be broadcast together with shapes (3,) (4,)')
        _c.w2_map = _bug
    """),
    "bug_keyerror": textwrap.dedent("""
        import ldmstop.curve as _c
        def _bug(*a, **k):
            raise KeyError('x')
        _c.threshold_times = _bug
    """),
}

_TEMP = re.compile(r"^\.(ldmstop-(tmp|commit)-|tmp-)")


def _temporaries(root: Path) -> list[str]:
    out = []
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            if _TEMP.match(n):
                out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return out


# ----------------------------------------------------------------------------------- cases
def cli_cases() -> list[Case]:
    C = []
    add = C.append
    V = ["--variances", "1,0.5"]

    # ---- output paths, before any work (exit 2), for every output flag
    fig_cmds = {
        "curve": ["curve", *V],
        "advise": ["advise", "--spectrum", "{f}/spec.npy"],
        "simulate": ["simulate", *V, "--paths", "2000", "--steps", "10", "--checkpoints", "3"],
    }
    bad_files = [
        ("missing-folder", "{w}/nofolder/x.png", ("does not exist",)),
        ("under-a-file", "{w}/afile/x.png", ("afile",)),
        ("read-only-fs", "/sys/ldmstop-x.png", ("cannot be written",)),
        ("proc-file-as-folder", "/proc/version/x.png", ("not a folder",)),
        ("is-a-folder", "{w}/adir", ("folder",)),
        ("fifo", "{w}/fifo.png", ("not a regular file",)),
        ("empty", "", ("empty",)),
        ("ext-jpg", "{w}/x.jpg", (".jpg",)),
        ("ext-txt", "{w}/x.txt", (".txt",)),
        ("no-ext", "{w}/plotfile", ("extension",)),
        ("dangling-link", "{w}/link.png", ("does not exist",)),
    ]
    setups = {"under-a-file": "file", "is-a-folder": "dir", "fifo": "fifo", "dangling-link": "dangling"}
    for cmd, base in fig_cmds.items():
        for name, path, words in bad_files:
            add(Case(f"output-{cmd}-plot-{name}", "output", [*base, "--plot", path], 2,
                     ("--plot", *words), setup=setups.get(name),
                     absent=("nofolder", "x.jpg", "x.txt", "plotfile"), timeout=120))
        for ext, magic in ((".pdf", b"%PDF"), (".svg", b"<?xml"), (".png", b"\x89PNG"), (".PNG", b"\x89PNG")):
            add(Case(f"output-{cmd}-plot-format{ext}", "output", [*base, "--plot", "{w}/fig" + ext], 0,
                     produced={"fig" + ext: magic}))
        add(Case(f"output-{cmd}-devfull", "output", base, 1, ("stdout", "no space"), stdout_to="devfull"))
        add(Case(f"output-{cmd}-json-devfull", "output", [*base, "--json"], 1, ("stdout",),
                 stdout_to="devfull"))
    dir_cmds = {
        "derive": ["derive", "--format", "all"],
        "verify": ["verify", "--only", "prop1", "--quick", "--no-mc"],
        "learned": ["learned", "--quick"],
    }
    bad_dirs = [
        ("is-a-file", "{w}/afile", ("not a folder",), "file"),
        ("under-a-file", "{w}/afile/sub", ("afile",), "file"),
        ("read-only-fs", "/sys/ldmstop-out", ("cannot be written",), None),
        ("dev-null-sub", "/dev/null/x", ("not a folder",), None),
        ("proc", "/proc/version/out", ("not a folder",), None),
        ("empty", "", ("empty",), None),
    ]
    for cmd, base in dir_cmds.items():
        for name, path, words, st in bad_dirs:
            add(Case(f"output-{cmd}-out-{name}", "output", [*base, "--out", path], 2, ("--out", *words),
                     setup=st, intact=("afile",) if st == "file" else (), timeout=180))
    add(Case("output-learned-out-nothing-left", "output",
             ["learned", "--quick", "--out", "{w}/a/b/rep"], 2, ("learned",), absent=("a",)))
    add(Case("output-derive-stdout-devfull", "output", ["derive"], 1, ("stdout",), stdout_to="devfull"))
    add(Case("output-derive-json-devfull", "output", ["derive", "--format", "json"], 1, ("stdout",),
             stdout_to="devfull"))
    add(Case("output-derive-out-summary-devfull", "output", ["derive", "--out", "{w}/d"], 1, ("stdout",),
             stdout_to="devfull"))
    add(Case("output-frechet-devfull", "output", ["frechet", "{f}/data.npy", "{f}/data2.npy"], 1,
             ("stdout",), stdout_to="devfull"))
    add(Case("output-frechet-json-devfull", "output", ["frechet", "{f}/data.npy", "{f}/data2.npy", "--json"],
             1, ("stdout",), stdout_to="devfull"))
    add(Case("output-verify-devfull", "output", ["verify", "--only", "prop1", "--quick", "--no-mc"], 1,
             ("stdout",), stdout_to="devfull"))
    add(Case("output-help-devfull", "output", ["curve", "--help"], 1, ("stdout",), stdout_to="devfull"))
    add(Case("output-derive-new-folder-tree", "output", ["derive", "--out", "{w}/x/y/z"], 0,
             produced={"x/y/z/derivations.tex": b"%", "x/y/z/derivations.json": b"{"}))
    add(Case("output-verify-existing-with-notes", "output",
             ["verify", "--only", "prop1", "--quick", "--no-mc", "--out", "{w}/old"], 0,
             setup="old_report", intact=("old/notes.txt",), produced={"old/report.md": b"#"}))
    add(Case("output-verify-enospc-midway", "output",
             ["verify", "--only", "prop1", "--quick", "--no-mc", "--out", "{w}/rep"], 1,
             ("no space",), fault="enospc_on_write", absent=("rep",)))
    add(Case("output-derive-enospc-midway", "output", ["derive", "--out", "{w}/old"], 1, ("no space",),
             fault="enospc_on_write", setup="old_derive",
             intact=("old/derivations.tex", "old/derivations.json", "old/derivations.py", "old/derivations.md")))
    add(Case("output-internal-valueerror-is-a-bug", "output", ["curve", *V], 1, ("internal error",),
             fault="bug_valueerror"))
    add(Case("output-internal-keyerror-is-a-bug", "output", ["curve", *V], 1, ("internal error",),
             fault="bug_keyerror"))
    add(Case("output-internal-bug-plot-not-left", "output", ["curve", *V, "--plot", "{w}/p.png"], 1,
             ("internal error",), fault="bug_keyerror", absent=("p.png",)))

    # ---- parsing
    abbrevs = [("curve", [*V, "--gri", "5"]), ("curve", ["--var", "1,0.5"]), ("curve", [*V, "--sch", "ou"]),
               ("curve", [*V, "--pl", "{w}/x.png"]), ("simulate", [*V, "--pat", "100"]),
               ("simulate", [*V, "--check", "3"]), ("advise", ["--dat", "{f}/data.npy"]),
               ("advise", ["--spec", "{f}/spec.npy"]), ("verify", ["--quic"]), ("verify", ["--on", "prop1"]),
               ("derive", ["--form", "latex"]), ("derive", ["--fr"]), ("frechet", ["{f}/data.npy", "--rto", "1e-3"]),
               ("learned", ["--quic"]), ("curve", [*V, "--js"]), ("advise", ["--spectrum", "{f}/spec.npy", "--gr", "5"])]
    for i, (cmd, rest) in enumerate(abbrevs):
        add(Case(f"parsing-abbrev-{cmd}-{i}", "parsing", [cmd, *rest], 2, ("unrecognized",)))
    for cmd, rest in (("curve", V), ("simulate", V), ("advise", ["--spectrum", "{f}/spec.npy"]),
                      ("verify", []), ("derive", []), ("frechet", ["{f}/data.npy", "{f}/data2.npy"]),
                      ("learned", [])):
        add(Case(f"parsing-unknown-flag-{cmd}", "parsing", [cmd, *rest, "--bogus"], 2,
                 ("unrecognized", f"usage: ldmstop {cmd}")))
    for i, rest in enumerate([["--grid", "abc"], ["--grid", "1e3"], ["--T", "x"], ["--steps", "5.5"],
                              ["--schedule", "bogus"], ["--scheme", "rk4"], ["--init", "zero"], ["--grid"]]):
        add(Case(f"parsing-type-curve-{i}", "parsing", ["curve", *V, *rest], 2, ("usage: ldmstop curve",)))
    add(Case("parsing-no-command", "parsing", [], 2))
    add(Case("parsing-unknown-command", "parsing", ["bogus"], 2, ("invalid choice",)))
    add(Case("parsing-plain-numbers-d", "parsing", ["simulate", *V, "--d", "7"], 2, ("--d", "7"),
             timeout=120))
    add(Case("parsing-plain-numbers-T", "parsing", ["curve", *V, "--T", "nan"], 2, ("nan",)))
    add(Case("parsing-plain-numbers-vp-cosine", "parsing", ["curve", *V, "--schedule", "vp-cosine", "--T", "5"],
             2, ("5.0", "vp-cosine")))
    add(Case("parsing-plain-numbers-truncate", "parsing",
             ["curve", *V, "--scheme", "em", "--steps", "5", "--truncate", "5"], 2, ("truncate", "5.0")))
    add(Case("parsing-T-help-all-schedules", "parsing", ["curve", "--help"], 0))

    # ---- bad input values and files, for each command that takes a problem
    prob_cmds = {"curve": ["curve"], "advise": ["advise"],
                 "simulate": ["simulate", "--paths", "2000", "--steps", "10", "--checkpoints", "3"]}
    var_bad = [("nan", "1,nan", ("nan",)), ("inf", "1,inf", ("inf",)), ("negative", "1,-0.5", ("negative",)),
               ("empty", "", ("empty",)), ("letters", "a,b", ("not a number",)), ("double-comma", "1,,2", ("not a number",)),
               ("hex", "0x10", ("not a number",))]
    for cmd, base in prob_cmds.items():
        if cmd == "advise":
            specs = [("spec-missing", "{f}/nope.npy", ("does not exist",)), ("spec-dir", "{f}/somedir", ("directory",)),
                     ("spec-not-npy", "{f}/not_npy.npy", ("not a valid",)), ("spec-2d", "{f}/spec2d.npy", ("1-d",)),
                     ("spec-complex", "{f}/spec_complex.npy", ("complex",)), ("spec-bool", "{f}/spec_bool.npy", ("bool",)),
                     ("spec-str", "{f}/spec_str.npy", ("spectrum",)), ("spec-obj", "{f}/spec_obj.npy", ("spectrum",)),
                     ("spec-nan", "{f}/spec_nan.npy", ("nan",)), ("spec-neg", "{f}/spec_neg.npy", ("negative",)),
                     ("spec-empty", "{f}/spec_empty.npy", ("empty",)), ("spec-trunc", "{f}/spec_trunc.npy", ("spectrum",)),
                     ("spec-npz", "{f}/spec_npz.npz", ("spectrum",))]
            for name, path, words in specs:
                add(Case(f"input-advise-{name}", "input", ["advise", "--spectrum", path], 2, words))
            for name, path, words in [("cov-nonsq", "{f}/cov_nonsq.npy", ("square",)), ("cov-asym", "{f}/cov_asym.npy", ("symmetric",)),
                                      ("cov-indef", "{f}/cov_indef.npy", ("positive",)), ("cov-herm", "{f}/cov_herm.npy", ("complex",)),
                                      ("cov-bool", "{f}/cov_bool.npy", ("bool",)), ("cov-nan", "{f}/cov_nan.npy", ("nan",))]:
                add(Case(f"input-advise-{name}", "input", ["advise", "--covariance", path], 2, words))
            for name, path, words in [("data-1d", "{f}/data_1d.npy", ("2-d",)), ("data-complex", "{f}/data_complex.npy", ("numeric",)),
                                      ("data-bool", "{f}/data_bool.npy", ("numeric",)), ("data-nan", "{f}/data_nan.npy", ("[17, 2]",)),
                                      ("data-onerow", "{f}/data_onerow.npy", ("2",)), ("data-missing", "{f}/nope.npy", ("does not exist",))]:
                add(Case(f"input-advise-{name}", "input", ["advise", "--data", path], 2, words))
            add(Case("input-advise-two-sources", "input", ["advise", "--data", "{f}/data.npy", "--spectrum", "{f}/spec.npy"], 2, ("exactly one",)))
            add(Case("input-advise-no-source", "input", ["advise"], 2, ("exactly one",)))
            add(Case("input-advise-samples-0", "input", ["advise", "--spectrum", "{f}/spec.npy", "--samples", "0"], 2, ("samples",)))
            add(Case("input-advise-seed-negative", "input", ["advise", "--spectrum", "{f}/spec.npy", "--samples", "5", "--seed", "-1"], 2, ("seed",)))
            add(Case("input-advise-grid-1", "input", ["advise", "--spectrum", "{f}/spec.npy", "--grid", "1"], 2, ("grid",)))
            add(Case("input-advise-steps-missing", "input", ["advise", "--spectrum", "{f}/spec.npy", "--scheme", "em"], 2, ("steps",)))
            add(Case("input-advise-steps-0", "input", ["advise", "--spectrum", "{f}/spec.npy", "--scheme", "em", "--steps", "0"], 2, ("steps",)))
            add(Case("input-advise-truncate-nan", "input", ["advise", "--spectrum", "{f}/spec.npy", "--scheme", "em", "--steps", "5", "--truncate", "nan"], 2, ("truncate",)))
            continue
        for name, val, words in var_bad:
            add(Case(f"input-{cmd}-variances-{name}", "input", [*base, "--variances", val], 2, ("variances", *words)))
        extra = [
            ("est-mismatch", ["--variances", "1,0.5", "--estimated", "1"], ("estimated",)),
            ("est-nan", ["--variances", "1,0.5", "--estimated", "1,nan"], ("estimated",)),
            ("est-and-samples", ["--variances", "1,0.5", "--estimated", "1,1", "--samples", "5"], ("not both",)),
            ("samples-0", ["--variances", "1,0.5", "--samples", "0"], ("samples",)),
            ("samples-neg", ["--variances", "1,0.5", "--samples", "-3"], ("samples",)),
            ("samples-huge", ["--variances", "1,0.5", "--samples", str(10**30)], ("samples",)),
            ("seed-neg", ["--variances", "1,0.5", "--samples", "5", "--seed", "-1"], ("seed",)),
            ("T-0", ["--variances", "1,0.5", "--T", "0"], ("T",)),
            ("T-neg", ["--variances", "1,0.5", "--T", "-1"], ("T",)),
            ("T-nan", ["--variances", "1,0.5", "--T", "nan"], ("T",)),
            ("T-inf", ["--variances", "1,0.5", "--T", "inf"], ("T",)),
            ("two-sources", ["--variances", "1", "--spectrum", "{f}/spec.npy"], ("exactly one",)),
            ("no-source", [], ("exactly one",)),
            ("spec-missing", ["--spectrum", "{f}/nope.npy"], ("does not exist",)),
            ("spec-2d", ["--spectrum", "{f}/spec2d.npy"], ("1-d",)),
            ("spec-complex", ["--spectrum", "{f}/spec_complex.npy"], ("complex",)),
            ("spec-bool", ["--spectrum", "{f}/spec_bool.npy"], ("bool",)),
            ("spec-obj", ["--spectrum", "{f}/spec_obj.npy"], ("spectrum",)),
            ("spec-trunc", ["--spectrum", "{f}/spec_trunc.npy"], ("spectrum",)),
            ("cov-asym", ["--covariance", "{f}/cov_asym.npy"], ("symmetric",)),
            ("cov-indef", ["--covariance", "{f}/cov_indef.npy"], ("positive",)),
            ("cov-herm", ["--covariance", "{f}/cov_herm.npy"], ("complex",)),
            ("cov-bool", ["--covariance", "{f}/cov_bool.npy"], ("bool",)),
            ("cov-nonsq", ["--covariance", "{f}/cov_nonsq.npy"], ("square",)),
        ]
        if cmd == "curve":
            extra += [("seed-without-samples", ["--variances", "1,0.5", "--seed", "3"], ("seed",)),
                      ("steps-without-scheme", ["--variances", "1,0.5", "--steps", "5"], ("steps",)),
                      ("grid-1", ["--variances", "1,0.5", "--grid", "1"], ("grid",)),
                      ("grid-neg", ["--variances", "1,0.5", "--grid", "-5"], ("grid",)),
                      ("scheme-no-steps", ["--variances", "1,0.5", "--scheme", "em"], ("steps",)),
                      ("truncate-T", ["--variances", "1,0.5", "--scheme", "em", "--steps", "5", "--truncate", "2"], ("truncate",)),
                      ("truncate-neg", ["--variances", "1,0.5", "--scheme", "em", "--steps", "5", "--truncate", "-1"], ("truncate",))]
        else:
            extra += [("d-0", ["--variances", "1,0.5", "--d", "0"], ("--d",)),
                      ("d-text", ["--variances", "1,0.5", "--d", "two"], ("--d",)),
                      ("paths-1", ["--variances", "1,0.5", "--paths", "1"], ("paths",)),
                      ("steps-0", ["--variances", "1,0.5", "--steps", "0"], ("steps",)),
                      ("cap-1", ["--variances", "1,0.5", "--cap", "1"], ("cap",)),
                      ("cap-nan", ["--variances", "1,0.5", "--cap", "nan"], ("cap",)),
                      ("threads-0", ["--variances", "1,0.5", "--threads", "0"], ("threads",)),
                      ("checkpoints-0", ["--variances", "1,0.5", "--checkpoints", "0"], ("checkpoints",)),
                      ("checkpoints-out", ["--variances", "1,0.5", "--checkpoints", "0.5,9"], ("checkpoints",)),
                      ("checkpoints-text", ["--variances", "1,0.5", "--checkpoints", "abc"], ("checkpoints",)),
                      ("truncate-T", ["--variances", "1,0.5", "--truncate", "2"], ("truncate",))]
        for name, rest, words in extra:
            add(Case(f"input-{cmd}-{name}", "input", [*base, *rest], 2, words))
    # derive / verify / frechet / learned inputs
    for i, (rest, words) in enumerate([(["--format", "all"], ("--out",)), (["--json", "--format", "latex"], ("--json",))]):
        add(Case(f"input-derive-{i}", "input", ["derive", *rest], 2, words))
    for i, (rest, words) in enumerate([(["--dps", "5"], ("--dps",)), (["--dps", "100000"], ("--dps",)),
                                       (["--only", "prop99"], ("prop99",)), (["--seed", "-1"], ("--seed",)),
                                       (["--mc", "half"], ("usage: ldmstop verify",))]):
        add(Case(f"input-verify-{i}", "input", ["verify", *rest], 2, words, timeout=300))
    fr = [(["{f}/data.npy"], ("b",)), ([], ("missing",)), (["{f}/nope.npy", "{f}/data.npy"], ("does not exist",)),
          (["{f}/data.npy", "{f}/data_3cols.npy"], ("dimension",)), (["{f}/data_complex.npy", "{f}/data.npy"], ("numeric",)),
          (["{f}/data_1d.npy", "{f}/data.npy"], ("2-d",)), (["{f}/data_nan.npy", "{f}/data.npy"], ("[17, 2]",)),
          (["{f}/data.npy", "{f}/data2.npy", "--rtol", "-1"], ("--rtol",)), (["{f}/data.npy", "{f}/data2.npy", "--rtol", "nan"], ("--rtol",)),
          (["{f}/data.npy", "{f}/data2.npy", "--tol", "-1"], ("--tol",)), (["{f}/data.npy", "{f}/data2.npy", "--chunk-rows", "0"], ("--chunk-rows",)),
          (["--mean-a", "{f}/mean4.npy", "{f}/data.npy"], ("--cov-a",)),
          (["--mean-a", "{f}/mean3.npy", "--cov-a", "{f}/cov.npy", "{f}/data.npy"], ("mean",)),
          (["--mean-a", "{f}/mean4.npy", "--cov-a", "{f}/cov_herm.npy", "{f}/data.npy"], ("cov-a",)),
          (["--mean-a", "{f}/mean4.npy", "--cov-a", "{f}/cov_indef.npy", "{f}/data.npy"], ("cov-a",)),
          (["{f}/data.npy", "{f}/data2.npy", "--mean-a", "{f}/mean4.npy"], ("not both",))]
    for i, (rest, words) in enumerate(fr):
        add(Case(f"input-frechet-{i}", "input", ["frechet", *rest], 2, words))
    ln = [(["--dims", "0"], ("dims",)), (["--dims", "a"], ("--dims",)), (["--dims", ""], ("dims",)),
          (["--encoders", "vae"], ("encoder",)), (["--schedules", "ddim"], ("schedule",)), (["--steps", "1"], ("steps",)),
          (["--samples", "1000000"], ("samples",)), (["--lr", "nan"], ("lr",)), (["--lr", "2"], ("lr",)),
          (["--holdout", "1.5"], ("holdout",)), (["--seeds", "0"], ("seeds",)), (["--width", "1000000"], ("width",)),
          (["--digits", "--data", "{f}/data.npy"], ("not both",)), (["--data", "{f}/nope.npy"], ("does not exist",)),
          (["--data", "{f}/data_complex.npy"], ("data",)), (["--batch", "0"], ("batch",))]
    for i, (rest, words) in enumerate(ln):
        add(Case(f"input-learned-{i}", "input", ["learned", *rest], 2, words))

    # ---- size limits
    for cmd, base in (("curve", ["curve", *V]), ("advise", ["advise", "--spectrum", "{f}/spec.npy"])):
        for g in ("1000000000", "1000000000000", str(10**30)):
            add(Case(f"size-{cmd}-grid-{len(g)}", "size", [*base, "--grid", g], 2, ("--grid", "memory")))
        for k in ("1000000000", str(10**20)):
            add(Case(f"size-{cmd}-steps-{len(k)}", "size", [*base, "--scheme", "heun", "--steps", k], 2, ("--steps",)))
    add(Case("size-curve-spectrum-1e9", "size", ["curve", "--spectrum", "{f}/spec_huge.npy"], 2, ("spectrum", "memory")))
    add(Case("size-advise-spectrum-1e9", "size", ["advise", "--spectrum", "{f}/spec_huge.npy"], 2, ("spectrum", "memory")))
    add(Case("size-curve-covariance-1e5", "size", ["curve", "--covariance", "{f}/cov_huge.npy"], 2, ("covariance", "memory")))
    add(Case("size-advise-covariance-1e5", "size", ["advise", "--covariance", "{f}/cov_huge.npy"], 2, ("covariance", "memory")))
    add(Case("size-simulate-covariance-1e5", "size", ["simulate", "--covariance", "{f}/cov_huge.npy"], 2, ("covariance", "memory")))
    add(Case("size-advise-data-wide", "size", ["advise", "--data", "{f}/data_wide.npy"], 2, ("--data", "memory")))
    add(Case("size-frechet-data-wide", "size", ["frechet", "{f}/data_wide.npy", "{f}/data_wide.npy"], 2, ("memory",)))
    add(Case("size-frechet-cov-huge", "size", ["frechet", "--mean-a", "{f}/mean4.npy", "--cov-a", "{f}/cov_huge.npy", "{f}/data.npy"],
             2, ("--cov-a", "memory")))
    add(Case("size-frechet-chunk-rows", "size", ["frechet", "{f}/data.npy", "{f}/data2.npy", "--chunk-rows", str(10**12)], 2,
             ("memory",)))
    S = ["simulate", *V]
    for p in (str(10**19), str(10**30), str(10**100)):
        add(Case(f"size-simulate-paths-{len(p)}", "size", [*S, "--paths", p], 2, ("--paths",)))
    for k in ("1000000000", str(10**19)):
        add(Case(f"size-simulate-steps-{len(k)}", "size", [*S, "--steps", k], 2, ("--steps",)))
    add(Case("size-simulate-checkpoints-1e9", "size", [*S, "--steps", "10", "--paths", "2000", "--checkpoints", "1000000000"], 0))
    add(Case("size-simulate-checkpoints-1e30", "size", [*S, "--steps", "10", "--paths", "2000", "--checkpoints", str(10**30)], 0))
    add(Case("size-simulate-long-run-warns", "size", [*S, "--paths", str(10**12), "--steps", "10", "--d", "1"], 130,
             ("interrupted",), warn="estimated", interrupt_after="warning", timeout=120))
    add(Case("size-advise-long-data-warns", "size", ["advise", "--data", "{f}/data_long.npy"], 130, ("interrupted",),
             warn="estimated", interrupt_after="warning", timeout=120))
    add(Case("size-learned-train-steps", "size", ["learned", "--train-steps", str(10**30)], 2, ("train",)))
    add(Case("size-verify-dps", "size", ["verify", "--dps", str(10**30)], 2, ("--dps",)))

    # ---- silently wrong numbers
    for cmd, base in (("curve", ["curve"]), ("simulate", ["simulate", "--paths", "2000", "--steps", "10", "--checkpoints", "3"])):
        for v in ("1e151", "1e154", "1e200", "1e308", "1.7e308"):
            add(Case(f"numbers-{cmd}-variance-{v}", "numbers", [*base, "--variances", f"{v},0.5"], 2, ("variances", "large")))
        add(Case(f"numbers-{cmd}-estimated-1e200", "numbers", [*base, "--variances", "1,0.5", "--estimated", "1e200,0.5"], 2,
                 ("estimated",)))
        add(Case(f"numbers-{cmd}-variance-1e150-ok", "numbers", [*base, "--variances", "1e150,0.5", "--json"], 0))
        add(Case(f"numbers-{cmd}-vp-linear-T-1e160", "numbers", [*base, "--variances", "1,0.5", "--schedule", "vp-linear", "--T", "1e160"], 2, ("T",)))
        add(Case(f"numbers-{cmd}-vp-linear-T-1e300", "numbers", [*base, "--variances", "1,0.5", "--schedule", "vp-linear", "--T", "1e300"], 2, ("T",)))
    add(Case("numbers-advise-spectrum-1e200", "numbers", ["advise", "--spectrum", "{f}/spec_big.npy"], 2, ("large",)))
    add(Case("numbers-curve-cov-1e300", "numbers", ["curve", "--covariance", "{f}/cov_huge_entries.npy"], 2, ("large",)))
    add(Case("numbers-simulate-ou-T-1e300", "numbers", ["simulate", *V, "--T", "1e300", "--paths", "1000", "--steps", "10"], 2,
             ("--T",)))
    add(Case("numbers-simulate-ou-T-800-ei", "numbers", ["simulate", *V, "--T", "800", "--paths", "1000", "--steps", "10"], 2, ("--T",)))
    add(Case("numbers-curve-ou-T-1e300-ei", "numbers", ["curve", *V, "--T", "1e300", "--scheme", "ei", "--steps", "10"], 2, ("T",)))
    for sch in ("em", "ei", "euler-ode", "heun"):
        add(Case(f"numbers-curve-vp-cosine-T1-{sch}", "numbers",
                 ["curve", *V, "--schedule", "vp-cosine", "--T", "1", "--scheme", sch, "--steps", "10"], 2, ("vp-cosine", "T")))
        add(Case(f"numbers-advise-vp-cosine-T1-{sch}", "numbers",
                 ["advise", "--spectrum", "{f}/spec.npy", "--schedule", "vp-cosine", "--T", "1", "--scheme", sch, "--steps", "10"],
                 2, ("vp-cosine",)))
    add(Case("numbers-simulate-vp-cosine-T1", "numbers", ["simulate", *V, "--schedule", "vp-cosine", "--T", "1", "--paths", "1000"],
             2, ("vp-cosine",)))
    add(Case("numbers-curve-vp-cosine-T1-exact-ok", "numbers", ["curve", *V, "--schedule", "vp-cosine", "--T", "1", "--json"], 0))
    add(Case("numbers-curve-vp-cosine-default-em-ok", "numbers", ["curve", *V, "--schedule", "vp-cosine", "--scheme", "em", "--steps", "10", "--json"], 0))
    add(Case("numbers-curve-rf-T1-em", "numbers", ["curve", *V, "--schedule", "rectified-flow", "--scheme", "em", "--steps", "5"], 2, ("T",)))
    add(Case("numbers-curve-rf-T1-heun-ok", "numbers", ["curve", *V, "--schedule", "rectified-flow", "--scheme", "heun", "--steps", "5", "--json"], 0))
    add(Case("numbers-curve-zero-variances-ok", "numbers", ["curve", "--variances", "0,0,1", "--json"], 0))
    add(Case("numbers-curve-zero-est-ok", "numbers", ["curve", "--variances", "0,1", "--estimated", "0,1", "--json"], 0))
    add(Case("numbers-curve-tiny-ok", "numbers", ["curve", "--variances", "1e-300,1e-310", "--json"], 0))
    add(Case("numbers-curve-rf-1e150-ok", "numbers", ["curve", "--variances", "0.9e150,0.5", "--estimated", "1e150,0.4",
                                                      "--schedule", "rectified-flow", "--json"], 0))
    add(Case("numbers-simulate-zeros-ok", "numbers", ["simulate", "--variances", "10,0.2,0,0", "--paths", "2000", "--steps", "10", "--json"], 0))
    add(Case("numbers-advise-zero-spectrum-ok", "numbers", ["advise", "--spectrum", "{f}/spec.npy", "--samples", "3", "--seed", "1", "--json"], 0))
    add(Case("numbers-frechet-identical-ok", "numbers", ["frechet", "{f}/data.npy", "{f}/data.npy", "--json"], 0))
    add(Case("numbers-simulate-large-T-ok", "numbers", ["simulate", *V, "--T", "30", "--scheme", "em", "--paths", "2000", "--steps", "200", "--json"], 0))

    # ---- faults
    add(Case("faults-curve-kill-in-savefig", "faults", ["curve", *V, "--plot", "{w}/p.png"], -9, fault="kill_in_savefig",
             absent=("p.png",), then=["curve", *V, "--plot", "{w}/p.png"]))
    add(Case("faults-curve-kill-in-savefig-old", "faults", ["curve", *V, "--plot", "{w}/old.png"], -9, fault="kill_in_savefig",
             setup="old_plot", intact=("old.png",), then=["curve", *V, "--plot", "{w}/other.png"]))
    add(Case("faults-advise-kill-in-savefig", "faults", ["advise", "--spectrum", "{f}/spec.npy", "--plot", "{w}/h.png"], -9,
             fault="kill_in_savefig", absent=("h.png",), then=["advise", "--spectrum", "{f}/spec.npy", "--plot", "{w}/h.png"]))
    VER = ["verify", "--only", "fig4-left,prop1", "--quick", "--no-mc"]
    add(Case("faults-verify-kill-after-figure", "faults", [*VER, "--out", "{w}/rep"], -9, fault="kill_after_first_figure",
             absent=("rep",), then=[*VER, "--out", "{w}/rep"], timeout=300))
    add(Case("faults-verify-kill-after-figure-old", "faults", [*VER, "--out", "{w}/old"], -9, fault="kill_after_first_figure",
             setup="old_report", intact=("old/report.md", "old/report.json", "old/figures/fig4_left.png", "old/notes.txt"),
             then=[*VER, "--out", "{w}/old"], timeout=300))
    add(Case("faults-verify-sigint", "faults", [*VER, "--out", "{w}/rep"], 130, ("interrupted",), interrupt_after=2.5,
             absent=("rep",), timeout=300))
    add(Case("faults-verify-sigint-old", "faults", [*VER, "--out", "{w}/old"], 130, ("interrupted",), interrupt_after=2.5,
             setup="old_report", intact=("old/report.md", "old/figures/fig4_left.png", "old/notes.txt"), timeout=300))
    add(Case("faults-derive-kill-after-first-publish", "faults", ["derive", "--out", "{w}/d"], (-9, 0),
             fault="kill_after_first_publish", fault_target="d", complete_or_absent=("d", 4),
             then=["derive", "--out", "{w}/d"]))
    add(Case("faults-derive-kill-after-first-publish-old-rolled-forward", "faults", ["derive", "--out", "{w}/old"], -9,
             fault="kill_after_first_publish", fault_target="old", setup="old_derive",
             then=["derive", "--format", "markdown", "--out", "{w}/old"]))
    add(Case("faults-verify-kill-after-first-publish", "faults", [*VER, "--out", "{w}/rep"], (-9, 0),
             fault="kill_after_first_publish", fault_target="rep", complete_or_absent=("rep", 3),
             then=[*VER, "--out", "{w}/rep"], timeout=300))
    add(Case("faults-simulate-sigint", "faults", [*S, "--paths", str(10**9), "--steps", "50", "--plot", "{w}/s.png"], 130,
             ("interrupted",), interrupt_after=12.0, absent=("s.png",), timeout=120))
    add(Case("faults-simulate-kill-in-savefig", "faults",
             ["simulate", *V, "--paths", "2000", "--steps", "10", "--checkpoints", "3", "--plot", "{w}/s.png"], -9,
             fault="kill_in_savefig", absent=("s.png",),
             then=["simulate", *V, "--paths", "2000", "--steps", "10", "--checkpoints", "3", "--plot", "{w}/s.png"]))
    return C


def api_cases() -> list[Case]:
    """Each is code run with ``np``, ``ldmstop``, ``P`` (ldmstop.Problem), ``p`` (a valid
    problem, variances 1, 0.5), ``curve`` (ldmstop.curve), ``sim`` (ldmstop.sim.simulate); it
    must raise a ValueError subclass whose message contains every word of ``msg``."""
    A = []
    r = lambda i, code, *words: A.append(Case(f"api-{i}", "api", api=code, msg=words))  # noqa: E731
    f = lambda i, code: A.append(Case(f"api-{i}", "api", api=code, api_expect="finite"))  # noqa: E731
    r("hermitian-covariance", "P.from_covariance(np.array([[2, 1j], [-1j, 2]]))", "covariance", "complex")
    r("complex-variances", "P.from_variances(np.array([1 + 0j, 0.5]))", "variances", "complex")
    r("complex-list", "P.from_variances([1 + 1j, 0.5])", "variances", "complex")
    r("bool-array", "P.from_variances(np.array([True, False]))", "variances", "bool")
    r("bool-list", "P.from_variances([True, 0.5])", "variances", "bool")
    r("bool-covariance", "P.from_covariance(np.eye(2, dtype=bool))", "covariance", "bool")
    r("string-list", "P.from_variances(['1', '0.5'])", "variances")
    r("string", "P.from_variances('1,0.5')", "variances")
    r("none", "P.from_variances(None)", "variances")
    r("dict", "P.from_variances({'a': 1})", "variances")
    r("ragged", "P.from_variances([[1, 2], [3]])", "variances")
    r("2d", "P.from_variances([[1.0]])", "variances")
    r("scalar", "P.from_variances(1.0)", "variances")
    r("nan", "P.from_variances([1, float('nan')])", "variances", "nan")
    r("huge", "P.from_variances([1e200])", "variances", "large")
    r("estimated-complex", "P.from_variances([1, 0.5], estimated=np.array([1j, 1]))", "estimated", "complex")
    r("estimated-huge", "P.from_variances([1, 0.5], estimated=[1e300, 1])", "estimated", "large")
    r("T-bool", "P.from_variances([1], T=True)", "T")
    r("T-complex", "P.from_variances([1], T=1j)", "T")
    r("T-string", "P.from_variances([1], T='2')", "T")
    r("T-nan", "P.from_variances([1], T=float('nan'))", "T")
    r("T-vp-linear-1e160", "P.from_variances([1], schedule='vp-linear', T=1e160)", "T")
    r("T-vp-cosine-2", "P.from_variances([1], schedule='vp-cosine', T=2)", "T")
    r("seed-float", "P.from_variances([1, 0.5], samples=10, seed=1.5)", "seed", "1.5")
    r("seed-negative", "P.from_variances([1, 0.5], samples=10, seed=-1)", "seed")
    r("seed-string", "P.from_variances([1, 0.5], samples=10, seed='0')", "seed")
    r("seed-bool", "P.from_variances([1, 0.5], samples=10, seed=True)", "seed")
    r("samples-float", "P.from_variances([1, 0.5], samples=10.0)", "samples")
    r("samples-bool", "P.from_variances([1, 0.5], samples=True)", "samples")
    r("samples-huge", "P.from_variances([1, 0.5], samples=10**30)", "samples")
    r("schedule-int", "P.from_variances([1], schedule=3)", "schedule")
    r("schedule-none", "P.from_variances([1], schedule=None)", "schedule")
    r("schedule-case", "P.from_variances([1], schedule='OU')", "schedule")
    r("check-dimension-np", "p.check_dimension(np.int64(5))", "d", "5")
    r("check-dimension-float", "p.check_dimension(1.0)", "d")
    r("compute-curve-none", "curve.compute_curve(None)", "problem")
    r("compute-curve-str", "curve.compute_curve('ou')", "problem")
    r("compute-curve-grid-float", "curve.compute_curve(p, grid=10.5)", "grid", "10.5")
    r("compute-curve-grid-bool", "curve.compute_curve(p, grid=True)", "grid")
    r("compute-curve-grid-1", "curve.compute_curve(p, grid=1)", "grid")
    r("compute-curve-grid-huge", "curve.compute_curve(p, grid=10**12)", "grid", "memory")
    r("compute-curve-scheme-bogus", "curve.compute_curve(p, scheme='rk4', steps=5)", "scheme")
    r("compute-curve-scheme-none", "curve.compute_curve(p, scheme=None)", "scheme")
    r("compute-curve-steps-float", "curve.compute_curve(p, scheme='em', steps=10.7)", "steps", "10.7")
    r("compute-curve-steps-bool", "curve.compute_curve(p, scheme='em', steps=True)", "steps")
    r("compute-curve-steps-huge", "curve.compute_curve(p, scheme='em', steps=10**12)", "steps", "memory")
    r("compute-curve-init", "curve.compute_curve(p, scheme='em', steps=5, init='zero')", "init")
    r("compute-curve-truncate-nan", "curve.compute_curve(p, scheme='em', steps=5, truncate=float('nan'))", "truncate")
    r("compute-curve-truncate-bool", "curve.compute_curve(p, scheme='em', steps=5, truncate=True)", "truncate")
    r("compute-curve-vp-cosine-T1", "curve.compute_curve(P.from_variances([1, .5], schedule='vp-cosine', T=1.0), scheme='em', steps=10)",
      "vp-cosine")
    r("stop-vs-steps-float", "curve.stop_vs_steps(p, scheme='em', steps_list=[10.7])", "steps_list", "10.7")
    r("stop-vs-steps-bool", "curve.stop_vs_steps(p, scheme='em', steps_list=[True])", "steps_list")
    r("stop-vs-steps-int", "curve.stop_vs_steps(p, scheme='em', steps_list=10)", "steps_list")
    r("stop-vs-steps-empty", "curve.stop_vs_steps(p, scheme='em', steps_list=[])", "steps_list")
    r("stop-vs-steps-str", "curve.stop_vs_steps(p, scheme='em', steps_list='10')", "steps_list")
    r("w2-map-nan", "curve.w2_map(p, np.array([np.nan, 1.0]))", "times", "nan")
    r("w2-map-negative", "curve.w2_map(p, np.array([-1.0]))", "times")
    r("w2-map-beyond-T", "curve.w2_map(p, np.array([5.0]))", "times")
    r("w2-map-inf", "curve.w2_map(p, [np.inf])", "times")
    r("w2-map-complex", "curve.w2_map(p, np.array([1j]))", "times", "complex")
    r("w2-map-string", "curve.w2_map(p, 'abc')", "times")
    r("w2-map-none", "curve.w2_map(p, None)", "times")
    r("w2-map-2d", "curve.w2_map(p, np.ones((2, 2)))", "times")
    r("w2-map-problem-none", "curve.w2_map(None, [0.5])", "problem")
    r("w2-map-rf-beyond", "curve.w2_map(P.from_variances([1, .5], schedule='rectified-flow'), [1.5])", "times")
    r("noise-levels-beyond", "curve.noise_levels(p, np.array([3.0]))", "times")
    r("threshold-times-none", "curve.threshold_times(None)", "problem")
    r("optimal-stop-shape", "curve.optimal_stop(p, np.linspace(0, 2, 5), np.zeros((3, 3)))", "w2")
    r("optimal-stop-times", "curve.optimal_stop(p, np.array([0.0, 9.0]))", "times")
    r("backward-times-float", "curve.backward_times(2.0, 5.5)", "grid")
    r("discrete-curve-none", "curve.discrete_curve(None, scheme='em', steps=5)", "problem")
    r("sim-d-and-encoder", "sim.simulate(p, paths=100, steps=5, encoder=np.eye(2)[:1], d=2)", "encoder")
    r("sim-seed-float", "sim.simulate(p, paths=100, steps=5, seed=1.5)", "seed")
    r("sim-seed-negative", "sim.simulate(p, paths=100, steps=5, seed=-3)", "seed")
    r("sim-paths-huge", "sim.simulate(p, paths=10**30, steps=5)", "paths")
    r("sim-paths-float", "sim.simulate(p, paths=100.5, steps=5)", "paths")
    r("advise-none", "__import__('ldmstop.advise', fromlist=['x']).advise(None)", "problem")
    r("data-spectrum-complex", "__import__('ldmstop.advise', fromlist=['x']).data_spectrum(np.ones((5, 2), complex))", "numeric")
    r("frechet-complex", "__import__('ldmstop.frechet', fromlist=['x']).frechet_distance2(np.eye(2) * 1j, np.eye(2))", "complex")
    r("frechet-bool", "__import__('ldmstop.frechet', fromlist=['x']).frechet_distance2(np.eye(2, dtype=bool), np.eye(2))", "bool")
    r("plot-format", "curve_res = curve.compute_curve(p, grid=11); __import__('ldmstop.plots', fromlist=['x']).plot_curve(curve_res, '/tmp/x.jpg')", ".jpg")
    f("finite-1e150", "curve.compute_curve(P.from_variances([1e150, 0.5], estimated=[0.9e150, 0.4]), grid=101)")
    f("finite-1e150-rf", "curve.compute_curve(P.from_variances([0.9e150, 0.5], estimated=[1e150, 0.4], schedule='rectified-flow'), grid=101)")
    f("finite-1e150-vp", "curve.compute_curve(P.from_variances([1e150, 0.5], schedule='vp-linear'), grid=101)")
    f("finite-1e150-em", "curve.compute_curve(P.from_variances([1e150, 0.5]), scheme='em', steps=20)")
    f("finite-zeros", "curve.compute_curve(P.from_variances([0, 0, 1], estimated=[0, 0.1, 1]), grid=101)")
    f("finite-T-endpoint", "curve.w2_map(p, np.array([0.0, 2.0]))")
    f("finite-tiny", "curve.compute_curve(P.from_variances([1e-300, 5e-324]), grid=11)")
    f("finite-ou-T-700", "curve.compute_curve(P.from_variances([1, 0.5], T=700.0), grid=101)")
    return A


# ----------------------------------------------------------------------------------- running
_WRAPPER = """
import sys
sys.argv = ['ldmstop'] + {argv!r}
{fault}
from ldmstop.cli import main
sys.exit(main())
"""


def _limit(memory_limit: int):
    def pre():
        os.setsid()
        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    return pre


def _fill(argv, w: Path, f: Path) -> list[str]:
    return [a.replace("{w}", str(w)).replace("{f}", str(f)) for a in argv]


def _run_cli(python: str, argv, w: Path, *, fault=None, stdout_to=None, interrupt_after=None, timeout=240,
             memory_limit=0, fault_target=None) -> tuple[int, str, str]:
    code = _WRAPPER.format(argv=list(argv), fault=FAULTS.get(fault) or "")
    out = open("/dev/full", "w") if stdout_to == "devfull" else subprocess.PIPE
    env = dict(os.environ, PYTHONWARNINGS="default", COLUMNS="100")
    if fault_target:
        env["HARNESS_TARGET"] = str(w / fault_target)
    env.pop("LDMSTOP_TRACEBACK", None)
    t0 = time.monotonic()
    proc = subprocess.Popen([python, "-c", code], cwd=w, stdout=out, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=_limit(memory_limit))
    if interrupt_after is None:
        try:
            so, se = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            so, se = proc.communicate()
            return -999, so or "", (se or "") + "\n[harness: timed out]"
        return proc.returncode, so or "", se or ""
    # interrupt: after a stderr pattern (read line by line) or after some seconds
    err_lines = []
    import threading

    def reader():
        for line in proc.stderr:
            err_lines.append(line)
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    deadline = t0 + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if isinstance(interrupt_after, (int, float)):
            if time.monotonic() - t0 >= interrupt_after:
                break
        elif any(interrupt_after in ln for ln in err_lines):
            break
        time.sleep(0.05)
    if proc.poll() is None:
        if isinstance(interrupt_after, str) and not any(interrupt_after in ln for ln in err_lines):
            err_lines.append(f"[harness: no {interrupt_after!r} line within {timeout:.0f} s]\n")
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    th.join(timeout=5)
    so = proc.stdout.read() if proc.stdout else ""
    return proc.returncode, so or "", "".join(err_lines)


_ERRLINE = re.compile(r"^ldmstop( [\w-]+)?: (error|internal error|interrupted)")
_NUMPY_REPR = re.compile(r"np\.(float|int|bool|str)\w*\(")
_NONFINITE = re.compile(r"(?<![\w.])(nan|-?inf|infinity)(?![\w])", re.IGNORECASE)


def _snapshot(w: Path, rels) -> dict:
    out = {}
    for r in rels:
        p = w / r
        out[r] = p.read_bytes() if p.is_file() else None
    return out


def judge_cli(case: Case, python: str, fixtures: Path, scratch: Path, memory_limit: int) -> dict:
    w = Path(tempfile.mkdtemp(prefix=f"{case.id[:40]}-", dir=scratch))
    if case.setup:
        subprocess.run([python, "-c", SETUPS[case.setup]], cwd=w, check=True)
    before = _snapshot(w, case.intact)
    argv = _fill(case.argv, w, fixtures)
    rc, so, se = _run_cli(python, argv, w, fault=case.fault, stdout_to=case.stdout_to,
                          interrupt_after=case.interrupt_after, timeout=case.timeout, memory_limit=memory_limit,
                          fault_target=case.fault_target)
    why = []
    expected = case.rc if isinstance(case.rc, tuple) else (case.rc,)
    if rc not in expected:
        why.append(f"exit {rc}, expected {case.rc}")
    if "Traceback" in se:
        why.append("traceback")
    lines = [ln for ln in se.splitlines() if ln.strip()]
    lines_nowarn = [ln for ln in lines if not re.match(r"^ldmstop( [\w-]+)?: warning:", ln)]
    if case.warn and not any(case.warn in ln for ln in lines if "warning" in ln):
        why.append(f"no warning with {case.warn!r}")
    if rc not in (0, -9):  # a failure: one line (argparse's usage lines aside)
        usage = [ln for ln in lines_nowarn if ln.startswith("usage:") or ln.startswith(" ")]
        rest = [ln for ln in lines_nowarn if ln not in usage]
        if len(rest) != 1:
            why.append(f"{len(rest)} stderr lines besides usage")
        elif not _ERRLINE.match(rest[0]):
            why.append("stderr line is not 'ldmstop CMD: error: ...'")
        text = " ".join(lines_nowarn).lower()
        for word in case.msg:
            if word.lower() not in text:
                why.append(f"message lacks {word!r}")
    if rc == 0 and lines_nowarn and case.fault is None:
        why.append(f"stderr on success: {lines_nowarn[0][:80]!r}")
    if _NUMPY_REPR.search(se):
        why.append("numpy repr in message")
    if rc == 0 and case.stdout_to is None and _NONFINITE.search(so):
        why.append(f"non-finite number in output: {_NONFINITE.search(so).group(0)!r}")
    if case.id == "parsing-T-help-all-schedules" and rc == 0:
        for sched in ("ou", "vp-linear", "vp-cosine", "rectified-flow"):
            if f"for {sched}" not in " ".join(so.split()):
                why.append(f"--T help lacks {sched}")
    for rel in case.absent:
        if (w / rel).exists():
            why.append(f"{rel} left behind")
    after = _snapshot(w, case.intact)
    for rel in case.intact:
        if after[rel] != before[rel]:
            why.append(f"{rel} changed")
    for rel, magic in case.produced.items():
        p = w / rel
        if not p.is_file() or not p.read_bytes().startswith(magic):
            why.append(f"{rel} missing or not {magic!r}")
    if case.complete_or_absent:
        rel, n = case.complete_or_absent
        if (w / rel).exists() and len([q for q in (w / rel).iterdir() if not _TEMP.match(q.name)]) != n:
            why.append(f"{rel} half written: {sorted(q.name for q in (w / rel).iterdir())}")
    if case.then is None:
        left = _temporaries(w)
        if left:
            why.append(f"temporaries left: {left[:3]}")
    else:
        rc2, so2, se2 = _run_cli(python, _fill(case.then, w, fixtures), w, timeout=case.timeout,
                                 memory_limit=memory_limit)
        if rc2 != case.then_rc:
            why.append(f"follow-up exit {rc2}: {se2.strip().splitlines()[-1][:100] if se2.strip() else ''}")
        left = _temporaries(w)
        if left:
            why.append(f"temporaries left after the next run: {left[:3]}")
        if case.id.endswith("rolled-forward"):
            files = sorted((w / "old").glob("derivations.*"))
            old = [p.name for p in files if p.read_bytes().startswith(b"OLD ")]
            if old:
                why.append(f"not rolled forward: {old} still old after the next run")
    shutil.rmtree(w, ignore_errors=True)
    return {"id": case.id, "cause": case.cause, "clean": not why, "why": why, "rc": rc,
            "stderr": se.strip().splitlines()[-1][:300] if se.strip() else ""}


_API_RUNNER = r"""
import json, sys, math, warnings
import numpy as np
warnings.simplefilter("ignore")
import ldmstop
from ldmstop import Problem as P
import ldmstop.curve as curve
import ldmstop.sim.simulate as sim
cases = json.loads(sys.stdin.read())
out = []
for c in cases:
    p = P.from_variances([1, 0.5])
    ns = dict(np=np, ldmstop=ldmstop, P=P, p=p, curve=curve, sim=sim)
    rec = {"id": c["id"]}
    try:
        code = c["code"]
        head, _, last = code.rpartition(";")
        if head:
            exec(head, ns)
        r = eval(last.strip(), ns)
        vals = []
        def walk(v):
            if hasattr(v, "w2_squared"):
                walk(v.w2_squared); walk(v.optimal); walk(v.thresholds_exact)
            elif hasattr(v, "to_json") and hasattr(v, "keys"):  # a typed result (Optimum, ...)
                walk(v.to_json())
            elif isinstance(v, dict):
                [walk(x) for x in v.values()]
            elif isinstance(v, (list, tuple)):
                [walk(x) for x in v]
            elif isinstance(v, (int, float, np.ndarray, np.floating)) and not isinstance(v, bool):
                vals.append(np.all(np.isfinite(np.asarray(v, dtype=float))))
        walk(r)
        rec.update(raised=None, finite=bool(all(vals)) if vals else True)
    except BaseException as e:
        rec.update(raised=type(e).__name__, value_error=isinstance(e, ValueError), msg=str(e)[:400])
    out.append(rec)
print(json.dumps(out))
"""


def judge_api(cases: list[Case], python: str, memory_limit: int) -> list[dict]:
    payload = json.dumps([{"id": c.id, "code": c.api} for c in cases])
    proc = subprocess.run([python, "-c", _API_RUNNER], input=payload, capture_output=True, text=True,
                          timeout=900, preexec_fn=_limit(memory_limit))
    try:
        recs = {r["id"]: r for r in json.loads(proc.stdout.strip().splitlines()[-1])}
    except (ValueError, IndexError):
        return [{"id": c.id, "cause": c.cause, "clean": False, "why": [f"runner failed: {proc.stderr[-300:]}"]}
                for c in cases]
    res = []
    for c in cases:
        r = recs[c.id]
        why = []
        if c.api_expect == "finite":
            if r["raised"]:
                why.append(f"raised {r['raised']}: {r['msg'][:100]}")
            elif not r["finite"]:
                why.append("non-finite result")
        else:
            if not r["raised"]:
                why.append("accepted (no error)" + ("" if r.get("finite", True) else ", non-finite result"))
            elif not r["value_error"]:
                why.append(f"{r['raised']} is not a ValueError: {r['msg'][:100]}")
            else:
                for word in c.msg:
                    if word.lower() not in r["msg"].lower():
                        why.append(f"message lacks {word!r}: {r['msg'][:100]}")
                if _NUMPY_REPR.search(r["msg"]):
                    why.append("numpy repr in message")
        res.append({"id": c.id, "cause": c.cause, "clean": not why, "why": why,
                    "stderr": (r.get("raised") or "") + ": " + (r.get("msg") or "")[:200]})
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default=sys.executable, help="interpreter with the ldmstop to test")
    ap.add_argument("--label", default=None, help="suffix of the results file (e.g. before, after)")
    ap.add_argument("--only", default=None, help="run the cases whose id contains this text")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--memory-limit", type=float, default=6.0, help="GB of address space per case (0: none)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--list", action="store_true", help="print the case ids and stop")
    args = ap.parse_args(argv)
    cases = cli_cases() + api_cases()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    if args.only:
        cases = [c for c in cases if args.only in c.id]
    if args.list:
        for c in cases:
            print(c.id)
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="ldmstop-adversarial-"))
    fixtures = scratch / "fixtures"
    make_fixtures(fixtures)
    mem = int(args.memory_limit * 1e9)
    t0 = time.time()
    load0 = os.getloadavg()
    cli = [c for c in cases if c.argv is not None]
    api = [c for c in cases if c.api is not None]
    results = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = [pool.submit(judge_cli, c, args.python, fixtures, scratch, mem) for c in cli]
        if api:
            results += judge_api(api, args.python, mem)
        for n, fu in enumerate(futs):
            r = fu.result()
            results.append(r)
            if args.verbose or not r["clean"]:
                print(f"{'clean' if r['clean'] else 'NOT CLEAN':9} {r['id']}: {'; '.join(r['why'])}"
                      + (f"\n          stderr: {r.get('stderr', '')}" if not r["clean"] else ""), flush=True)
    for r in results:
        if r["cause"] == "api" and (args.verbose or not r["clean"]):
            print(f"{'clean' if r['clean'] else 'NOT CLEAN':9} {r['id']}: {'; '.join(r['why'])}")
    shutil.rmtree(scratch, ignore_errors=True)
    per = {}
    for r in results:
        t = per.setdefault(r["cause"], [0, 0])
        t[0] += 1
        t[1] += bool(r["clean"])
    print()
    print(f"{'cause':10} {'tried':>6} {'clean':>6}  what")
    for cause, what in CAUSES.items():
        if cause in per:
            print(f"{cause:10} {per[cause][0]:>6} {per[cause][1]:>6}  {what}")
    tot = [sum(v[0] for v in per.values()), sum(v[1] for v in per.values())]
    print(f"{'total':10} {tot[0]:>6} {tot[1]:>6}")
    load1 = os.getloadavg()
    print(f"{time.time() - t0:.0f} s; load average {load0[0]:.1f} -> {load1[0]:.1f}")
    RESULTS.mkdir(exist_ok=True)
    name = "adversarial" + (f"-{args.label}" if args.label else "") + (f"-only-{args.only}" if args.only else "")
    (RESULTS / f"{name}.json").write_text(json.dumps(
        {"python": args.python, "label": args.label, "tried": tot[0], "clean": tot[1],
         "per_cause": {k: {"tried": v[0], "clean": v[1]} for k, v in per.items()},
         "seconds": time.time() - t0, "load_average": [load0, load1], "cases": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

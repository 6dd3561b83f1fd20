"""Mechanics of the mutation harness: copy the tree, apply one mutant, run verify and pytest.

The working tree is never written to. Every run lives in a private temporary folder
(``<tmp>/ldmstop-mutation-*``) holding a pristine copy of the source, one scratch copy per
worker that is re-created from the pristine one for each mutant, a ``sitecustomize`` shim that
makes ``import ldmstop`` resolve into the scratch copy (whatever editable install the
interpreter has), and a Numba cache folder. The folder is removed at the end, on Ctrl-C and on
SIGTERM; a folder left by a SIGKILLed run is removed by the next run (its owner pid is gone).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mutants import Mutant

PREFIX = "ldmstop-mutation-"
GENERATOR_MODULE = "ldmstop.derivations.generate"
GENERATOR_FILE = "derivations/generate.py"


class StaleMutant(ValueError):
    """A mutant whose anchor snippet does not occur exactly once in its file."""


# --------------------------------------------------------------------------- source trees
def repo_root(start: Path) -> Path:
    out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=start, check=True,
                         capture_output=True, text=True)
    return Path(out.stdout.strip())


def materialise(root: Path, dest: Path, rev: str | None) -> str:
    """Copy the source into ``dest``: the working tree's tracked and untracked-but-not-ignored
    files (``rev=None``), or the tree of a git revision. Returns a description of the source."""
    dest.mkdir(parents=True)
    if rev is None:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=root, check=True, capture_output=True)
        for rel in sorted({p for p in out.stdout.decode().split("\0") if p}):
            src = root / rel
            if not src.is_file():  # deleted but still in the index
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True).stdout.strip()
        return f"working tree of {root} (HEAD {head})"
    full = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=root,
                          capture_output=True, text=True)
    if full.returncode != 0:
        raise ValueError(f"--rev {rev!r} is not a commit of {root}")
    sha = full.stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=root, check=True,
                             capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return f"git revision {rev} ({sha})"


def tree_fingerprint(tree: Path) -> str:
    """SHA-256 over the relative paths and contents of every file (what a result depends on)."""
    h = hashlib.sha256()
    for p in sorted(q for q in tree.rglob("*") if q.is_file()):
        h.update(str(p.relative_to(tree)).encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


def fresh_copy(pristine: Path, scratch: Path) -> None:
    """Re-create ``scratch`` from ``pristine``; ``copy2`` keeps modification times, so that
    Numba's on-disk cache (keyed on a source file's mtime and size) stays valid for every file
    the mutant does not touch, and is invalidated for the one it does."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(pristine, scratch, copy_function=shutil.copy2)


# --------------------------------------------------------------------------- mutants
def mutant_hash(m: Mutant) -> str:
    """What a result depends on: the file, the anchors, the regeneration and timeout rules (not
    the description or the scope label, which only classify the result)."""
    key = {"file": m.file, "anchors": [list(a) for a in m.anchors], "regenerate": m.regenerate,
           "timeout_is_kill": m.timeout_is_kill}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def check_anchor(tree: Path, m: Mutant) -> tuple[str, str, str]:
    """``(text, original, replacement)``: the file's text and the first anchor pair of ``m``
    whose original occurs exactly once in it; :class:`StaleMutant` if none does (an anchor that
    occurs more than once is ambiguous and refused too)."""
    path = tree / m.file
    if not path.is_file():
        raise StaleMutant(f"{m.id}: {m.file} does not exist")
    text = path.read_text(encoding="utf-8")
    problems = []
    for original, replacement in m.anchors:
        if replacement == original:
            raise StaleMutant(f"{m.id}: replacement equals the original")
        n = text.count(original)
        if n == 1:
            return text, original, replacement
        problems.append(f"{original!r} {'does not occur' if n == 0 else f'occurs {n} times'}")
    raise StaleMutant(f"{m.id}: no anchor occurs exactly once in {m.file}: " + "; ".join(problems))


def apply_mutant(tree: Path, m: Mutant) -> tuple[str, str]:
    """Replace the anchor snippet in ``tree`` (a scratch copy, never the working tree); returns
    the pair applied."""
    text, original, replacement = check_anchor(tree, m)
    (tree / m.file).write_text(text.replace(original, replacement, 1), encoding="utf-8")
    return original, replacement


def stale_mutants(tree: Path, mutants) -> list[str]:
    errors = []
    for m in mutants:
        try:
            check_anchor(tree, m)
        except StaleMutant as exc:
            errors.append(str(exc))
    return errors


# --------------------------------------------------------------------------- import shim
def package_dirs(tree: Path) -> dict[str, str]:
    """``[tool.setuptools.package-dir]`` of the tree's pyproject.toml, as absolute paths."""
    text = (tree / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib

        mapping = tomllib.loads(text)["tool"]["setuptools"]["package-dir"]
    except ModuleNotFoundError:  # Python 3.10: the table is flat "name" = "dir" lines
        block = text.split("[tool.setuptools.package-dir]", 1)[1].split("\n[", 1)[0]
        mapping = dict(re.findall(r'^\s*"([^"]+)"\s*=\s*"([^"]+)"', block, flags=re.M))
    return {name: str((tree / d).resolve()) for name, d in mapping.items()}


SHIM = '''"""Written by benchmarks/mutation: make ldmstop resolve into the mutated copy."""
import importlib.util
import sys

MAPPING = {mapping!r}


class _MutationTreeFinder:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        root = MAPPING.get(fullname)
        if root is None:
            return None  # submodules: found through the package's __path__ below
        return importlib.util.spec_from_file_location(
            fullname, root + "/__init__.py", submodule_search_locations=[root])


sys.meta_path.insert(0, _MutationTreeFinder)
'''


def write_shim(tree: Path, shim_dir: Path) -> None:
    shim_dir.mkdir(parents=True, exist_ok=True)
    (shim_dir / "sitecustomize.py").write_text(SHIM.format(mapping=package_dirs(tree)),
                                               encoding="utf-8")


# --------------------------------------------------------------------------- subprocesses
_CHILDREN: set[int] = set()


def kill_group(pid: int) -> None:
    """Terminate the process group we started for one command (SIGTERM, then SIGKILL)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    return
            except ChildProcessError:
                return
            time.sleep(0.2)


def kill_children() -> None:
    for pid in list(_CHILDREN):
        kill_group(pid)
        _CHILDREN.discard(pid)


@dataclass
class Outcome:
    """One command's result: ``status`` is ``pass``, ``fail`` (non-zero exit), ``timeout`` or
    ``error`` (could not run); ``detail`` names what failed (claims, tests)."""

    status: str
    returncode: int | None
    seconds: float
    detail: list = field(default_factory=list)
    tail: str = ""


def run_command(cmd: list[str], *, cwd: Path, env: dict, timeout: float) -> tuple[int | None, str, float, bool]:
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    _CHILDREN.add(proc.pid)
    try:
        out, _ = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        out, _ = proc.communicate()
        timed_out = True
    finally:
        _CHILDREN.discard(proc.pid)
    return proc.returncode, out.decode("utf-8", "replace"), time.monotonic() - t0, timed_out


def child_env(shim_dir: Path, numba_cache: Path, hypothesis_profile: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(shim_dir) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["NUMBA_CACHE_DIR"] = str(numba_cache)
    env["HYPOTHESIS_PROFILE"] = hypothesis_profile
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTEST_ADDOPTS", None)
    return env


def check_imports(tree: Path, env: dict) -> None:
    """Refuse to run if ``ldmstop`` or a sub-package would be imported from anywhere but the
    scratch copy: mutants would then be applied to code nobody runs (false survivors)."""
    names = [n for n in package_dirs(tree)]
    code = ("import importlib, json, sys\n"
            f"names = {names!r}\n"
            "out = {}\n"
            "for n in names:\n"
            "    m = importlib.import_module(n)\n"
            "    out[n] = m.__file__\n"
            "print(json.dumps(out))\n")
    rc, out, _, _ = run_command([sys.executable, "-c", code], cwd=tree, env=env, timeout=300)
    if rc != 0:
        raise RuntimeError(f"cannot import the copy's packages:\n{out[-2000:]}")
    files = json.loads(out.strip().splitlines()[-1])
    outside = {n: f for n, f in files.items() if not Path(f).resolve().is_relative_to(tree.resolve())}
    if outside:
        raise RuntimeError(f"packages imported from outside the scratch copy {tree}: {outside}")


#: compiles the simulator's kernels into the run's Numba cache once, before the baseline, as a
#: developer's checkout has them: a cold compile under load keeps a Ctrl-C waiting for the
#: compiler (the SIGINT test then times out) and would make the first mutant's timings unlike
#: the others'
WARM_UP = ("import numpy as np\n"
           "from ldmstop import Problem\n"
           "from ldmstop.sim.simulate import simulate\n"
           "p = Problem.from_variances([1.0, 0.5], estimated=[0.9, 0.6])\n"
           "for scheme in ('em', 'ei', 'euler-ode', 'heun'):\n"
           "    simulate(p, paths=64, steps=4, scheme=scheme, checkpoints=2, seed=0)\n"
           "    simulate(p, paths=64, steps=4, scheme=scheme, checkpoints=2, seed=0, d=1)\n"
           "simulate(p, paths=64, steps=4, scheme='em', checkpoints=2, seed=0, estimator='full')\n")


def warm_numba_cache(tree: Path, env: dict) -> None:
    """Run :data:`WARM_UP` in the copy (a tree without the simulator is left alone)."""
    if not (tree / "sim" / "kernels.py").is_file():
        return
    run_command([sys.executable, "-c", WARM_UP], cwd=tree, env=env, timeout=900)


def run_verify(tree: Path, env: dict, timeout: float, extra: list[str]) -> Outcome:
    """``ldmstop verify`` (default settings: 50 digits, Monte Carlo quick) with ``--json``."""
    rc, out, sec, timed_out = run_command([sys.executable, "-m", "ldmstop", "verify", "--json", *extra],
                                          cwd=tree, env=env, timeout=timeout)
    if timed_out:
        return Outcome("timeout", None, sec, [], out[-3000:])
    detail = []
    try:
        start = out.index("{")
        doc = json.loads(out[start:])
        s = doc["summary"]
        detail += [f"refuted:{c}" for c in s.get("refuted_ids", [])]
        detail += [f"control-not-rejected:{c}" for c in s.get("controls_not_rejected", [])]
        detail += [f"mc-fails-run:{c}" for c in s.get("monte_carlo_disagrees", [])]
        detail += [f"mc-unconfirmed:{c}" for c in s.get("monte_carlo_unconfirmed", [])
                   if c not in s.get("monte_carlo_disagrees", [])]
        detail += [f"code-disagrees:{c}" for c in s.get("code_disagrees_ids", [])]
    except (ValueError, KeyError, TypeError):
        last = [ln for ln in out.strip().splitlines() if ln.strip()][-1:] or [""]
        detail.append(f"no report ({last[0][:200]})")
    return Outcome("pass" if rc == 0 else "fail", rc, sec, detail, "" if rc == 0 else out[-3000:])


#: Tests of the harness itself: they exercise the harness on the repository (a git checkout),
#: not the code a mutant changes, and fail in a scratch copy whatever the mutant — a kill there
#: would be no detection at all.
HARNESS_TESTS = ("tests/test_mutation_harness.py",)


def _mentions(path: Path, names: tuple[str, ...]) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    return any(re.search(rf"\b{re.escape(n)}\b", text) for n in names)


def pytest_targets(tree: Path, mutated: str | None = None) -> list[str]:
    """The suite in a fixed order: unit test files first (fast to fail), then the property
    suite. The same tests as ``pytest`` itself runs, less :data:`HARNESS_TESTS`; only the order
    differs. With ``mutated`` (the mutant's file, e.g. ``sim/statistics.py``) the unit files
    that name its module (``statistics`` as a word) come first: a mutant fails sooner, and one
    that survives still runs the whole suite (``-x`` stops at a failure, never otherwise)."""
    tests = tree / "tests"
    units = sorted(str(p.relative_to(tree)) for p in tests.glob("test_*.py")
                   if str(p.relative_to(tree)) not in HARNESS_TESTS)
    if mutated:
        stem = Path(mutated).stem
        names = (stem,) if stem != "__init__" else (Path(mutated).parent.name,)
        first = [u for u in units if _mentions(tree / u, names)]
        units = first + [u for u in units if u not in first]
    rest = sorted(str(p.relative_to(tree)) for p in tests.iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")) and p.name != "__pycache__")
    return units + rest


_FAILED = re.compile(r"^(FAILED|ERROR) (\S+)", re.M)


def run_pytest(tree: Path, env: dict, timeout: float, targets: list[str] | None = None,
               mutated: str | None = None) -> Outcome:
    """``pytest -x`` (stop at the first failure) under the CI Hypothesis profile; ``targets``
    restricts it to some test files or node ids; ``mutated`` orders the whole suite
    (:func:`pytest_targets`)."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           *(targets or pytest_targets(tree, mutated))]
    rc, out, sec, timed_out = run_command(cmd, cwd=tree, env=env, timeout=timeout)
    if timed_out:
        return Outcome("timeout", None, sec, [], out[-3000:])
    if rc == 0:
        return Outcome("pass", 0, sec)
    detail = [m.group(2) for m in _FAILED.finditer(out)]
    if not detail:
        detail = [f"exit {rc}"]
    return Outcome("fail", rc, sec, detail, out[-3000:])


def regenerate(tree: Path, env: dict, timeout: float) -> Outcome | None:
    """Run the generator of checked-in generated modules, when the tree has one."""
    if not (tree / GENERATOR_FILE).is_file():
        return None
    rc, out, sec, timed_out = run_command([sys.executable, "-m", GENERATOR_MODULE], cwd=tree,
                                          env=env, timeout=timeout)
    if timed_out:
        return Outcome("timeout", None, sec, [], out[-3000:])
    return Outcome("pass" if rc == 0 else "fail", rc, sec, [], "" if rc == 0 else out[-3000:])


# --------------------------------------------------------------------------- run folder
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_run_dirs(base: Path | None = None) -> list[str]:
    """Remove run folders of ours whose owner process is gone (a SIGKILLed run)."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    for d in base.glob(PREFIX + "*"):
        try:
            if not d.is_dir() or d.stat().st_uid != os.getuid():
                continue
            pid = int((d / "owner.pid").read_text().strip())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(str(d))
    return removed


def new_run_dir() -> Path:
    d = Path(tempfile.mkdtemp(prefix=PREFIX))
    (d / "owner.pid").write_text(str(os.getpid()))
    return d


def write_json_atomic(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

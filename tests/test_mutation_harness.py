"""The mutation harness of benchmarks/mutation: anchors are exact or refused, the working tree is
never written to, the copy is what gets imported, and the catalogue is well formed.

These test the mechanism on small synthetic trees (seconds); the mutation score itself is a
benchmark (``python benchmarks/mutation/run.py``), not a test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks" / "mutation"))

import harness as H  # noqa: E402
from mutants import MUTANTS, Mutant  # noqa: E402

CLAIM_IDS = {"prop1", "prop2", "prop2-plugin", "prop3a", "prop3b", "prop4", "prop5", "lemma1",
             "cor1", "prop6", "prop7", "prop9", "fig4-left", "fig4-right", "monte-carlo"}


def _tree(tmp_path: Path, text: str) -> Path:
    t = tmp_path / "tree"
    (t / "pkg").mkdir(parents=True)
    (t / "pkg" / "mod.py").write_text(text)
    return t


def test_apply_replaces_the_anchor_once(tmp_path):
    t = _tree(tmp_path, "a = 1\nb = 2 * a\n")
    m = Mutant("x", "pkg/mod.py", "b = 2 * a", "b = 3 * a", "why")
    assert H.apply_mutant(t, m) == ("b = 2 * a", "b = 3 * a")
    assert (t / "pkg" / "mod.py").read_text() == "a = 1\nb = 3 * a\n"


@pytest.mark.parametrize("text,what", [("a = 1\n", "does not occur"),
                                       ("b = 2 * a\nb = 2 * a\n", "occurs 2 times")])
def test_stale_or_ambiguous_anchor_is_refused(tmp_path, text, what):
    t = _tree(tmp_path, text)
    m = Mutant("x", "pkg/mod.py", "b = 2 * a", "b = 3 * a", "why")
    with pytest.raises(H.StaleMutant, match=what):
        H.apply_mutant(t, m)
    assert (t / "pkg" / "mod.py").read_text() == text  # nothing written
    assert H.stale_mutants(t, [m]) and "x:" in H.stale_mutants(t, [m])[0]


def test_missing_file_and_no_op_replacement_are_refused(tmp_path):
    t = _tree(tmp_path, "b = 2 * a\n")
    with pytest.raises(H.StaleMutant, match="does not exist"):
        H.check_anchor(t, Mutant("x", "pkg/other.py", "b", "c", "why"))
    with pytest.raises(H.StaleMutant, match="equals the original"):
        H.check_anchor(t, Mutant("x", "pkg/mod.py", "b = 2", "b = 2", "why"))


def test_alternative_anchor_for_reworded_code(tmp_path):
    t = _tree(tmp_path, "b = two * a\n")
    m = Mutant("x", "pkg/mod.py", "b = 2 * a", "b = 3 * a", "why",
               alternatives=(("b = two * a", "b = three * a"),))
    assert H.apply_mutant(t, m) == ("b = two * a", "b = three * a")


def test_materialise_copies_the_working_tree_without_touching_it(tmp_path):
    """The scratch copy holds tracked and untracked-not-ignored files; mutating it leaves the
    repository's files byte-identical."""
    dest = tmp_path / "copy"
    H.materialise(ROOT, dest, None)
    target = "api/curve.py"
    before = (ROOT / target).read_bytes()
    assert (dest / target).read_bytes() == before
    assert not (dest / ".git").exists() and not (dest / ".venv").exists()
    (dest / target).write_text("broken")
    assert (ROOT / target).read_bytes() == before


def test_shim_imports_the_copy(tmp_path):
    """With the harness's sitecustomize shim, ``ldmstop`` and every sub-package resolve into the
    copy, whatever editable install the interpreter has; a mutant there is what runs."""
    dest = tmp_path / "copy"
    H.materialise(ROOT, dest, None)
    (dest / "api" / "errors.py").write_text((dest / "api" / "errors.py").read_text()
                                            + "\nMUTATED_BY_TEST = True\n")
    shim = tmp_path / "shim"
    H.write_shim(dest, shim)
    env = H.child_env(shim, tmp_path / "numba", "ci")
    H.check_imports(dest, env)
    out = subprocess.run([sys.executable, "-c", "import ldmstop.errors as e; print(e.MUTATED_BY_TEST)"],
                         cwd=dest, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_stale_run_folders_are_cleaned(tmp_path):
    live = tmp_path / (H.PREFIX + "live")
    dead = tmp_path / (H.PREFIX + "dead")
    for d, pid in ((live, os.getpid()), (dead, 2**22 + 12345)):
        d.mkdir()
        (d / "owner.pid").write_text(str(pid))
    removed = H.clean_stale_run_dirs(tmp_path)
    assert removed == [str(dead)] and live.exists() and not dead.exists()


def test_catalogue_is_well_formed():
    """At least 30 mutants of derivations/, api/ and sim/, unique ids, a reason each, files that
    exist, verify scopes that name claims (or the Monte Carlo confirmations)."""
    assert len(MUTANTS) >= 30
    ids = [m.id for m in MUTANTS]
    assert len(ids) == len(set(ids))
    areas = {m.file.split("/")[0] for m in MUTANTS}
    assert areas == {"derivations", "api", "sim"}
    for m in MUTANTS:
        assert (ROOT / m.file).is_file(), m.id
        assert len(m.why) > 20 and m.original != m.replacement, m.id
        assert set(m.verify_scope) <= CLAIM_IDS, (m.id, m.verify_scope)
        assert m.regenerate == m.file.startswith("derivations/"), m.id


def test_every_anchor_matches_the_code_today():
    """Each mutant's anchor occurs exactly once in the checked-in code: a refactoring that
    rewords an anchored line fails here, in the suite, not only when the harness is run."""
    stale = []
    for m in MUTANTS:
        try:
            H.check_anchor(ROOT, m)
        except H.StaleMutant as exc:
            stale.append(str(exc))
    assert not stale, stale


def test_pytest_order_puts_the_mutated_modules_tests_first_and_keeps_the_whole_suite():
    """Ordering by the mutated module changes when a kill happens, never which tests run."""
    plain = H.pytest_targets(ROOT)
    ordered = H.pytest_targets(ROOT, "sim/statistics.py")
    assert sorted(ordered) == sorted(plain) and len(set(ordered)) == len(ordered)
    assert ordered[0] != plain[0] and "statistics" in (ROOT / ordered[0]).read_text()
    assert ordered[-1] == plain[-1]  # the property suite stays last

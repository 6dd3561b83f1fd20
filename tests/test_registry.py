"""The registry of names (ldmstop.registry) agrees with what each name stands for: the SymPy
schedule definitions, the generated backends, the simulators' scheme tables and the command
line's choices."""

from __future__ import annotations

import sys

import pytest

from ldmstop import registry


def test_registry_imports_only_the_standard_library():
    """Read by the command line's parser and the SymPy definitions alike: no heavy import."""
    import ast

    tree = ast.parse(open(registry.__file__, encoding="utf-8").read())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree)
              if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    assert names <= set(sys.stdlib_module_names)


@pytest.mark.parametrize("name", registry.SCHEDULES)
def test_schedule_properties_match_the_derivations(name):
    from ldmstop.derivations import backends
    from ldmstop.derivations.schedules import BUILTIN_SCHEDULES, get_schedule

    info = registry.schedule_info(name)
    sch = get_schedule(name)
    assert BUILTIN_SCHEDULES == registry.SCHEDULES
    assert sch.variance_preserving is info.variance_preserving
    assert backends.numpy_schedule(name).variance_preserving is info.variance_preserving
    assert sch.default_T == info.default_T == registry.DEFAULT_T[name]
    assert sch.reference == info.reference
    assert registry.MAX_T[name] == info.max_T


def test_scheme_names_match_the_simulators():
    from ldmstop.curve import SCHEMES as CURVE_SCHEMES
    from ldmstop.sim.grid import ODE_SCHEMES, SCHEMES, SDE_SCHEMES
    from ldmstop.sim.schemes import SCHEME_IDS

    assert CURVE_SCHEMES == registry.SCHEMES == ("exact",) + registry.SAMPLER_SCHEMES
    assert SCHEMES == registry.SAMPLER_SCHEMES == SDE_SCHEMES + ODE_SCHEMES
    assert set(SCHEME_IDS) == set(registry.SAMPLER_SCHEMES)
    assert all(registry.scheme_info(n).order for n in registry.SCHEMES)


@pytest.mark.parametrize("command,flag,expected", [
    ("curve", "--schedule", registry.SCHEDULES), ("curve", "--scheme", registry.SCHEMES),
    ("curve", "--init", registry.INITS), ("advise", "--scheme", registry.SCHEMES),
    ("advise", "--schedule", registry.SCHEDULES),
    ("simulate", "--scheme", registry.SAMPLER_SCHEMES), ("simulate", "--init", registry.INITS)])
def test_command_line_choices_come_from_the_registry(command, flag, expected):
    from ldmstop.cli import _parsers

    _, subs = _parsers()
    action = next(a for a in subs[command]._actions if flag in a.option_strings)
    assert tuple(action.choices) == tuple(expected)


def test_the_readme_lists_the_registered_names_and_default_horizons():
    """The README's flag tables name what the registry holds (a name added there without the
    documentation, or the reverse, fails here)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = re.search(r"\| `--schedule ([^`]+)` \| noise schedule \(([^|]+)\) \|", text)
    assert row, "the README lost its --schedule row"
    assert tuple(row.group(1).split("\\|")) == registry.SCHEDULES
    for name, T in registry.DEFAULT_T.items():
        assert f"T = {T:g}" in row.group(2), (name, T)
    schemes = set(re.findall(r"`--scheme ([a-z|-]+)", text))
    assert "|".join(registry.SAMPLER_SCHEMES) in schemes
    assert f"[--init {'|'.join(registry.INITS)}]" in text

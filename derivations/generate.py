"""Generate the numeric backends and the result catalogue from the SymPy derivations.

    python -m ldmstop.derivations.generate            # rewrite derivations/generated/*.py
    python -m ldmstop.derivations.generate --check    # exit 1 (and say which) if any is stale

SymPy is the single source of every formula (:mod:`.results`); this command prints each result
once, ahead of time, into modules committed to the repository, so that nothing at run time
(``curve``, ``simulate``, ``advise``, the float64 and mpmath parts of ``verify``) imports SymPy
or re-derives anything:

- ``generated/numpy_backend.py``  — vectorised numpy functions (``curve``, ``advise``, ``sim``);
- ``generated/mpmath_backend.py`` — mpmath functions (``verify``'s comparisons at 50+ digits);
- ``generated/math_backend.py``   — scalar ``math`` functions, the form Numba compiles;
- ``generated/catalogue.py``      — every result's title, source, LaTeX, ``srepr`` and free
  symbols: what ``ldmstop derive`` exports.

Each function is named by its result (``ou_threshold_time_exact``), the name the exports,
LaTeX labels and ``verify`` use, so one search finds the SymPy registration, every backend and
every caller; schedule-dependent code looks functions up in each backend's ``SCHEDULES`` table,
whose keys are literal strings.

The output is deterministic: results in registry order, printers with fixed settings, no
dates, no absolute paths; it depends only on the derivation sources (their SHA-256 is in every
header) and the SymPy version (pinned in ``pyproject.toml``). ``tests/test_generated.py``
regenerates everything under two hash seeds and fails on any difference.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import re
import sys
from pathlib import Path

import sympy as sp

from .printing import BACKENDS, has_numeric_form, print_function
from .results import RESULTS, Result
from .schedules import BUILTIN_SCHEDULES, get_schedule

__all__ = ["SOURCE_FILES", "source_hash", "records", "numeric_results", "function_doc",
           "render_all", "write_all", "check", "main", "GENERATED_DIR"]

HERE = Path(__file__).resolve().parent
GENERATED_DIR = HERE / "generated"

#: The files whose text determines the generated modules (hashed into every header).
SOURCE_FILES = ("symbols.py", "wasserstein.py", "thresholds.py", "stationarity.py",
                "score_matching.py", "variance_ode.py", "schedules.py", "results.py",
                "printing.py", "generate.py")

#: Schedule prefixes of result names, and each schedule's command-line name.
SCHEDULE_KEYS = {name.replace("-", "_"): name for name in BUILTIN_SCHEDULES}

BACKEND_DOCS = {
    "numpy": "Vectorised numpy functions of every derived result (arrays broadcast; piecewise "
             "results by ``numpy.select``).",
    "mpmath": "mpmath functions of every derived result: evaluate at the precision of "
              "``mpmath.mp.dps`` (pass ``mpmath.mpf`` arguments).",
    "math": "Scalar functions of every derived result on the ``math`` module: the form "
            "``numba.njit`` compiles (see ``ldmstop.derivations.backends.numba_function``).",
}


def source_hash() -> str:
    """SHA-256 of the derivation sources (:data:`SOURCE_FILES`, in that order)."""
    h = hashlib.sha256()
    for name in SOURCE_FILES:
        h.update(name.encode() + b"\0")
        h.update((HERE / name).read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()


def _header(doc: str) -> str:
    return (
        "# GENERATED FILE - DO NOT EDIT. Written by `python -m ldmstop.derivations.generate`\n"
        "# from the SymPy derivations in derivations/ (checked by tests/test_generated.py).\n"
        f"# SymPy version: {sp.__version__}\n"
        f"# Source SHA-256: {source_hash()}\n"
        f'"""{doc}\n\nGenerated from the SymPy derivations (:mod:`ldmstop.derivations.results`); '
        'edit those and regenerate.\n"""\n'
    )


def _split_schedule(name: str) -> tuple[str, str] | None:
    for key in sorted(SCHEDULE_KEYS, key=len, reverse=True):
        if name.startswith(key + "_"):
            return SCHEDULE_KEYS[key], name[len(key) + 1:]
    return None


def function_doc(r: Result) -> str:
    """Docstring of a generated function: title, description, source."""
    return f"{r.title}. {r.description} [{r.source}]"


def numeric_results(results: list[Result] | None = None) -> list[Result]:
    """The results that become numeric functions, in registry order."""
    results = list(RESULTS) if results is None else results
    return [r for r in results if has_numeric_form(r.expr, r.args)]


def render_backend(backend: str, results: list[Result]) -> str:
    """Text of ``generated/<backend>_backend.py``."""
    printed = [(r, print_function(r.name, r.args, r.expr, backend, function_doc(r)))
               for r in numeric_results(results)]
    modules = sorted(set().union(*(p.modules for _, p in printed)))
    names = [r.name for r, _ in printed]
    out = [_header(BACKEND_DOCS[backend]), ""]
    out += [f"import {m}" for m in modules]
    out += ["", "__all__ = " + _list_literal(names + ["FUNCTIONS", "SCHEDULES", "VARIANCE_PRESERVING"]), "", ""]
    for _, p in printed:
        out += [p.source, ""]
    out += ["#: Every function above by its result name (the names of `ldmstop derive`).",
            "FUNCTIONS = {"]
    out += [f"    {n!r}: {n}," for n in names]
    out += ["}", "", "#: Each built-in schedule's functions, by schedule and by the result name "
            "without the schedule prefix.", "SCHEDULES = {"]
    for sched in SCHEDULE_KEYS.values():
        out.append(f"    {sched!r}: {{")
        fields = sorted((split[1], n) for n in names
                        if (split := _split_schedule(n)) and split[0] == sched)
        out += [f"        {field!r}: {n}," for field, n in fields]
        out.append("    },")
    out += ["}", "", "#: Whether each built-in schedule is variance preserving (a_s² + b_s² = 1).",
            "VARIANCE_PRESERVING = {"]
    out += [f"    {sched!r}: {get_schedule(sched).variance_preserving!r}," for sched in SCHEDULE_KEYS.values()]
    out += ["}", ""]
    return "\n".join(out)


def _list_literal(items: list[str], indent: int = 4) -> str:
    body = "".join(f"{' ' * indent}{x!r},\n" for x in items)
    return "[\n" + body + "]"


def records(results: list[Result] | None = None) -> list[dict]:
    """One plain record per result (what the exports need): name, title, source, description,
    argument names, LaTeX, ``srepr``, free symbols with their assumptions, and whether the
    result has a numeric form. Derives with SymPy: slow (seconds)."""
    results = list(RESULTS) if results is None else results
    return [{
        "name": r.name,
        "title": r.title,
        "source": r.source,
        "description": r.description,
        "arguments": tuple(a.name for a in r.args),
        "latex": r.latex,
        "srepr": r.srepr,
        "free_symbols": tuple(r.free_symbols_info()),
        "numeric": has_numeric_form(r.expr, r.args),
    } for r in results]


def render_catalogue(results: list[Result]) -> str:
    """Text of ``generated/catalogue.py``."""
    out = [_header("Every derived result as plain data (title, source, LaTeX, srepr, free "
                   "symbols): what ``ldmstop derive`` exports."), "",
           "__all__ = ['SYMPY_VERSION', 'SOURCE_SHA256', 'RESULTS']", "",
           f"SYMPY_VERSION = {sp.__version__!r}",
           f"SOURCE_SHA256 = {source_hash()!r}", "",
           "#: One record per result, in registry order.",
           "RESULTS = ("]
    for rec in records(results):
        out.append("    {")
        for k, v in rec.items():
            out.append(f"        {k!r}: {_literal(v)},")
        out.append("    },")
    out += [")", ""]
    return "\n".join(out)


def _literal(v) -> str:
    """``repr`` with dicts in insertion order and tuples of dicts one per line (stable)."""
    if isinstance(v, tuple) and v and isinstance(v[0], dict):
        return "(\n" + "".join(f"            {_literal(d)},\n" for d in v) + "        )"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(x)}" for k, x in v.items()) + "}"
    return repr(v)


def render_all() -> dict[str, str]:
    """File name (relative to ``generated/``) -> text, for every generated module."""
    results = list(RESULTS)
    files = {f"{b}_backend.py": render_backend(b, results) for b in BACKENDS}
    files["catalogue.py"] = render_catalogue(results)
    return files


def write_all(out_dir: str | os.PathLike = GENERATED_DIR, files: dict[str, str] | None = None) -> list[Path]:
    """Write every generated module into ``out_dir`` (atomically, one file at a time)."""
    files = render_all() if files is None else files
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out / name
        tmp = path.with_name(f".tmp-{name}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


_VERSION_LINES = re.compile(r"^(# SymPy version: |SYMPY_VERSION = ).*$", re.M)


def _comparable(text: str) -> str:
    """The text with the SymPy version lines masked: a patch release of the pinned minor version
    that prints every formula the same is not staleness (one that prints differently is)."""
    return _VERSION_LINES.sub(r"\1<version>", text)


def check(out_dir: str | os.PathLike = GENERATED_DIR, files: dict[str, str] | None = None) -> list[str]:
    """Names of the generated modules in ``out_dir`` that differ from a fresh generation (a
    short unified diff of each is printed on stderr)."""
    files = render_all() if files is None else files
    stale = []
    for name, text in files.items():
        path = Path(out_dir) / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if _comparable(old) != _comparable(text):
            stale.append(name)
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), f"{name} (committed)",
                                        f"{name} (regenerated)", lineterm="", n=1)
            for k, line in enumerate(diff):
                if k >= 40:
                    print("    ...", file=sys.stderr)
                    break
                print("    " + line[:200], file=sys.stderr)
    return stale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ldmstop.derivations.generate",
                                 description="Generate the numeric backends and the result "
                                             "catalogue from the SymPy derivations.")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if a generated module is stale")
    ap.add_argument("--out", metavar="DIR", default=str(GENERATED_DIR),
                    help="directory of the generated modules (default: the package's own)")
    args = ap.parse_args(argv)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        print(f"generate: error: --out {args.out!r} exists and is not a directory", file=sys.stderr)
        return 2
    files = render_all()
    if args.check:
        stale = check(args.out, files)
        if stale:
            print(f"stale generated modules: {', '.join(stale)}; run "
                  "`python -m ldmstop.derivations.generate`", file=sys.stderr)
            return 1
        print(f"generated modules are up to date (SymPy {sp.__version__}, "
              f"source {source_hash()[:12]})")
        return 0
    for path in write_all(args.out, files):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

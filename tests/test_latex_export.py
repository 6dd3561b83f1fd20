"""``ldmstop derive --format latex`` compiles: on its own and ``\\input`` into a user's paper, with
pdflatex and lualatex.

Needs a TeX engine. Where none is installed these tests are skipped, unless
``LDMSTOP_REQUIRE_TEX=1`` (set by ``.ci/run``, which installs TeX Live from the distribution's
packages), where a missing engine is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ldmstop.derivations import export as ex

ENGINES = ("pdflatex", "lualatex")
REQUIRED = os.environ.get("LDMSTOP_REQUIRE_TEX") == "1"

PAPER = r"""\documentclass{article}
\usepackage{amsmath}
%(extra)s
\begin{document}
A paper citing \eqref{eq:ldmstop-ou-threshold-time-exact} and
\eqref{eq:ldmstop-vp-linear-threshold-time-plugin}.
\input{derivations}
Back in the paper after the derivations.
\end{document}
"""


def _engine(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if REQUIRED:
            pytest.fail(f"{name} not found but LDMSTOP_REQUIRE_TEX=1 (install texlive-latex-base, "
                        "texlive-latex-recommended, texlive-luatex)")
        pytest.skip(f"{name} not installed")
    return path


def _compile(engine: str, tex: str, cwd, runs: int = 2) -> subprocess.CompletedProcess:
    for _ in range(runs):  # the second run resolves \eqref
        r = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                            tex], cwd=cwd, capture_output=True, text=True, errors="replace",
                           timeout=300)
        if r.returncode:
            break
    return r


@pytest.fixture(scope="module")
def latex() -> str:
    return ex.render("latex")


def test_latex_is_ascii_with_one_labelled_equation_per_result(latex):
    from ldmstop.derivations.generated.catalogue import RESULTS

    assert latex.isascii()
    assert latex.count(r"\begin{equation}") == len(RESULTS)
    for r in RESULTS:
        assert latex.count(r"\label{" + ex.label(r["name"]) + "}") == 1


@pytest.mark.parametrize("text, tex", [
    ("ou: b_s = exp(-∫ w²)", r"ou: \ensuremath{b_{s}} = exp(-\ensuremath{\int} \ensuremath{w^{2}})"),
    ("Δ_{d,t} = W²(t,d)", r"\ensuremath{\Delta_{d,t}} = \ensuremath{W^{2}}(t,d)"),
    ("threshold t̂_d (plug-in)", r"threshold \ensuremath{\hat{t}_{d}} (plug-in)"),
    ("window end t̂'_d", r"window end \ensuremath{\hat{t}'_{d}}"),
    ("extended inverse ā^{-2}", r"extended inverse \ensuremath{\bar{a}^{-2}}"),
    ("v = 4σ², β_min = 0.1", r"v = 4\ensuremath{\sigma^{2}}, \ensuremath{\beta_{\mathrm{min}}} = 0.1"),
    ("docs/theory.md §1–2 (A & B) 50%", r"docs/theory.md \S{}1--2 (A \& B) 50\%"),
])
def test_tex_text(text, tex):
    assert ex.tex_text(text) == tex


def test_tex_text_refuses_unknown_unicode():
    with pytest.raises(ValueError, match="U\\+2603"):
        ex.tex_text("snow ☃")


@pytest.mark.parametrize("engine", ENGINES)
def test_standalone_document_compiles(engine, latex, tmp_path):
    exe = _engine(engine)
    (tmp_path / "derivations.tex").write_text(latex, encoding="ascii")
    r = _compile(exe, "derivations.tex", tmp_path)
    log = (tmp_path / "derivations.log").read_text(errors="replace")
    assert r.returncode == 0, log[-3000:]
    assert (tmp_path / "derivations.pdf").stat().st_size > 10_000
    assert "LaTeX Warning" not in log and "Overfull" not in log


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("extra", ["", r"\usepackage{graphicx}"], ids=["amsmath", "amsmath+graphicx"])
def test_input_into_a_paper_compiles(engine, extra, latex, tmp_path):
    exe = _engine(engine)
    (tmp_path / "derivations.tex").write_text(latex, encoding="ascii")
    (tmp_path / "paper.tex").write_text(PAPER % {"extra": extra}, encoding="ascii")
    r = _compile(exe, "paper.tex", tmp_path)
    log = (tmp_path / "paper.log").read_text(errors="replace")
    assert r.returncode == 0, log[-3000:]
    assert "undefined references" not in log and "multiply defined" not in log
    text = subprocess.run(["pdftotext", "paper.pdf", "-"], cwd=tmp_path, capture_output=True,
                          text=True).stdout if shutil.which("pdftotext") else ""
    if text:  # the paper's text around the derivations, once; references resolved
        assert text.count("Back in the paper after the derivations.") == 1
        assert "??" not in text


def test_input_without_amsmath_fails_with_a_clear_message(latex, tmp_path):
    exe = _engine("pdflatex")
    (tmp_path / "derivations.tex").write_text(latex, encoding="ascii")
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n\\input{derivations}\n\\end{document}\n",
        encoding="ascii")
    r = _compile(exe, "paper.tex", tmp_path, runs=1)
    assert r.returncode != 0
    assert "the ldmstop derivations need amsmath" in (tmp_path / "paper.log").read_text(errors="replace")

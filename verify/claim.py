"""The claim object every check of the suite is built on.

A :class:`Claim` holds one formal statement of Wu, Berthet, Biau, Boyer, Elie, Marion,
*Optimal Stopping in Latent Diffusion Models* (arXiv:2510.08409, v1): its id, the paper
reference, the hypotheses **as printed** (its :class:`~ldmstop.verify.domain.Domain`: every
quantified parameter with its admissible range, the joint hypotheses, the cases the paper
leaves undefined), the statement transcribed from the paper (in mpmath, in :mod:`.transcribe`,
not taken from :mod:`ldmstop.derivations`), and four ways of being checked:

- :meth:`Claim.check` evaluates one *variant* of the statement on targeted settings (the paper's
  own, edges of the hypotheses): ``"paper"`` (as printed), ``"control"`` (a deliberately
  perturbed statement the same check must reject: a check whose control passes cannot fail),
  ``"corrected"`` (for a documented erratum, the corrected statement, verified too);
- :meth:`Claim.compare_code` compares the code of ldmstop that computes the claim's objects
  (generated backends, ``ldmstop.curve``, ``ldmstop.sim``…) with the transcription; its
  **code-side control** (:attr:`Claim.code_control`, :mod:`.mutations`) re-runs that comparison
  with a deliberately wrong backend, which it must reject;
- :meth:`Claim.falsifier` gives the search (:mod:`.search`) a violation margin over the whole
  admissible domain: seeded random and edge sampling, differential evolution in float64,
  re-check at 50 digits, shrinking, re-verification at 100 digits by an independent route;
- for a refuted statement, :mod:`.validity` maps where it holds and where it fails.

Verdicts: ``holds`` (on the searched domain, with the budget and coverage reported);
``refuted`` (a counterexample inside the hypotheses, shrunk and certified);
``known-erratum`` (the printed statement is refuted, the corrected one holds — checked and
searched — and the claim documents it); ``code-disagrees`` (the mathematics was checked but the
code of ldmstop does not compute what the paper states: a bug to report, not a finding about
the paper).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import mpmath as mp
import numpy as np

from .domain import Domain
from .mutations import CodeMutation, NotApplicable

__all__ = ["Context", "Outcome", "ClaimResult", "Claim", "Extension", "HOLDS", "REFUTED",
           "KNOWN_ERRATUM", "CODE_DISAGREES"]

HOLDS = "holds"
REFUTED = "refuted"
KNOWN_ERRATUM = "known-erratum"
CODE_DISAGREES = "code-disagrees"


@dataclass
class Context:
    """Run settings shared by every claim: precision, size of the targeted checks, seed, search
    budget (``quick``, ``default`` or ``thorough``; ``None``: ``quick`` with ``--quick``, else
    ``default``), and an optional progress callback ``tick(n)`` for the search evaluations."""

    dps: int = 50
    quick: bool = False
    seed: int = 0
    search: str | None = None
    figures: bool = False
    tick: Callable[[int], None] | None = None

    @property
    def budget(self) -> str:
        return self.search or ("quick" if self.quick else "default")

    def rng(self, name: str) -> np.random.Generator:
        """An independent, reproducible stream per claim (SeedSequence rooted in ``seed``)."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, zlib.crc32(name.encode())]))

    @property
    def tol(self) -> mp.mpf:
        """Tolerance for identities evaluated directly at ``dps`` digits: ``10^-(dps-10)``.

        Ten digits of head-room cover the cancellation of the sums and square roots involved;
        at the default 50 digits this is 1e-40, far below any float64 effect.
        """
        return mp.mpf(10) ** (-(self.dps - 10))

    def n(self, quick: int, full: int) -> int:
        """How many targeted settings to draw."""
        return quick if self.quick else full


@dataclass
class Outcome:
    """Result of one check of one variant of a statement.

    ``residual``: worst numerical residual of the identities the check evaluates (|Δ| at a
    threshold, |g(x*)|, closed form minus ODE, matrix minus diagonal Fréchet...). ``violations``:
    each a dict with a ``size`` key (smaller = simpler counterexample) and the setting.
    """

    residual: Any = 0
    violations: list[dict] = field(default_factory=list)
    n_settings: int = 0
    n_checks: int = 0
    notes: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    residual_ok: bool = True
    tolerance: Any = None

    @property
    def ok(self) -> bool:
        return not self.violations and self.residual_ok

    def violate(self, size: float, **setting) -> None:
        self.violations.append({"size": float(size), **setting})

    def smallest(self) -> dict | None:
        if not self.violations:
            return None
        return min(self.violations, key=lambda v: v["size"])


@dataclass
class ClaimResult:
    """What the report shows for one claim."""

    id: str
    title: str
    source: str
    hypotheses: str
    statement: str
    methods: list[str]
    verdict: str
    residual: float
    residual_what: str
    tolerance: float
    n_settings: int
    n_checks: int
    negative_control: dict
    counterexample: dict | None = None
    corrected_statement: str | None = None
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    data: dict = field(default_factory=dict)
    domain: dict | None = None
    search: dict | None = None
    code_control: dict | None = None
    code_comparison: dict | None = None
    validity: dict | None = None
    corrected_search: dict | None = None
    certified: dict | None = None
    extension: bool = False
    table: dict | None = None
    mismatches: list | None = None

    def to_json(self) -> dict:
        if self.extension:
            return self._extension_json()
        out = {
            **self._statement_json(),
            "code_control": self.code_control, "code_comparison": self.code_comparison,
            "findings": self.findings, "notes": self.notes, "figures": self.figures,
            "seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3),
            "data": self.data,
            "domain": self.domain, "search": self.search, "certified": self.certified,
        }
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        if self.corrected_statement is not None:
            out["corrected_statement"] = self.corrected_statement
        if self.validity is not None:
            out["validity"] = self.validity
        if self.corrected_search is not None:
            out["corrected_search"] = self.corrected_search
        return out

    def _statement_json(self) -> dict:
        """The keys every entry starts with: the statement, its verdict, residual and control."""
        return {
            "id": self.id, "title": self.title, "source": self.source,
            "hypotheses": self.hypotheses, "statement": self.statement,
            "methods": self.methods, "verdict": self.verdict,
            "residual": self.residual, "residual_what": self.residual_what,
            "tolerance": self.tolerance, "n_settings": self.n_settings,
            "n_checks": self.n_checks, "negative_control": self.negative_control,
        }

    def _extension_json(self) -> dict:
        """The entry of a check beyond the paper: its table (and every mismatch when refuted)
        in place of the code comparison and the data, and ``"extension": true``."""
        out = {
            **self._statement_json(),
            "findings": self.findings, "notes": self.notes, "figures": self.figures,
            "table": self.table,
        }
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        if self.mismatches:
            out["mismatches"] = self.mismatches
        out.update({"seconds": round(self.seconds, 3), "domain": self.domain, "search": self.search,
                    "certified": self.certified, "code_control": self.code_control,
                    "extension": True})
        return out


def _num(v: Any) -> Any:
    """mpmath numbers -> float (or str for values float cannot hold) for the report."""
    if isinstance(v, mp.mpf):
        f = float(v)
        return f if (f != 0.0 or v == 0) else mp.nstr(v, 5)
    if isinstance(v, dict):
        return {k: _num(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_num(x) for x in v]
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _evidence(o: Outcome) -> Any:
    cx = o.smallest()
    if cx is not None:
        return _num(cx)
    if not o.residual_ok:
        return f"residual {mp.nstr(mp.mpf(o.residual), 3)} > tolerance"
    return "no violation found: the check is broken"


class Claim:
    """Base class: subclasses set the class attributes and implement :meth:`check`."""

    id: str = ""
    title: str = ""
    source: str = ""
    hypotheses: str = ""
    statement: str = ""
    methods: list[str] = []
    residual_what: str = ""
    control: str = ""
    corrected: str | None = None  # set for a documented erratum
    domain: Domain | None = None
    code_control: CodeMutation | NotApplicable | None = None
    code_what: str = ""

    def check(self, ctx: Context, variant: str) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError

    def compare_code(self, ctx: Context) -> Outcome | None:
        """The code of ldmstop against the transcription (``None``: no code computes it)."""
        return None

    def falsifier(self, variant: str):
        """The search's view of the statement (``variant``: ``paper`` or ``corrected``)."""
        return None

    def tolerance(self, ctx: Context) -> mp.mpf:
        return ctx.tol

    def figures(self, ctx: Context, outcome: Outcome, folder: str) -> list[str]:
        """Plots for the report (file names relative to ``folder``); none by default."""
        return []

    # ------------------------------------------------------------------------------ running
    def _search(self, ctx: Context, variant: str):
        from .search import run_search

        f = self.falsifier(variant)
        if f is None:
            return None
        return run_search(f, variant=variant, budget=ctx.budget, seed=ctx.seed, tick=ctx.tick)

    def _code_control(self, ctx: Context) -> dict:
        cc = self.code_control
        if cc is None:
            return {"applicable": False, "rejected": None,
                    "statement": "none declared", "evidence": "no code comparison"}
        if isinstance(cc, NotApplicable):
            return {"applicable": False, "rejected": None, "statement": "not applicable",
                    "evidence": cc.reason}
        with cc.applied():
            o = self.compare_code(ctx)
        if o is None:  # pragma: no cover - a claim with a mutation compares code
            return {"applicable": True, "rejected": False, "statement": cc.description,
                    "target": cc.target, "evidence": "compare_code returned nothing"}
        return {"applicable": True, "rejected": not o.ok, "statement": cc.description,
                "target": cc.target, "evidence": _evidence(o),
                "residual": _num(mp.mpf(o.residual))}

    def control_report(self, ctrl: Outcome) -> dict:
        """The statement-side control as the report shows it: the perturbed statement, whether
        the check rejected it, the evidence and the residual."""
        return {"statement": self.control, "rejected": not ctrl.ok, "evidence": _evidence(ctrl),
                "residual": _num(mp.mpf(ctrl.residual))}

    def run(self, ctx: Context, figures_dir: str | None = None) -> ClaimResult:
        """Check the printed statement (targeted checks, code comparison, search over the
        domain), the statement-side and code-side controls, and, when the statement fails,
        the corrected statement and the validity map; decide the verdict."""
        t0 = time.perf_counter()
        c0 = time.process_time()
        with mp.workdps(ctx.dps):
            ev = self._evaluate(ctx)
        res = self._result(ctx, ev)
        if ev.search is not None and ev.search.refuted:
            from .validity import validity_report

            with mp.workdps(ctx.dps):
                res.validity = validity_report(self.falsifier("paper"), ev.search.setting,
                                               self.falsifier("corrected") if self.corrected else None)
        if figures_dir is not None:
            with mp.workdps(ctx.dps):
                res.figures = self._figures(ctx, ev, res, figures_dir)
        res.seconds = time.perf_counter() - t0
        res.cpu_seconds = time.process_time() - c0
        return res

    def _evaluate(self, ctx: Context) -> "_Evaluation":
        """Every check, in order, and the verdict: the printed statement, the code, the statement
        control, the code control, the search; the corrected statement where the printed one
        fails. ``holds`` needs the targeted checks and the search; a documented erratum
        (``corrected``) whose correction passes both is a ``known-erratum``; code disagreeing
        with a statement that holds is ``code-disagrees``."""
        out = self.check(ctx, "paper")
        code = self.compare_code(ctx)
        ctrl = self.check(ctx, "control")
        code_ctrl = self._code_control(ctx)
        search = self._search(ctx, "paper")
        paper_ok = out.ok and (search is None or not search.refuted)
        corrected_out = corrected_search = None
        verdict = HOLDS if paper_ok else REFUTED
        if not paper_ok and self.corrected is not None:
            corrected_out = self.check(ctx, "corrected")
            corrected_search = self._search(ctx, "corrected")
            if corrected_out.ok and (corrected_search is None or not corrected_search.refuted):
                verdict = KNOWN_ERRATUM
        if code is not None and not code.ok and verdict == HOLDS:
            verdict = CODE_DISAGREES
        return _Evaluation(out, code, ctrl, code_ctrl, search, corrected_out, corrected_search,
                           verdict)

    def _result(self, ctx: Context, ev: "_Evaluation") -> ClaimResult:
        """The report's view of an evaluation: the residual and counts of the targeted checks
        (plus the code comparison's), both controls, the counterexample (the search's, shrunk
        and certified, else the smallest violation) where the verdict is not ``holds``."""
        out, code, search = ev.out, ev.code, ev.search
        tol = self.tolerance(ctx)
        if search is not None and search.refuted:
            cx = dict(search.counterexample)
            cx["margin"] = search.certificate.get("margin_100_digits")
            cx["digits_agreeing"] = search.certificate.get("digits_agreeing")
        else:
            cx = out.smallest()
        residual = mp.mpf(out.residual)  # the code comparison has its own tolerance
        verdict = ev.verdict
        res = ClaimResult(
            id=self.id, title=self.title, source=self.source, hypotheses=self.hypotheses,
            statement=self.statement, methods=list(self.methods), verdict=verdict,
            residual=_num(residual), residual_what=self.residual_what,
            tolerance=float(tol), n_settings=out.n_settings + (code.n_settings if code else 0),
            n_checks=out.n_checks + (code.n_checks if code else 0),
            negative_control=self.control_report(ev.ctrl), code_control=ev.code_ctrl,
            counterexample=_num(cx) if verdict not in (HOLDS, CODE_DISAGREES) and cx is not None else None,
            corrected_statement=self.corrected if verdict == KNOWN_ERRATUM else None,
            findings=list(out.notes), data=_num(out.data),
            domain=self.domain.to_json() if self.domain is not None else None,
            search=search.to_json() if search is not None else None,
        )
        if code is not None:
            res.code_comparison = {"what": self.code_what, "ok": code.ok,
                                   "residual": _num(mp.mpf(code.residual)),
                                   "tolerance": _num(mp.mpf(code.tolerance)) if code.tolerance is not None
                                   else float(tol),
                                   "checks": code.n_checks,
                                   "evidence": None if code.ok else _evidence(code)}
            res.findings += [f"code: {n}" for n in code.notes]
            if not code.ok:
                res.findings.append(f"the code of ldmstop disagrees with the transcription: {_evidence(code)}")
        if ev.corrected_search is not None:
            res.corrected_search = ev.corrected_search.to_json()
        if verdict == KNOWN_ERRATUM and ev.corrected_out is not None:
            co, cs = ev.corrected_out, ev.corrected_search
            res.findings.append(
                f"corrected statement verified: worst residual "
                f"{mp.nstr(mp.mpf(co.residual), 3)}, {co.n_checks} checks"
                + (f", searched with {cs.evaluations} evaluations, no counterexample"
                   if cs is not None else ""))
        return res

    def _figures(self, ctx: Context, ev: "_Evaluation", res: ClaimResult, folder: str) -> list[str]:
        """The claim's plots and, for a refuted statement, its validity map."""
        figures = self.figures(ctx, ev.out, folder)
        if res.validity is not None:
            from .validity import validity_figure

            fig = validity_figure(self.falsifier("paper"), ev.search.setting, res.validity,
                                  folder, f"{self.id}_validity.png")
            if fig:
                figures.append(fig)
        return figures


@dataclass
class _Evaluation:
    """Everything :meth:`Claim.run` checked, before it is shaped for the report."""

    out: Outcome
    code: Outcome | None
    ctrl: Outcome
    code_ctrl: dict
    search: Any
    corrected_out: Outcome | None
    corrected_search: Any
    verdict: str


class Extension(Claim):
    """A check beyond the paper (:mod:`ldmstop.verify.extensions`), run by the same runner as
    the paper's claims.

    A subclass sets the class attributes of :class:`Claim` (``control`` describes its negative
    control) and implements :meth:`outcomes`, which computes the check and its control together
    (they share the expensive part: the independent roots, the optimum over the grid). The
    paper outcome's ``data`` holds ``table`` (reported as is), optionally ``notes`` (remarks
    reported beside the findings) and ``mismatches`` (reported when refuted); the first of its
    violations is the counterexample. The control outcome's ``data`` adds keys to the reported
    control. No code comparison and no search: the check compares the code itself (its own
    controls).
    """

    code_control = NotApplicable("a check beyond the paper (its own controls)")
    _memo: tuple | None = None

    def outcomes(self, ctx: Context) -> tuple[Outcome, Outcome]:  # pragma: no cover - abstract
        """``(paper, control)``: the check of the statement and of its perturbed version."""
        raise NotImplementedError

    def check(self, ctx: Context, variant: str) -> Outcome:
        """The outcome of ``variant``: ``paper`` computes both (as :meth:`Claim.run` asks for it
        first), ``control`` reuses them when the settings are the same."""
        key = (ctx.dps, ctx.quick, ctx.seed)
        if variant != "control" or self._memo is None or self._memo[0] != key:
            self._memo = (key, self.outcomes(ctx))
        paper, control = self._memo[1]
        return control if variant == "control" else paper

    def control_report(self, ctrl: Outcome) -> dict:
        rejected = not ctrl.ok
        residual = float(ctrl.residual)
        return {"description": self.control, "rejected": rejected, "residual": residual,
                **ctrl.data, "statement": self.control,
                "evidence": f"residual {residual!r}" if rejected
                else "no violation found: the check is broken"}

    def _result(self, ctx: Context, ev: _Evaluation) -> ClaimResult:
        res = super()._result(ctx, ev)
        res.extension = True
        res.table = ev.out.data.get("table")
        res.notes = list(ev.out.data.get("notes", [])) + res.notes
        res.mismatches = ev.out.data.get("mismatches")
        if ev.verdict != HOLDS and ev.out.violations:
            res.counterexample = {k: v for k, v in ev.out.violations[0].items() if k != "size"}
        return res

    def figures(self, ctx: Context, outcome: Outcome, folder: str) -> list[str]:
        """The extension's plot (file names relative to ``folder``, the report's figures/)."""
        return []

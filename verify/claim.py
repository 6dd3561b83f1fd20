"""The claim object every check of the suite is built on.

A :class:`Claim` holds one formal statement of Wu, Berthet, Biau, Boyer, Elie, Marion,
*Optimal Stopping in Latent Diffusion Models* (arXiv:2510.08409): its id, the paper reference,
the hypotheses, the statement transcribed from the paper (in mpmath, in :mod:`.transcribe`, not
taken from :mod:`ldmstop.derivations`), and a ``check`` that evaluates one *variant* of the
statement on the claim's settings:

- ``"paper"``: the statement as printed;
- ``"control"``: a deliberately perturbed statement the same check must reject (a check whose
  control passes cannot fail, DESIGN.md principle 2);
- ``"corrected"``: for a documented erratum, the corrected statement (verified too).

Verdicts: ``holds``; ``refuted`` (a counterexample inside the hypotheses, the smallest one
reported); ``known-erratum`` (the printed statement is refuted, the corrected one holds and the
claim documents it).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import mpmath as mp
import numpy as np

__all__ = ["Context", "Outcome", "ClaimResult", "Claim", "HOLDS", "REFUTED", "KNOWN_ERRATUM"]

HOLDS = "holds"
REFUTED = "refuted"
KNOWN_ERRATUM = "known-erratum"


@dataclass
class Context:
    """Run settings shared by every claim: precision, size of the random search, seed."""

    dps: int = 50
    quick: bool = False
    seed: int = 0

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
        """How many random settings to draw."""
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
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = {
            "id": self.id, "title": self.title, "source": self.source,
            "hypotheses": self.hypotheses, "statement": self.statement,
            "methods": self.methods, "verdict": self.verdict,
            "residual": self.residual, "residual_what": self.residual_what,
            "tolerance": self.tolerance, "n_settings": self.n_settings,
            "n_checks": self.n_checks, "negative_control": self.negative_control,
            "findings": self.findings, "notes": self.notes, "figures": self.figures,
            "seconds": round(self.seconds, 3), "data": self.data,
        }
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        if self.corrected_statement is not None:
            out["corrected_statement"] = self.corrected_statement
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
    return v


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

    def check(self, ctx: Context, variant: str) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError

    def tolerance(self, ctx: Context) -> mp.mpf:
        return ctx.tol

    def figures(self, ctx: Context, outcome: Outcome, folder: str) -> list[str]:
        """Plots for the report (file names relative to ``folder``); none by default."""
        return []

    def run(self, ctx: Context, figures_dir: str | None = None) -> ClaimResult:
        """Check the paper's statement and the negative control; decide the verdict."""
        t0 = time.perf_counter()
        with mp.workdps(ctx.dps):
            out = self.check(ctx, "paper")
            ctrl = self.check(ctx, "control")
            corrected_out = None
            verdict = HOLDS if out.ok else REFUTED
            if not out.ok and self.corrected is not None:
                corrected_out = self.check(ctx, "corrected")
                if corrected_out.ok:
                    verdict = KNOWN_ERRATUM
        tol = self.tolerance(ctx)
        cx = out.smallest()
        c_cx = ctrl.smallest()
        control = {
            "statement": self.control,
            "rejected": not ctrl.ok,
            "evidence": (_num(c_cx) if c_cx is not None
                         else f"residual {mp.nstr(mp.mpf(ctrl.residual), 3)} > tolerance"
                         if not ctrl.residual_ok else "no violation found: the check is broken"),
            "residual": _num(mp.mpf(ctrl.residual)),
        }
        res = ClaimResult(
            id=self.id, title=self.title, source=self.source, hypotheses=self.hypotheses,
            statement=self.statement, methods=list(self.methods), verdict=verdict,
            residual=_num(mp.mpf(out.residual)), residual_what=self.residual_what,
            tolerance=float(tol), n_settings=out.n_settings, n_checks=out.n_checks,
            negative_control=control,
            counterexample=_num(cx) if verdict != HOLDS and cx is not None else None,
            corrected_statement=self.corrected if verdict == KNOWN_ERRATUM else None,
            findings=list(out.notes), data=_num(out.data),
        )
        if verdict == KNOWN_ERRATUM and corrected_out is not None:
            res.findings.append(
                f"corrected statement verified: worst residual "
                f"{mp.nstr(mp.mpf(corrected_out.residual), 3)}, {corrected_out.n_checks} checks")
        if figures_dir is not None:
            with mp.workdps(ctx.dps):
                res.figures = self.figures(ctx, out, figures_dir)
        res.seconds = time.perf_counter() - t0
        return res

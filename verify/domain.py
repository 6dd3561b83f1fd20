"""What a claim quantifies over, as printed: parameters, admissible ranges, undefined cases.

Every claim of Wu, Berthet, Biau, Boyer, Elie, Marion, *Optimal Stopping in Latent Diffusion
Models* (arXiv:2510.08409, v1) is a statement "for all parameters in an admissible set, …". A
:class:`Domain` records that set as data — one :class:`Param` per quantified parameter with the
range the paper prints (open or closed ends, unbounded sides), the joint hypotheses (orderings,
high-probability events) and the cases the paper leaves undefined together with the reading
verify adopts — so that the report and the JSON can say exactly what was searched, and so that
a verdict "holds" is never read as covering more than that.

``search`` is the finite range the falsifier (:mod:`ldmstop.verify.search`) samples for a
parameter whose printed range is unbounded (e.g. ``T ∈ (0, ∞)`` is searched on ``[1e-4, 50]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Param", "Domain", "horizon", "schedule_param", "dimension"]


def _fmt(v: float | None, side: str) -> str:
    if v is None:
        return "−∞" if side == "lo" else "∞"
    if v == math.inf:
        return "∞"
    return f"{v:g}"


@dataclass(frozen=True)
class Param:
    """One quantified parameter of a claim.

    ``lo``/``hi``: the printed admissible bounds (``None``: unbounded); ``lo_open``/``hi_open``:
    whether the end is excluded; ``search``: the finite range the falsifier covers (defaults to
    the admissible one); ``kind``: ``real``, ``integer``, ``vector`` (one value per component),
    ``matrix`` or ``choice``; ``log``: sampled log-uniformly; ``printed``: the paper's words.
    """

    name: str
    printed: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    search: tuple[float, float] | None = None
    kind: str = "real"
    log: bool = False
    choices: tuple = ()
    note: str = ""
    #: the admissible set when it depends on other parameters (e.g. ``{1, …, D}``, ``[0, T]``)
    admissible_as: str = ""

    def admissible(self) -> str:
        """The admissible set in interval notation, e.g. ``(0, ∞)``, ``{1, …, D}``."""
        if self.admissible_as:
            return self.admissible_as
        if self.kind == "choice":
            return "{" + ", ".join(map(str, self.choices)) + "}"
        if self.kind == "integer":
            lo = int(self.lo or 0)
            if self.hi is None:
                return f"{{{lo}, {lo + 1}, …}}"
            return f"{{{lo}, …, {self.hi:g}}}"
        left = "(" if self.lo_open or self.lo is None else "["
        right = ")" if self.hi_open or self.hi is None or self.hi == math.inf else "]"
        return f"{left}{_fmt(self.lo, 'lo')}, {_fmt(self.hi, 'hi')}{right}"

    def searched(self) -> str:
        if self.kind == "choice":
            return self.admissible()
        if self.search is None:
            return self.admissible()
        lo, hi = self.search
        return f"[{lo:g}, {hi:g}]" + (" (log-uniform)" if self.log else "")

    def to_json(self) -> dict:
        out = {"name": self.name, "kind": self.kind, "printed": self.printed,
               "admissible": self.admissible(), "searched": self.searched()}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Domain:
    """A claim's quantified parameters, joint hypotheses and undefined cases, as printed."""

    params: tuple[Param, ...]
    hypotheses: tuple[str, ...] = ()
    undefined: tuple[str, ...] = ()
    quote: str = ""
    fixed: tuple[str, ...] = field(default=())

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def to_json(self) -> dict:
        return {"parameters": [p.to_json() for p in self.params],
                "hypotheses": list(self.hypotheses), "undefined": list(self.undefined),
                "fixed": list(self.fixed), "quote": self.quote}


# ---------------------------------------------------------------- parameters shared by claims
def horizon(printed: str = "any fixed horizon T > 0 (no condition on T is printed)") -> Param:
    """``T ∈ (0, ∞)``, searched log-uniformly on ``[1e-4, 50]``."""
    return Param("T", printed, lo=0.0, hi=None, lo_open=True, search=(1e-4, 50.0), log=True)


def schedule_param(choices=("ou", "vp-linear"), printed: str = "a VP schedule (a_t, b_t); "
                   "Ornstein–Uhlenbeck is the paper's example") -> Param:
    return Param("schedule", printed, kind="choice", choices=tuple(choices))


def dimension(lo: int = 1, hi: int = 8, printed: str = "D ≥ 1") -> Param:
    return Param("D", printed, lo=float(lo), hi=None, kind="integer", search=(float(lo), float(hi)))

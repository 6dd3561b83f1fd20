"""Planted claims: subtly false variants of the paper's statements the falsifier must refute.

A search that reports "holds" is only as good as its power to find counterexamples that exist.
Each planted claim below is one of verify's falsifiers with a small, localised defect — false
only in a corner of the domain that a sampler near the paper's defaults would never visit:

- ``prop2-late-threshold-small-T``: Prop 2's threshold ``t_d`` 1% late, only when ``T < 0.1``;
- ``prop9-bound-small-n``: Prop 9's bound three times sharper, only for ``n < 5``;
- ``lemma1-side-of-one``: Lemma 1's "σ̂ ≤ 1 ⇒ V_t ≤ 1" stretched to ``σ̂ ≤ 1.01`` (false only
  for ``1 < σ̂ ≤ 1.01``, a sliver of the log-scale range of σ̂²);
- ``cor1-only-d-for-large-D``: Corollary 1 (with its corrected ``T ≥ ½ log 2``) claiming
  ``d_min = d`` exactly, only when ``D ≥ 7``;
- ``prop4-cap-large-C``: Prop 4's (closed-cap) minimiser with the cap 0.1% too high, only
  when ``C > 10⁴``.

``tests/test_falsify_planted.py`` checks that the default budget refutes each one, that the
certified counterexample lies in the planted region, and that the true statements are not
refuted by the same search.
"""

from __future__ import annotations

import mpmath as mp

from .claims.cor1 import _Cor1Falsifier
from .claims.prop2 import _Prop2Falsifier
from .claims.prop4 import _Prop4Falsifier, box_margin
from .claims.prop5 import _Lemma1Falsifier
from .claims.prop9 import _Prop9Falsifier
from . import formulas as fm

__all__ = ["PLANTED", "planted"]


class LateThresholdSmallT(_Prop2Falsifier):
    """Prop 2 with ``δ_d → 0.99 δ_d`` (t_d 1% of its forward time late) when T < 0.1."""

    claim_id = "prop2-late-threshold-small-T"
    region = "T < 0.1"

    def forward(self, s, M):
        fw = super().forward(s, M)
        if M.num(s["T"]) < M.num("0.1"):
            fw = [fw[0]] + [v * M.num("0.99") if v is not None and 0 < v < fw[0] else v
                            for v in fw[1:-1]] + [fw[-1]]
        return fw

    def independent(self, s):
        return self.margin(s, _mpns())

    def in_region(self, cx: dict) -> bool:
        return float(cx["T"]) < 0.1


class BoundSmallN(_Prop9Falsifier):
    """Prop 9's bound multiplied by 0.3 when n < 5."""

    claim_id = "prop9-bound-small-n"
    region = "n < 5"

    def log_bound(self, n, eps, M):
        b = super().log_bound(n, eps, M)
        return b + M.log(M.num("0.3")) if n < 5 else b

    def in_region(self, cx: dict) -> bool:
        return int(cx["n"]) < 5


class SideOfOne(_Lemma1Falsifier):
    """Lemma 1 with the lower branch 'σ̂ ≤ 1.01 ⇒ V_t ≤ 1'."""

    claim_id = "lemma1-side-of-one"
    region = "1 < σ̂ ≤ 1.01"

    def margin(self, s, M):
        from .claims.prop5 import Vt_generic

        h, C, T, t = (M.num(s[k]) for k in ("sigma2_hat", "C", "T", "t"))
        V = Vt_generic(t, T, h, C, M)
        return (V - 1) if h <= M.num("1.0201") else (1 - V)

    def independent(self, s):
        return self.margin(s, _mpns())

    def in_region(self, cx: dict) -> bool:
        return 1.0 < float(cx["sigma2_hat"]) <= 1.0201


class OnlyDForLargeD(_Cor1Falsifier):
    """Corollary 1 (T ≥ ½ log 2) claiming d_min = d (not d + 1) when D ≥ 7."""

    claim_id = "cor1-only-d-for-large-D"
    region = "D ≥ 7"

    def __init__(self):
        super().__init__("corrected")

    def allowed(self, s2, h2, C) -> set:
        out = super().allowed(s2, h2, C)
        if len(h2) >= 7 and len(out) > 1:
            return {min(out)}
        return out

    def in_region(self, cx: dict) -> bool:
        return int(cx["D"]) >= 7


class CapLargeC(_Prop4Falsifier):
    """Prop 4 (closed cap) with the claimed cap 1.001·C when C > 10⁴."""

    claim_id = "prop4-cap-large-C"
    region = "C > 1e4"

    def __init__(self):
        super().__init__("corrected")

    def margin(self, s, M):
        C, h2 = M.num(s["C"]), M.num(s["sigma2_hat"])
        a2 = fm.a2(s["schedule"], M.num(s["t"]), M)
        if a2 == 0:
            return -1.0
        unc = 1 / (a2 + (1 - a2) * h2)
        cap = C * M.num("1.001") if C > 10**4 else C
        return box_margin(min(cap, unc), unc, C, a2, h2)

    def independent(self, s):
        return self.margin(s, _mpns())

    def in_region(self, cx: dict) -> bool:
        return float(cx["C"]) > 1e4


def _mpns():
    from .search import mp_namespace

    return mp_namespace()


PLANTED = {c.claim_id: c for c in (LateThresholdSmallT, BoundSmallN, SideOfOne, OnlyDForLargeD,
                                   CapLargeC)}


def planted(name: str):
    """A fresh instance of the planted falsifier ``name``."""
    cls = PLANTED[name]
    try:
        return cls()
    except TypeError:
        return cls("paper")

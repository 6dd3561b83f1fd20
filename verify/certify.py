"""Interval-arithmetic certificates: claims of Wu et al. (2025, arXiv:2510.08409) proved on a box.

A sampled check says "no counterexample among N points"; a certificate says "true at every point
of the box B". Each certificate here is a branch-and-bound proof with ``mpmath.iv`` (outward
rounding at every operation, exact endpoints, no float anywhere inside the proof):

- ``prop1``: Prop 1's convexity, per component: ``f(x) = (sqrt(x + (1-x)σ̂²) - σ)²`` has
  ``f'' = (1-σ̂²)² q(x)`` with ``q > 0`` on ``x ∈ [0, 1]``, so ``f`` is strictly convex unless
  ``σ̂² = 1`` (then it is constant); a sum over components is strictly convex iff some
  ``σ̂_i² ≠ 1``.
- ``prop2``: Prop 2's sign rule ``Δ = v - 2σ sqrt(v) ≤ 0 ⟺ v ≤ 4σ²`` and its threshold time
  ``t_d = T - ā^{-2}(3σ²/(1-σ²)_+)``: ``Δ_{d,t} ≤ 0 ⟺ t ≥ t_d`` for every ``t ∈ [0, T]`` (exact
  score; OU and VP-linear).
- ``lemma1``: Lemma 1 (proof of Prop 5): the backward variance ``V_t`` of the capped plug-in
  score (OU, start ``N(0, 1)``) stays on the side of 1 where ``σ̂²`` is.
- ``prop9``: Prop 9 for every ``n ≤ N``: the exact ``P[|χ²_n/n - 1| ≤ ε]`` (regularised
  incomplete gamma, enclosed rigorously) is ``≥ 1 - 2 exp(-ε² n/(4(ε+1)))``.

Two kinds of step make a proof, and only these two:

1. **Identities**, checked exactly by SymPy (``expand``/``cancel``/``radsimp``/``simplify``
   reduce ``lhs - rhs`` to 0, with the symbols' positivity assumptions). Interval arithmetic
   cannot prove an equality, and every claim here has one on its boundary (``Δ = 0`` exactly at
   ``v = 4σ²``; ``V_0 = 1``; ``f'' = 0`` at ``σ̂² = 1``). An identity rewrites the transcribed
   expression into a factored form whose sign is visible factor by factor.
2. **Inequalities**, proved by interval evaluation of those factored forms on a box (and on
   sub-boxes where one evaluation is not conclusive).

Where a claim fails, a box on which it fails is returned (``failing_box``) with a witness point
at which the failure is itself proved by interval arithmetic; where the method cannot decide
within its budget, the undecided box is returned (``kind = "unresolved"``). Neither is called
certified. See ``docs/certificates.md`` for what each certificate covers and what it does not.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Sequence

import mpmath as mp
import sympy as sp
from mpmath import iv, libmp

__all__ = ["Certificate", "CLAIM_IDS", "certificate_for", "certify_prop1", "certify_prop2",
           "certify_lemma1", "certify_prop9", "chi2_failure_enclosure", "variance_gap_enclosure",
           "Param"]

#: Claims with a certificate (``certificate_for`` returns ``None`` for any other id).
CLAIM_IDS = ("prop1", "prop2", "lemma1", "prop9")

HOLDS, FAILS, UNKNOWN = "holds", "fails", "unknown"


# ---------------------------------------------------------------------------------------------
# The result


@dataclass
class Certificate:
    """Outcome of one interval branch-and-bound proof.

    ``box`` maps each quantified parameter to the closed range covered; ``certified`` is true
    only when every sub-box was proved; ``failing_box`` (when not certified) is
    ``{"kind": "violation" | "unresolved" | "identity", "part", "box", "witness", "detail"}``:
    a violation comes with a witness point (parameter → value, exactly representable floats) at
    which the failure is proved by interval arithmetic.
    """

    claim: str
    statement: str
    box: dict[str, tuple]
    certified: bool
    boxes: int
    max_depth: int
    seconds: float
    failing_box: dict | None
    method: str

    def to_json(self) -> dict:
        """Plain JSON-able dict: ``{"claim", "statement", "box": {param: [lo, hi]}, "certified",
        "boxes", "max_depth", "seconds", "failing_box", "method"}``."""
        return {"claim": self.claim, "statement": self.statement,
                "box": {k: [v[0], v[1]] for k, v in self.box.items()},
                "certified": bool(self.certified), "boxes": int(self.boxes),
                "max_depth": int(self.max_depth), "seconds": round(float(self.seconds), 4),
                "failing_box": self.failing_box, "method": self.method}


# ---------------------------------------------------------------------------------------------
# Interval helpers (endpoints are exact mpf; every operation rounds outward)


def _lo(x) -> mp.mpf:
    return mp.make_mpf(x._mpi_[0])


def _hi(x) -> mp.mpf:
    return mp.make_mpf(x._mpi_[1])


def _interval(lo, hi) -> iv.mpf:
    return iv.mpf([lo, hi])


def _imin(a, b):
    return _interval(min(_lo(a), _lo(b)), min(_hi(a), _hi(b)))


def _imax(a, b):
    return _interval(max(_lo(a), _lo(b)), max(_hi(a), _hi(b)))


def _intersect(a, b):
    lo, hi = max(_lo(a), _lo(b)), min(_hi(a), _hi(b))
    if lo > hi:  # pragma: no cover - two enclosures of one number always overlap
        raise ArithmeticError("disjoint enclosures of the same quantity: an identity is wrong")
    return _interval(lo, hi)


def _sign(x) -> int | None:
    """+1 if ``x > 0`` everywhere, -1 if ``x ≤ 0`` everywhere, ``None`` if undecided (the claims
    here are all of the form "≤ 0 iff ≤ 0", so "≤ 0" is the closed side)."""
    if _lo(x) > 0:
        return 1
    if _hi(x) <= 0:
        return -1
    return None


class _prec:
    """Set ``mpmath.iv``'s working precision (bits) for a block and restore it after."""

    def __init__(self, bits: int):
        self.bits = bits

    def __enter__(self):
        self.old = iv.prec
        iv.prec = self.bits

    def __exit__(self, *exc):
        iv.prec = self.old


def _float_down(x: mp.mpf) -> float:
    return float(libmp.to_float(x._mpf_, rnd=libmp.round_floor)) if mp.isfinite(x) else float(x)


def _float_up(x: mp.mpf) -> float:
    return float(libmp.to_float(x._mpf_, rnd=libmp.round_ceiling)) if mp.isfinite(x) else float(x)


# ---------------------------------------------------------------------------------------------
# SymPy → interval evaluation, and exact identities


def _compile(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> Callable:
    """A function evaluating ``expr`` in ``mpmath.iv`` at interval arguments (in the order of
    ``symbols``), following the expression tree exactly as SymPy holds it. Rationals become
    outward-rounded quotients; a Float anywhere is refused (it would be a rounding outside the
    proof)."""
    index = {sym: i for i, sym in enumerate(symbols)}

    def build(e):
        if e.is_Symbol:
            i = index[e]
            return lambda a: a[i]
        if e.is_Integer:
            c = int(e)
            return lambda a: iv.mpf(c)
        if e.is_Rational:
            p, q = int(e.p), int(e.q)
            return lambda a: iv.mpf(p) / q
        if e is sp.pi:
            return lambda a: +iv.pi
        if e.is_Float:
            raise TypeError(f"float constant {e} in a certified expression")
        if e.is_Add:
            fs = [build(arg) for arg in e.args]

            def add(a):
                acc = fs[0](a)
                for f in fs[1:]:
                    acc = acc + f(a)
                return acc
            return add
        if e.is_Mul:
            fs = [build(arg) for arg in e.args]

            def mul(a):
                acc = fs[0](a)
                for f in fs[1:]:
                    acc = acc * f(a)
                return acc
            return mul
        if e.is_Pow:
            base, ex = e.args
            fb = build(base)
            if ex.is_Integer:
                n = int(ex)
                if n >= 0:
                    return lambda a: fb(a) ** n
                return lambda a: 1 / fb(a) ** (-n)
            if ex.is_Rational and ex.q == 2:
                n = int(ex.p)
                if n > 0:
                    return lambda a: iv.sqrt(fb(a)) ** n
                return lambda a: 1 / iv.sqrt(fb(a)) ** (-n)
            raise TypeError(f"unsupported power {e}")
        if isinstance(e, sp.exp):
            f = build(e.args[0])
            return lambda a: iv.exp(f(a))
        if isinstance(e, sp.log):
            f = build(e.args[0])
            return lambda a: iv.ln(f(a))
        if isinstance(e, (sp.Min, sp.Max)):
            fs = [build(arg) for arg in e.args]
            op = _imin if isinstance(e, sp.Min) else _imax

            def minmax(a):
                acc = fs[0](a)
                for f in fs[1:]:
                    acc = op(acc, f(a))
                return acc
            return minmax
        raise TypeError(f"unsupported expression {e!r}")

    return build(sp.sympify(expr))


@lru_cache(maxsize=None)
def _is_zero(expr: sp.Expr) -> bool:
    """``expr ≡ 0`` exactly (for positive symbols): some SymPy canonicalisation reduces it to
    the number 0. Cheap rewritings first; ``simplify`` last."""
    for rewrite in (sp.expand, sp.cancel, lambda e: sp.radsimp(sp.together(e)), sp.simplify):
        try:
            if rewrite(expr) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - SymPy gave up
            continue
    return False


def _identities(pairs: Sequence[tuple[str, sp.Expr, sp.Expr]]) -> tuple[list[str], list[str]]:
    """Check ``lhs ≡ rhs`` for each ``(name, lhs, rhs)``: (names proved, names that failed)."""
    ok, bad = [], []
    for name, lhs, rhs in pairs:
        (ok if _is_zero(lhs - rhs) else bad).append(name)
    return ok, bad


# ---------------------------------------------------------------------------------------------
# The branch-and-bound engine


@dataclass(frozen=True)
class Param:
    """A quantified parameter: the closed range ``[lo, hi]`` (decimal strings or integers, read
    with outward rounding), ``scale`` ``"lin"`` or ``"log"`` (bisection in ``log`` of the value),
    and ``splits``: points where the range is cut before the search (a claim's case boundaries,
    e.g. ``σ̂² = 1``), so that they are box edges, represented exactly."""

    name: str
    lo: str
    hi: str
    scale: str = "lin"
    splits: tuple[str, ...] = ()

    def edges(self) -> list:
        return [iv.mpf(e) for e in (self.lo, *self.splits, self.hi)]


def _natural(a, b, scale: str, u_lo: mp.mpf, u_hi: mp.mpf):
    """Enclosure of ``{value(u) : u ∈ [u_lo, u_hi]}`` for the segment ``[a, b]`` of a parameter
    (``value(u) = a + (b-a)u`` or ``a (b/a)^u``, increasing), clipped to ``[a, b]``."""

    def at(u):
        if u == 0:
            return a
        if u == 1:
            return b
        uu = iv.mpf(u)
        return a + (b - a) * uu if scale == "lin" else a * (b / a) ** uu

    lo, hi = _lo(at(u_lo)), _hi(at(u_hi))
    return _interval(max(lo, _lo(a)), min(hi, _hi(b)))


def _point_of(enclosure) -> mp.mpf:
    """A double-precision point of a (tiny) enclosure: a witness coordinate that JSON keeps
    exactly (it may sit an ulp outside the enclosure; the reported box, rounded outward to
    doubles, contains it)."""
    return mp.mpf(float((_lo(enclosure) + _hi(enclosure)) / 2))


@dataclass
class _Search:
    certified: bool
    boxes: int
    max_depth: int
    failing: dict | None


def _branch_and_bound(params: Sequence[Param], decide: Callable[[dict], str],
                      violated_at: Callable[[dict], bool], *, max_boxes: int,
                      max_depth: int, part: str = "") -> _Search:
    """Prove ``decide(box) == HOLDS`` on every sub-box of the product of ``params``.

    ``decide`` returns HOLDS (claim proved on the box), FAILS (claim proved false at every point
    of the box) or UNKNOWN; ``violated_at`` proves a violation at a single point. Undecided boxes
    are bisected along their widest coordinate (depth first); their midpoint (and, at the top and
    at the depth limit, their corners) are tried as witnesses. Stops at the first violation or
    when the budget is spent (then the undecided box is returned)."""
    segs = [list(zip(p.edges()[:-1], p.edges()[1:])) for p in params]
    zero, one = mp.mpf(0), mp.mpf(1)
    stack = []

    def cells(i, acc):
        if i == len(params):
            stack.append((tuple(acc), 0))
            return
        for seg in reversed(segs[i]):
            cells(i + 1, acc + [(seg[0], seg[1], zero, one)])
    cells(0, [])

    boxes = depth_max = 0

    def env_of(cell):
        return {p.name: _natural(a, b, p.scale, ul, uh) for p, (a, b, ul, uh) in zip(params, cell)}

    def point_env(cell, which):
        env = {}
        for p, (a, b, ul, uh), w in zip(params, cell, which):
            u = (ul + uh) / 2 if w == "m" else (ul if w == "l" else uh)
            env[p.name] = iv.mpf(_point_of(_natural(a, b, p.scale, u, u)))
        return env

    def described(cell, kind, witness=None, detail=""):
        env = env_of(cell)
        return {"kind": kind, "part": part,
                "box": {k: [_float_down(_lo(v)), _float_up(_hi(v))] for k, v in env.items()},
                "witness": None if witness is None else {k: float(_lo(v)) for k, v in
                                                         witness.items()},
                "detail": detail}

    while stack:
        cell, depth = stack.pop()
        boxes += 1
        depth_max = max(depth_max, depth)
        verdict = decide(env_of(cell))
        if verdict == HOLDS:
            continue
        tries = ["m" * len(params)]
        if verdict == FAILS or depth == 0 or depth >= max_depth or boxes >= max_boxes:
            tries += ["".join(c) for c in _corners(len(params))]
        for which in tries:
            pe = point_env(cell, which)
            if violated_at(pe):
                return _Search(False, boxes, depth_max,
                               described(cell, "violation", pe, "claim proved false at the "
                                         "witness point by interval arithmetic"))
        if verdict == FAILS:  # pragma: no cover - a box that fails everywhere fails at its middle
            return _Search(False, boxes, depth_max, described(cell, "violation"))
        if depth >= max_depth or boxes >= max_boxes:
            return _Search(False, boxes, depth_max,
                           described(cell, "unresolved", detail="budget spent (depth "
                                     f"{depth}, {boxes} boxes) before this box was decided"))
        k = max(range(len(params)), key=lambda i: cell[i][3] - cell[i][2])
        a, b, ul, uh = cell[k]
        um = (ul + uh) / 2
        left = cell[:k] + ((a, b, ul, um),) + cell[k + 1:]
        right = cell[:k] + ((a, b, um, uh),) + cell[k + 1:]
        stack.append((right, depth + 1))
        stack.append((left, depth + 1))
    return _Search(True, boxes, depth_max, None)


def _corners(k: int):
    if k == 0:
        yield ()
        return
    for rest in _corners(k - 1):
        yield ("l",) + rest
        yield ("h",) + rest


def _box_of(params: Sequence[Param]) -> dict[str, tuple]:
    """The stated box: the decimal ranges as given (the proof covers an outward enclosure of
    each), as the nearest doubles."""
    return {p.name: (float(p.lo), float(p.hi)) for p in params}


def _merge(searches: Sequence[_Search]) -> tuple[bool, int, int, dict | None]:
    failing = next((s.failing for s in searches if s.failing is not None), None)
    return (all(s.certified for s in searches), sum(s.boxes for s in searches),
            max((s.max_depth for s in searches), default=0), failing)


# ---------------------------------------------------------------------------------------------
# Symbols and schedules

_S2 = sp.Symbol("sigma2", positive=True)      # true variance σ²
_H = sp.Symbol("sigmahat2", positive=True)    # estimated variance σ̂²
_V = sp.Symbol("v", positive=True)            # generated variance v
_B2 = sp.Symbol("b2", positive=True)          # b_s² (signal variance at forward time s)
_X = sp.Symbol("x", nonnegative=True)         # noise level x = a_s² (Prop 1's variable)
_S = sp.Symbol("s", nonnegative=True)         # forward time
_L = sp.Symbol("L", nonnegative=True)         # -log b²
_M = sp.Symbol("m", positive=True)            # score weight m̂(s)
_U = sp.Symbol("U", real=True)                # V - 1


@dataclass(frozen=True)
class _Schedule:
    """A VP schedule through ``B(s) = -log b_s²`` (``a_s² = 1 - e^{-B(s)}``), with ``B'`` and
    ``B^{-1}``, all derived from the project's SymPy schedule (``ldmstop.derivations``)."""

    name: str
    B: sp.Expr
    dB: sp.Expr
    Binv: sp.Expr
    identities: tuple


@lru_cache(maxsize=None)
def _schedule(name: str) -> _Schedule:
    from ..derivations.schedules import get_schedule
    sch = get_schedule(name)
    B = sp.expand(sp.expand_log(-2 * sp.log(sch.b), force=True))   # same symbol s as _S
    roots = [r for r in sp.solve(sp.Eq(B, _L), _S) if r.subs(_L, 1).is_positive]
    if len(roots) != 1:  # pragma: no cover - guards against a SymPy behaviour change
        raise RuntimeError(f"{name}: expected one positive inverse of B, got {roots}")
    Binv = roots[0]
    ids = (("a² = 1 - exp(-B) (" + name + ")", sch.a2, 1 - sp.exp(-B)),
           ("B(B⁻¹(L)) = L (" + name + ")", B.subs(_S, Binv), _L))
    return _Schedule(name, B, sp.diff(B, _S), Binv, ids)


# ---------------------------------------------------------------------------------------------
# Prop 2: sign rule and threshold times


def _prop2_forms(coefficient):
    c = sp.nsimplify(coefficient)
    sig = sp.sqrt(_S2)
    delta = _V - 2 * sig * sp.sqrt(_V)                      # Δ_{d,t} = v - 2σ sqrt(v)
    K = sp.sqrt(_V) / (sp.sqrt(_V) + 2 * sig)               # Δ = K (v - 4σ²), K > 0
    vform = 1 - _B2 * (1 - _S2)                             # v = a² + b²σ², a² = 1 - b²
    W1 = (1 - 4 * _S2) - _B2 * (1 - _S2)                    # v - 4σ², two cancellation-free forms
    W2 = (1 - _B2) * (1 - _S2) - 3 * _S2
    YD = (1 - 4 * _S2) / (1 - _S2)                          # b² at which v = 4σ²
    XD = (c - 1) * _S2 / (1 - _S2)                          # claimed x_d (paper: 3σ²/(1-σ²))
    return dict(c=c, delta=delta, K=K, vform=vform, W1=W1, W2=W2, YD=YD, XD=XD)


@lru_cache(maxsize=None)
def _derived_threshold() -> sp.Expr:
    """``ldmstop.derivations``' exact-score threshold noise level, in terms of ``σ²``."""
    from ..derivations.symbols import sigma as dsigma
    from ..derivations.thresholds import threshold_x_exact
    return threshold_x_exact().subs(dsigma, sp.sqrt(_S2))


def _prop2_identities(f):
    struct = [("Δ = K (v - 4σ²)", f["delta"], f["K"] * (_V - 4 * _S2)),
              ("v = a² + b²σ² = 1 - b²(1 - σ²)", f["vform"], (1 - _B2) + _B2 * _S2),
              ("v - 4σ² = (1 - 4σ²) - b²(1 - σ²)", f["W1"], f["vform"] - 4 * _S2),
              ("v - 4σ² = a²(1 - σ²) - 3σ²", f["W2"], f["vform"] - 4 * _S2),
              ("v - 4σ² = (1 - σ²)(y_d - b²)", f["W1"], (1 - _S2) * (f["YD"] - _B2))]
    derived = _derived_threshold()
    claim = [("claimed threshold v ≤ cσ² is v ≤ 4σ²", _V - f["c"] * _S2, _V - 4 * _S2),
             ("claimed 1 - x_d = y_d", 1 - f["XD"], f["YD"]),
             ("claimed x_d = derivations.threshold_x_exact()", f["XD"], derived)]
    return struct, claim


def _prop2_rule_search(f, params, ok_struct, ok_claim, max_boxes, max_depth):
    """``Δ ≤ 0 ⟺ v ≤ cσ²`` on a (σ², v) box."""
    K = _compile(f["K"], (_S2, _V))
    delta = _compile(f["delta"], (_S2, _V))
    g2f = _compile(_V - f["c"] * _S2, (_S2, _V))

    def parts(env):
        S2, V = env["sigma2"], env["v"]
        g1 = delta((S2, V))
        if ok_struct:
            g1 = _intersect(g1, K((S2, V)) * (V - 4 * S2))
        return g1, g2f((S2, V)), K((S2, V))

    def decide(env):
        g1, g2, k = parts(env)
        s1, s2 = _sign(g1), _sign(g2)
        if s1 is not None and s2 is not None:
            return HOLDS if s1 == s2 else FAILS
        if ok_struct and ok_claim and _lo(k) > 0:
            return HOLDS  # Δ = K (v - 4σ²) = K g2 with K > 0: same sign
        return UNKNOWN

    def violated_at(env):
        g1, g2, _ = parts(env)
        s1, s2 = _sign(g1), _sign(g2)
        return s1 is not None and s2 is not None and s1 != s2

    return _branch_and_bound(params, decide, violated_at, max_boxes=max_boxes,
                             max_depth=max_depth, part="sign rule")


def _prop2_time_search(f, sch: _Schedule, params, ok_struct, ok_claim, max_boxes, max_depth):
    """``Δ_{d,t} ≤ 0 ⟺ t ≥ t_d`` on a (σ², T, t/T) box, exact score, schedule ``sch``."""
    Bf = _compile(sch.B, (_S,))
    dBf = _compile(sch.dB, (_S,))
    Binv = _compile(sch.Binv, (_L,))
    K = _compile(f["K"], (_S2, _V))
    vf = _compile(f["vform"], (_S2, _B2))
    W1, W2 = _compile(f["W1"], (_S2, _B2)), _compile(f["W2"], (_S2, _B2))
    XD, YD = _compile(f["XD"], (_S2,)), _compile(f["YD"], (_S2,))
    inf = mp.inf

    def inverse(L):
        """``B^{-1}`` on an interval of ``L = -log b² ≥ 0``; an infinite upper end (``b² → 0``)
        maps to ``+∞`` (``B^{-1}`` increases without bound)."""
        L = _interval(max(_lo(L), mp.mpf(0)), _hi(L))      # L ≥ 0: b² ≤ 1
        if _hi(L) < inf:
            return Binv((L,))
        return _interval(_lo(Binv((_interval(_lo(L), _lo(L)),))), inf)

    def parts(env):
        S2, T, TH = env["sigma2"], env["T"], env["t/T"]
        S, t = (1 - TH) * T, TH * T
        B2 = iv.exp(-Bf((S,)))
        W = _intersect(W1((S2, B2)), W2((S2, B2)))          # v - 4σ²
        k = K((S2, vf((S2, B2))))
        g1 = k * W                                          # Δ (identity "Δ = K (v - 4σ²)")
        # claimed g2 = t_d - t = s - ā^{-2}(x_d) = max(-θT, s - a^{-2}(x_d)) (extended inverse)
        minus_tT = -(TH * T)
        if _lo(S2) >= 1:
            g2 = minus_tT                                   # (1 - σ²)_+ = 0: x_d = +∞, t_d = 0
        else:
            # σ² ≥ 1 in the box gives x_d = +∞; the rest gives XD on [σ²_lo, 1) (→ +∞ at 1)
            xd = XD((_interval(_lo(S2), min(_hi(S2), mp.mpf(1))),))
            if _lo(xd) >= 1:
                g2 = minus_tT                               # x_d ≥ 1 > a_T²: t_d = 0
            else:
                xlo = max(_lo(xd), mp.mpf(0))               # ā^{-2}(x) = 0 for x < 0
                if _hi(xd) < 1:
                    L = -iv.ln(1 - _interval(xlo, max(_hi(xd), xlo)))
                else:   # a^{-2}(x) → ∞ as x → 1 (increasing)
                    L = _interval(_lo(-iv.ln(1 - iv.mpf(xlo))), inf)
                g2 = _imax(minus_tT, S - inverse(L))
        return S2, T, S, B2, k, g1, g2

    def local(S2, T, S, k):
        """``Δ = h (τ - t)`` with ``τ = T - B^{-1}(-log y_d)`` and ``h > 0``: see the
        docstring of ``certify_prop2``. True if ``h > 0`` is proved on the box."""
        if _hi(S2) >= 1:
            return False
        yd = YD((S2,))
        if _hi(yd) <= 0:
            return True   # σ² ≥ 1/4: t_d = 0 and Δ ≤ 0 for every t (case s_d ≥ T below)
        L = -iv.ln(yd) if _lo(yd) > 0 else _interval(_lo(-iv.ln(iv.mpf(_hi(yd)))), inf)
        sd = inverse(L)
        # ξ between s and s_d; where s_d ≥ T the claim holds without h (t_d = 0, b²(s) ≥ y_d)
        xi = _interval(min(_lo(S), _lo(sd)), min(_hi(T), max(_hi(S), _hi(sd))))
        h = k * (1 - S2) * dBf((xi,)) * iv.exp(-Bf((xi,)))
        return _lo(h) > 0

    def decide(env):
        S2, T, S, B2, k, g1, g2 = parts(env)
        s1 = _sign(g1)
        s2 = None if g2 is None else _sign(g2)
        if s1 is not None and s2 is not None:
            return HOLDS if s1 == s2 else FAILS
        if ok_struct and ok_claim and _lo(k) > 0 and local(S2, T, S, k):
            return HOLDS
        return UNKNOWN

    def violated_at(env):
        *_, g1, g2 = parts(env)
        s1 = _sign(g1)
        s2 = None if g2 is None else _sign(g2)
        return s1 is not None and s2 is not None and s1 != s2

    return _branch_and_bound(params, decide, violated_at, max_boxes=max_boxes,
                             max_depth=max_depth, part=f"threshold time ({sch.name})")


def certify_prop2(*, coefficient=4, sigma2=("1e-6", "1e6"), v=("1e-6", "1e6"),
                  T=("1e-4", "50"), schedules: Sequence[str] = ("ou", "vp-linear"),
                  sign_rule: bool = True,
                  max_boxes: int = 20000, max_depth: int = 60, prec: int = 160) -> Certificate:
    """Certify Prop 2's sign rule and threshold time for one component (Wu et al. 2025, Prop 2
    and its proof, eq. (11)) on a box.

    Sign rule: ``Δ = v - 2σ sqrt(v) ≤ 0 ⟺ v ≤ 4σ²`` for ``σ² ∈ sigma2``, ``v ∈ v``.
    Threshold: with ``v = a²_{T-t} + b²_{T-t}σ²`` and ``t_d = T - ā^{-2}(3σ²/(1-σ²)_+)``
    (``ā^{-2}`` the extended inverse: 0 below 0, ``T`` above ``a_T²``; ``y/0_+ = +∞``),
    ``Δ_{d,t} ≤ 0 ⟺ t ≥ t_d`` for every ``t ∈ [0, T]``, ``σ² ∈ sigma2``, ``T ∈ T``, per schedule.

    ``coefficient`` replaces the 4 of ``4σ²`` (and the 3 of ``3σ²`` by ``coefficient - 1``): a
    planted false statement for the tests. Local rule (boxes where the signs are undecided):
    ``Δ = K(1-σ²)(y_d - b²_s)`` with ``y_d = (1-4σ²)/(1-σ²)``, and by the mean value theorem
    ``y_d - b²_s = (B' b²)(ξ)(τ - t)``, ``τ = T - B^{-1}(-log y_d)``, ``ξ`` between ``s`` and
    ``B^{-1}(-log y_d)``, so ``Δ = h (τ - t)`` with ``h > 0`` and ``t_d = max(0, τ)``; where
    ``B^{-1}(-log y_d) ≥ T``, ``t_d = 0`` and ``y_d ≤ b²_T ≤ b²_s`` gives ``Δ ≤ 0``.
    """
    t0 = time.perf_counter()
    f = _prop2_forms(coefficient)
    with _prec(prec):
        struct, claim = _prop2_identities(f)
        schs = [_schedule(n) for n in schedules]
        sch_ids = [i for sc in schs for i in sc.identities]
        ok_s, bad_s = _identities(struct + sch_ids)
        ok_c, bad_c = _identities(claim)
        ok_struct, ok_claim = not bad_s, not bad_c
        rule_params = [Param("sigma2", *sigma2, scale="log"), Param("v", *v, scale="log")]
        splits = tuple(p for p in ("0.25", "1")
                       if mp.mpf(sigma2[0]) < mp.mpf(p) < mp.mpf(sigma2[1]))
        time_params = [Param("sigma2", *sigma2, scale="log", splits=splits),
                       Param("T", *T, scale="log"), Param("t/T", "0", "1")]
        runs = [_prop2_rule_search(f, rule_params, ok_struct, ok_claim, max_boxes, max_depth)
                ] if sign_rule else []
        for sc in schs:
            runs.append(_prop2_time_search(f, sc, time_params, ok_struct, ok_claim, max_boxes,
                                           max_depth))
    certified, boxes, depth, failing = _merge(runs)
    if bad_s and failing is None:  # pragma: no cover - a structural identity is false
        certified, failing = False, {"kind": "identity", "part": "structure", "box": None,
                                     "witness": None, "detail": "; ".join(bad_s)}
    c = f["c"]
    statement = (f"one component, exact score: Δ = v - 2σ√v ≤ 0 ⟺ v ≤ {c}σ², and "
                 f"Δ_(d,t) ≤ 0 ⟺ t ≥ t_d = T - ā⁻²({c - 1}σ²/(1-σ²)_+) for all t ∈ [0, T] "
                 f"({', '.join(schedules)})")
    method = ("SymPy identities (exact): " + "; ".join(ok_s + ok_c)
              + (f". Not identities (local rule off): {'; '.join(bad_c)}" if bad_c else "")
              + ". Interval B&B (mpmath.iv, outward rounding, "
              f"{prec} bits) on the factored forms: sign of Δ and of the claimed t_d - t "
              "compared on each box; where they are undecided, Δ = h(τ - t) with h > 0 proved "
              "on the box (mean value theorem for a² between s and s_d). Cases σ² < 1/4, "
              "[1/4, 1], ≥ 1 are box edges.")
    box = _box_of(rule_params + time_params[1:])
    return Certificate("prop2", statement, box, certified, boxes, depth,
                       time.perf_counter() - t0, failing, method)


# ---------------------------------------------------------------------------------------------
# Prop 1: convexity of the noise-level error


def _prop1_forms(sign: int = -1):
    vv = _X + (1 - _X) * _H
    f = (sp.sqrt(vv) + sign * sp.sqrt(_S2)) ** 2
    q = -sign * sp.sqrt(_S2) / (2 * _V ** sp.Rational(3, 2))
    return f, q, vv


def certify_prop1(*, sigma2=("1e-6", "1e6"), sigmahat2=("1e-6", "1e6"), x=("0", "1"),
                  strict: bool = False, sign: int = -1, scale: str = "log",
                  max_boxes: int = 20000, max_depth: int = 60, prec: int = 128) -> Certificate:
    """Certify Prop 1's convexity for one component (Wu et al. 2025, proof of Prop 1):
    ``f(x) = (sqrt(x + (1-x)σ̂²) - σ)²`` has ``f''(x) = (1-σ̂²)² q(x)`` with
    ``q = σ/(2 v^{3/2}) > 0``, ``v = x + (1-x)σ̂²``, on the box (``x ∈ [0, 1]``).

    ``strict=True`` certifies the printed ``f'' > 0`` literally (it fails at ``σ̂² = 1``, where
    ``f`` is constant); ``sign=+1`` plants ``(sqrt(v) + σ)²`` (concave: must fail).
    """
    t0 = time.perf_counter()
    f, q, vv = _prop1_forms(sign)
    with _prec(prec):
        ids = [("f''(x) = (1 - σ̂²)² q(v(x))", sp.diff(f, _X, 2),
                (1 - _H) ** 2 * q.subs(_V, vv))]
        ok, bad = _identities(ids)
        qf = _compile(q, (_S2, _V))
        vf = _compile(vv, (_X, _H))
        f2direct = _compile(sp.diff(f, _X, 2), (_S2, _H, _X))
        splits = ("1",) if strict and mp.mpf(sigmahat2[0]) < 1 < mp.mpf(sigmahat2[1]) else ()
        params = [Param("sigma2", *sigma2, scale=scale), Param("sigmahat2", *sigmahat2,
                  scale=scale, splits=splits), Param("x", *x)]

        def value(env):
            S2, H, X = env["sigma2"], env["sigmahat2"], env["x"]
            if bad:
                return f2direct((S2, H, X))
            qq = qf((S2, vf((X, H))))
            return (1 - H) ** 2 * qq if strict else qq

        def decide(env):
            s = _sign(value(env))
            return {1: HOLDS, -1: FAILS}.get(s, UNKNOWN)

        run = _branch_and_bound(params, decide, lambda env: _sign(value(env)) == -1,
                                max_boxes=max_boxes, max_depth=max_depth,
                                part="f'' > 0" if strict else "q > 0")
    what = "f''(x) > 0" if strict else "f''(x) = (1-σ̂²)² q(x) with q(x) > 0"
    fs = "+" if sign > 0 else "-"
    statement = (f"one component: f(x) = (√(x + (1-x)σ̂²) {fs} σ)² on x ∈ [0, 1]: {what}"
                 + ("" if strict else " (strictly convex for σ̂² ≠ 1, constant for σ̂² = 1)"))
    method = (("SymPy identity (exact): " + "; ".join(ok) + ". " if ok else
               "identity failed (" + "; ".join(bad) + "): f'' evaluated directly. ")
              + f"Interval B&B (mpmath.iv, {prec} bits) of the factor's sign on the box.")
    return Certificate("prop1", statement, _box_of(params), run.certified, run.boxes,
                       run.max_depth, time.perf_counter() - t0, run.failing, method)


# ---------------------------------------------------------------------------------------------
# Lemma 1: the backward variance stays on σ̂²'s side of 1


@lru_cache(maxsize=None)
def _lemma1_functions():
    sch = _schedule("ou")
    return _compile(sch.B, (_S,)), _compile(1 + _B2 * (_H - 1), (_H, _B2))


def variance_gap_enclosure(sigmahat2, C, T, t_over_T) -> iv.mpf:
    """Validated enclosure of ``V_t - 1`` over a box (interval arguments) for the variance ODE
    of Wu et al. (2025, proof of Prop 5, eq. (14)): OU, ``dV/dt = 2(1 - 2m̂(T-t))V + 2``,
    ``V_0 = 1``, ``m̂(s) = min(C, 1/(a_s² + b_s²σ̂²))`` (Prop 4), at ``t = t_over_T · T``.

    ``U = V - 1`` solves ``U' = pU + q`` with ``p = 2(1 - 2m̂)``, ``q = 4(1 - m̂)``, ``U_0 = 0``,
    so ``U_t = ∫_0^t q(τ) exp(∫_τ^t p) dτ`` (variation of constants). With ``m̂`` enclosed over
    every forward time ``T - τ ∈ [T - t, T]`` of the box, the mean value theorem for integrals
    gives ``U_t ∈ t · q · exp([0, t] · p)``. Crude in size, exact in sign structure: ``q`` has the
    sign of ``1 - m̂``, the exponential is positive.
    """
    Bf, vf = _lemma1_functions()
    H, Cc, T_, TH = (x if isinstance(x, iv.mpf) else iv.mpf(x)
                     for x in (sigmahat2, C, T, t_over_T))
    t = TH * T_
    s = _interval(_lo((1 - TH) * T_), _hi(T_))   # forward times T - τ, τ ∈ [0, t]
    B2 = iv.exp(-Bf((s,)))
    m = _imin(Cc, 1 / vf((H, B2)))
    p = 2 * (1 - 2 * m)
    w = iv.exp(_interval(0, _hi(t)) * p)
    return t * (4 * (1 - m)) * w


def certify_lemma1(*, sigmahat2=("1e-6", "1e6"), C=("1", "1e6"), T=("1e-4", "50"),
                   above: str = "1", below: str = "1", C_scale: str = "log",
                   max_boxes: int = 20000, max_depth: int = 60, prec: int = 128) -> Certificate:
    """Certify Lemma 1 of Wu et al. (2025, proof of Prop 5) on a box of ``(σ̂², C, T, t/T)``.

    OU, start ``N(0, 1)``, capped score ``m̂(s) = min(C, 1/(a_s² + b_s² σ̂²))`` (Prop 4): the
    variance ``dV/dt = 2(1 - 2m̂(T-t))V + 2``, ``V_0 = 1`` satisfies ``σ̂² ≥ above ⇒ V_t ≥ 1``
    and ``σ̂² ≤ below ⇒ V_t ≤ 1`` for every ``t ∈ [0, T]`` (the paper: ``above = below = 1``;
    other values plant a false statement).

    Validated enclosure (no closed form is used): ``U = V - 1`` solves the linear ODE
    ``U' = p U + q``, ``p = 2(1 - 2m̂)``, ``q = 4(1 - m̂)``, ``U_0 = 0`` (an identity), so by
    variation of constants ``U_t = ∫_0^t q(τ) exp(∫_τ^t p) dτ``; with ``m̂`` enclosed over the
    forward times ``[T - t, T]`` of the box, ``U_t ∈ t · 4(1 - m̂) · exp([0, t] · p)``.
    """
    t0 = time.perf_counter()
    sch = _schedule("ou")
    with _prec(prec):
        vform = 1 + _B2 * (_H - 1)
        ids = [("v = a² + b²σ̂² = 1 + b²(σ̂² - 1)", vform, (1 - _B2) + _B2 * _H),
               ("(V - 1)' = 2(1 - 2m)(V - 1) + 4(1 - m)",
                2 * (1 - 2 * _M) * (_U + 1) + 2, 2 * (1 - 2 * _M) * _U + 4 * (1 - _M))]
        ok, bad = _identities(ids + list(sch.identities))
        hi_ge, lo_le = mp.mpf(above), mp.mpf(below)
        splits = tuple(sorted({p for p in (above, below)
                               if mp.mpf(sigmahat2[0]) < mp.mpf(p) < mp.mpf(sigmahat2[1])},
                              key=mp.mpf))
        params = [Param("sigmahat2", *sigmahat2, scale="log", splits=splits),
                  Param("C", *C, scale=C_scale), Param("T", *T, scale="log"),
                  Param("t/T", "0", "1")]

        def verdicts(env):
            H = env["sigmahat2"]
            U = variance_gap_enclosure(H, env["C"], env["T"], env["t/T"])
            out = []
            if _lo(H) >= hi_ge:
                out.append(HOLDS if _lo(U) >= 0 else FAILS if _hi(U) < 0 else UNKNOWN)
            elif _hi(H) > hi_ge:
                out.append(UNKNOWN)   # straddles the premise's edge: split there
            if _hi(H) <= lo_le:
                out.append(HOLDS if _hi(U) <= 0 else FAILS if _lo(U) > 0 else UNKNOWN)
            elif _lo(H) < lo_le:
                out.append(UNKNOWN)
            return out

        def decide(env):
            if bad:
                return UNKNOWN
            v = verdicts(env)
            return FAILS if FAILS in v else UNKNOWN if UNKNOWN in v else HOLDS

        run = _branch_and_bound(params, decide, lambda env: not bad and FAILS in verdicts(env),
                                max_boxes=max_boxes, max_depth=max_depth, part="V_t vs 1")
    statement = (f"OU, start N(0,1), m̂ = min(C, 1/(a² + b²σ̂²)): σ̂² ≥ {above} ⇒ V_t ≥ 1 and "
                 f"σ̂² ≤ {below} ⇒ V_t ≤ 1 for all t ∈ [0, T]")
    method = ("SymPy identities (exact): " + "; ".join(ok)
              + (f". FAILED identities: {'; '.join(bad)}" if bad else "")
              + ". Validated enclosure of the ODE solution by variation of constants for "
              "U = V - 1 (U' = pU + q, U_0 = 0 ⇒ U_t = ∫_0^t q exp(∫p)), integrand enclosed "
              f"over the box (mpmath.iv, {prec} bits); U's sign proved per box.")
    return Certificate("lemma1", statement, _box_of(params), run.certified, run.boxes,
                       run.max_depth, time.perf_counter() - t0, run.failing, method)


# ---------------------------------------------------------------------------------------------
# Prop 9: the chi-square probability, enclosed rigorously


def _iv_ratio(num: int, den: int):
    """Outward-rounded enclosure of the rational ``num/den`` (``den > 0``)."""
    a, b = libmp.from_int(num), libmp.from_int(den)
    lo = libmp.mpf_div(a, b, iv.prec, libmp.round_floor)
    hi = libmp.mpf_div(a, b, iv.prec, libmp.round_ceiling)
    return _interval(mp.make_mpf(lo), mp.make_mpf(hi))


def _iv_frac(x: Fraction):
    return _iv_ratio(x.numerator, x.denominator)


def _lower_series(k2: int, z: Fraction, rel_bits: int):
    """``Σ_{j≥0} z^j / ((k+1)(k+2)…(k+j))`` for ``k = k2/2`` and ``z < k + 1`` eventually:
    exact partial sum in integers, plus the geometric remainder bound
    ``t_J r/(1 - r)``, ``r = z/(k + J + 1) < 1`` (the term ratios decrease)."""
    p, q = int(z.numerator), int(z.denominator)  # Python ints: gmpy2's mpz overflows math.log
    tn, td, Sn = 1, 1, 1          # t_0 = 1, S = Sn/td
    j = 0
    logS = 0.0
    while True:
        j += 1
        f = q * (k2 + 2 * j)
        tn *= 2 * p
        td *= f
        Sn = Sn * f + tn
        den = q * (k2 + 2 * j + 2) - 2 * p     # r = 2p/(q(k2 + 2j + 2)); 1 - r ∝ den
        if den > 0 and tn > 0:
            logt = math.log(tn) - math.log(td)
            logS = math.log(Sn) - math.log(td)
            if logt + math.log(2 * p) - math.log(den) < logS - rel_bits * math.log(2):
                break
    S = _iv_ratio(Sn, td)
    R = _iv_ratio(tn * 2 * p, td * den)
    return S + _interval(0, _hi(R))


def _double_factorial_odd(m: int) -> int:
    out = 1
    for i in range(1, 2 * m + 2, 2):
        out *= i
    return out


def _P_lower(k2: int, z: Fraction, rel_bits: int = 64):
    """Regularised lower incomplete gamma ``P(k, z) = γ(k, z)/Γ(k)``, ``k = k2/2``:
    ``z^k e^{-z}/Γ(k+1) · Σ_j z^j/((k+1)…(k+j))`` (DLMF 8.7.1), rigorous enclosure."""
    if z == 0:
        return iv.mpf(0)
    zi = _iv_frac(z)
    S = _lower_series(k2, z, rel_bits)
    p, q = int(z.numerator), int(z.denominator)  # Python ints: gmpy2's mpz overflows math.log
    if k2 % 2 == 0:
        k = k2 // 2
        pref = _iv_ratio(p ** k, q ** k * math.factorial(k))
    else:
        m = (k2 - 1) // 2                       # Γ(m + 3/2) = √π (2m+1)!!/2^{m+1}
        pref = _iv_ratio(p ** m * 2 ** (m + 1), q ** m * _double_factorial_odd(m)) \
            * iv.sqrt(zi) / iv.sqrt(iv.pi)
    return pref * iv.exp(-zi) * S


def _erfc_sqrt(z: Fraction, terms: int | None = None):
    """``erfc(sqrt(z)) = Q(1/2, z)``, rigorous. For ``z ≤ 45``: ``1 - P(1/2, z)`` with the
    bits that cancel (``z log2(e)``) added to the working precision. Above: the asymptotic
    series ``e^{-z}/sqrt(πz) Σ_{m<K} (-1)^m (1/2)_m z^{-m}``, whose remainder for real argument
    has the sign of the first omitted term and is smaller in magnitude (DLMF 7.12.1, §7.12(i)),
    with ``K < z`` (terms still decreasing); ``terms`` fixes ``K`` (for the tests)."""
    if z <= 45 and terms is None:
        bits = iv.prec + int(1.45 * float(z)) + 16
        with _prec(bits):
            out = 1 - _P_lower(1, z, rel_bits=bits)
        return out
    p, q = int(z.numerator), int(z.denominator)  # Python ints: gmpy2's mpz overflows math.log
    target = (iv.prec + 8) * math.log(2)
    # terms (1/2)_m / z^m = Π_{i<m} (2i+1)/(2z) = tn/td; S = Sn/td accumulates with signs
    tn, td, Sn, m = 1, 1, 1, 0
    logz = math.log(p) - math.log(q)
    while True:
        m += 1
        tn *= (2 * m - 1) * q
        td *= 2 * p
        Sn = Sn * (2 * p) + (-1) ** m * tn
        nxt = (2 * m + 1) / 2 - math.exp(logz)      # next ratio - 1 (< 0 while decreasing)
        small = math.log(tn) - math.log(td) < -target
        if (m + 1 == terms) if terms else (small or m + 1 >= float(z) - 1 or nxt >= 0):
            break
    # first omitted term: (-1)^{m+1} tn (2m+1) q / (td 2p)
    omit_n, omit_d = tn * (2 * m + 1) * q, td * 2 * p
    S = _iv_ratio(Sn, td)
    R = _iv_ratio(omit_n, omit_d)
    S = S + (_interval(-_hi(R), 0) if (m + 1) % 2 else _interval(0, _hi(R)))
    zi = _iv_frac(z)
    return iv.exp(-zi) / iv.sqrt(iv.pi * zi) * S


def _Q_upper(k2: int, z: Fraction):
    """Regularised upper incomplete gamma ``Q(k, z)``, ``k = k2/2``, as finite sums
    (DLMF 8.4.10 for integer k; 8.4.6 with ``Q(1/2, z) = erfc(√z)`` for half-integers)."""
    p, q = int(z.numerator), int(z.denominator)  # Python ints: gmpy2's mpz overflows math.log
    zi = _iv_frac(z)
    if k2 % 2 == 0:
        k = k2 // 2                              # e^{-z} Σ_{j<k} z^j/j!
        tn, td, Sn = 1, 1, 1
        for j in range(1, k):
            tn *= p
            td *= q * j
            Sn = Sn * (q * j) + tn
        return iv.exp(-zi) * _iv_ratio(Sn, td)
    m = (k2 - 1) // 2                            # erfc(√z) + e^{-z}√z/√π Σ_{j<m} z^j 2^{j+1}/(2j+1)!!
    out = _erfc_sqrt(z)
    if m:
        tn, td, Sn = 2, 1, 2
        for j in range(1, m):
            tn *= 2 * p
            td *= q * (2 * j + 1)
            Sn = Sn * (q * (2 * j + 1)) + tn
        out = out + iv.exp(-zi) * iv.sqrt(zi) / iv.sqrt(iv.pi) * _iv_ratio(Sn, td)
    return out


def chi2_failure_enclosure(n: int, eps, prec: int | None = None) -> iv.mpf:
    """Rigorous enclosure of ``P[|χ²_n/n - 1| > ε] = P(n/2, n(1-ε)/2) + Q(n/2, n(1+ε)/2)``
    (1 for ``ε ≤ 0``) at an exactly representable ``ε`` (the failure probability of Prop 9,
    Wu et al. 2025, App. B), computed at ``prec`` bits (default: ``mpmath.iv``'s current)."""
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    e = _dyadic(eps)
    if e <= 0:
        return iv.mpf(1)
    with _prec(prec or iv.prec):
        lower = _P_lower(n, n * (1 - e) / 2) if e < 1 else iv.mpf(0)
        total = lower + _Q_upper(n, n * (1 + e) / 2)
        return _interval(max(_lo(total), mp.mpf(0)), min(_hi(total), mp.mpf(1)))


def _dyadic(x) -> Fraction:
    """The exact value of a binary floating-point number as a fraction."""
    sign, man, exp, _ = mp.mpf(x)._mpf_
    if not mp.isfinite(mp.mpf(x)):
        raise ValueError(f"not a finite number: {x!r}")
    return (-1) ** sign * Fraction(man) * Fraction(2) ** exp


def certify_prop9(*, N: int = 100, eps=("0", "100"), n_min: int = 1, constant="4",
                  factor="2", max_boxes_per_n: int = 2000, max_depth: int = 400,
                  prec: int = 96) -> Certificate:
    """Certify Prop 9 of Wu et al. (2025, App. B) for every ``n ∈ [n_min, N]`` and every
    ``ε`` in ``eps``: ``P[|χ²_n/n - 1| ≤ ε] ≥ 1 - factor·exp(-ε² n/(constant(ε+1)))`` (the
    paper: constant 4, factor 2; other values plant a false statement).

    For ``ε ≥ 0`` both the failure probability ``F(ε) = P[|χ²_n/n - 1| > ε]`` and the bound
    ``B(ε)`` decrease in ``ε``, so ``F(e1) ≤ B(e2)`` proves the claim on ``[e1, e2]``. ``F`` at a
    point is enclosed rigorously (``chi2_failure_enclosure``: exact rational partial sums,
    rigorous remainder, ``e^{-z}``, ``√z``, ``√π`` in ``mpmath.iv``); the split points are chosen
    greedily (where ``B`` falls to ``F(e1)``) and each one is re-proved in intervals. Negative
    ``ε`` (outside the hypothesis) is handled without monotonicity: ``F = 1`` there and ``B`` is
    evaluated over the interval.
    """
    t0 = time.perf_counter()
    c, fac = Fraction(constant), Fraction(factor)
    e_lo, e_hi = mp.mpf(eps[0]), mp.mpf(eps[1])
    if not -1 < e_lo <= e_hi:
        raise ValueError(f"eps must satisfy -1 < lo <= hi, got {eps!r}")
    if not 1 <= n_min <= N:
        raise ValueError(f"n range must satisfy 1 <= n_min <= N, got n_min={n_min!r}, N={N!r}")
    boxes = depth_max = 0
    failing = None
    cf, ff = float(c), float(fac)
    with _prec(prec):
        ci, fi = _iv_frac(c), _iv_frac(fac)

        def bound(n, e):   # B over [e.lo, e.hi]: interval evaluation (valid for any sign)
            return fi * iv.exp(-(e * e) * n / (ci * (e + 1)))

        for n in range(n_min, N + 1):
            cache: dict = {}

            def F(e):
                if e not in cache:
                    cache[e] = chi2_failure_enclosure(n, e)
                return cache[e]

            def B_range(e1, e2):
                if e1 >= 0:   # decreasing for ε ≥ 0: lower at e2, upper at e1
                    return _lo(bound(n, iv.mpf(e2))), _hi(bound(n, iv.mpf(e1)))
                b = bound(n, _interval(e1, e2))
                return _lo(b), _hi(b)

            stack = [(e_lo, e_hi, 0)] if not (e_lo < 0 < e_hi) else \
                [(mp.mpf(0), e_hi, 0), (e_lo, mp.mpf(0), 0)]
            per_n = 0
            while stack and failing is None:
                e1, e2, d = stack.pop()
                boxes += 1
                per_n += 1
                depth_max = max(depth_max, d)
                blo, bhi = B_range(e1, e2)
                if _hi(F(e1)) <= blo:
                    continue
                if _lo(F(e2)) > bhi:
                    failing = _prop9_failing(n, e1, e2, "violation", e2, F(e2), bound(n, iv.mpf(e2)))
                    break
                # split where B falls to F(e1) (greedy), else in the middle
                cut = (e1 + e2) / 2
                Fh = float(_hi(F(e1)))
                if e1 >= 0 and 0 < Fh < ff:
                    lam = cf * math.log(ff / (Fh * (1 + 2.0 ** -20))) / n
                    guess = mp.mpf((lam + math.sqrt(lam * lam + 4 * lam)) / 2)
                    if e1 + (e2 - e1) / 1024 < guess < e2:   # a tiny step: near-tangency,
                        cut = guess                           # bisect (and look for a witness)
                if e1 < mp.mpf(float(cut)) < e2:
                    cut = mp.mpf(float(cut))     # short binary numbers keep the sums small
                pb = bound(n, iv.mpf(cut))
                if _lo(F(cut)) > _hi(pb):
                    failing = _prop9_failing(n, cut, cut, "violation", cut, F(cut), pb)
                    break
                if d >= max_depth or per_n >= max_boxes_per_n:
                    failing = _prop9_failing(n, e1, e2, "unresolved", None, None, None)
                    break
                stack.append((cut, e2, d + 1))
                stack.append((e1, cut, d + 1))
            if failing is not None:
                break
    certified = failing is None
    cs = f"{c}" if c.denominator == 1 else f"({c})"
    statement = (f"for every n ∈ [{n_min}, {N}] and ε ∈ [{eps[0]}, {eps[1]}]: "
                 f"P[|χ²_n/n - 1| ≤ ε] ≥ 1 - {fac}·exp(-ε²n/({cs}(ε+1)))")
    method = ("exact failure probability P(n/2, n(1-ε)/2) + Q(n/2, n(1+ε)/2) enclosed "
              "rigorously: lower tail by its power series (exact rational partial sum, "
              "geometric remainder bound), upper tail by the finite sums for integer and "
              "half-integer n/2 (erfc by 1 - P(1/2, z) for z ≤ 16, else the A&S 7.1.13 bounds), "
              f"e^(-z), √z, √π in mpmath.iv ({prec} bits); monotonicity of both sides in ε "
              "for ε ≥ 0 turns point enclosures into interval proofs; split points greedy.")
    box = {"n": (n_min, N), "eps": (float(eps[0]), float(eps[1]))}
    return Certificate("prop9", statement, box, certified, boxes, depth_max,
                       time.perf_counter() - t0, failing, method)


def _prop9_failing(n, e1, e2, kind, at, Fv, Bv) -> dict:
    detail = "budget spent before this interval was decided" if kind == "unresolved" else (
        f"P[|χ²/n - 1| > ε] ∈ [{mp.nstr(_lo(Fv), 8)}, {mp.nstr(_hi(Fv), 8)}] > bound "
        f"∈ [{mp.nstr(_lo(Bv), 8)}, {mp.nstr(_hi(Bv), 8)}]")
    return {"kind": kind, "part": "chi-square", "box": {"n": [n, n], "eps": [float(e1),
            float(e2)]}, "witness": None if at is None else {"n": n, "eps": float(at)},
            "detail": detail}


# ---------------------------------------------------------------------------------------------
# The interface used by the verification report


#: Budgets per mode; the boxes of prop1/prop2/lemma1 close in a few boxes at any size, so quick
#: and default share them and only Prop 9's range of n grows.
_PLANS = {
    "quick": dict(prop9=dict(N=30, eps=("0", "100"))),
    "default": dict(prop9=dict(N=150, eps=("0", "100"))),
    "thorough": dict(prop1=dict(sigma2=("1e-12", "1e12"), sigmahat2=("1e-12", "1e12")),
                     prop2=dict(sigma2=("1e-12", "1e12"), v=("1e-12", "1e12"),
                                T=("1e-6", "1000")),
                     lemma1=dict(sigmahat2=("1e-12", "1e12"), C=("1", "1e12"),
                                 T=("1e-6", "1000")),
                     prop9=dict(N=400, eps=("0", "1000"))),
}

_CERTIFIERS = {"prop1": certify_prop1, "prop2": certify_prop2, "lemma1": certify_lemma1,
               "prop9": certify_prop9}


def certificate_for(claim_id: str, quick: bool, thorough: bool = False) -> Certificate | None:
    """The interval certificate of a claim of Wu et al. (2025), or ``None`` if the claim has
    none (``CLAIM_IDS`` lists those that do). ``quick`` and ``thorough`` choose the budget
    (``thorough`` wins): quick (Prop 9 for ``n ≤ 30``; about 1 s for all four once SymPy's
    identities are cached, 3-4 s in a cold process), default (``n ≤ 150``, about 6 s), thorough
    (boxes ``[1e-12, 1e12]``, ``T ∈ [1e-6, 1000]``, ``n ≤ 400``, ``ε ≤ 1000``: about a minute).
    See ``docs/certificates.md``."""
    if claim_id not in _CERTIFIERS:
        return None
    plan = _PLANS["thorough" if thorough else "quick" if quick else "default"]
    return _CERTIFIERS[claim_id](**plan.get(claim_id, {}))

"""The falsifier: a search for counterexamples over a claim's whole admissible domain.

Each claim of Wu et al. (arXiv:2510.08409) that quantifies over parameters supplies a
:class:`Falsifier`: a box of search coordinates, a ``decode`` from the box to a setting inside
the printed hypotheses (:mod:`ldmstop.verify.domain`), and a continuous **violation margin**
``margin(setting, M)`` — how far the setting is from failing (``> 0``: the statement is
violated there; e.g. ``(W²(d_claimed, t) − min_d W²(d, t)) / scale``) — written once against a
numeric namespace ``M`` (:data:`F64` for ``math`` in float64, :func:`mp_namespace` for mpmath
at any precision).

:func:`run_search` then

1. evaluates deterministic **edge** settings (bounds of every range, ties, σ near 0, 1 and above
   1, T from 1e-4 to 50, n from its minimum to 1e6 …) and **seeded random** ones;
2. maximises the margin in float64 with ``scipy.optimize.differential_evolution`` (Storn &
   Price 1997), one or more seeded restarts;
3. **re-checks** the best candidates (and every one with a float64 margin above 0) at ≥ 50
   digits: a float64 margin above 0 that vanishes at 50 digits is recorded as a precision
   artefact, never as a counterexample;
4. **shrinks** a confirmed counterexample to a readable one (fewest components, values rounded
   to one or two significant digits, the horizon moved towards the paper's T = 2 as far as it
   still fails), keeping every move inside the hypotheses and failing at 30 digits (the shrunk
   counterexample is then certified at 50 and 100 digits; if it did not hold up there, the
   unshrunk one is certified instead);
5. re-verifies the shrunk counterexample at 100 digits with the same formula and with the
   claim's **independent route** (brute force, ODE, full-matrix Fréchet distance, quadrature…),
   and reports the margin and the number of digits on which the evaluations agree.

The result records the budget spent and the range covered per parameter, so that "holds" is
always "holds on what was searched".
"""

from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple

import mpmath as mp
import numpy as np

__all__ = ["Coord", "Falsifier", "Budget", "BUDGETS", "SearchResult", "run_search", "F64",
           "mp_namespace", "readable", "to_mp", "to_json_value", "tolerance"]


# ------------------------------------------------------------------------ numeric namespaces
class _F64:
    """float64 namespace (the ``math`` module); ``num`` converts a setting value."""

    name = "float64"
    sqrt = staticmethod(math.sqrt)
    exp = staticmethod(math.exp)
    expm1 = staticmethod(math.expm1)
    log = staticmethod(math.log)
    log1p = staticmethod(math.log1p)
    cos = staticmethod(math.cos)
    acos = staticmethod(math.acos)
    pi = math.pi
    inf = math.inf
    dps = 15

    @staticmethod
    def num(v) -> float:
        return float(v)

    @staticmethod
    def fsum(it) -> float:
        return math.fsum(it)


F64 = _F64()


class _MP:
    name = "mpmath"
    sqrt = staticmethod(mp.sqrt)
    exp = staticmethod(mp.exp)
    expm1 = staticmethod(mp.expm1)
    log = staticmethod(mp.log)
    log1p = staticmethod(mp.log1p)
    cos = staticmethod(mp.cos)
    acos = staticmethod(mp.acos)
    inf = mp.inf

    @property
    def pi(self):
        return +mp.pi

    @property
    def dps(self) -> int:
        return mp.mp.dps

    @staticmethod
    def num(v):
        return to_mp(v)

    @staticmethod
    def fsum(it):
        return mp.fsum(it)


_MPNS = _MP()


def mp_namespace():
    """The mpmath namespace; the precision is the caller's ``mp.workdps``."""
    return _MPNS


def to_mp(v):
    """A setting value at the current precision: decimal strings are read as decimals (so a
    shrunk ``"0.1"`` is the decimal 0.1 to every precision), floats exactly (binary)."""
    if isinstance(v, str):
        return mp.mpf(v)
    if isinstance(v, (list, tuple)):
        return [to_mp(x) for x in v]
    if isinstance(v, mp.mpf):
        return +v
    if isinstance(v, (int, np.integer)):
        return mp.mpf(int(v))
    return mp.mpf(float(v))


def to_json_value(v):
    """A setting value for the report: decimal strings and mpf become floats (or a string when
    a float cannot hold them), lists recursively."""
    if isinstance(v, (list, tuple)):
        return [to_json_value(x) for x in v]
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return v
        return f if math.isfinite(f) and (f != 0 or mp.mpf(v) == 0) else v
    if isinstance(v, mp.mpf):
        f = float(v)
        return f if (f != 0.0 or v == 0) and math.isfinite(f) else mp.nstr(v, 8)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def tolerance(dps: int):
    """A margin counts as a violation only above ``10^-(dps-10)``: ten digits of head-room for
    the cancellations of the margins, the same rule as the claims' identity checks."""
    return mp.mpf(10) ** (-(dps - 10))


def readable(v: float, digits: int) -> str:
    """``v`` rounded to ``digits`` significant digits, as a decimal string (``"0.05"``)."""
    if v == 0 or not math.isfinite(v):
        return repr(float(v))
    return f"{float(f'{v:.{digits}g}'):.{digits}g}" if abs(v) < 1e16 else f"{v:.{digits}g}"


# ------------------------------------------------------------------------------- the claim side
class Coord(NamedTuple):
    """One search coordinate: ``[lo, hi]``, sampled log-uniformly when ``log``."""

    name: str
    lo: float
    hi: float
    log: bool = False
    integer: bool = False


class Falsifier:
    """What a claim gives the search. Subclasses set ``coords`` and implement ``decode`` and
    ``margin``; they should implement ``independent`` (a second route) and ``edges``.

    Settings are dicts keyed by the claim's parameter names (``T``, ``C``, ``sigma2``, …);
    values are floats, ints, decimal strings or lists of those. ``vectors`` names the
    per-component lists that are dropped together when shrinking; ``scalars`` the values
    rounded one by one; ``time_keys`` the times scaled with ``T`` when the horizon moves.
    """

    claim_id: str = ""
    coords: list[Coord] = []
    vectors: tuple[str, ...] = ()
    scalars: tuple[str, ...] = ()
    time_keys: tuple[str, ...] = ("t",)
    min_components: int = 1
    #: whether shrinking may drop components of ``vectors`` (off when other parameters, e.g. a
    #: matrix, are sized by them: the claim's ``extra_moves`` drop them consistently)
    drop_components: bool = True
    #: where the horizon is moved when shrinking (the paper's T = 2); None: leave T alone
    readable_T: float | None = 2.0
    T_range: tuple[float, float] = (1e-4, 50.0)
    #: the horizon is part of a fixed setting (a figure's T = 2): no validity scan along T
    T_fixed: bool = False
    #: what the margin measures (shown in the report)
    margin_what: str = ""
    #: independent route used at 100 digits (shown in the report)
    independent_what: str = "the same formula (no independent route)"
    independent_dps: int = 100
    #: cap on the 50-digit re-checks of a claim whose high-precision margin is costly
    max_recheck: int | None = None
    #: fraction of the budget's random and DE evaluations (a low-dimensional domain, e.g. the
    #: four estimate draws of Figure 4 right, needs fewer)
    budget_scale: float = 1.0

    # -- required
    def decode(self, x: np.ndarray) -> dict | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def margin(self, s: dict, M) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- optional
    def admissible(self, s: dict) -> bool:
        """The printed hypotheses, checked at the current mpmath precision (shrinking)."""
        return True

    def independent(self, s: dict):
        """The margin by a route independent of :meth:`margin` (at the current precision)."""
        return self.margin(s, _MPNS)

    def edges(self) -> list[dict]:
        return []

    def extra_moves(self, s: dict) -> Iterable[dict]:
        return ()

    def time_candidates(self, s: dict) -> list:
        """Values of the time parameter (``time_keys[0]``) at which a validity scan looks for
        the worst case at a given horizon: claims quantified "for every t" fail at T if they
        fail at *some* t. A log grid towards both ends of [0, T]; claims add their thresholds."""
        if not self.time_keys or self.time_keys[0] not in s:
            return []
        T = float(s["T"])
        k = self.time_keys[0]
        rel = sorted(set(np.logspace(-12, 0, 61).tolist()) | set(np.linspace(0, 1, 41).tolist()))
        if k == "t":  # backward time: dense near t = T too
            rel = sorted(set(rel) | {1 - r for r in rel if r > 0})
        return [T * r for r in rel]

    def with_T(self, s: dict, T) -> dict:
        """The setting with horizon ``T``; times in ``time_keys`` keep their fraction of T."""
        out = dict(s)
        T_old = float(s["T"])
        out["T"] = T
        for k in self.time_keys:
            if k in s:
                out[k] = float(s[k]) / T_old * float(T)
        return out

    def describe(self, s: dict) -> dict:
        """The counterexample as the report shows it (keys name the parameters)."""
        return {k: to_json_value(v) for k, v in s.items() if not k.startswith("_")}


# ----------------------------------------------------------------------------------- budgets
@dataclass(frozen=True)
class Budget:
    """Search effort per claim: random settings, differential-evolution evaluations per
    restart and restarts, candidates re-checked at 50 digits."""

    name: str
    random: int
    de_evals: int
    restarts: int
    recheck: int

    def total(self, n_edges: int = 0) -> int:
        return n_edges + self.random + self.de_evals * self.restarts


BUDGETS = {
    "quick": Budget("quick", random=150, de_evals=700, restarts=1, recheck=2),
    "default": Budget("default", random=600, de_evals=2000, restarts=2, recheck=6),
    "thorough": Budget("thorough", random=6000, de_evals=12000, restarts=4, recheck=16),
}


# ------------------------------------------------------------------------------------ result
@dataclass
class SearchResult:
    claim: str
    variant: str
    budget: str
    seed: int
    evaluations: int = 0
    admissible: int = 0
    phases: dict = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    float64_errors: int = 0
    best_margin64: float = -math.inf
    best_setting: dict | None = None
    rechecked: int = 0
    precision_artefacts: int = 0
    closest_margin50: Any = None
    closest_setting: dict | None = None
    counterexample: dict | None = None
    counterexample_raw: dict | None = None
    unconfirmed: dict | None = None
    setting: dict | None = None
    certificate: dict | None = None
    seconds: float = 0.0
    margin_what: str = ""
    independent_what: str = ""

    @property
    def refuted(self) -> bool:
        return self.counterexample is not None

    def to_json(self) -> dict:
        out = {
            "variant": self.variant, "budget": self.budget, "seed": self.seed,
            "evaluations": self.evaluations, "admissible": self.admissible,
            "phases": self.phases, "coverage": self.coverage,
            "float64_errors": self.float64_errors,
            "best_margin_float64": _finite(self.best_margin64),
            "rechecked_at_50_digits": self.rechecked,
            "precision_artefacts": self.precision_artefacts,
            "closest_margin_50_digits": to_json_value(self.closest_margin50)
            if self.closest_margin50 is not None else None,
            "closest_setting": self.closest_setting,
            "margin": self.margin_what, "independent_route": self.independent_what,
            "refuted": self.refuted, "seconds": round(self.seconds, 3),
        }
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        if self.certificate is not None:
            out["certificate"] = self.certificate
        if self.unconfirmed is not None:
            out["unconfirmed_candidate"] = self.unconfirmed
        return out


def _finite(v: float):
    return v if math.isfinite(v) else None


# ------------------------------------------------------------------------------------ engine
_PENALTY = 1e3  # objective for a decode outside the hypotheses or a float64 failure


class _Evaluator:
    """Counts evaluations, tracks coverage and keeps the best candidates (float64)."""

    def __init__(self, f: Falsifier, keep: int, tick: Callable[[int], None] | None):
        self.f = f
        self.n = 0
        self.ok = 0
        self.errors = 0
        self.coverage: dict = {}
        self.keep = keep
        self.pool: list[tuple[float, dict]] = []
        self.positive: list[tuple[float, dict]] = []
        self.edge_positive: list[tuple[float, dict]] = []
        self.in_edges = False
        self.tick = tick
        self._pending = 0

    def _cover(self, s: dict) -> None:
        """Range covered per parameter: min/max of scalars and of vector entries, the lengths of
        vectors, the choices seen; matrices by their size only (cheap: it runs on every
        evaluation)."""
        cov = self.coverage
        for k, v in s.items():
            if k[0] == "_":
                continue
            c = cov.get(k)
            if c is None:
                c = cov[k] = {}
            if isinstance(v, str):
                c.setdefault("values", set()).add(v)
                continue
            if isinstance(v, (list, tuple)):
                n = len(v)
                if n and isinstance(v[0], (list, tuple)):
                    c["size_min"] = min(c.get("size_min", n), n)
                    c["size_max"] = max(c.get("size_max", n), n)
                    continue
                c["length_min"] = min(c.get("length_min", n), n)
                c["length_max"] = max(c.get("length_max", n), n)
                if not n:
                    continue
                lo, hi = min(v), max(v)
            else:
                lo = hi = v
            lo, hi = float(lo), float(hi)
            if "min" not in c:
                c["min"], c["max"] = lo, hi
            else:
                if lo < c["min"]:
                    c["min"] = lo
                if hi > c["max"]:
                    c["max"] = hi

    def setting_margin(self, s: dict | None) -> float:
        self.n += 1
        self._pending += 1
        if self.tick is not None and self._pending >= 200:
            self.tick(self._pending)
            self._pending = 0
        if s is None:
            return -_PENALTY
        self.ok += 1
        self._cover(s)
        try:
            with np.errstate(all="ignore"):
                m = float(self.f.margin(s, F64))
        except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError):
            self.errors += 1
            return -_PENALTY
        if not math.isfinite(m):
            self.errors += 1
            return -_PENALTY
        self._offer(m, s)
        return m

    def _offer(self, m: float, s: dict) -> None:
        if m > 0 and self.in_edges:  # hand-typed, readable settings: candidates for the report
            self.edge_positive.append((m, s))
        if m > 0:
            self.positive.append((m, s))
            if len(self.positive) > 4 * self.keep:
                self.positive.sort(key=lambda p: -p[0])
                del self.positive[2 * self.keep:]
        if len(self.pool) < self.keep or m > self.pool[-1][0]:
            self.pool.append((m, s))
            self.pool.sort(key=lambda p: -p[0])
            # keep distinct margins (DE converges: many near-identical copies)
            uniq: list[tuple[float, dict]] = []
            for p in self.pool:
                if not uniq or abs(p[0] - uniq[-1][0]) > 1e-12 * (1 + abs(p[0])):
                    uniq.append(p)
            self.pool = uniq[: self.keep]

    def flush(self) -> None:
        if self.tick is not None and self._pending:
            self.tick(self._pending)
            self._pending = 0


def _is_number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def _rng(claim: str, variant: str, seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(f"{claim}/{variant}".encode())]))


def _random_points(coords: list[Coord], rng: np.random.Generator, n: int) -> np.ndarray:
    u = rng.random((n, len(coords)))
    out = np.empty_like(u)
    for j, c in enumerate(coords):
        if c.log:
            lo, hi = math.log(c.lo), math.log(c.hi)
            out[:, j] = np.exp(lo + u[:, j] * (hi - lo))
        else:
            out[:, j] = c.lo + u[:, j] * (c.hi - c.lo)
        if c.integer:
            out[:, j] = np.floor(out[:, j] + 0.5).clip(c.lo, c.hi)
    return out


def _to_box(coords: list[Coord]) -> tuple[list, Callable[[np.ndarray], np.ndarray], np.ndarray]:
    """Bounds in the optimiser's space (log coordinates in log space) and the map back."""
    bounds, integ = [], []
    for c in coords:
        if c.log:
            bounds.append((math.log(c.lo), math.log(c.hi)))
        else:
            bounds.append((c.lo, c.hi))
        integ.append(bool(c.integer and not c.log))

    def back(z: np.ndarray) -> np.ndarray:
        x = np.array(z, dtype=float)
        for j, c in enumerate(coords):
            if c.log:
                x[j] = math.exp(x[j])
                if c.integer:
                    x[j] = float(np.clip(np.floor(x[j] + 0.5), c.lo, c.hi))
        return x

    return bounds, back, np.array(integ)


def _margin_mp(f: Falsifier, s: dict, dps: int):
    with mp.workdps(dps):
        try:
            return +f.margin(s, _MPNS)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None


SHRINK_DPS = 30  # shrinking works at 30 digits; the result is certified at 50 and 100


def _fails(f: Falsifier, s: dict, dps: int = SHRINK_DPS) -> bool:
    with mp.workdps(dps):
        if not f.admissible(s):
            return False
    m = _margin_mp(f, s, dps)
    return m is not None and m > tolerance(dps)


def run_search(f: Falsifier, *, variant: str = "paper", budget: Budget | str = "default",
               seed: int = 0, tick: Callable[[int], None] | None = None,
               shrink: bool = True) -> SearchResult:
    """Search the claim's domain for a counterexample (module docstring: steps 1–5)."""
    from scipy.optimize import differential_evolution

    if isinstance(budget, str):
        budget = BUDGETS[budget]
    t0 = time.perf_counter()
    res = SearchResult(claim=f.claim_id, variant=variant, budget=budget.name, seed=seed,
                       margin_what=f.margin_what, independent_what=f.independent_what)
    ev = _Evaluator(f, keep=max(budget.recheck, 4), tick=tick)
    rng = _rng(f.claim_id, variant, seed)

    edges = f.edges()
    outside = 0
    ev.in_edges = True
    for s in edges:
        with mp.workdps(20):  # edges are typed by hand: keep only those inside the hypotheses
            inside = f.admissible(s)
        if inside:
            ev.setting_margin(s)
        else:
            outside += 1
    n_edges = ev.n
    ev.in_edges = False
    if f.budget_scale != 1.0:
        budget = Budget(budget.name, random=max(20, int(budget.random * f.budget_scale)),
                        de_evals=max(100, int(budget.de_evals * f.budget_scale)),
                        restarts=budget.restarts, recheck=budget.recheck)
    pts = _random_points(f.coords, rng, budget.random)
    for x in pts:
        ev.setting_margin(f.decode(x))
    n_random = ev.n - n_edges

    bounds, back, integ = _to_box(f.coords)
    dim = len(bounds)
    pop = int(min(60, max(15, 5 * dim)))
    popsize = max(2, int(math.ceil(pop / dim)))
    maxiter = max(1, budget.de_evals // (popsize * dim) - 1)

    def objective(z):
        return -ev.setting_margin(f.decode(back(z)))

    de_runs = []
    for r in range(budget.restarts):
        before = ev.n
        kw = {}
        if integ.any():
            kw["integrality"] = integ
        out = differential_evolution(objective, bounds, maxiter=maxiter, popsize=popsize,
                                     # atol < 0: never "converged" — the budget is spent in full,
                                     # also on flat stretches (a margin ≡ 0, penalties)
                                     tol=0.0, atol=-1.0, polish=False, init="latinhypercube",
                                     mutation=(0.5, 1.0), recombination=0.7,
                                     seed=int(rng.integers(2**31 - 1)), updating="deferred", **kw)
        de_runs.append({"evaluations": ev.n - before, "best_margin": _finite(-float(out.fun))})
    ev.flush()
    res.evaluations, res.admissible, res.float64_errors = ev.n, ev.ok, ev.errors
    res.phases = {"edges": n_edges, "edges_outside_hypotheses": outside, "random": n_random,
                  "differential_evolution": de_runs}
    res.coverage = {k: ({kk: sorted(vv) if isinstance(vv, set) else vv for kk, vv in c.items()})
                    for k, c in ev.coverage.items()}
    if ev.pool:
        res.best_margin64 = ev.pool[0][0]
        res.best_setting = f.describe(ev.pool[0][1])

    # 3. re-check at 50 digits: the best candidates and every positive float64 margin
    cands = list(ev.pool)
    seen = {id(s) for _, s in cands}
    for m, s in sorted(ev.positive, key=lambda p: -p[0])[: 2 * budget.recheck]:
        if id(s) not in seen:
            cands.append((m, s))
            seen.add(id(s))
    cands.sort(key=lambda p: -p[0])
    for m, s in sorted(ev.edge_positive, key=lambda p: -p[0])[:2]:  # readable hand-typed ones
        if id(s) not in seen:
            cands.append((m, s))
            seen.add(id(s))
    tol50 = tolerance(50)
    confirmed: list[tuple] = []
    closest = None
    n_re = max(budget.recheck, len([c for c in cands if c[0] > 0]))
    if f.max_recheck is not None:
        n_re = min(n_re, f.max_recheck)
    edge_ids = {id(s) for _, s in ev.edge_positive}
    for k, (m64, s) in enumerate(cands):
        if k >= n_re and id(s) not in edge_ids:
            continue
        res.rechecked += 1
        with mp.workdps(50):
            ok = f.admissible(s)
        m50 = _margin_mp(f, s, 50) if ok else None
        if m50 is None:
            continue
        if closest is None or m50 > closest[0]:
            closest = (m50, s)
        if m50 > tol50:
            confirmed.append((m50, s))
        elif m64 > 0:
            res.precision_artefacts += 1
    if closest is not None:
        res.closest_margin50 = closest[0]
        res.closest_setting = f.describe(closest[1])
    if confirmed:
        # shrink the largest-margin counterexample and the best hand-typed one; report the
        # simplest result (fewest components, fewest digits, values closest to 1)
        confirmed.sort(key=lambda p: -p[0])
        picks = [confirmed[0]] + [c for c in confirmed[1:] if id(c[1]) in edge_ids][:1]
        done = []
        for m50, raw in picks:
            cx = shrink_counterexample(f, raw) if shrink else raw
            done.append((_complexity(f.describe(cx)), cx, raw))
        done.sort(key=lambda p: p[0])
        _, cx, raw = done[0]
        cert = certify_counterexample(f, cx)
        if not cert["confirmed"] and cx is not raw:  # the shrunk one must hold up; else the raw
            cx, cert = raw, certify_counterexample(f, raw)
        res.counterexample_raw = f.describe(raw)
        res.certificate = cert
        if cert["confirmed"]:
            res.counterexample = f.describe(cx)
            res.setting = cx
        else:
            res.unconfirmed = f.describe(cx)
    res.seconds = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------------- shrinking
def _complexity(d: dict) -> tuple:
    """How hard a counterexample is to read: (components, significant digits, |log10| of
    the values) — the report shows the smallest."""
    comps, digits, mags = 0, 0, 0.0

    def walk(v, top):
        nonlocal comps, digits, mags
        if isinstance(v, (list, tuple)):
            if top:
                comps = max(comps, len(v))
            for x in v:
                walk(x, False)
            return
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return
        f = float(v)
        if f != 0 and math.isfinite(f):
            digits += len(f"{abs(f):.6g}".replace(".", "").replace("e-0", "").lstrip("0").split("e")[0])
            mags += abs(math.log10(abs(f)))

    for k, v in d.items():
        if k not in ("t", "s", "margin", "digits_agreeing"):
            walk(v, True)
    return (comps, digits, mags)


def _component_drops(f: Falsifier, s: dict) -> Iterable[dict]:
    if not f.vectors or not f.drop_components:
        return
    n = len(s[f.vectors[0]])
    if n <= f.min_components:
        return
    for k in range(n - 1, -1, -1):  # drop from the end first: keeps the leading components
        out = dict(s)
        for key in f.vectors:
            if key in s:
                out[key] = [v for i, v in enumerate(s[key]) if i != k]
        yield out


def _round_variants(v: float, digits: int) -> list[str]:
    """``v`` to ``digits`` significant digits: nearest, then rounded down and up."""
    if v == 0 or not math.isfinite(v):
        return []
    e = math.floor(math.log10(abs(v))) - digits + 1
    q = v / 10.0**e
    out = []
    for r in (round(q), math.floor(q), math.ceil(q)):
        txt = readable(r * 10.0**e, digits)
        if txt not in out and float(txt) != v:
            out.append(txt)
    return out


def _roundings(f: Falsifier, s: dict, digits: int) -> Iterable[dict]:
    for key in f.scalars:
        if key not in s or isinstance(s[key], str):
            continue
        for r in _round_variants(float(s[key]), digits):
            out = dict(s)
            out[key] = r
            yield out
    for key in f.vectors:
        if key not in s:
            continue
        vals = s[key]
        if all(isinstance(v, str) for v in vals):
            continue
        out = dict(s)
        out[key] = [v if isinstance(v, str) else readable(float(v), digits) for v in vals]
        yield out
        for i, v in enumerate(vals):
            if isinstance(v, str):
                continue
            for r in _round_variants(float(v), digits):
                out = dict(s)
                out[key] = list(vals)
                out[key][i] = r
                yield out


_LADDER = [50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001,
           5e-4, 2e-4, 1e-4]


def _move_T(f: Falsifier, s: dict) -> dict:
    """Move the horizon towards the paper's T = 2 as far as the setting still fails, then to a
    readable value on the failing side (so a claim that fails below a boundary shows the
    largest failing T found, one that fails above it the smallest)."""
    if f.readable_T is None or "T" not in s:
        return s
    target = float(f.readable_T)
    cand = f.with_T(s, repr(target))
    if _fails(f, cand):
        return cand
    lo, hi = float(s["T"]), target  # fails at lo, holds at hi
    below = lo < hi
    for _ in range(40):
        mid = math.sqrt(lo * hi)
        if _fails(f, f.with_T(s, repr(mid))):
            lo = mid
        else:
            hi = mid
        if abs(hi - lo) <= 1e-3 * min(lo, hi):
            break
    options = sorted({float(readable(lo, k)) for k in (1, 2, 3)} | set(_LADDER), reverse=below)
    for v in options:
        if (below and v <= lo) or (not below and v >= lo):
            c = f.with_T(s, repr(v) if v in _LADDER else readable(v, 3))
            if _fails(f, c):
                return c
    return f.with_T(s, repr(lo))


def shrink_counterexample(f: Falsifier, s: dict, max_evals: int = 150) -> dict:
    """Greedy shrinking at 30 digits (certified afterwards at 50 and 100): drop components, round values (1, then 2, then 3
    significant digits), claim-specific moves, then the horizon; every move must stay inside
    the hypotheses and still fail."""
    evals = 0
    changed = True
    cur = s
    while changed and evals < max_evals:
        changed = False
        for gen in (lambda c: _component_drops(f, c), lambda c: f.extra_moves(c),
                    lambda c: _roundings(f, c, 1), lambda c: _roundings(f, c, 2),
                    lambda c: _roundings(f, c, 3)):
            for cand in gen(cur):
                if cand == cur:
                    continue
                evals += 1
                if _fails(f, cand):
                    cur = cand
                    changed = True
                    break
                if evals >= max_evals:
                    break
            if changed:
                break
    cur = _move_T(f, cur)
    # rounding again after the horizon moved
    for digits in (1, 2, 3):
        for cand in list(_roundings(f, cur, digits)):
            if evals < max_evals + 60 and _fails(f, cand):
                cur = cand
            evals += 1
    return cur


def _agree_digits(a, b) -> float:
    if a == b:  # identical to the working precision (e.g. an exact rational margin)
        return float(mp.mp.dps if mp.mp.dps > 50 else 100)
    den = max(abs(a), abs(b))
    if den == 0:
        return math.inf
    return float(-mp.log10(abs(a - b) / den))


def certify_counterexample(f: Falsifier, s: dict) -> dict:
    """Margins of the counterexample at 50 and 100 digits and by the independent route, the
    digits on which they agree, and the tolerance it exceeds: a refutation is a number, not a
    rounding artefact."""
    out: dict = {}
    with mp.workdps(100):
        inside = f.admissible(s)
    m50 = _margin_mp(f, s, 50)
    m100 = _margin_mp(f, s, 100)
    with mp.workdps(f.independent_dps):
        try:
            mi = +f.independent(s)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:  # reported, not hidden
            mi = None
            out["independent_error"] = f"{type(exc).__name__}: {exc}"
    tol100 = tolerance(100)
    digits = []
    if m50 is not None and m100 is not None:
        digits.append(_agree_digits(m50, m100))
    if mi is not None and m100 is not None:
        digits.append(_agree_digits(mi, m100))
    agree = min(digits) if digits else 0.0
    out.update({
        "inside_hypotheses_at_100_digits": bool(inside),
        "margin_50_digits": to_json_value(m50) if m50 is not None else None,
        "margin_100_digits": to_json_value(m100) if m100 is not None else None,
        "margin_independent": to_json_value(mi) if mi is not None else None,
        "independent_route": f.independent_what,
        "independent_dps": f.independent_dps,
        "digits_agreeing": None if not math.isfinite(agree) else round(agree, 1),
        "tolerance_100_digits": float(tol100),
        "confirmed": bool(inside and m100 is not None and m100 > tol100
                          and (mi is None or mi > tolerance(f.independent_dps))),
    })
    if mi is None and "independent_error" not in out:
        out["confirmed"] = False
    return out

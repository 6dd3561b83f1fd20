"""Lemma 2(ii) (Wu et al. 2025, Appendix C): square roots and the Loewner order.

Printed (v1): "Lemma 2. Let A, B be two symmetric D × D real matrices, and S be an arbitrary
D × D real matrix. The following statements hold: (i) If A ⪯ B, then Sᵀ A S ⪯ Sᵀ B S. (ii) If
A² ⪯ B², then A ⪯ B. In particular if A and B are semi-definite positive, then A ⪯ B ⇒ √A ⪯ √B."

As printed for symmetric matrices, (ii) is false: ``A = 1, B = −1`` (D = 1) has ``A² = B²`` and
``A ⋠ B``; it holds for positive semi-definite A and B (the Löwner–Heinz inequality: the square
root is operator monotone), the only case the proof of Prop 7 uses. Two claims:

- ``lemma2ii``: the printed first sentence over all symmetric A, B (known erratum; corrected
  statement: the same for PSD A, B, verified by search);
- ``lemma2ii-psd``: the printed "in particular" sentence, ``0 ⪯ A ⪯ B ⇒ √A ⪯ √B``.

The search parametrises the hypotheses so that every decoded pair satisfies them (``A² ⪯ B²``:
``A = U diag(±√μ) Uᵀ`` with ``B² − P = U diag(μ) Uᵀ``, ``0 ⪯ P ⪯ B²``; PSD: ``A = LLᵀ``,
``B = A + MMᵀ``) and maximises ``−λ_min(B − A)`` (resp. ``−λ_min(√B − √A)``), relative to ``‖B‖``;
candidates are re-checked with ``mpmath.eigsy`` at 50 and 100 digits.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from ..claim import Claim, Context, Outcome
from ..domain import Domain, Param
from ..mutations import CodeMutation, NotApplicable
from ..search import F64, Coord, Falsifier, to_json_value
from ..transcribe import sym_sqrt

__all__ = ["Lemma2ii", "Lemma2iiPSD"]

DMAX = 4


def _sym(entries, D: int) -> np.ndarray:
    E = np.zeros((D, D))
    k = 0
    for i in range(D):
        for j in range(i, D):
            E[i, j] = E[j, i] = float(entries[k])
            k += 1
    return E


def _mpmat(rows) -> mp.matrix:
    return mp.matrix([[mp.mpf(v) for v in r] for r in rows])


def _lam_min_mp(M) -> mp.mpf:
    M = (M + M.T) / 2
    return min(mp.eigsy(M, eigvals_only=True))


def _psd_sqrt64(A: np.ndarray) -> np.ndarray:
    lam, U = np.linalg.eigh(0.5 * (A + A.T))
    return (U * np.sqrt(np.clip(lam, 0, None))) @ U.T


def _norm64(B: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvalsh(B)))) if B.size else 0.0


class _MatrixFalsifier(Falsifier):
    scalars = ()
    readable_T = None
    time_keys = ()

    def describe(self, s):
        return {"D": s["D"], "A": [[to_json_value(v) for v in r] for r in s["A"]],
                "B": [[to_json_value(v) for v in r] for r in s["B"]]}

    def extra_moves(self, s):
        D = s["D"]
        for digits in (0, 1):  # entries rounded to integers, then to one decimal
            r = lambda v: repr(float(round(float(v), digits)))  # noqa: E731
            yield dict(s, A=[[r(v) for v in row] for row in s["A"]],
                       B=[[r(v) for v in row] for row in s["B"]])
        if D > 1:  # the leading principal blocks
            for k in range(1, D):
                yield dict(s, D=k, A=[row[:k] for row in s["A"][:k]], B=[row[:k] for row in s["B"][:k]])
        for a, b in self.simplest():
            yield {"D": 1, "A": [[a]], "B": [[b]]}

    def simplest(self):
        return ()


class _Lemma2iiFalsifier(_MatrixFalsifier):
    claim_id = "lemma2ii"
    margin_what = "−λ_min(B − A)/(1 + ‖B‖) under A² ⪯ B² (> 0: A ⋠ B)"
    independent_what = "the Cholesky test: B − A + δI fails to factor (mpmath.cholesky) for δ = margin/2"
    extra_hypothesis = "A and B positive semi-definite"

    def __init__(self, variant: str):
        self.variant = variant
        self.psd = variant == "corrected"
        from ..validity import Axis

        def one(s, key, v):
            if s["D"] != 1:
                return None
            return dict(s, **{key: [[v]]})

        self.map_axes = (Axis("b (D = 1)", -2.0, 2.0, False, lambda s, v: one(s, "B", v),
                              lambda s: float(s["B"][0][0]) if s["D"] == 1 else None),
                         Axis("a (D = 1)", -2.0, 2.0, False, lambda s, v: one(s, "A", v),
                              lambda s: float(s["A"][0][0]) if s["D"] == 1 else None))
        ntri = DMAX * (DMAX + 1) // 2
        self.coords = ([Coord("D", 1, DMAX, integer=True), Coord("kappa", 0.0, 1.0),
                        Coord("scale", 1e-3, 1e3, log=True)]
                       + [Coord(f"b{i}", -1.0, 1.0) for i in range(ntri)]
                       + [Coord(f"p{i}", -1.0, 1.0) for i in range(ntri)]
                       + [Coord(f"sg{i}", -1.0, 1.0) for i in range(DMAX)])

    def decode(self, x):
        D = int(x[0])
        ntri = DMAX * (DMAX + 1) // 2
        B = _sym(x[3:3 + ntri], D) * float(x[2])
        if self.psd:
            B = B @ B.T  # PSD
        B2 = B @ B
        L = _sym(x[3 + ntri:3 + 2 * ntri], D)
        P = L @ L.T
        lmin = float(np.min(np.linalg.eigvalsh(B2)))
        nP = _norm64(P)
        P = P * (float(x[1]) * max(lmin, 0.0) / nP) if nP > 0 else P  # 0 ⪯ P ⪯ λ_min(B²) I
        mu, U = np.linalg.eigh(B2 - P)
        signs = np.ones(D) if self.psd else np.sign(np.array(x[3 + 2 * ntri:3 + 2 * ntri + D]) + 1e-300)
        A = (U * (signs * np.sqrt(np.clip(mu, 0, None)))) @ U.T
        return {"D": D, "A": A.tolist(), "B": B.tolist()}

    def admissible(self, s):
        A, B = _mpmat(s["A"]), _mpmat(s["B"])
        ok = _lam_min_mp(B * B - A * A) >= -mp.mpf(10) ** (-(mp.mp.dps - 5)) * (1 + mp.mnorm(B, 1) ** 2)
        if self.psd:
            ok = ok and _lam_min_mp(A) >= 0 and _lam_min_mp(B) >= 0
        return bool(ok)

    def margin(self, s, M):
        if M is F64:
            A, B = np.array(s["A"], float), np.array(s["B"], float)
            return -float(np.min(np.linalg.eigvalsh(B - A))) / (1 + _norm64(B))
        A, B = _mpmat(s["A"]), _mpmat(s["B"])
        return -_lam_min_mp(B - A) / (1 + max(abs(v) for v in mp.eigsy((B + B.T) / 2, eigvals_only=True)))

    def independent(self, s):
        A, B = _mpmat(s["A"]), _mpmat(s["B"])
        m = self.margin(s, _mpns())
        nB = 1 + max(abs(v) for v in mp.eigsy((B + B.T) / 2, eigvals_only=True))
        # A ⪯ B iff B − A + δI is positive definite for every δ > 0: with δ half the claimed
        # defect the Cholesky factorisation must break down
        try:
            mp.cholesky(B - A + mp.eye(s["D"]) * (abs(m) * nB / 2))
            return -abs(m)
        except (ZeroDivisionError, ValueError):
            return abs(m)

    def simplest(self):
        return ((repr(1.0), repr(-1.0)),)

    def edges(self):
        out = [{"D": 1, "A": [[1.0]], "B": [[-1.0]]}, {"D": 1, "A": [[0.5]], "B": [[1.0]]},
               {"D": 2, "A": [[1.0, 0.0], [0.0, 1.0]], "B": [[-1.0, 0.0], [0.0, -1.0]]}]
        if self.psd:
            out = [{"D": 1, "A": [[0.5]], "B": [[1.0]]},
                   {"D": 2, "A": [[1.0, 0.0], [0.0, 0.0]], "B": [[1.0, 0.0], [0.0, 1.0]]}]
        return out


class _Lemma2PSDFalsifier(_MatrixFalsifier):
    claim_id = "lemma2ii-psd"
    max_recheck = 4
    margin_what = "−λ_min(√B − √A)/(1 + ‖√B‖) under 0 ⪯ A ⪯ B (> 0: √A ⋠ √B)"
    independent_what = "square roots by Denman–Beavers iteration (mpmath.sqrtm), then eigsy"

    def __init__(self, variant: str):
        self.variant = variant
        ntri = DMAX * (DMAX + 1) // 2
        self.coords = ([Coord("D", 1, DMAX, integer=True), Coord("scale", 1e-3, 1e3, log=True),
                        Coord("gap", 1e-8, 1.0, log=True)]
                       + [Coord(f"l{i}", -1.0, 1.0) for i in range(ntri)]
                       + [Coord(f"m{i}", -1.0, 1.0) for i in range(ntri)])

    def decode(self, x):
        D = int(x[0])
        ntri = DMAX * (DMAX + 1) // 2
        L = _sym(x[3:3 + ntri], D)
        Mx = _sym(x[3 + ntri:3 + 2 * ntri], D)
        sc = float(x[1])
        # a ridge of 1e-12·scale keeps 0 ⪯ A ⪯ B true for the rounded float entries too
        A = L @ L.T * sc + 1e-12 * sc * np.eye(D)
        B = A + Mx @ Mx.T * sc * float(x[2]) + 1e-12 * sc * np.eye(D)
        return {"D": D, "A": A.tolist(), "B": B.tolist()}

    def admissible(self, s):
        A, B = _mpmat(s["A"]), _mpmat(s["B"])
        return bool(_lam_min_mp(A) >= 0 and _lam_min_mp(B - A) >= 0)

    def _power(self, M):
        return sym_sqrt((M + M.T) / 2) if self.variant != "control" else M * M

    def margin(self, s, M):
        if M is F64:
            A, B = np.array(s["A"], float), np.array(s["B"], float)
            if self.variant == "control":
                rA, rB = A @ A, B @ B
            else:
                rA, rB = _psd_sqrt64(A), _psd_sqrt64(B)
            return -float(np.min(np.linalg.eigvalsh(rB - rA))) / (1 + _norm64(rB))
        A, B = _mpmat(s["A"]), _mpmat(s["B"])
        with mp.workdps(2 * mp.mp.dps):  # square roots of near-singular matrices lose half
            rA, rB = self._power(A), self._power(B)
            nB = max(abs(v) for v in mp.eigsy((rB + rB.T) / 2, eigvals_only=True))
            out = -_lam_min_mp(rB - rA) / (1 + nB)
        return +out

    def independent(self, s):
        A, B = _mpmat(s["A"]), _mpmat(s["B"])
        with mp.workdps(2 * mp.mp.dps):
            if self.variant == "control":
                rA, rB = A * A, B * B
            else:
                rA, rB = mp.sqrtm(A), mp.sqrtm(B)
            nB = max(abs(v) for v in mp.eigsy((rB + rB.T) / 2, eigvals_only=True))
            out = -_lam_min_mp(rB - rA) / (1 + nB)
        return +out

    def simplest(self):
        return ((repr(1.0), repr(2.0)),)

    def edges(self):
        return [{"D": 1, "A": [[0.5]], "B": [[1.0]]},
                {"D": 2, "A": [[1.0, 0.0], [0.0, 0.0]], "B": [[2.0, 0.5], [0.5, 1.0]]},
                {"D": 2, "A": [[1.0, 1.0], [1.0, 1.0]], "B": [[2.0, 1.0], [1.0, 2.0]]}]


_REF: dict = {}


def _mpns():
    from ..search import mp_namespace

    return mp_namespace()


_MATRIX_PARAMS = (Param("D", "D ≥ 1", lo=1, kind="integer", search=(1, DMAX)),
                  Param("A", "A symmetric D × D", kind="matrix"),
                  Param("B", "B symmetric D × D", kind="matrix"))


class Lemma2ii(Claim):
    id = "lemma2ii"
    title = "Lemma 2(ii) as printed: A² ⪯ B² ⇒ A ⪯ B for symmetric A, B"
    source = "Wu et al. 2025, Lemma 2(ii)"
    hypotheses = "A, B symmetric D × D real matrices, A² ⪯ B²"
    statement = r"$A^2\preceq B^2\Rightarrow A\preceq B$"
    methods = ["search over (D, A, B) with A² ⪯ B² by construction: random + edges + differential "
               "evolution", "mpmath.eigsy at 50 and 100 digits", "Cholesky test (independent)"]
    residual_what = "none (an inequality between matrices)"
    control = "the reversed conclusion B ⪯ A under the PSD reading"
    corrected = (r"for positive semi-definite $A, B$: $A^2\preceq B^2\Rightarrow A\preceq B$ (operator "
                 r"monotonicity of the square root, Löwner–Heinz; the case the proof of Prop 7 uses)")
    code_control = NotApplicable("a statement about all symmetric matrices; the code computes square "
                                 "roots of PSD matrices only (checked under lemma2ii-psd)")
    domain = Domain(params=_MATRIX_PARAMS,
                    hypotheses=("A² ⪯ B² in the Loewner order",),
                    undefined=("none",),
                    quote="(ii) If A² ⪯ B², then A ⪯ B.")

    def falsifier(self, variant: str):
        return _Lemma2iiFalsifier(variant) if variant in ("paper", "corrected") else None

    def check(self, ctx: Context, variant: str) -> Outcome:
        out = Outcome()
        rng = ctx.rng(self.id)
        cases = [([[1]], [[-1]]), ([[2, 0], [0, 1]], [[-2, 0], [0, 3]])]
        for _ in range(ctx.n(4, 12)):  # PSD B, A = (B² − P)^{1/2} PSD with 0 ⪯ P ⪯ λ_min(B²)
            D = int(rng.integers(1, 5))
            L = rng.standard_normal((D, D))
            B = L @ L.T + 0.1 * np.eye(D)
            Mx = rng.standard_normal((D, D))
            P = Mx @ Mx.T
            P *= 0.5 * float(np.min(np.linalg.eigvalsh(B @ B))) / _norm64(P)
            cases.append((_psd_sqrt64(B @ B - P).tolist(), B.tolist()))
        for A, B in cases:
            A, B = _mpmat(A), _mpmat(B)
            D = A.rows
            out.n_settings += 1
            out.n_checks += 1
            psd = _lam_min_mp(A) >= 0 and _lam_min_mp(B) >= 0
            if variant in ("corrected", "control") and not psd:
                continue
            if _lam_min_mp(B * B - A * A) < -ctx.tol:
                continue  # hypothesis A² ⪯ B² fails
            lhs, rhs = (B, A) if variant == "control" else (A, B)
            if _lam_min_mp(rhs - lhs) < -ctx.tol:
                out.violate(D, D=D, A=[[A[i, j] for j in range(D)] for i in range(D)],
                            B=[[B[i, j] for j in range(D)] for i in range(D)],
                            lambda_min=_lam_min_mp(rhs - lhs),
                            what=("B ⋠ A (control)" if variant == "control" else "A ⋠ B although A² ⪯ B²"))
        return out


class Lemma2iiPSD(Claim):
    id = "lemma2ii-psd"
    title = "Lemma 2(ii), PSD part: 0 ⪯ A ⪯ B ⇒ √A ⪯ √B"
    source = "Wu et al. 2025, Lemma 2(ii)"
    hypotheses = "A, B positive semi-definite D × D, A ⪯ B"
    statement = r"$0\preceq A\preceq B\Rightarrow\sqrt A\preceq\sqrt B$"
    methods = ["search over (D, A, B) with 0 ⪯ A ⪯ B by construction: random + edges + differential "
               "evolution", "mpmath.eigsy square roots at 2·dps", "mpmath.sqrtm (independent)",
               "code: ldmstop.frechet.psd_sqrt and psd_sqrt_mp"]
    residual_what = "none (an inequality between matrices)"
    control = "squares for square roots: A ⪯ B ⇒ A² ⪯ B² (false)"
    code_what = "ldmstop.frechet.psd_sqrt (float64) and psd_sqrt_mp against eigsy at 2·dps digits"
    code_control = CodeMutation("attr:ldmstop.frechet:psd_sqrt",
                                "psd_sqrt as the entrywise square root √|a_ij|",
                                lambda f: (lambda A: np.sqrt(np.abs(np.asarray(A, float)))))
    domain = Domain(params=_MATRIX_PARAMS,
                    hypotheses=("A and B positive semi-definite", "A ⪯ B"),
                    undefined=("none",),
                    quote="In particular if A and B are semi-definite positive, then A ⪯ B ⇒ √A ⪯ √B.")

    def falsifier(self, variant: str):
        return _Lemma2PSDFalsifier(variant) if variant in ("paper", "control") else None

    def check(self, ctx: Context, variant: str) -> Outcome:
        out = Outcome()
        rng = ctx.rng(self.id)
        f = _Lemma2PSDFalsifier(variant)
        for _ in range(ctx.n(2, 6)):
            D = int(rng.integers(1, 5))
            x = np.concatenate([[D, 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-3, 0)],
                                rng.uniform(-1, 1, 2 * DMAX * (DMAX + 1) // 2)])
            s = f.decode(x)
            out.n_settings += 1
            out.n_checks += 1
            if not f.admissible(s):
                continue
            m = f.margin(s, _mpns())
            if m > ctx.tol:
                out.violate(D, D=D, margin=m, what="√A ⋠ √B" if variant == "paper" else "A² ⋠ B²")
        return out

    def compare_code(self, ctx: Context) -> Outcome:
        from ldmstop.frechet import psd_sqrt, psd_sqrt_mp

        out = Outcome()
        worst64 = 0.0
        worst = mp.mpf(0)
        rng = ctx.rng(self.id + "-code")
        for D in (1, 2, 3, 4):
            L = rng.standard_normal((D, D))
            A = L @ L.T
            if D > 1:
                A[-1, :] = A[:, -1] = 0.0  # a singular PSD matrix
                A[-1, -1] = 0.0
            Am = _mpmat(A.tolist())
            key = (mp.mp.dps, ctx.seed, D)
            if key not in _REF:  # cached: the code-side control re-runs this comparison
                with mp.workdps(2 * mp.mp.dps):
                    _REF[key] = sym_sqrt(Am)
            ref = _REF[key]
            got = psd_sqrt(A)
            got_mp = psd_sqrt_mp(Am)
            scale = 1 + max(abs(ref[i, j]) for i in range(D) for j in range(D))
            for i in range(D):
                for j in range(D):
                    worst64 = max(worst64, abs(float(got[i, j]) - float(ref[i, j])) / float(scale))
                    worst = max(worst, abs(got_mp[i, j] - ref[i, j]) / scale)
                    out.n_checks += 2
            out.n_settings += 1
        # psd_sqrt_mp works at the caller's precision: a singular matrix costs half the digits
        tol_mp = mp.mpf(10) ** (-(mp.mp.dps // 2 - 5))
        out.residual = worst
        out.residual_ok = worst <= tol_mp
        out.tolerance = tol_mp
        if worst64 > 1e-7:
            out.violate(1, what="ldmstop.frechet.psd_sqrt differs from the 2·dps-digit square root",
                        difference=worst64)
        out.notes.append(f"psd_sqrt within {worst64:.1e} (tolerance 1e-7 near singular), psd_sqrt_mp "
                         f"within {mp.nstr(worst, 3)} (tolerance 10^-(dps/2 − 5)) of eigsy at 2·dps")
        return out

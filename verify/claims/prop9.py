"""Prop 9 (Wu et al. 2025): concentration of the variance estimate.

``P[|(1/n) Σ_k X_k² - σ²| ≤ εσ²] ≥ 1 - 2 exp(-ε² n / (4(ε + 1)))`` for ``X_k ~ N(0, σ²)`` i.i.d.

Exact probability: ``(1/σ²) Σ X_k² ~ χ²(n)``; the failure probability
``P[χ²_n < n(1-ε)] + P[χ²_n > n(1+ε)]`` is a sum of regularised incomplete gamma functions
(``mpmath.gammainc``), cross-checked for small n against ``mpmath.quad`` of the chi-square
density. The comparison is made on failure probabilities (``1 - P`` against ``2 exp(…)``), which
keeps its digits when both are tiny. Also checked: Prop 3's per-component event probability
``≥ 1 - 2 e^{-ε² n/8}`` for ``ε ≤ 1`` (the union bound gives its ``1 - 2 d0 e^{-ε² n/8}``).
Control: the sharper, false bound ``1 - 2 exp(-ε² n / 2)``.

Printed (v1, Appendix B): "Proposition 9. Let (X_1, . . . , X_n) be sample drawn independently
from N(0, σ²). Then, for ε > 0, we have P[|(1/n) Σ X_i² − σ_d²| ≤ εσ_d²] ≥ 1 − 2 exp(−ε²n/(4(ε+1)))."
Quantified: n ≥ 1, every ε > 0 (searched on [1e-4, 1e3] log-uniformly and n on [1, 1e6]); σ
drops out (``Σ X_k²/σ² ~ χ²(n)``). The search maximises ``log(P_fail / bound)`` in float64
(regularised incomplete gamma functions, in log space in the far tails) and re-checks at 50
digits with :func:`failure_probability`. The code side: the estimator of ``ldmstop.problem``
(``draw_plugin_estimate``), whose empirical failure frequency must match the exact probability.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

import math

from ..claim import Claim, Context, Outcome
from ..domain import Domain, Param
from ..mutations import CodeMutation
from ..search import Coord, Falsifier

__all__ = ["Prop9", "failure_probability", "failure_bound"]


def _lentz_upper(k, z, eps, tiny):
    """The continued fraction of ``Q(k, z) Γ(k) e^z z^{-k}`` by the modified Lentz method
    (Numerical Recipes §6.2), converging for ``z > k + 1``; plain arithmetic, so it runs on
    floats and on mpf alike."""
    b = z + 1 - k
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 10**6):
        an = -i * (i - k)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    return h


def _upper_cf(k, z):
    """Regularised upper incomplete gamma ``Q(k, z)`` by its continued fraction, at the working
    precision (+10 digits); used where mpmath's series gives up."""
    with mp.workdps(mp.mp.dps + 10):
        h = _lentz_upper(k, z, mp.eps, mp.mpf(10) ** (-(mp.mp.dps + 10)))
        return +(mp.exp(-z + k * mp.log(z) - mp.loggamma(k)) * h)


_CACHE: dict = {}


def failure_probability(n: int, eps):
    """Cached :func:`_failure_probability` (the statement and its control share the values)."""
    key = (n, eps, mp.mp.dps)
    if key not in _CACHE:
        _CACHE[key] = _failure_probability(n, eps)
    return _CACHE[key]


def _failure_probability(n: int, eps):
    """``P[|χ²_n/n - 1| > ε]`` as the sum of the two tails, each a regularised incomplete gamma
    function (no ``1 - P`` cancellation, so tiny failure probabilities keep their digits)."""
    k = mp.mpf(n) / 2
    z = n * (1 + eps) / 2
    if z - k > 10 * mp.sqrt(k) + 10:
        # far tail: Q(k, z) itself (it may be astronomically small; 1 - P would lose it)
        if k > 1000:
            # mpmath's asymptotic series for Γ(k, z) stalls (or fails after seconds) for large
            # k; the continued fraction converges fast here and is pinned to gammainc in check.
            upper = _upper_cf(k, z)
        else:
            upper = mp.gammainc(k, z, mp.inf, regularized=True)
    else:
        # within ~10 standard deviations of the mean the tail is > 1e-25 and mpmath's series
        # for Γ(k, z) can fail to converge (z ≈ k, large k): 1 - P(k, z) at 30 extra digits.
        with mp.workdps(mp.mp.dps + 30):
            upper = 1 - mp.gammainc(k, 0, z, regularized=True)
    lower = mp.gammainc(k, 0, n * (1 - eps) / 2, regularized=True) if eps < 1 else mp.mpf(0)
    return +(lower + upper)


def density_failure_probability(n: int, eps):
    """The same by quadrature of the chi-square density at extra precision (second route):
    the two tails ``∫_0^{n(1-ε)} f_n + ∫_{n(1+ε)}^∞ f_n``."""
    with mp.workdps(mp.mp.dps + 20):
        k = mp.mpf(n) / 2
        lo = max(n * (1 - eps), mp.mpf(0))
        hi = n * (1 + eps)
        c = k * mp.log(2) + mp.loggamma(k)
        dens = lambda y: mp.exp((k - 1) * mp.log(y) - y / 2 - c)  # noqa: E731
        upper = mp.quad(dens, [hi, 2 * hi, mp.inf])
        # y = u² removes the y^{k-1} endpoint singularity (k = 1/2 for n = 1)
        lower = mp.quad(lambda u: dens(u * u) * 2 * u, [0, mp.sqrt(lo)]) if lo > 0 else mp.mpf(0)
        return +(lower + upper)


def failure_bound(n: int, eps, variant: str = "paper"):
    """``2 exp(-ε² n / (4(ε+1)))``, the printed bound on the failure probability (control:
    ``2 exp(-ε² n / 2)``)."""
    if variant == "control":
        return 2 * mp.exp(-eps**2 * n / 2)
    return 2 * mp.exp(-eps**2 * n / (4 * (eps + 1)))


def _log_lower_series(k: float, z: float) -> float:
    """log P(k, z) by its series (Numerical Recipes §6.2), converging for z < k + 1."""
    ap, term = k, 1.0 / k
    total = term
    for _ in range(100000):
        ap += 1
        term *= z / ap
        total += term
        if term < total * 1e-17:
            break
    return -z + k * math.log(z) - math.lgamma(k) + math.log(total)


def _log_upper_cf(k: float, z: float) -> float:
    """log Q(k, z) in float64 by the same continued fraction, for z > k + 1."""
    h = _lentz_upper(k, z, 1e-16, 1e-300)
    return -z + k * math.log(z) - math.lgamma(k) + math.log(h)


def log_failure64(n: int, eps: float) -> float:
    """log P[|χ²_n/n − 1| > ε] in float64: scipy's regularised incomplete gamma functions, and
    their log-space series / continued fraction where those underflow."""
    from scipy.special import gammainc, gammaincc

    k = n / 2.0
    zu = n * (1 + eps) / 2.0
    up = float(gammaincc(k, zu))
    if up > 1e-290:
        lu = math.log(up)
    elif zu > k + 1:
        lu = _log_upper_cf(k, zu)
    else:
        lu = math.log1p(-math.exp(_log_lower_series(k, zu)))
    if eps >= 1:
        return lu
    zl = n * (1 - eps) / 2.0
    lo = float(gammainc(k, zl))
    if lo > 1e-290:
        ll = math.log(lo)
    elif zl < k + 1:
        ll = _log_lower_series(k, zl)
    else:
        ll = math.log1p(-math.exp(_log_upper_cf(k, zl)))
    big, small = max(lu, ll), min(lu, ll)
    return big + math.log1p(math.exp(small - big))


class _Prop9Falsifier(Falsifier):
    claim_id = "prop9"
    scalars = ("eps",)
    readable_T = None
    margin_what = "log(P[|σ̂²/σ² − 1| > ε] / (2 exp(−ε²n/(4(ε+1))))) (> 0: the bound fails)"
    independent_what = ("χ² density by mpmath.quad (n ≤ 50) or the Lentz continued fraction vs "
                        "mpmath.gammainc (larger n)")

    def __init__(self, variant: str):
        self.variant = variant
        self.coords = [Coord("n", 1.0, 1e6, log=True, integer=True), Coord("eps", 1e-4, 1e3, log=True)]

    def decode(self, x):
        return {"n": int(x[0]), "eps": float(x[1])}

    def admissible(self, s):
        return int(s["n"]) >= 1 and mp.mpf(s["eps"]) > 0

    def log_bound(self, n, eps, M):
        if self.variant == "control":
            return M.log(2 * M.num(1)) - eps * eps * n / 2
        return M.log(2 * M.num(1)) - eps * eps * n / (4 * (eps + 1))

    def margin(self, s, M):
        n, eps = int(s["n"]), M.num(s["eps"])
        if M.name == "float64":
            return log_failure64(n, eps) - self.log_bound(n, eps, M)
        return mp.log(failure_probability(n, eps)) - self.log_bound(n, eps, M)

    def independent(self, s):
        n, eps = int(s["n"]), mp.mpf(s["eps"])
        if n <= 50:
            q = density_failure_probability(n, eps)
        else:
            k = mp.mpf(n) / 2
            z = n * (1 + eps) / 2
            up = _upper_cf(k, z) if z > k + 1 else 1 - mp.gammainc(k, 0, z, regularized=True)
            lo = mp.gammainc(k, 0, n * (1 - eps) / 2, regularized=True) if eps < 1 else mp.mpf(0)
            q = up + lo
        return mp.log(q) - self.log_bound(n, eps, _MPNS())

    def extra_moves(self, s):
        n = int(s["n"])
        for m in (1, 2, 5, 10, 100, 1000):
            if m < n:
                yield dict(s, n=m)

    def edges(self):
        return [{"n": n, "eps": e} for n in (1, 2, 3, 4, 5, 10, 100, 1000, 10**4, 10**5, 10**6)
                for e in (1e-4, 1e-3, 0.01, 0.1, 0.5, 0.999, 1.0, 1.001, 2.0, 10.0, 100.0, 1000.0)]


def _MPNS():
    from ..search import mp_namespace

    return mp_namespace()


class Prop9(Claim):
    id = "prop9"
    title = "Concentration of σ̂²: the bound against the exact chi-square probability"
    source = "Wu et al. 2025, Prop 9 (and Prop 3's event probability)"
    hypotheses = "X_k ~ N(0, σ²) i.i.d., n ≥ 1, ε > 0 (Prop 3's form: ε ≤ 1)"
    statement = (r"$P[|\frac1n\sum_k X_k^2-\sigma^2|\le\varepsilon\sigma^2]\ge "
                 r"1-2\exp(-\varepsilon^2 n/(4(\varepsilon+1)))$")
    methods = ["mpmath.gammainc (regularised, exact χ² CDF; Lentz continued fraction for far "
               "tails with n > 2000, pinned to gammainc)", "mpmath.quad of the χ² density at dps+20 (n ≤ 50)",
               "seeded random search over (n, ε)"]
    residual_what = "max relative |gammainc − quadrature| of the failure probability"
    control = "bound 1 − 2 exp(−ε² n / 2) (too sharp)"
    code_what = ("ldmstop.problem.draw_plugin_estimate: empirical frequency of |σ̂²/σ² − 1| > ε over "
                 "20,000 draws against the exact χ² probability (binomial z-score)")
    code_control = CodeMutation(
        "attr:ldmstop.problem:draw_plugin_estimate",
        "the estimator with n − 1 degrees of freedom (a centred estimate divided by n)",
        lambda f: (lambda sigma2, n, seed: f(sigma2, max(n - 1, 1), seed) * max(n - 1, 1) / n))
    domain = Domain(
        params=(Param("n", "n ≥ 1 samples", lo=1, kind="integer", search=(1, 1e6), log=True),
                Param("eps", "ε > 0", lo=0.0, lo_open=True, search=(1e-4, 1e3), log=True),
                Param("sigma2", "σ² > 0 (drops out: Σ X_k²/σ² ~ χ²(n))", lo=0.0, lo_open=True)),
        hypotheses=("X_1, …, X_n i.i.d. N(0, σ²)",),
        undefined=("none",),
        quote="for ε > 0, we have P[|(1/n) Σ Xi² − σd²| ≤ εσd²] ≥ 1 − 2 exp(−ε²n/(4(ε+1)))")

    def falsifier(self, variant: str):
        return _Prop9Falsifier(variant) if variant in ("paper", "control") else None

    def compare_code(self, ctx: Context) -> Outcome:
        from ldmstop.problem import draw_plugin_estimate

        out = Outcome()
        N = 20000
        worst_z = 0.0
        for n, e in ((1, "0.5"), (3, "0.5"), (10, "0.3"), (200, "0.1")):
            eps = mp.mpf(e)
            q = float(failure_probability(n, eps))
            hat = draw_plugin_estimate(np.ones(N), n, 12345 + n)
            freq = float(np.mean(np.abs(hat - 1.0) > float(eps)))
            z = (freq - q) / math.sqrt(q * (1 - q) / N)
            worst_z = max(worst_z, abs(z))
            out.n_checks += 1
            out.n_settings += 1
            if abs(z) > 5:
                out.violate(n, n=n, eps=eps, frequency=freq, probability=q, z=z,
                            what="the code's estimator does not have the χ² law of the paper's")
        out.residual = mp.mpf(worst_z)
        out.tolerance = mp.mpf(5)
        out.notes.append(f"draw_plugin_estimate: |z| ≤ {worst_z:.2f} over 4 (n, ε) (N = {N} draws "
                         f"each; tolerance |z| ≤ 5)")
        return out

    def check(self, ctx: Context, variant: str) -> Outcome:
        out = Outcome()
        ns = [1, 2, 3, 5, 8, 13, 20, 50, 100, 200, 500, 1000, 2000, 5000, 20000]
        epss = ["0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.3", "0.5", "0.75", "1", "1.5", "2", "3"]
        cases = [(n, mp.mpf(e)) for n in ns for e in epss]
        rng = ctx.rng(self.id)
        for _ in range(ctx.n(10, 100)):  # random search inside the hypotheses
            cases.append((int(10 ** rng.uniform(0, 4.5)), mp.mpf(float(10 ** rng.uniform(-2.5, 0.6)))))
        worst = mp.mpf(0)
        tightest = (mp.mpf(0), None)
        for n, eps in cases:
            q = failure_probability(n, eps)
            b = failure_bound(n, eps, variant)
            out.n_checks += 1
            ratio = q / b
            if b < 1 and ratio > tightest[0]:
                tightest = (ratio, (n, eps))
            if q > b * (1 + ctx.tol):
                out.violate(n, n=n, eps=eps, failure_probability=q, bound=b,
                            what="P[|σ̂²/σ² − 1| > ε] exceeds the printed bound")
            if variant == "paper" and eps <= 1:
                b3 = 2 * mp.exp(-eps**2 * n / 8)
                out.n_checks += 1
                if q > b3 * (1 + ctx.tol):
                    out.violate(n, n=n, eps=eps, failure_probability=q, bound_prop3=b3,
                                what="exceeds Prop 3's per-component bound 2e^{−ε²n/8}")
        if variant == "paper":
            quad_cases = ([(1, "0.5"), (50, "0.1")] if ctx.quick else
                          [(n, e) for n in (1, 5, 50) for e in ("0.1", "0.5", "2")])
            for n, e in quad_cases:
                eps = mp.mpf(e)
                q, r = failure_probability(n, eps), density_failure_probability(n, eps)
                worst = max(worst, abs(q - r) / q)
            for k, z in ((500, 1500), (1000, 1800), (900, 1300)):  # continued fraction vs gammainc
                k, z = mp.mpf(k), mp.mpf(z)
                ref = mp.gammainc(k, z, mp.inf, regularized=True)
                worst = max(worst, abs(_upper_cf(k, z) - ref) / ref)
        out.n_settings = len(cases)
        out.residual = worst
        out.residual_ok = worst <= ctx.tol
        if variant == "paper" and tightest[1] is not None:
            n, eps = tightest[1]
            out.notes.append(f"tightest case: n = {n}, ε = {mp.nstr(eps, 4)}: exact failure "
                             f"probability / bound = {mp.nstr(tightest[0], 4)} (≤ 1 everywhere checked)")
            out.data = {"tightest_ratio": tightest[0], "tightest_n": n, "tightest_eps": eps}
        return out


    def figures(self, ctx: Context, outcome: Outcome, folder: str) -> list[str]:
        from ..plotting import plt as get_plt, save

        plt = get_plt()
        ns = [int(v) for v in np.unique(np.geomspace(1, 20000, 60).astype(int))]
        fig, ax = plt.subplots(figsize=(7.2, 4.4))
        with mp.workdps(30):
            for e in ("0.02", "0.1", "0.5", "2"):
                eps = mp.mpf(e)
                # log10 in mpmath: the ratio underflows float64 for large n
                r = [float(mp.log10(failure_probability(n, eps) / failure_bound(n, eps))) for n in ns]
                ax.plot(ns, r, lw=1.3, label=f"ε = {e}")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_ylim(-40, 2)
        ax.set_xlabel("n")
        ax.set_ylabel("log10( exact failure probability / printed bound )")
        ax.set_title("Prop 9: exact chi-square failure probability against 2exp(−ε²n/(4(ε+1))) "
                     "(≤ 0: the bound holds)", fontsize=9)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
        return [save(fig, folder, "prop9_bound.png")]

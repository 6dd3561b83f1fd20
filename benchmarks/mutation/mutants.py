"""The curated mutants: realistic bugs in derivations/, api/ and sim/, one per entry.

Each mutant is anchored by an *exact* snippet of the current source: the harness refuses to run a
mutant whose snippet does not occur exactly once in its file (see ``harness.apply_mutant``), so a
refactoring that moves the code makes the catalogue fail loudly instead of silently testing
nothing. Re-anchor such a mutant on the code that now holds the same logic (keep its id and
``why``), or retire it with a note in README.md.

Fields:

- ``id``: short stable name (``d..`` derivations, ``a..`` api, ``s..`` sim);
- ``file``: path from the repository root;
- ``original`` / ``replacement``: the exact snippet and what it becomes (``alternatives``: the
  same bug anchored on a reworded version of the code);
- ``why``: what the bug is and what it breaks (the reason it is worth catching);
- ``verify_scope``: the claims of ``ldmstop verify`` whose formulas or procedures the mutated
  code implements — the code verify claims to check, whether or not its comparison reaches the
  mutated branch today (empty: code verify does not claim to check, e.g. VP-cosine and the
  rectified flow, covered by ``--extensions`` only; such mutants count only towards the pytest
  kill rate);
- ``regenerate``: the mutant is in a SymPy source file; when the tree has a generator
  (``python -m ldmstop.derivations.generate``, generated modules checked into the repository)
  the harness regenerates after applying it, so that the mutation reaches the generated code;
- ``timeout_is_kill``: a documented reason why a timeout of this mutant is a detection (e.g. a
  loop that can no longer terminate); ``None``: a timeout is *not* counted as a kill.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    original: str
    replacement: str
    why: str
    verify_scope: tuple[str, ...] = ()
    regenerate: bool = False
    timeout_is_kill: str | None = None
    tags: tuple[str, ...] = field(default=())
    #: other (original, replacement) pairs for the same bug where the code was reworded; the
    #: first pair whose original occurs exactly once is applied
    alternatives: tuple[tuple[str, str], ...] = field(default=())

    @property
    def anchors(self) -> tuple[tuple[str, str], ...]:
        return ((self.original, self.replacement),) + tuple(self.alternatives)


M = Mutant
_THR = ("prop2", "fig4-left")          # generated thresholds / extended inverse, checked by verify
_W2 = ("fig4-left", "fig4-right")      # the curve (w2_map / compute_curve) run by the Figure 4 claims
_MC = ("monte-carlo",)                 # verify's Monte Carlo confirmations (ldmstop.sim.confirm)

MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------------ derivations (SymPy)
    M("d01-ext-inverse-high-end", "derivations/results.py",
      "(inv.subs(x, xr), xr <= sch.a2.subs(s, T)), (T, True))",
      "(inv.subs(x, xr), xr <= sch.a2.subs(s, T)), (0, True))",
      "extended inverse clipped at the wrong end above a_T²: ā^{-2}(x) = 0 instead of T, so a "
      "component that helps at every time (3σ²/(1−σ²) > a_T²) gets t_d = T (never kept)",
      _THR, regenerate=True, tags=("clipping",)),
    M("d02-ext-inverse-low-end", "derivations/results.py",
      "sp.Piecewise((0, xr < 0),", "sp.Piecewise((T, xr < 0),",
      "extended inverse clipped at the wrong end below 0: ā^{-2}(x<0) = T, so a plug-in component "
      "with σ̂² > 4σ² (x̂_d < 0, never helps) gets t̂_d = 0 (kept from the start)",
      ("prop2-plugin", "fig4-left"), regenerate=True, tags=("clipping",)),
    M("d03-missing-positive-part", "derivations/results.py",
      "sp.Piecewise((0, xr < 0), (inv.subs(x, xr),", "sp.Piecewise((inv.subs(x, xr),",
      "the (·)_+ / x < 0 branch dropped: a negative noise level goes through the inverse, giving "
      "a negative forward time and t̂_d > T",
      ("prop2-plugin", "fig4-left"), regenerate=True, tags=("positive-part",)),
    M("d04-zero-plus-rule-swapped", "derivations/results.py",
      "return sp.Piecewise((0, (hat2 >= 1) & (4 * sigma**2 > hat2)), (T, hat2 >= 1), (inner, True))",
      "return sp.Piecewise((T, (hat2 >= 1) & (4 * sigma**2 > hat2)), (0, hat2 >= 1), (inner, True))",
      "the paper's y/0₊ = ±∞ convention read with the wrong sign: σ̂² ≥ 1 with 4σ² > σ̂² gives "
      "'never keep' instead of 'keep from the start'",
      ("prop2-plugin", "fig4-left"), regenerate=True, tags=("sign",)),
    M("d05-zero-plus-rule-reads-sigma", "derivations/results.py",
      "xd = thresholds.threshold_x_plugin() if plugin else thresholds.threshold_x_exact()\n"
      "    hat2 = sigh**2 if plugin else sigma**2",
      "xd = thresholds.threshold_x_plugin() if plugin else thresholds.threshold_x_exact()\n"
      "    hat2 = sigma**2",
      "σ/σ̂ swapped in the plug-in threshold's 0₊ rule: whether (1 − σ̂²)_+ vanishes is decided "
      "on the true σ² instead of the estimate",
      ("prop2-plugin", "fig4-left"), regenerate=True, tags=("swap",)),
    M("d06-threshold-rule-constant", "derivations/thresholds.py",
      "roots = sp.solve(sp.Eq(sqrt_v, 2 * sigma), x)", "roots = sp.solve(sp.Eq(sqrt_v, sigma), x)",
      "wrong constant in the threshold rule: keep component d while v_d ≤ σ_d² instead of "
      "v_d ≤ 4σ_d² (t_d from 0 instead of 3σ²/(1−σ²))",
      _THR, regenerate=True, tags=("constant",)),
    M("d07-stable-error-swapped-sigma", "derivations/wasserstein.py",
      "diff = x * (1 - sigh**2) + delta", "diff = x * (1 - sigma**2) + delta",
      "σ/σ̂ swapped in the cancellation-free component error: v − σ² = x(1 − σ²) + δ; exact "
      "at t = T and for the exact score, wrong for a plug-in score before the end",
      _W2, regenerate=True, tags=("swap",),
      alternatives=(("diff = x * omh + delta", "diff = x * (1 - sigma**2) + delta"),)),
    M("d08-stable-error-dropped-square", "derivations/wasserstein.py",
      "return diff**2 / (sp.sqrt(var) + sigma) ** 2", "return diff**2 / (sp.sqrt(var) + sigma)",
      "dropped square in the denominator of (v − σ²)²/(sqrt v + σ)²: wrong by the factor "
      "sqrt v + σ, which is 2σ at the end",
      _W2, regenerate=True, tags=("exponent",)),
    M("d09-vp-variance-sigma-not-squared", "derivations/wasserstein.py",
      "return x + (1 - x) * sigh**2", "return x + (1 - x) * sigh",
      "generated variance v = x + (1 − x)σ̂ instead of σ̂²: a standard deviation used as a "
      "variance in the formula every VP result is derived from",
      ("prop1", "prop2", "prop3b") + _W2, regenerate=True, tags=("exponent",)),
    M("d10-slope-chain-rule-factor", "derivations/stationarity.py",
      "return sp.simplify(sp.diff(component_error(generated_variance_vp()), x))",
      "return sp.simplify(sp.diff(component_error(generated_variance_vp()), x) / 2)",
      "chain-rule factor lost in ∂/∂x (sqrt v − σ)²: the slope is halved; its root (the optimal "
      "stop) is unchanged, so only a check of the slope's value or of the convexity bound sees it",
      ("prop1", "prop3b"), regenerate=True, tags=("constant",)),
    M("d11-curvature-order", "derivations/stationarity.py",
      "return sp.simplify(sp.diff(component_error(generated_variance_vp()), x, 2))",
      "return sp.simplify(sp.diff(component_error(generated_variance_vp()), x, 1))",
      "off-by-one in the derivative order: the 'curvature' is the slope, so the convexity "
      "certificate of Prop 1 certifies nothing",
      ("prop1",), regenerate=True, tags=("off-by-one",)),
    M("d12-monotonicity-at-wrong-end", "derivations/stationarity.py",
      "return sp.factor(sp.simplify(component_slope().subs(x, 0)))",
      "return sp.factor(sp.simplify(component_slope().subs(x, 1)))",
      "Prop 1's condition evaluated at pure noise (x = 1, t = 0) instead of the end of sampling "
      "(x = 0, t = T): backward/forward time confusion",
      ("prop1",), regenerate=True, tags=("time",)),
    M("d13-score-target-a-not-inverse", "derivations/score_matching.py",
      "return (-m * (b * Xk + a * eps) + eps / a) ** 2", "return (-m * (b * Xk + a * eps) + eps * a) ** 2",
      "score-matching target ε·a instead of ε/a (the score of the noise N(0, a²) is −ε/a): "
      "the risk and its minimiser change (Prop 4)",
      ("prop4",), regenerate=True, tags=("constant",)),
    M("d14-cap-dropped", "derivations/score_matching.py",
      "return sp.Min(C, unconstrained_minimiser())", "return unconstrained_minimiser()",
      "the weight cap C of Prop 4 forgotten: the minimiser over |m| ≤ C is the unconstrained one",
      ("prop4",), regenerate=True, tags=("clipping",)),
    M("d15-variance-ode-score-factor", "derivations/variance_ode.py",
      "drift = y - 2 * mcoef * y", "drift = y - mcoef * y",
      "the backward SDE's score enters with 2w², not w² (that is the probability-flow ODE): "
      "V' = 2(1 − m)V + 2 instead of 2(1 − 2m)V + 2 (Prop 5)",
      ("prop5", "lemma1"), regenerate=True, tags=("constant",)),
    M("d16-variance-ode-noise-factor", "derivations/variance_ode.py",
      "    g2 = 2\n", "    g2 = 1\n",
      "wrong noise factor in Itô's formula: g² = 1 instead of 2 for the OU backward SDE",
      ("prop5", "lemma1"), regenerate=True, tags=("noise-factor",)),
    M("d17-uncapped-score-wrong-exponent", "derivations/variance_ode.py",
      "msc = 1 / (1 - q * sp.exp(-2 * (T - r)))", "msc = 1 / (1 - q * sp.exp(-(T - r)))",
      "OU plug-in score coefficient with b_s instead of b_s² (e^{-s} for e^{-2s}) in the "
      "uncapped phase of Prop 5's closed form",
      ("prop5",), regenerate=True, tags=("exponent",)),
    M("d18-vp-linear-beta-not-halved", "derivations/schedules.py",
      '"vp-linear", beta / 2,', '"vp-linear", beta,',
      "VP-linear rate w² = β instead of β/2 (the β vs w² convention of Pierret & Galerne "
      "confused): every VP-linear quantity is that of a schedule twice as fast",
      ("prop2", "prop1"), regenerate=True, tags=("constant",)),
    M("d19-cosine-offset-typo", "derivations/schedules.py",
      "COSINE_OFFSET = sp.Rational(8, 1000)", "COSINE_OFFSET = sp.Rational(8, 100)",
      "cosine schedule offset 0.08 instead of 0.008 (Nichol & Dhariwal eq. (17))",
      (), regenerate=True, tags=("constant",)),
    M("d20-rf-noise-variance", "derivations/schedules.py",
      "b=1 - s, a2=s**2,", "b=1 - s, a2=s,",
      "rectified flow a_s² = s instead of s² (a_s = s): the noise variance of the linear "
      "interpolant mistyped",
      (), regenerate=True, tags=("exponent",)),
    M("d21-rf-window-wrong-root", "derivations/results.py",
      "inner = sp.Max(0, T - hi)", "inner = sp.Max(0, T - lo)",
      "rectified-flow window opened at the wrong root (T − s₋ instead of T − s₊)",
      (), regenerate=True, tags=("off-by-one",)),
    M("d22-ei-weight-constant", "derivations/schedules.py",
      "return 2 / self.b  #", "return 1 / self.b  #",
      "exponential-integrator weight G = 1/b instead of 2/b on VP schedules (g² = 2w²): the "
      "general recursion's EI score weight is halved",
      (), regenerate=True, tags=("constant",)),
    M("d23-pf-ode-missing-half", "derivations/results.py",
      "c = sp.simplify(sp.diff(-(f * y - g2 * score / 2), y))",
      "c = sp.simplify(sp.diff(-(f * y - g2 * score), y))",
      "probability-flow ODE coefficient −f − g²/v (the SDE's) instead of −f − g²/(2v)",
      (), regenerate=True, tags=("constant",)),
    # d24/d25 (the default horizons of OU and VP-cosine in the schedule definitions) are
    # retired: the derivations now read the one table in api/registry.py, which a14/a15 mutate.
    # ------------------------------------------------------------------ api
    M("a01-noise-level-forward-backward", "api/curve.py",
      "s = np.clip(problem.T - times, 0.0, None)  # T - T is 0",
      "s = np.clip(times, 0.0, None)  # T - T is 0",
      "noise level at the backward time t instead of the forward time s = T − t",
      _W2, tags=("time",)),
    M("a02-discarded-tail-off-by-one", "api/dimensions.py",
      "return np.concatenate([np.cumsum(sig2[::-1])[::-1][1:], [0.0]])",
      "return np.concatenate([np.cumsum(sig2[::-1])[::-1][2:], [0.0, 0.0]])",
      "off-by-one in d: the discarded variance Σ_{i>d} σ_i² skips component d+1",
      _W2, tags=("off-by-one",)),
    M("a03-component-delta-sign", "api/curve.py",
      "delta = (np.asarray(sigma2_hat, float) - np.asarray(sigma2, float))[:, None]",
      "delta = (np.asarray(sigma2, float) - np.asarray(sigma2_hat, float))[:, None]",
      "sign of δ = σ̂² − σ² flipped in the cancellation-free error: right at t = T (δ² either "
      "way) and for the exact score (δ = 0), wrong for a plug-in score before the end",
      _W2, tags=("sign",)),
    M("a04-zero-component-slope", "api/curve.py",
      "return np.where(zero, (1.0 - sh**2) * np.ones_like(g), g)",
      "return np.where(zero, (1.0 - sh) * np.ones_like(g), g)",
      "slope of a σ = 0 component with σ̂ for σ̂² (only zero components, as in Figure 4 right)",
      ("fig4-right",), tags=("exponent",)),
    M("a05-threshold-index-off-by-one", "api/curve.py",
      "sig = np.sqrt(problem.sigma2[1:])", "sig = np.sqrt(problem.sigma2[:-1])",
      "off-by-one in d: t_d computed from σ_{d−1}",
      ("fig4-left",), tags=("off-by-one",)),
    M("a06-plugin-thresholds-use-truth", "api/curve.py",
      "inner = f(sig, np.sqrt(problem.sigma2_hat[1:]), problem.T)", "inner = f(sig, sig, problem.T)",
      "σ/σ̂ swapped: the plug-in thresholds t̂_d computed with σ̂ = σ",
      ("fig4-left",), tags=("swap",)),
    M("a07-refine-wrong-side", "api/curve.py",
      "x_other = np.where(g_best > 0, np.minimum(x[k_left], x[k_right]), np.maximum(x[k_left], x[k_right]))",
      "x_other = np.where(g_best > 0, np.maximum(x[k_left], x[k_right]), np.minimum(x[k_left], x[k_right]))",
      "the optimum beyond the grid is searched on the side the slope points away from: the "
      "interior optimum is missed and a grid point reported",
      ("fig4-right",), tags=("sign",)),
    M("a08-bisection-iterations", "api/curve.py",
      "def _bisect_root(gfun, lo: float, hi: float, iters: int = 200) -> float:",
      "def _bisect_root(gfun, lo: float, hi: float, iters: int = 20) -> float:",
      "too few bisection steps: the stationary point, hence t*, is found only to ~1e-6 of a grid "
      "cell while W² there is flat to second order (a 1e-9 relative W² check cannot see it)",
      ("fig4-right",), tags=("precision",)),
    M("a09-reported-t-is-forward-time", "api/curve.py",
      '"t": float(problem.T - float(inv(np.array([xr]))[0]))}',
      '"t": float(inv(np.array([xr]))[0])}',
      "the refined optimum reports the forward time s* = ā^{-2}(x*) as the backward time t*",
      ("fig4-right",), tags=("time",),
      alternatives=(('"t": float(problem.T - s_star), "s": s_star}', '"t": s_star, "s": s_star}'),
                    ("t=float(problem.T - s_star), s=s_star)", "t=s_star, s=s_star)"))),
    M("a10-general-refine-one-sided", "api/curve.py",
      "lo, hi = times[max(k - 1, 0)], times[min(k + 1, len(times) - 1)]",
      "lo, hi = times[k], times[min(k + 1, len(times) - 1)]",
      "the non-VP refinement only looks after the best grid time (rectified flow)",
      (), tags=("off-by-one",)),
    M("a11-order-by-truth-with-estimate", "api/problem.py",
      "key = hat if hat is not None else sig2", "key = sig2",
      "components ordered by the true variances although an estimate is given (a practitioner's "
      "PCA sees only the estimate)",
      ("fig4-left", "fig4-right", "prop2-plugin"), tags=("order",)),
    M("a12-plugin-estimate-normalisation", "api/problem.py",
      "return sigma2 * rng.chisquare(n, size=sigma2.size) / n",
      "return sigma2 * rng.chisquare(n, size=sigma2.size) / (n - 1)",
      "uncentred plug-in estimate divided by n − 1 (the centred convention): biased by σ²/(n−1)",
      ("fig4-left", "fig4-right"), tags=("constant",)),
    M("a13-eigenvalue-clip-dropped", "api/problem.py",
      "return np.clip(lam, 0.0, None), O", "return lam, O",
      "missing (·)_+ on the eigenvalues of a covariance: round-off −1e-17 eigenvalues reach "
      "sqrt as negative variances",
      (), tags=("positive-part",)),
    M("a14-ou-default-horizon", "api/registry.py",
      'ScheduleInfo("ou", default_T=2.0,', 'ScheduleInfo("ou", default_T=1.0,',
      "wrong default horizon for OU in the problem specification (the paper uses T = 2)",
      _MC, tags=("default",)),
    M("a15-cosine-default-horizon", "api/registry.py",
      '"vp-cosine", default_T=0.9946,', '"vp-cosine", default_T=0.9964,',
      "digits transposed in the cosine schedule's default horizon (DPM-Solver's 0.9946) in "
      "the problem specification",
      (), tags=("default",)),
    # ------------------------------------------------------------------ sim
    M("s01-em-recursion-noise-factor", "sim/recursions.py",
      "q = dt * co.g2_left", "q = 0.5 * dt * co.g2_left",
      "Euler–Maruyama variance recursion with noise Δβ instead of 2Δβ",
      _MC, tags=("noise-factor",)),
    M("s02-em-kernel-noise-factor", "sim/schemes.py",
      'noise_sd = np.sqrt(g2 * dt) if scheme == "em"',
      'noise_sd = np.sqrt(0.5 * g2 * dt) if scheme == "em"',
      "Euler–Maruyama kernel with noise sqrt(w²Δ) instead of sqrt(2w²Δ)",
      _MC, tags=("noise-factor",)),
    M("s03-ei-recursion-gamma2", "sim/recursions.py",
      "q = co.ei_noise", "q = np.sqrt(1.0 + co.ei_noise) - 1.0",
      "exponential-integrator recursion with noise e^{ΔB} − 1 instead of e^{2ΔB} − 1",
      _MC, tags=("noise-factor",)),
    M("s04-heun-recursion-no-predictor", "sim/recursions.py",
      "(f_left + f_right * (1.0 + dt[:, None] * f_left))", "(f_left + f_right)",
      "Heun recursion evaluating the corrector at y instead of at the predictor: still "
      "consistent (first order), not the second-order Heun the kernel runs",
      _MC, tags=("order",)),
    M("s05-heun-kernel-corrector-at-y", "sim/kernels.py",
      "return y + 0.5 * dt * (f0 + c1 * y_pred)", "return y + 0.5 * dt * (f0 + c1 * y)",
      "Heun kernel evaluating the corrector at y instead of the predictor (first order)",
      _MC, tags=("order",)),
    M("s06-em-kernel-ode-drift", "sim/kernels.py",
      "return y + dt * (g2 * linear_score(y, m) - f * y) + sd * z",
      "return y + dt * (0.5 * g2 * linear_score(y, m) - f * y) + sd * z",
      "Euler–Maruyama kernel with the probability-flow drift (score weight w² instead of 2w²)",
      _MC, tags=("constant",)),
    M("s07-score-table-right-end", "sim/schemes.py",
      "m_left = score_coefficient(h, sl, schedule, cap)",
      "m_left = score_coefficient(h, sr, schedule, cap)",
      "the kernels' score table evaluated at the end of each step instead of its start",
      _MC, tags=("off-by-one",)),
    M("s08-model-variance-missing-factor", "sim/scores.py",
      "return h[None, :] + a2[:, None] * (1.0 - h[None, :])", "return h[None, :] + a2[:, None]",
      "shared by kernel and recursion: v̂ = σ̂² + a² instead of σ̂² + a²(1 − σ̂²) (b² dropped)",
      _MC, tags=("shared",)),
    M("s09-cap-on-the-wrong-quantity", "sim/scores.py",
      "m = np.minimum(m, cap)", "m = np.minimum(m, 1.0 / cap)",
      "shared by kernel and recursion: the score coefficient capped at 1/C instead of C",
      _MC, tags=("shared",)),
    M("s10-schedule-rate-doubled", "sim/schedule_tables.py",
      "return self._broadcast(self._beta, s)", "return 2.0 * self._broadcast(self._beta, s)",
      "shared by kernel and recursion: the rate table returns 2w² (β vs w² convention)",
      _MC, tags=("shared",)),
    M("s11-jackknife-missing-division", "sim/statistics.py",
      "var = np.sum((pseudo - est[None]) ** 2 / (h - 1.0), axis=0) / G",
      "var = np.sum((pseudo - est[None]) ** 2 / (h - 1.0), axis=0)",
      "jackknife variance not divided by G: standard errors inflated sqrt(G) = 8 times, so "
      "every z-score looks small",
      _MC, tags=("statistics",)),
    M("s12-se-floor-not-in-quadrature", "sim/statistics.py",
      "se = np.sqrt(se**2 + second_order_floor(mom))", "se = se + np.sqrt(second_order_floor(mom))",
      "second-order floor added to the standard error instead of in quadrature (up to sqrt 2 "
      "too large where it matters)",
      _MC, tags=("statistics",)),
    M("s13-bias-correction-dropped", "sim/statistics.py",
      "est = G * theta - np.sum((1.0 - frac) * loo, axis=0)", "est = theta",
      "the jackknife bias correction dropped: the MC W² keeps its O(1/N) plug-in bias",
      _MC, tags=("statistics",)),
    M("s14-mc-tail-off-by-one", "sim/statistics.py",
      "tail = np.concatenate([np.cumsum(sig2[::-1])[::-1][1:], [0.0]])[:R]",
      "tail = np.concatenate([np.cumsum(sig2[::-1])[::-1][2:], [0.0, 0.0]])[:R]",
      "off-by-one in d in the Monte Carlo estimate's discarded variance",
      _MC, tags=("off-by-one",)),
    M("s15-checkpoint-snap-dropped-abs", "sim/recorder.py",
      "idx = np.abs(grid[None, :] - spec[:, None]).argmin(axis=1)",
      "idx = (grid[None, :] - spec[:, None]).argmin(axis=1)",
      "dropped absolute value when snapping checkpoint times to the grid: every time snaps to "
      "the start",
      _MC, tags=("abs",)),
    M("s16-checkpoint-count-off-by-one", "sim/recorder.py",
      "idx = np.rint(K * np.arange(1, spec + 1) / spec)", "idx = np.rint(K * np.arange(0, spec) / spec)",
      "off-by-one in the checkpoint count: the first checkpoint is the start and the end of the "
      "grid is never recorded",
      _MC, tags=("off-by-one",)),
    M("s17-stop-end-off-by-one", "sim/stopping.py",
      "j_end = res.times.size - 1", "j_end = res.times.size - 2",
      "the stopping gain measured against the penultimate checkpoint instead of the end",
      _MC, tags=("off-by-one",)),
    M("s18-continuous-ratio-dropped-square", "sim/recursions.py",
      "return v + (V0 - vT) * ratio**2", "return v + (V0 - vT) * ratio",
      "continuous-time SDE variance with the integrating factor not squared (start ≠ p_T)",
      (), tags=("exponent",)),
    M("s19-chunk-streams-shared", "sim/noise.py",
      "for lane, ss in enumerate(child.spawn(LANES + 1)):",
      "for lane, ss in enumerate(np.random.SeedSequence(seed).spawn(1)[0].spawn(LANES + 1)):",
      "every chunk draws the same stream: the chunks are not independent batches",
      _MC, tags=("rng",)),
    M("s20-general-em-noise-factor", "sim/schedule_tables.py",
      'False, ev("drift", sl), ev("diffusion2", sl),', 'False, ev("drift", sl), 2.0 * ev("diffusion2", sl),',
      "general-schedule step table with g² doubled (2hg² noise: g² already is 2w² on VP "
      "schedules), shared by kernel and recursion since both read one table",
      (), tags=("noise-factor",)),
)

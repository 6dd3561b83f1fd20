"""Capacity and stopping together: the joint optimum over (d, t) for the capped ERM score.

Wu et al. (2025), Prop 4: the score-matching minimiser over ``|m_i| ≤ C`` is
``m̂_i(s) = min(C, 1/(a_s² + b_s² σ̂_i²))``; Prop 5 studies it with the OU schedule, a start
``N(0, I)`` and *no* early stop (t = T), where the backward variance solves
``dV/dt = 2(1 - 2 m̂(T - t)) V + 2``, ``V_0 = 1`` (docs/theory.md §3). The paper leaves stopping and
capacity together open. Here ``W²(t, d) = Σ_{i≤d} (sqrt(V_i(t)) - σ_i)² + Σ_{i>d} σ_i²`` is
minimised over ``d`` and ``t`` on Corollary 1's spectrum ``σ_i² = λ^{-i}`` for a range of caps
``C`` and sample sizes ``n`` (plug-in ``σ̂`` drawn with a fixed seed). ``V`` comes from the
closed forms of :func:`ldmstop.sim.recursions.continuous_variances`; the check integrates the
ODE independently with ``mpmath.odefun`` (split at the time the cap starts to bind) at the
optimum and at ``t = T``.
"""

from __future__ import annotations

import os

import mpmath as mp
import numpy as np

from ..claim import Context, Extension, Outcome

__all__ = ["CapacityStopping", "joint_optimum", "LAMBDA", "D"]

LAMBDA = 20.0  # Corollary 1 needs λ > 16
D = 6
T = 2.0        # the paper's OU horizon


def _grid() -> np.ndarray:
    """Uniform on [0, T] plus points accumulating at T (the optimum lives near the end)."""
    return np.unique(np.concatenate([np.linspace(0.0, T, 2001), T - np.logspace(-9, np.log10(T), 600)]))


def _problem(n: int):
    import ldmstop

    sig2 = LAMBDA ** -np.arange(1, D + 1, dtype=float)
    return ldmstop.Problem.from_variances(sig2, samples=int(n), seed=2025, schedule="ou", T=T)


def joint_optimum(problem, C: float | None, times: np.ndarray | None = None) -> dict:
    """Minimiser of W²(t, d) over the grid for the capped plug-in score from N(0, I) (OU)."""
    from ldmstop.sim.recursions import continuous_w2_map

    times = _grid() if times is None else times
    with np.errstate(over="ignore"):  # exp of the cap phase underflows to 0 far from the switch
        _, w2 = continuous_w2_map(problem, steps=1, scheme="em", init="normal", cap=C, times=times)
    j, k = np.unravel_index(int(np.argmin(w2)), w2.shape)
    jT = int(np.argmin(w2[:, -1]))
    return {"d": int(j) + 1, "t": float(times[k]), "delta": float(T - times[k]),
            "w2": float(np.sqrt(max(w2[j, k], 0.0))), "d_T": jT + 1,
            "w2_T": float(np.sqrt(max(w2[jT, -1], 0.0))),
            "_w2sq": float(w2[j, k]), "_w2sqT": float(w2[jT, -1])}


def _prop5_bracket(problem, C: float) -> tuple[int, int]:
    """``d1 = max{d: 1/C ≤ σ̂_d²}`` (1 if none), ``d2 = min{d: 1/(2C-1) ≥ 4σ_d²}`` (D if none)."""
    hat, sig = problem.sigma2_hat, problem.sigma2
    ok1 = np.flatnonzero(1.0 / C <= hat)
    ok2 = np.flatnonzero(1.0 / (2 * C - 1) >= 4 * sig)
    return (int(ok1.max()) + 1 if ok1.size else 1), (int(ok2.min()) + 1 if ok2.size else problem.D)


def _ode_variance(sh2: mp.mpf, C: mp.mpf, t_eval: list) -> list:
    """V(t) of dV/dt = 2(1 - 2 min(C, 1/v̂(T - t))) V + 2, V(0) = 1, OU, by mpmath.odefun;
    integrated in two pieces, before and after the cap starts to bind (the kink)."""
    Tm = mp.mpf(T)

    def vhat(t):
        return 1 - (1 - sh2) * mp.exp(-2 * (Tm - t))

    # the cap binds when 1/v̂ > C, i.e. v̂ < 1/C: from backward time t' on (v̂ decreases in t)
    x = (1 / C - sh2) / (1 - sh2)
    if x <= 0:
        t_switch = Tm  # never binds
    elif x >= 1 - mp.exp(-2 * Tm):
        t_switch = mp.mpf(0)  # binds throughout
    else:
        t_switch = Tm + mp.log(1 - x) / 2
    f1 = mp.odefun(lambda t, V: 2 * (1 - 2 / vhat(t)) * V + 2, 0, mp.mpf(1))
    V_switch = f1(t_switch) if t_switch > 0 else mp.mpf(1)
    f2 = mp.odefun(lambda t, V: 2 * (1 - 2 * C) * V + 2, t_switch, V_switch)
    return [f1(t) if t <= t_switch else f2(t) for t in t_eval]


def _check(problem, C: float, opt: dict, dps: int, perturb: bool) -> float:
    """max relative difference of W² at (d*, t*) and (d_T, T): closed form vs ODE."""
    from ldmstop.sim.recursions import continuous_variances

    worst = 0.0
    with mp.workdps(min(dps, 30)):
        for d, t, ref in ((opt["d"], opt["t"], opt["_w2sq"]), (opt["d_T"], T, opt["_w2sqT"])):
            # closed form (the control ignores the cap: Prop 5 without Prop 4's constraint)
            with np.errstate(over="ignore"):
                _, V = continuous_variances(problem.sigma2_hat, schedule="ou", T=T, steps=1, scheme="em",
                                            init="normal", cap=None if perturb else C, times=np.array([t]))
            w2_closed = float(np.sum((np.sqrt(V[0, :d]) - np.sqrt(problem.sigma2[:d])) ** 2)
                              + problem.sigma2[d:].sum())
            w2_ode = mp.mpf(0)
            for i in range(d):
                Vi = _ode_variance(mp.mpf(problem.sigma2_hat[i]), mp.mpf(C), [mp.mpf(t)])[0]
                w2_ode += (mp.sqrt(Vi) - mp.sqrt(mp.mpf(problem.sigma2[i]))) ** 2
            w2_ode += mp.mpf(float(problem.sigma2[d:].sum()))
            worst = max(worst, abs(w2_closed - float(w2_ode)) / float(w2_ode))
    return worst


def _figure(rows: list, folder: str) -> str:
    """The early stop δ* and the optimal dimension against the cap C, per sample size; the path."""
    from ldmstop.plots import _plt, savefig_atomic

    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    labelled = False
    for n in sorted({r["n"] for r in rows}):
        rr = [r for r in rows if r["n"] == n and r["C"] is not None]
        Cs = [r["C"] for r in rr]
        # δ* = 0 (no early stop helps) cannot sit on a log axis: those caps are drawn as
        # triangles on the lower edge, not joined to the others by a line
        pos = [(C, r["delta"]) for C, r in zip(Cs, rr) if r["delta"] > 0]
        zero = [C for C, r in zip(Cs, rr) if not r["delta"] > 0]
        line, = axes[0].loglog([c for c, _ in pos], [d for _, d in pos], "o-", label=f"n = {n}")
        if zero:
            axes[0].plot(zero, [0.0] * len(zero), "v", color=line.get_color(), ms=8, clip_on=False,
                         transform=axes[0].get_xaxis_transform(),
                         label="▼ on the axis: δ* = 0 (no early stop)" if not labelled else None)
            labelled = True
        axes[1].semilogx(Cs, [r["d"] for r in rr], "o-", label=f"n = {n} (joint)")
        axes[1].semilogx(Cs, [r["d_T"] for r in rr], "x--", color=axes[1].lines[-1].get_color(), alpha=0.6)
    axes[0].set_xlabel("cap C")
    axes[0].set_ylabel("optimal early stop δ* = T - t*")
    axes[0].set_title(f"OU, T = {T:g}, σ_i² = {LAMBDA:g}^-i, start N(0, I)")
    axes[1].set_xlabel("cap C")
    axes[1].set_ylabel("optimal latent dimension (o: with stop, x: at t = T)")
    from matplotlib.ticker import MaxNLocator

    axes[1].yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    path = os.path.join(folder, "capacity_stopping.png")
    savefig_atomic(fig, path)
    plt.close(fig)
    return path


#: float64 closed form against a 30-digit ODE solution
TOL = 1e-9


class CapacityStopping(Extension):
    """Capped ERM score: the joint optimum over latent dimension and stopping time, its closed
    form checked against an independent ODE solution, tabulated against C and n."""

    id = "capacity-stopping"
    title = "Capped ERM score: joint optimum over latent dimension and stopping time"
    source = "Wu et al. 2025, Prop 4 + Prop 5 (extended: t free); docs/theory.md §3"
    hypotheses = (f"OU, T = {T:g}, start N(0, I), σ_i² = {LAMBDA:g}^-i (Corollary 1, D = {D}), "
                  "plug-in σ̂ from n samples (seed 2025), score m̂ = min(C, 1/v̂)")
    statement = ("The joint minimiser (d*, t*) of W²(t, d) for the capped score, computed from "
                 "the closed-form backward variance, agrees with an independent ODE solution; "
                 "table and figure of how d* and the early stop δ* = T - t* move with C and n.")
    residual_what = "max relative difference of W² (closed form vs ODE) at the optimum and at t = T"
    control = ("closed form without the cap (Prop 5's ODE with the uncapped plug-in "
               "score) compared with the capped ODE")

    @property
    def methods(self) -> list[str]:
        return ["closed forms of ldmstop.sim.recursions.continuous_variances (cap phases)",
                "mpmath.odefun (Taylor) of dV/dt = 2(1 - 2m̂)V + 2, split at the kink, 30 digits",
                f"grid of {len(_grid())} backward times, dense near t = T"]

    def tolerance(self, ctx: Context) -> float:
        return TOL

    def outcomes(self, ctx: Context) -> tuple[Outcome, Outcome]:
        rows, worst, worst_ctrl, n_checks = self._optima(ctx)
        capped = [r for r in rows if r["C"] is not None]
        early = [r for r in capped if r["delta"] > 0]
        in_bracket = sum(1 for r in capped if r["d1"] <= r["d_T"] <= r["d2"])
        out = Outcome(residual=float(worst), n_settings=len(rows), n_checks=n_checks,
                      residual_ok=worst <= TOL)
        if worst > TOL:
            out.violate(0, residual=worst)
        out.notes = [
            f"early stopping is optimal (δ* > 0) in {len(early)} of {len(capped)} capped settings; "
            "largest gain in W2: "
            + (f"{max(r['gain'] for r in capped):.3g}" if capped else "n/a"),
            f"Prop 5's bracket d1 ≤ d_min ≤ d2 (at t = T) holds in {in_bracket} of {len(capped)} settings.",
        ]
        out.data = {"table": {"columns": ["n", "C", "d1", "d2", "d_T", "w2_T", "d", "t", "delta",
                                          "w2", "gain"], "rows": rows}}
        ctrl = Outcome(residual=float(worst_ctrl), residual_ok=not worst_ctrl > TOL)
        return out, ctrl

    def _optima(self, ctx: Context) -> tuple[list, float, float, int]:
        """The joint optimum (and the one at t = T) for every sample size n, uncapped and for
        every cap C, with Prop 5's bracket; at the checked (C, n), the closed form against the
        ODE, capped (the check) and uncapped (the control). ``(rows, worst, worst control,
        checks)``."""
        quick = ctx.quick
        Cs = [20.0, 400.0, 8000.0] if quick else [2.0, 5.0, 20.0, 100.0, 400.0, 2000.0, 8000.0, 1.6e5, 3.2e6]
        ns = [1000] if quick else [100, 1000, 10000, 100000]
        checked = {(20.0, 1000), (8000.0, 1000)} if quick else {(5.0, 100), (20.0, 1000), (400.0, 10000),
                                                               (8000.0, 1000), (3.2e6, 100000)}
        rows, worst, worst_ctrl, n_checks = [], 0.0, 0.0, 0
        for n in ns:
            p = _problem(n)
            unc = joint_optimum(p, None)
            rows.append({"n": n, "C": None, **{k: v for k, v in unc.items() if not k.startswith("_")},
                         "d1": None, "d2": None})
            for C in Cs:
                opt = joint_optimum(p, C)
                d1, d2 = _prop5_bracket(p, C)
                rows.append({"n": n, "C": C, **{k: v for k, v in opt.items() if not k.startswith("_")},
                             "d1": d1, "d2": d2, "gain": opt["w2_T"] - opt["w2"]})
                if (C, n) in checked:
                    worst = max(worst, _check(p, C, opt, ctx.dps, perturb=False))
                    worst_ctrl = max(worst_ctrl, _check(p, C, opt, ctx.dps, perturb=True))
                    n_checks += 1
        return rows, worst, worst_ctrl, n_checks

    def figures(self, ctx: Context, outcome: Outcome, folder: str) -> list[str]:
        capped = [r for r in outcome.data["table"]["rows"] if r["C"] is not None]
        return [os.path.basename(_figure(capped, folder))]

"""Monte Carlo confirmations of the theory's predictions, for the verification report.

``run_confirmations(quick, seed)`` returns one dict per check (keys ``id``, ``description``,
``confirmed``, ``gain``, ``gain_stderr``, ``z_max`` and details):

- ``agreement``: every scheme × score (exact, plug-in, capped) × start (p_T, N(0, I)) — the MC
  W2² agrees with the exact discrete recursion within 4 standard errors at every checkpoint
  and latent dimension.
- ``stop-fig4-right``: the paper's Figure 4 right setting, ``Σ = diag(10, 0.2, 0.2, 0.2, 0,
  0)``, OU, ``T = 2``, ``σ̂²`` from ``n = 1000`` samples. With the drawn estimate of seed 3,
  Prop 1's monotonicity condition fails and the theory predicts an early stop at ``d0 = 4``;
  with common random numbers the MC must show ``W²(T) - W²(t*) > 0`` at ≥ 5 standard errors
  and its argmin must lie among the checkpoints the theory cannot tell from ``t*`` (difference
  to ``W²(t*)`` within 3 standard errors of the MC difference).
- ``stop-fig4-right-control``: the same setting with seed 0, where ``σ̂_1 < σ_1`` and the theory
  predicts no gain (``t* = T``): the MC argmin must again lie in the indistinguishable set and
  the MC must not find a gain at ≥ 5 standard errors (a negative control).
- ``stop-large-gain``: low-rank ``Σ = diag(0.2 × 4, 0, 0)`` with a 4× under-estimate
  ``σ̂² = 0.05`` (Prop 3): a large predicted gain.
- ``optimal-dimension``: Figure 4 left spectrum, exact score; at every checkpoint ``t`` in
  ``[t_d, t_{d+1})`` (Prop 2) where dimension ``d`` beats every other by more than 3 MC
  standard errors (of the difference, common random numbers; the exact W2² of the sampler),
  the MC ranks ``d`` best.
"""

from __future__ import annotations

import numpy as np

from .recursions import discrete_w2_map
from .statistics import jackknife
from .stopping import SAME_Z

__all__ = ["run_confirmations", "confirm_optimal_stop", "confirm_agreement",
           "confirm_optimal_dimension"]

AGREE_Z = 4.0     # the bar for MC vs exact recursion (docs/simulate.md)


def confirm_optimal_stop(problem, *, id: str, description: str, paths: int, steps: int,
                         scheme: str = "ei", init: str = "pT", seed: int = 0,
                         window: float = 4.0, n_checkpoints: int = 33,
                         expect_gain: bool = True) -> dict:
    """Common-random-numbers test of the early stop at the theory's optimal dimension.

    Theory: the exact discrete recursion of the same scheme on the same grid; its optimum
    ``(d*, t*)`` over every grid time and dimension. Checkpoints: ``n_checkpoints`` times on
    the last ``window · (T - t*)`` of the grid (at least 4 grid steps), plus ``t*`` and the end.
    Criteria: :mod:`ldmstop.sim.stopping`.
    """
    from ldmstop.curve import optimal_stop

    from .grid import solver_grid
    from .simulate import simulate
    from .stopping import stop_check

    times, w2 = discrete_w2_map(problem, steps=steps, scheme=scheme, init=init)
    d_star, k_star = np.unravel_index(np.argmin(w2), w2.shape)
    d = int(d_star) + 1
    grid = solver_grid(problem.T, steps)
    K = steps
    span = max(window * (K - k_star), 4 * window)
    lo = max(0, int(K - span))
    ks = np.unique(np.concatenate([np.rint(np.linspace(lo, K, n_checkpoints)).astype(int),
                                   [k_star, K]]))
    res = simulate(problem, paths=paths, steps=steps, scheme=scheme, init=init,
                   checkpoints=grid[ks], seed=seed, d=d)
    chk = stop_check(res, expect_gain=expect_gain)
    cont = optimal_stop(problem, np.linspace(0.0, problem.T, 2001))
    return {
        "id": id, "description": description, "confirmed": chk["confirmed"],
        "gain": chk["gain"], "gain_stderr": chk["gain_stderr"], "gain_z": chk["gain_z"],
        "gain_theory": chk["theory"]["gain"], "z_max": res.z_max,
        "d": d, "t_star_theory": chk["theory"]["t"], "t_star_continuous": float(cont["t"]),
        "d_star_continuous": int(cont["d"]), "t_mc": chk["mc"]["t_at_theory_d"],
        "mc_argmin_indistinguishable": chk["mc_argmin_indistinguishable"],
        "indistinguishable_times": chk["indistinguishable_times"],
        "paths": paths, "steps": steps, "scheme": scheme, "init": init,
        "throughput": res.throughput,
    }


def confirm_agreement(*, paths: int, steps: int, seed: int = 0) -> dict:
    """MC vs exact recursion for every scheme × score × start, on a 5-component problem."""
    from ldmstop import Problem

    from .simulate import simulate

    true = [3.0, 1.0, 0.2, 0.05, 0.0]
    probs = {
        "exact": (Problem.from_variances(true), None),
        "plug-in": (Problem.from_variances(true, estimated=[2.5, 1.3, 0.1, 0.06, 0.0]), None),
        "capped": (Problem.from_variances(true, estimated=[2.5, 1.3, 0.1, 0.06, 0.0]), 5.0),
    }
    rows, zmax = [], 0.0
    for scheme in ("em", "ei", "euler-ode", "heun"):
        for score, (p, cap) in probs.items():
            for init in ("pT", "normal"):
                r = simulate(p, paths=paths, steps=steps, scheme=scheme, init=init, cap=cap,
                             checkpoints=8, seed=seed)
                rows.append({"scheme": scheme, "score": score, "init": init, "z_max": r.z_max})
                zmax = max(zmax, r.z_max)
    return {"id": "agreement",
            "description": "MC W2² vs exact discrete recursion, every scheme x score x start, "
                           "every checkpoint and latent dimension (bar: 4 standard errors)",
            "confirmed": bool(zmax <= AGREE_Z), "gain": None, "gain_stderr": None,
            "z_max": float(zmax), "runs": rows, "paths": paths, "steps": steps}


def confirm_optimal_dimension(*, paths: int, steps: int, seed: int = 0) -> dict:
    """Figure 4 left spectrum, exact score: MC ranking of the latent dimensions over time."""
    from ldmstop import Problem
    from ldmstop.curve import threshold_times

    from .simulate import simulate

    p = Problem.from_variances([1.0] + [0.6**k for k in range(1, 7)] + [1e-10, 1e-10])
    res = simulate(p, paths=paths, steps=steps, scheme="ei", init="pT", checkpoints=40, seed=seed)
    th, mc, reps = res.theory, res.mc, res.replicates  # (D, M), (G+1, D, M)
    counts = res.moments.counts
    thr = threshold_times(p)  # t_1 = 0, ..., t_{D+1} = T
    checked = agreed = prop2 = 0
    disagreements = []
    for j, t in enumerate(res.times):
        # t in [t_d, t_{d+1}); t = T (= t_{D+1}) belongs to d = D
        d_prop2 = min(int(np.searchsorted(thr, t, side="right")), p.D)
        best = d_prop2 - 1
        prop2 += int(int(np.argmin(th[:, j])) == best)
        # decidable at MC precision: the sampler's exact W2² (discrete recursion) at Prop 2's d
        # beats every other d by more than 3 standard errors of the MC difference (CRN)
        rivals = [r for r in range(p.D) if r != best]
        _, ses = jackknife(reps[:, rivals, j] - reps[:, [best], j], counts)
        if not np.all((th[rivals, j] - th[best, j]) > SAME_Z * ses):
            continue
        checked += 1
        if int(np.argmin(mc[:, j])) == best:
            agreed += 1
        else:
            disagreements.append(float(t))
    return {"id": "optimal-dimension",
            "description": "Figure 4 left spectrum, exact score: at times in [t_d, t_{d+1}) (Prop 2) "
                           "where d beats every other dimension by > 3 MC standard errors, the MC "
                           "ranks d best",
            "confirmed": bool(checked > 0 and agreed == checked), "gain": None,
            "gain_stderr": None, "z_max": res.z_max, "checkpoints_decidable": checked,
            "checkpoints_agreeing": agreed, "disagreements": disagreements,
            "recursion_best_is_prop2_d": prop2, "checkpoints": int(res.times.size),
            "paths": paths, "steps": steps}


def run_confirmations(quick: bool = False, seed: int = 0) -> list[dict]:
    """All confirmations; ``quick`` uses fewer paths and steps (a few seconds in all)."""
    from ldmstop import Problem

    fig4 = [10, 0.2, 0.2, 0.2, 0, 0]
    P = 60_000 if quick else 400_000
    K = 200 if quick else 1000
    out = [confirm_agreement(paths=4_000 if quick else 40_000, steps=40 if quick else 200,
                             seed=seed)]
    out.append(confirm_optimal_stop(
        Problem.from_variances(fig4, samples=1000, seed=3), id="stop-fig4-right",
        description="Figure 4 right (diag(10,0.2,0.2,0.2,0,0), OU, T=2, n=1000 samples, seed 3): "
                    "early stop at d0=4 beats the end by >= 5 MC standard errors (CRN)",
        paths=P, steps=K, seed=seed))
    out.append(confirm_optimal_stop(
        Problem.from_variances(fig4, samples=1000, seed=0), id="stop-fig4-right-control",
        description="negative control: seed 0 estimate, theory predicts no early-stop gain; the MC "
                    "finds none and its argmin is indistinguishable from t* = T",
        paths=P, steps=K, seed=seed, expect_gain=False))
    out.append(confirm_optimal_stop(
        Problem.from_variances([0.2] * 4 + [0, 0], estimated=[0.05] * 4 + [0, 0]),
        id="stop-large-gain",
        description="low rank diag(0.2 x4, 0, 0) with 4x under-estimated variances: large gain",
        paths=P // 4, steps=K, seed=seed))
    out.append(confirm_optimal_dimension(paths=20_000 if quick else 200_000,
                                         steps=100 if quick else 500, seed=seed))
    return out

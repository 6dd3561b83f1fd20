"""Optimal-stop confirmation from one Monte Carlo run (common random numbers).

The theory's optimum ``(d*, t*)`` is the argmin of the exact discrete recursion (same scheme,
same grid) over the simulated dimensions and the checkpoints; the run must record ``t*`` and
the end of the grid. Because every checkpoint comes from the same paths, the gain
``W²(d*, T) - W²(d*, t*)`` and every difference ``W²(d*, t) - W²(d*, t*)`` have small
jackknife standard errors (:mod:`ldmstop.sim.statistics`). The criteria:

- a predicted gain (> 0) is *confirmed* when the MC gain is ≥ ``STOP_Z`` = 5 standard errors
  and the MC argmin over the checkpoints (at ``d*``) lies in the set of times the theory cannot
  tell from ``t*`` at the MC precision: ``W²_th(t) - W²_th(t*) ≤ SAME_Z · se(MC(t) - MC(t*))``;
- when the theory predicts no gain (``t*`` is the end), it is confirmed when the MC argmin lies
  in that set and the MC gain at its argmin is below 5 standard errors.
"""

from __future__ import annotations

import numpy as np

from .statistics import jackknife

__all__ = ["STOP_Z", "SAME_Z", "stop_check", "theory_optimum"]

STOP_Z = 5.0
SAME_Z = 3.0


def theory_optimum(w2: np.ndarray) -> tuple[int, int]:
    """Row and column of the smallest value (first in time on ties)."""
    r, k = np.unravel_index(int(np.argmin(w2)), w2.shape)
    return int(r), int(k)


def stop_check(res, *, expect_gain: bool | None = None) -> dict:
    """Optimal-stop analysis of a :class:`~ldmstop.sim.simulate.SimulationResult`."""
    r_star, j_star = theory_optimum(res.theory)
    j_end = res.times.size - 1
    counts = res.moments.counts
    reps = res.replicates[:, r_star, :]  # (G+1, M)
    th = res.theory[r_star]
    gain, gain_se = jackknife(reps[:, j_end] - reps[:, j_star], counts)
    _, diff_se = jackknife(reps - reps[:, [j_star]], counts)
    same = (th - th[j_star]) <= SAME_Z * diff_se
    same[j_star] = True
    j_mc = int(np.argmin(res.mc[r_star]))
    in_set = bool(same[j_mc])
    gain_theory = float(th[j_end] - th[j_star])
    if expect_gain is None:
        expect_gain = gain_theory > 0
    gain_z = float(gain / gain_se) if gain_se > 0 else None
    if expect_gain:
        confirmed = bool(gain_z is not None and gain_z >= STOP_Z and in_set)
    else:
        best, best_se = jackknife(reps[:, j_end] - reps[:, j_mc], counts)
        confirmed = bool(in_set and (best_se == 0 or best / best_se < STOP_Z))
    rm, jm = theory_optimum(res.mc)
    return {
        "theory": {"d": int(res.dims[r_star]), "t": float(res.times[j_star]),
                   "w2_squared": float(th[j_star]), "gain": gain_theory},
        "mc": {"d": int(res.dims[rm]), "t": float(res.times[jm]),
               "w2_squared": float(res.mc[rm, jm]), "t_at_theory_d": float(res.times[j_mc]),
               "w2_squared_at_theory_d": float(res.mc[r_star, j_mc])},
        "gain": float(gain), "gain_stderr": float(gain_se), "gain_z": gain_z,
        "predicted_gain": bool(expect_gain),
        "indistinguishable_times": res.times[same].tolist(),
        "mc_argmin_indistinguishable": in_set,
        "confirmed": confirmed,
    }

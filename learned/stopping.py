"""The empirical optimal stop of a metric curve, its confidence interval, and the verdicts.

For one (schedule, encoder, d, metric) the run has S curves ``m_s(t_k)``, one per seed (each
seed retrains the autoencoder and the score and draws its own samples). The optimal stop is the
argmin ``k*`` of the seed-mean curve (the earliest one on ties). Its 95 % confidence set is the
set of grid times not significantly worse than ``k*``: the paired differences
``δ_s(k) = m_s(t_k) - m_s(t_{k*})`` have mean ``δ̄(k)`` and standard error ``se(k)`` over the
seeds, and ``k`` is kept while ``δ̄(k) <= q · se(k)``, ``q`` the two-sided 95 % Student-t
quantile with S - 1 degrees of freedom (4.30 for S = 3). The interval reported is the hull of
that set. The early-stopping gain ``δ̄(K)`` (value at the end minus value at the best stop) is
significant when the end is outside the set. Pairing matters: seeds move whole curves up and
down together, which the pairing cancels. Selecting ``k*`` as the argmin biases the gain up by
about the noise of the curve; the t quantile for 2 degrees of freedom is conservative against
it in practice, but with one seed there is no interval and no significance at all.
"""

from __future__ import annotations

import numpy as np

__all__ = ["optimal_stop", "kendall_tau", "verdict_row", "LEVEL"]

LEVEL = 0.95


def optimal_stop(curves: np.ndarray, times: np.ndarray, level: float = LEVEL) -> dict:
    """Optimal stop of S seed curves (S × (K+1)) on the grid ``times``; see the module docstring.

    Returns ``step``, ``t``, ``steps_from_end``, ``value`` (mean at the stop), ``end`` (mean at
    the last step), ``gain``, ``relative_gain``, and with S >= 2: ``interval`` [t_lo, t_hi],
    ``interval_steps``, ``gain_stderr``, ``significant``; with S = 1 those are ``None``."""
    c = np.asarray(curves, float)
    if c.ndim != 2 or c.shape[1] != len(times):
        raise ValueError(f"curves must be S × {len(times)}, got shape {c.shape}")
    S, K1 = c.shape
    mean = c.mean(axis=0)
    k = int(np.argmin(mean))
    end = float(mean[-1])
    out = {"step": k, "t": float(times[k]), "steps_from_end": int(K1 - 1 - k),
           "value": float(mean[k]), "end": end, "gain": end - float(mean[k]),
           "relative_gain": (end - float(mean[k])) / end if end > 0 else None,
           "interval": None, "interval_steps": None, "gain_stderr": None, "significant": None,
           "seeds": int(S)}
    if S < 2:
        return out
    from scipy.stats import t as student_t

    diff = c - c[:, [k]]
    dbar = diff.mean(axis=0)
    se = diff.std(axis=0, ddof=1) / np.sqrt(S)
    q = float(student_t.ppf(0.5 + level / 2.0, S - 1))
    keep = np.flatnonzero(dbar <= q * se)
    out.update(interval=[float(times[keep.min()]), float(times[keep.max()])],
               interval_steps=[int(keep.min()), int(keep.max())],
               gain_stderr=float(se[-1]), significant=bool(dbar[-1] > q * se[-1]), t_quantile=q)
    return out


def kendall_tau(a, b) -> float | None:
    """Kendall's τ_b (ties allowed); ``None`` when either list is constant (no order to compare)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or np.all(a == a[0]) or np.all(b == b[0]):
        return None
    from scipy.stats import kendalltau

    return float(kendalltau(a, b).statistic)


def _separated(lo_iv, hi_iv) -> bool:
    """Whether interval ``lo_iv`` lies entirely before interval ``hi_iv``."""
    return lo_iv is not None and hi_iv is not None and lo_iv[1] < hi_iv[0]


def verdict_row(dims: list[int], stops: list[dict], theory_steps: list[int]) -> dict:
    """The three verdicts for one (schedule, encoder, metric) over latent dimensions ``dims``
    (ascending, the last one the pixel model d = D), from the empirical ``stops``
    (:func:`optimal_stop` of each d) and the theory's best step for each d.

    - ``gain``: the dimensions whose early-stopping gain is significant;
    - ``earlier_as_d_falls``: τ_b(d, t*) > 0 and the smallest d's interval lies before the
      pixel model's → ``yes``; τ_b > 0 without that separation → ``weak``; τ_b < 0 (the stop
      moves *later* as d falls) → ``opposite`` (the pixel model's interval lies before the
      smallest d's) or ``weakly opposite``; τ_b = 0 or no variation → ``no``; one seed → the
      sign of τ_b alone (``yes?``/``opposite?``);
    - ``theory_order``: τ_b(theory t*, empirical t*) > 0 → ``yes``, <= 0 → ``no``; a constant
      theory (every d at one step) or a constant empirical stop → ``no order``.
    """
    t_emp = [s["t"] for s in stops]
    gains = [d for d, s in zip(dims, stops) if s["significant"]]
    one_seed = stops[0]["interval"] is None
    tau_d = kendall_tau(dims, t_emp)
    if tau_d is None or tau_d == 0:
        earlier = "no"
    elif one_seed:
        earlier = "yes?" if tau_d > 0 else "opposite?"
    elif tau_d > 0:
        earlier = "yes" if _separated(stops[0]["interval"], stops[-1]["interval"]) else "weak"
    else:
        earlier = ("opposite" if _separated(stops[-1]["interval"], stops[0]["interval"])
                   else "weakly opposite")
    tau_th = kendall_tau(theory_steps, [s["step"] for s in stops])
    if len(set(theory_steps)) == 1:
        order = "no order (theory: one stop for every d)"
    elif tau_th is None:
        order = "no order (data: one stop for every d)"
    else:
        order = "yes" if tau_th > 0 else "no"
    return {"gain_dims": gains, "gain": ("n/a (one seed)" if one_seed else
                                         ("yes" if any(d != dims[-1] for d in gains) else "no")),
            "earlier_as_d_falls": earlier, "tau_d_t": tau_d, "theory_order": order,
            "tau_theory": tau_th, "stops": t_emp}

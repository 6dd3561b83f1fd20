"""ldmstop.verify.extensions — checks beyond the paper.

- ``pg-table``: the published table of Pierret & Galerne (ICML 2025) — exact W2 of EM, EI,
  Euler-ODE and Heun on the CIFAR-10 spectrum — reproduced digit for digit;
- ``schedule-thresholds``: the threshold rule ``v_d ≤ 4σ_d²`` (docs/theory.md §2) and the backward
  drift for the VP-cosine and rectified-flow schedules, against 50-digit mpmath;
- ``capacity-stopping``: the joint optimum over (d, t) for the capped ERM score (Prop 4/5 with
  early stopping), against an mpmath ODE solution, tabulated against C and n.

Each is an :class:`~ldmstop.verify.claim.Extension`, a :class:`~ldmstop.verify.claim.Claim` run
by the same runner as the paper's claims (``ldmstop verify --extensions``). Its report entry has
the claim's keys (``id``, ``source``, ``statement``, ``verdict``, ``residual``, ``methods``,
``negative_control`` {``description``, ``rejected``, ``residual``, ``statement``, ``evidence``},
``counterexample`` when refuted, ``figures``…), its ``table``, and ``"extension": true``.
"""

from __future__ import annotations

__all__ = ["extension_claims", "EXTENSIONS"]

#: claim id -> "module:Class" (imported lazily; order = report order)
EXTENSIONS = {
    "pg-table": "pierret_galerne:PgTable",
    "schedule-thresholds": "schedule_thresholds:ScheduleThresholds",
    "capacity-stopping": "capacity_stopping:CapacityStopping",
}


def extension_claims(dps: int = 50, quick: bool = False, figures_dir: str | None = None) -> list[dict]:
    """Run every extension check; one report entry each (see the module docstring), figures
    (when ``figures_dir`` is given) named relative to ``figures_dir``."""
    from ..claim import Context
    from ..suite import load_claims

    ctx = Context(dps=dps, quick=quick)
    return [c.run(ctx, figures_dir=figures_dir).to_json()
            for c in load_claims(",".join(EXTENSIONS))]

"""ldmstop.verify.extensions — checks beyond the paper.

- ``pg-table``: the published table of Pierret & Galerne (ICML 2025) — exact W2 of EM, EI,
  Euler-ODE and Heun on the CIFAR-10 spectrum — reproduced digit for digit;
- ``schedule-thresholds``: the threshold rule ``v_d ≤ 4σ_d²`` (docs/theory.md §2) and the backward
  drift for the VP-cosine and rectified-flow schedules, against 50-digit mpmath;
- ``capacity-stopping``: the joint optimum over (d, t) for the capped ERM score (Prop 4/5 with
  early stopping), against an mpmath ODE solution, tabulated against C and n.

Each returns a dict shaped like a verify claim (``id``, ``source``, ``statement``, ``verdict``,
``residual``, ``methods``, ``negative_control`` {``description``, ``rejected``, ``residual``},
``counterexample`` when refuted, ``table``, ``figures``).
"""

from __future__ import annotations

__all__ = ["extension_claims", "EXTENSIONS"]

#: claim id -> "module:function" (imported lazily)
EXTENSIONS = {
    "pg-table": "pierret_galerne:pg_table_claim",
    "schedule-thresholds": "schedule_thresholds:schedule_thresholds_claim",
    "capacity-stopping": "capacity_stopping:capacity_stopping_claim",
}


def extension_claims(dps: int = 50, quick: bool = False, figures_dir: str | None = None) -> list[dict]:
    """Run every extension check; one claim-shaped dict each (see the module docstring)."""
    import importlib
    import time

    out = []
    for cid, target in EXTENSIONS.items():
        mod, fn = target.split(":")
        t0 = time.perf_counter()
        res = getattr(importlib.import_module(f"ldmstop.verify.extensions.{mod}"), fn)(
            dps=dps, quick=quick, figures_dir=figures_dir)
        res["seconds"] = round(time.perf_counter() - t0, 3)
        out.append(res)
    return out

"""Foundation checks: the threshold of Prop 2 is the exact root of Δ, at ``dps`` digits."""

from __future__ import annotations

import mpmath as mp


def run_basic(args) -> int:
    if args.dps < 15:
        raise ValueError(f"--dps must be >= 15, got {args.dps}")
    from ldmstop.derivations.backends import mpmath_function

    mp.mp.dps = args.dps
    inc = mpmath_function("increment")
    thr = mpmath_function("threshold_x_exact")
    worst = mp.mpf(0)
    for sig2 in ["0.6", "0.36", "0.216", "0.1296", "0.07776", "0.046656"]:
        sig = mp.sqrt(mp.mpf(sig2))
        xd = thr(sig)
        worst = max(worst, abs(inc(xd, sig, sig)))
    ok = worst < mp.mpf(10) ** (-(args.dps - 5))
    print(f"prop2-threshold-root  Wu et al. 2025 Prop 2  residual {mp.nstr(worst, 3)}  "
          f"{'holds' if ok else 'refuted'}")
    return 0 if ok else 1

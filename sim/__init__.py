"""ldmstop.sim — Numba Monte Carlo simulators and exact discrete variance recursions."""

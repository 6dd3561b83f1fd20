"""ldmstop.sim — Numba Monte Carlo simulators and exact discrete variance recursions.

What the equation is, how it is stepped, what is recorded and where the noise comes from are
kept apart (docs/design.md, after diffrax):

- ``schedule_tables`` — ``a_s²``, ``b_s``, the VP rate ``β_s = w_s²``, ``B(s) = ∫ β`` generated
  from the SymPy schedules;
- ``scores``     — the linear scores: exact, plug-in ``1/v̂``, capped ``min(C, 1/v̂)`` (Prop 4);
- ``grid``       — the solver grid ``t_k = (T - ε) k/K`` and input checks;
- ``schemes``    — em / ei (backward SDE), euler-ode / heun (probability-flow ODE): formulas and
  the per-step tables;
- ``noise``      — SFC64 streams per chunk of paths, seeded from ``SeedSequence``;
- ``recorder``   — checkpoints; streaming first and second moments;
- ``kernels``    — the Numba kernels (``prange`` over chunks): normals (SFC64 lanes + NumPy's
  ziggurat), the update rules and the moment accumulator they inline;
- ``waves``      — runs the chunks in waves on this machine: progress, ETA, Ctrl-C;
- ``distributed`` — runs the chunks as Dask tasks (``--scheduler``), bit-identical;
- ``recursions`` — the exact variance recursions and their continuous-time limits;
- ``statistics`` — jackknife W2² with standard errors; ``stopping`` — the optimal-stop check;
- ``simulate``   — ``simulate(problem, ...)``, the front door; ``confirm`` — the confirmations
  the verification report includes (the command ``ldmstop simulate`` is
  :mod:`ldmstop.commands.simulate`).

Importing this package (or ``recursions``, ``simulate``) does not import Numba; the kernels
are loaded when a simulation runs (docs/design.md, principle 6). More: docs/simulate.md.
"""

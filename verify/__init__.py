"""ldmstop.verify — every claim of the paper checked with mpmath at high precision.

Wu, Berthet, Biau, Boyer, Elie, Marion, *Optimal Stopping in Latent Diffusion Models*
(arXiv:2510.08409). Layout:

- :mod:`.claim` — the claim object (statement, hypotheses, check, negative control, verdict);
- :mod:`.transcribe` — the paper's definitions typed directly in mpmath (schedules, extended
  inverse, W², full-matrix Fréchet distance), independent of :mod:`ldmstop.derivations`;
- :mod:`.ode` — order-20 Gauss–Legendre integrator for the variance ODE of Prop 5;
- :mod:`.claims` — one module per proposition (prop1 … prop9, cor1, fig4);
- :mod:`.suite` — runs the claims and builds the report document; :mod:`.report` renders it;
- :mod:`.command` — ``ldmstop verify``.

Kept light on import: ``ldmstop --help`` imports :mod:`ldmstop.verify.command`.
"""

"""ldmstop.verify — every claim of the paper checked with mpmath at high precision.

Wu, Berthet, Biau, Boyer, Elie, Marion, *Optimal Stopping in Latent Diffusion Models*
(arXiv:2510.08409). Layout:

- :mod:`.claim` — the claim object (statement, domain, checks, both negative controls, verdict);
- :mod:`.domain` — a claim's quantified parameters with their printed ranges, as data;
- :mod:`.search` — the falsifier: edges, random and differential-evolution search of a violation
  margin in float64, re-check at 50 digits, shrinking, certification at 100 digits;
- :mod:`.validity` — where a refuted statement holds and fails (boundaries, figures);
- :mod:`.formulas` — the closed forms once, for float64 and mpmath alike (the search's margins);
- :mod:`.mutations` — code-side negative controls (deliberately wrong backends);
- :mod:`.planted` — subtly false claims the search must refute (its power, tested);
- :mod:`.transcribe` — the paper's definitions typed directly in mpmath (schedules, extended
  inverse, W², full-matrix Fréchet distance), independent of :mod:`ldmstop.derivations`;
- :mod:`.ode` — order-20 Gauss–Legendre integrator for the variance ODE of Prop 5;
- :mod:`.threshold_rule` — Prop 2's thresholds, rule, falsifier and code comparison (shared by
  prop2, prop2-plugin, prop6, fig4-left);
- :mod:`.capped_score` — Prop 5's capped score: closed forms, ODE route, falsifier (shared by
  prop5, lemma1, cor1);
- :mod:`.claims` — one module per proposition (prop1 … prop10, cor1, lemma2, fig4), none
  importing another;
- :mod:`.extensions` — checks beyond the paper, :class:`~.claim.Extension` claims run by the
  same runner;
- :mod:`.suite` — runs the claims and builds the report document; :mod:`.report` renders it;
- the command ``ldmstop verify`` is :mod:`ldmstop.commands.verify`.

Kept light on import: ``ldmstop --help`` imports :mod:`ldmstop.commands.verify`.
"""

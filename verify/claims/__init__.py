"""One module per statement of Wu et al. (2025): prop1, prop2, prop2_plugin, prop3 (3(a), 3(b)),
prop4, prop5 (Prop 5 and Lemma 1), cor1, prop6, prop7, prop9, prop10, lemma2 (Lemma 2(ii) as
printed and its PSD part), fig4 (Figure 4 left and right); settings holds the paper's own
settings, verify's own estimator and the falsifiers' decode helpers. No claim module imports
another: what claims share is in :mod:`ldmstop.verify.transcribe`, :mod:`~ldmstop.verify.formulas`,
:mod:`~ldmstop.verify.threshold_rule` or :mod:`~ldmstop.verify.capped_score`. The registry is
``ldmstop.verify.suite.CLAIMS``.
"""

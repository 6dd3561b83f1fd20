"""One module per statement of Wu et al. (2025): prop1, prop2, prop3 (3(a), 3(b)), prop4, prop5
(Prop 5 and Lemma 1), cor1, prop6, prop7, prop9, fig4 (Figure 4 left and right); settings holds
the paper's own settings and the seeded random ones. The registry is ``ldmstop.verify.suite.CLAIMS``.
"""

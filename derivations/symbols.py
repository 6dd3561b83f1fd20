"""The SymPy symbols shared by every derivation, with the assumptions that make them simplify.

Conventions (docs/theory.md §1): forward time ``s``, backward time ``t = T - s``, ``x = a_s²``.
"""

import sympy as sp

s = sp.Symbol("s", nonnegative=True)          # forward time
t = sp.Symbol("t", nonnegative=True)          # backward time
u = sp.Symbol("u", nonnegative=True)          # integration variable
T = sp.Symbol("T", positive=True)             # horizon
x = sp.Symbol("x", nonnegative=True)          # x = a_s², the noise variance
sigma = sp.Symbol("sigma", positive=True)     # true standard deviation σ_i
sigma2 = sp.Symbol("sigma2", positive=True)   # true variance σ_i² (used where σ itself is not)
sigh = sp.Symbol("sigmahat", positive=True)   # estimated standard deviation σ̂_i
delta = sp.Symbol("delta", real=True)         # σ̂² - σ², evaluated before it is summed
omh = sp.Symbol("one_minus_sigmahat2", real=True)  # 1 - σ̂², from σ̂² itself (not re-squared)
v = sp.Symbol("v", positive=True)             # generated variance of a component
b = sp.Symbol("b", positive=True)             # signal coefficient b_s
a = sp.Symbol("a", positive=True)             # noise standard deviation a_s
m = sp.Symbol("m", real=True)                 # linear score coefficient, s(x) = -m x
C = sp.Symbol("C", positive=True)             # weight cap of Prop 4
eps = sp.Symbol("epsilon", real=True)         # standard normal noise
Xk = sp.Symbol("X", real=True)                # one training sample component
V = sp.Function("V")                          # backward variance, function of t

# GENERATED FILE - DO NOT EDIT. Written by `python -m ldmstop.derivations.generate`
# from the SymPy derivations in derivations/ (checked by tests/test_generated.py).
# SymPy version: 1.14.0
# Source SHA-256: dc0ef5b786e4413cd32ccd9050147d66e24a908cdb2fb873f03c24b33953b72c
"""Scalar functions of every derived result on the ``math`` module: the form ``numba.njit`` compiles (see ``ldmstop.derivations.backends.numba_function``).

Generated from the SymPy derivations (:mod:`ldmstop.derivations.results`); edit those and regenerate.
"""


import math

__all__ = [
    'frechet_1d',
    'generated_variance',
    'component_error',
    'component_error_stable',
    'discarded_error',
    'increment',
    'threshold_x_plugin',
    'threshold_x_exact',
    'component_slope',
    'component_curvature',
    'monotonicity_term',
    'stationarity_term',
    'score_risk',
    'score_minimiser_capped',
    'variance_constant_score',
    'variance_uncapped',
    'ou_w2',
    'ou_b',
    'ou_a2',
    'ou_inverse_a2',
    'ou_extended_inverse_a2',
    'ou_threshold_time_exact',
    'ou_threshold_time_plugin',
    'vp_linear_w2',
    'vp_linear_b',
    'vp_linear_a2',
    'vp_linear_inverse_a2',
    'vp_linear_extended_inverse_a2',
    'vp_linear_threshold_time_exact',
    'vp_linear_threshold_time_plugin',
    'vp_cosine_w2',
    'vp_cosine_b',
    'vp_cosine_a2',
    'vp_cosine_inverse_a2',
    'vp_cosine_extended_inverse_a2',
    'vp_cosine_threshold_time_exact',
    'vp_cosine_threshold_time_plugin',
    'ou_drift',
    'ou_diffusion2',
    'ou_ei_antiderivative',
    'ou_log_signal',
    'vp_linear_drift',
    'vp_linear_diffusion2',
    'vp_linear_ei_antiderivative',
    'vp_linear_log_signal',
    'vp_cosine_drift',
    'vp_cosine_diffusion2',
    'vp_cosine_ei_antiderivative',
    'vp_cosine_log_signal',
    'rectified_flow_drift',
    'rectified_flow_diffusion2',
    'rectified_flow_ei_antiderivative',
    'rectified_flow_one_minus_b2',
    'rectified_flow_marginal_variance',
    'rectified_flow_sde_coefficient',
    'rectified_flow_ode_coefficient',
    'rectified_flow_b',
    'rectified_flow_a2',
    'rectified_flow_inverse_a2',
    'rectified_flow_threshold_root_exact',
    'rectified_flow_threshold_time_exact',
    'rectified_flow_threshold_time_plugin',
    'rectified_flow_threshold_exit_plugin',
    'component_error_general',
    'backward_sde_coefficient',
    'backward_ode_coefficient',
    'FUNCTIONS',
    'SCHEDULES',
    'VARIANCE_PRESERVING',
]


def frechet_1d(v, sigma):
    """Fréchet distance² of two centred 1-D Gaussians. tr(Σ1 + Σ2 - 2 (Σ2^{1/2} Σ1 Σ2^{1/2})^{1/2}) for 1x1 matrices [docs/theory.md §1 (Dowson & Landau 1982)]"""
    return sigma**2 - 2*sigma*math.sqrt(v) + v


def generated_variance(x, sigmahat):
    """variance of a kept component (VP, x = a²). v = x + (1 - x) σ̂²; σ̂ = σ for the exact score [Wu et al. 2025, §3]"""
    return sigmahat**2*(1 - x) + x


def component_error(x, sigma, sigmahat):
    """W2² of a kept component. (sqrt(v) - σ)² with v = x + (1 - x) σ̂² [Wu et al. 2025, eq. (3) / Prop 1]"""
    return sigma**2 - 2*sigma*math.sqrt(-sigmahat**2*x + sigmahat**2 + x) - sigmahat**2*x + sigmahat**2 + x


def component_error_stable(x, sigma, sigmahat, delta, one_minus_sigmahat2):
    """W2² of a kept component, cancellation-free. (x(1 - σ̂²) + δ)² / (sqrt(v) + σ)² with δ = σ̂² - σ² and 1 - σ̂² passed in, equal to component_error [docs/design.md (numerics)]"""
    return (delta + one_minus_sigmahat2*x)**2/(sigma + math.sqrt(sigmahat**2*(1 - x) + x))**2


def discarded_error(sigma):
    """W2² of a discarded component. σ² (generated variance 0) [Wu et al. 2025, eq. (3)]"""
    return sigma**2


def increment(x, sigma, sigmahat):
    """Δ_{d,t} = W²(t,d) - W²(t,d-1). ≤ 0 iff v_d ≤ 4σ_d² [Wu et al. 2025, proof of Prop 2]"""
    return -2*sigma*math.sqrt(sigmahat**2*(1 - x) + x) + sigmahat**2*(1 - x) + x


def threshold_x_plugin(sigma, sigmahat):
    """noise level at which Δ changes sign (plug-in). (4σ² - σ̂²)/(1 - σ̂²) [Wu et al. 2025, Prop 2 (t̂_d)]"""
    return -(2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1))


def threshold_x_exact(sigma):
    """noise level at which Δ changes sign (exact score). 3σ²/(1 - σ²) [Wu et al. 2025, Prop 2 (t_d)]"""
    return -3*sigma**2/((sigma - 1)*(sigma + 1))


def component_slope(x, sigma, sigmahat):
    """∂/∂x of a kept component's W2². (1 - σ/sqrt(v))(1 - σ̂²); g(x) is its sum over kept components [Wu et al. 2025, Prop 1 and Prop 3(b)]"""
    return (sigma - math.sqrt(-sigmahat**2*x + sigmahat**2 + x))*(sigmahat - 1)*(sigmahat + 1)/math.sqrt(-sigmahat**2*x + sigmahat**2 + x)


def component_curvature(x, sigma, sigmahat):
    """∂²/∂x² of a kept component's W2². σ(1 - σ̂²)² / (2 v^{3/2}) ≥ 0: convexity in a² [Wu et al. 2025, proof of Prop 1]"""
    return (1/2)*sigma*(sigmahat**2 - 1)**2/(-sigmahat**2*x + sigmahat**2 + x)**(3/2)


def monotonicity_term(sigma, sigmahat):
    """Prop 1 condition term (slope at x = 0). non-increasing in t iff Σ_{i≤d} (1 - σ_i/σ̂_i)(1 - σ̂_i²) ≥ 0 [Wu et al. 2025, Prop 1]"""
    return (sigma - sigmahat)*(sigmahat - 1)*(sigmahat + 1)/sigmahat


def stationarity_term(x, sigma, sigmahat):
    """one term of g(x). g(x) = Σ_{i≤d0} (1 - σ/sqrt(σ̂_i² + (1 - σ̂_i²)x))(1 - σ̂_i²) [Wu et al. 2025, Prop 3(b) / Prop 8]"""
    return (sigma - math.sqrt(-sigmahat**2*x + sigmahat**2 + x))*(sigmahat - 1)*(sigmahat + 1)/math.sqrt(-sigmahat**2*x + sigmahat**2 + x)


def score_risk(m, a, b, sigmahat):
    """score-matching risk of one component. m² b² σ̂² + (1/a - m a)² [Wu et al. 2025, Prop 4]"""
    return (a**2*m*(a**2*m + b**2*m*sigmahat**2 - 2) + 1)/a**2


def score_minimiser_capped(a, b, sigmahat, C):
    """capped score-matching minimiser. m̂ = min(C, 1/(a² + b² σ̂²)) [Wu et al. 2025, Prop 4]"""
    return min(C, 1/(a**2 + b**2*sigmahat**2))


def variance_constant_score(t, C, V0):
    """backward variance, constant score coefficient. the cap-binding phase, m = C [Wu et al. 2025, proof of Prop 5]"""
    return (2*C*V0 - V0 + math.expm1(2*t*(2*C - 1)))*math.exp(-2*t*(2*C - 1))/(2*C - 1)


def variance_uncapped(t, T, sigmahat, V0):
    """backward variance, uncapped plug-in score. integrating-factor solution of the ODE from V(0) = V0 [Wu et al. 2025, proof of Prop 5]"""
    return (sigmahat**2 + math.exp(2*T)*math.exp(-2*t) - 1)**2*(V0*sigmahat**2*math.exp(2*t) + V0*math.exp(2*T) - V0*math.exp(2*t) + sigmahat**2*math.exp(2*t) - sigmahat**2 + math.exp(2*T)*math.exp(2*t) - math.exp(2*T) - math.expm1(2*t))*math.exp(2*t)/((sigmahat**2 + math.expm1(2*T))**2*(sigmahat**2*math.exp(2*t) + math.exp(2*T) - math.exp(2*t)))


def ou_w2(s):
    """ou: w_s². squared drift rate of the VP forward SDE [docs/theory.md §1; Wu et al. 2025 §2]"""
    return 1


def ou_b(s):
    """ou: b_s = exp(-∫ w²). signal coefficient of the forward marginal [docs/theory.md §1; Wu et al. 2025 §2]"""
    return math.exp(-s)


def ou_a2(s):
    """ou: a_s² = 1 - b_s². noise variance of the forward marginal [docs/theory.md §1; Wu et al. 2025 §2]"""
    return -math.expm1(-2*s)


def ou_inverse_a2(x):
    """ou: inverse of s ↦ a_s². forward time at which the noise variance equals x [Wu et al. 2025, Prop 2 (ā^{-2})]"""
    return -1/2*math.log1p(-x)


def ou_extended_inverse_a2(x, T):
    """ou: extended inverse ā^{-2}. 0 below 0, the inverse on [0, a_T²], T above [Wu et al. 2025, Prop 2]"""
    return ((0) if (x < 0) else (-1/2*math.log1p(-x)) if (x <= -math.expm1(-2*T)) else (T))


def ou_threshold_time_exact(sigma, T):
    """ou: threshold t_d (exact score). backward time after which keeping component d lowers W2 (exact score) [Wu et al. 2025, Prop 2 (t_d)]"""
    return ((0) if (sigma**2 >= 1) else (T - ((0) if (sigma**2/(sigma**2 - 1) > 0) else (-1/2*math.log((2*sigma - 1)/(sigma - 1)) + (1/2)*math.log1p(sigma) - 1/2*math.log1p(2*sigma)) if (math.exp(-2*T) <= 3*sigma**2/(sigma**2 - 1) + 1) else (T))))


def ou_threshold_time_plugin(sigma, sigmahat, T):
    """ou: threshold t̂_d (plug-in). backward time after which keeping component d lowers W2 (plug-in score) [Wu et al. 2025, Prop 2 (t̂_d)]"""
    return ((0) if (sigmahat**2 >= 1) and (sigmahat**2 < 4*sigma**2) else (T) if (sigmahat**2 >= 1) else (T - ((0) if ((2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1)) > 0) else (-1/2*math.log((2*sigma - 1)/(sigmahat - 1)) - 1/2*math.log1p(2*sigma) + (1/2)*math.log1p(sigmahat)) if (math.exp(-2*T) <= (2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1)) + 1) else (T))))


def vp_linear_w2(s):
    """vp-linear: w_s². squared drift rate of the VP forward SDE [docs/theory.md §1; Song et al. 2021]"""
    return (1/20)*(199*s + 1)


def vp_linear_b(s):
    """vp-linear: b_s = exp(-∫ w²). signal coefficient of the forward marginal [docs/theory.md §1; Song et al. 2021]"""
    return math.exp(-199/40*s**2 - 1/20*s)


def vp_linear_a2(s):
    """vp-linear: a_s² = 1 - b_s². noise variance of the forward marginal [docs/theory.md §1; Song et al. 2021]"""
    return -math.expm1(-199/20*s**2 - 1/10*s)


def vp_linear_inverse_a2(x):
    """vp-linear: inverse of s ↦ a_s². forward time at which the noise variance equals x [Wu et al. 2025, Prop 2 (ā^{-2})]"""
    return -20*math.log1p(-x)/(math.sqrt(1 - 3980*math.log1p(-x)) + 1)


def vp_linear_extended_inverse_a2(x, T):
    """vp-linear: extended inverse ā^{-2}. 0 below 0, the inverse on [0, a_T²], T above [Wu et al. 2025, Prop 2]"""
    return ((0) if (x < 0) else (20*math.log1p(-x)/(-math.sqrt(1 - 3980*math.log1p(-x)) - 1)) if (x <= -math.expm1(-199/20*T**2 - 1/10*T)) else (T))


def vp_linear_threshold_time_exact(sigma, T):
    """vp-linear: threshold t_d (exact score). backward time after which keeping component d lowers W2 (exact score) [Wu et al. 2025, Prop 2 (t_d)]"""
    return ((0) if (sigma**2 >= 1) else (T - ((0) if (sigma**2/(sigma**2 - 1) > 0) else (20*(math.log((2*sigma - 1)/(sigma - 1)) - math.log1p(sigma) + math.log1p(2*sigma))/(-math.sqrt(-3980*math.log((2*sigma - 1)/(sigma - 1)) + 3980*math.log1p(sigma) - 3980*math.log1p(2*sigma) + 1) - 1)) if (math.exp(-1/10*T)*math.exp(-199/20*T**2) <= 3*sigma**2/(sigma**2 - 1) + 1) else (T))))


def vp_linear_threshold_time_plugin(sigma, sigmahat, T):
    """vp-linear: threshold t̂_d (plug-in). backward time after which keeping component d lowers W2 (plug-in score) [Wu et al. 2025, Prop 2 (t̂_d)]"""
    return ((0) if (sigmahat**2 >= 1) and (sigmahat**2 < 4*sigma**2) else (T) if (sigmahat**2 >= 1) else (T - ((0) if ((2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1)) > 0) else (20*(math.log((2*sigma - 1)/(sigmahat - 1)) + math.log1p(2*sigma) - math.log1p(sigmahat))/(-math.sqrt(-3980*math.log((2*sigma - 1)/(sigmahat - 1)) - 3980*math.log1p(2*sigma) + 3980*math.log1p(sigmahat) + 1) - 1)) if (math.exp(-199/20*T**2 - 1/10*T) <= (2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1)) + 1) else (T))))


def vp_cosine_w2(s):
    """vp-cosine: w_s². squared drift rate of the VP forward SDE [docs/theory.md §1; Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; T = 0.9946 as in Lu et al. 2022 (DPM-Solver)]"""
    return (125/252)*math.pi*math.tan((125/252)*math.pi*s + (1/252)*math.pi)


def vp_cosine_b(s):
    """vp-cosine: b_s = exp(-∫ w²). signal coefficient of the forward marginal [docs/theory.md §1; Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; T = 0.9946 as in Lu et al. 2022 (DPM-Solver)]"""
    return math.cos(math.pi*((125/252)*s + 1/252))/math.cos((1/252)*math.pi)


def vp_cosine_a2(s):
    """vp-cosine: a_s² = 1 - b_s². noise variance of the forward marginal [docs/theory.md §1; Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; T = 0.9946 as in Lu et al. 2022 (DPM-Solver)]"""
    return math.sin((125/252)*math.pi*s)*math.sin((125/252)*math.pi*s + (1/126)*math.pi)/math.cos((1/252)*math.pi)**2


def vp_cosine_inverse_a2(x):
    """vp-cosine: inverse of s ↦ a_s². forward time at which the noise variance equals x [Wu et al. 2025, Prop 2 (ā^{-2})]"""
    return (252/125)*math.asin(x*math.cos((1/252)*math.pi)/(math.sqrt(1 - x)*math.sin((1/252)*math.pi) + math.sqrt(x*math.cos((1/252)*math.pi)**2 + math.sin((1/252)*math.pi)**2)))/math.pi


def vp_cosine_extended_inverse_a2(x, T):
    """vp-cosine: extended inverse ā^{-2}. 0 below 0, the inverse on [0, a_T²], T above [Wu et al. 2025, Prop 2]"""
    return ((0) if (x < 0) else ((252/125)*math.asin(x*math.cos((1/252)*math.pi)/(math.sqrt(1 - x)*math.sin((1/252)*math.pi) + math.sqrt(x*math.cos((1/252)*math.pi)**2 + math.sin((1/252)*math.pi)**2)))/math.pi) if (x <= math.sin((125/252)*math.pi*T)*math.sin((125/252)*math.pi*T + (1/126)*math.pi)/math.cos((1/252)*math.pi)**2) else (T))


def vp_cosine_threshold_time_exact(sigma, T):
    """vp-cosine: threshold t_d (exact score). backward time after which keeping component d lowers W2 (exact score) [Wu et al. 2025, Prop 2 (t_d)]"""
    return ((0) if (sigma**2 >= 1) else (T - ((0) if (sigma**2/((sigma - 1)*(sigma + 1)) > 0) else (-252/125*math.asin(3*sigma**2*math.cos((1/252)*math.pi)/((sigma - 1)*(sigma + 1)*(math.sqrt(3*sigma**2/((sigma - 1)*(sigma + 1)) + 1)*math.sin((1/252)*math.pi) + math.sqrt(-3*sigma**2*math.cos((1/252)*math.pi)**2/((sigma - 1)*(sigma + 1)) + math.sin((1/252)*math.pi)**2))))/math.pi) if (sigma**2/((sigma - 1)*(sigma + 1)) >= (1/3)*math.sin((1/2)*math.pi*((125/126)*T + 1/126) + (1/252)*math.pi)*math.cos((1/2)*math.pi*((125/126)*T + 1/126) + (125/252)*math.pi)/math.cos((1/252)*math.pi)**2) else (T))))


def vp_cosine_threshold_time_plugin(sigma, sigmahat, T):
    """vp-cosine: threshold t̂_d (plug-in). backward time after which keeping component d lowers W2 (plug-in score) [Wu et al. 2025, Prop 2 (t̂_d)]"""
    return ((0) if (sigmahat**2 >= 1) and (sigmahat**2 < 4*sigma**2) else (T) if (sigmahat**2 >= 1) else (T - ((0) if ((2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1)) > 0) else (-252/125*math.asin((2*sigma - sigmahat)*(2*sigma + sigmahat)*math.cos((1/252)*math.pi)/((sigmahat - 1)*(sigmahat + 1)*(math.sqrt((2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1)) + 1)*math.sin((1/252)*math.pi) + math.sqrt(-(2*sigma - sigmahat)*(2*sigma + sigmahat)*math.cos((1/252)*math.pi)**2/((sigmahat - 1)*(sigmahat + 1)) + math.sin((1/252)*math.pi)**2))))/math.pi) if ((2*sigma - sigmahat)*(2*sigma + sigmahat)/((sigmahat - 1)*(sigmahat + 1)) >= math.sin((1/2)*math.pi*((125/126)*T + 1/126) + (1/252)*math.pi)*math.cos((1/2)*math.pi*((125/126)*T + 1/126) + (125/252)*math.pi)/math.cos((1/252)*math.pi)**2) else (T))))


def ou_drift(s):
    """ou: forward drift f_s = d log b_s/ds. dX_s = f_s X_s ds + g_s dW_s; -w_s² when VP [docs/theory.md §1–2; Wu et al. 2025, §2 (Ornstein–Uhlenbeck forward process)]"""
    return -1


def ou_diffusion2(s):
    """ou: forward diffusion g_s² = (a_s²)' - 2 f_s a_s². from d Var/ds = 2 f Var + g² applied to the noise part; 2 w_s² when VP [docs/theory.md §1–2; Wu et al. 2025, §2 (Ornstein–Uhlenbeck forward process)]"""
    return 2


def ou_ei_antiderivative(s):
    """ou: exponential-integrator weight G(s) = ∫ g²/b ds. score weight of one EI step from s to s' is b_{s'}(G(s) - G(s')); 2/b when VP (Pierret & Galerne 2025, eq. (12): 2γ1) [docs/theory.md §1–2; Wu et al. 2025, §2 (Ornstein–Uhlenbeck forward process)]"""
    return 2*math.exp(s)


def ou_log_signal(s):
    """ou: B(s) = ∫_0^s w_u² du = -log b_s. exponential-integrator increments B(s_k) - B(s_{k+1}) without log(exp(·)) round-off [docs/theory.md §1–2; Wu et al. 2025, §2 (Ornstein–Uhlenbeck forward process)]"""
    return s


def vp_linear_drift(s):
    """vp-linear: forward drift f_s = d log b_s/ds. dX_s = f_s X_s ds + g_s dW_s; -w_s² when VP [docs/theory.md §1–2; Song et al. 2021 (VP-SDE), Ho et al. 2020 (DDPM); β_min = 0.1, β_max = 20]"""
    return -1/20*(199*s + 1)


def vp_linear_diffusion2(s):
    """vp-linear: forward diffusion g_s² = (a_s²)' - 2 f_s a_s². from d Var/ds = 2 f Var + g² applied to the noise part; 2 w_s² when VP [docs/theory.md §1–2; Song et al. 2021 (VP-SDE), Ho et al. 2020 (DDPM); β_min = 0.1, β_max = 20]"""
    return (1/10)*(199*s + 1)


def vp_linear_ei_antiderivative(s):
    """vp-linear: exponential-integrator weight G(s) = ∫ g²/b ds. score weight of one EI step from s to s' is b_{s'}(G(s) - G(s')); 2/b when VP (Pierret & Galerne 2025, eq. (12): 2γ1) [docs/theory.md §1–2; Song et al. 2021 (VP-SDE), Ho et al. 2020 (DDPM); β_min = 0.1, β_max = 20]"""
    return 2*math.exp((199/40)*s**2 + (1/20)*s)


def vp_linear_log_signal(s):
    """vp-linear: B(s) = ∫_0^s w_u² du = -log b_s. exponential-integrator increments B(s_k) - B(s_{k+1}) without log(exp(·)) round-off [docs/theory.md §1–2; Song et al. 2021 (VP-SDE), Ho et al. 2020 (DDPM); β_min = 0.1, β_max = 20]"""
    return (1/40)*s*(199*s + 2)


def vp_cosine_drift(s):
    """vp-cosine: forward drift f_s = d log b_s/ds. dX_s = f_s X_s ds + g_s dW_s; -w_s² when VP [docs/theory.md §1–2; Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; T = 0.9946 as in Lu et al. 2022 (DPM-Solver)]"""
    return -125/252*math.pi*math.tan((125/252)*math.pi*s + (1/252)*math.pi)


def vp_cosine_diffusion2(s):
    """vp-cosine: forward diffusion g_s² = (a_s²)' - 2 f_s a_s². from d Var/ds = 2 f Var + g² applied to the noise part; 2 w_s² when VP [docs/theory.md §1–2; Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; T = 0.9946 as in Lu et al. 2022 (DPM-Solver)]"""
    return (125/126)*math.pi*math.tan((125/252)*math.pi*s + (1/252)*math.pi)


def vp_cosine_ei_antiderivative(s):
    """vp-cosine: exponential-integrator weight G(s) = ∫ g²/b ds. score weight of one EI step from s to s' is b_{s'}(G(s) - G(s')); 2/b when VP (Pierret & Galerne 2025, eq. (12): 2γ1) [docs/theory.md §1–2; Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; T = 0.9946 as in Lu et al. 2022 (DPM-Solver)]"""
    return 2*math.cos((1/252)*math.pi)/math.cos(math.pi*((125/252)*s + 1/252))


def vp_cosine_log_signal(s):
    """vp-cosine: B(s) = ∫_0^s w_u² du = -log b_s. exponential-integrator increments B(s_k) - B(s_{k+1}) without log(exp(·)) round-off [docs/theory.md §1–2; Nichol & Dhariwal 2021 (improved DDPM), eq. (17), offset 0.008; T = 0.9946 as in Lu et al. 2022 (DPM-Solver)]"""
    return -math.log(math.cos((125/252)*math.pi*s + (1/252)*math.pi)) + math.log(math.cos((1/252)*math.pi))


def rectified_flow_drift(s):
    """rectified-flow: forward drift f_s = d log b_s/ds. dX_s = f_s X_s ds + g_s dW_s; -w_s² when VP [docs/theory.md §1–2; Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return 1/(s - 1)


def rectified_flow_diffusion2(s):
    """rectified-flow: forward diffusion g_s² = (a_s²)' - 2 f_s a_s². from d Var/ds = 2 f Var + g² applied to the noise part; 2 w_s² when VP [docs/theory.md §1–2; Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return -2*s/(s - 1)


def rectified_flow_ei_antiderivative(s):
    """rectified-flow: exponential-integrator weight G(s) = ∫ g²/b ds. score weight of one EI step from s to s' is b_{s'}(G(s) - G(s')); 2/b when VP (Pierret & Galerne 2025, eq. (12): 2γ1) [docs/theory.md §1–2; Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return 2*((s - 1)*math.log1p(-s) - 1)/(s - 1)


def rectified_flow_one_minus_b2(s):
    """rectified-flow: 1 - b_s² without cancellation. used in v - σ² = (σ̂² - σ²) + a² - (1 - b²)σ̂² [docs/theory.md §1–2; Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return -s*(s - 2)


def rectified_flow_marginal_variance(s, sigmahat):
    """rectified-flow: component variance v_s = a_s² + b_s² σ̂². forward marginal of N(0, σ̂²); the threshold rule is v ≤ 4σ² (docs/theory.md §2) [docs/theory.md §1–2; Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return s**2 + sigmahat**2*(1 - s)**2


def rectified_flow_sde_coefficient(s, sigmahat):
    """rectified-flow: backward SDE coefficient -f - g²/v. dY_t = c Y_t dt + g dB_t with the Gaussian plug-in score (Anderson 1982) [docs/theory.md §1–2; Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return (-s**2 + 2*s - sigmahat**2*(s - 1)**2)/((s - 1)*(s**2 + sigmahat**2*(s - 1)**2))


def rectified_flow_ode_coefficient(s, sigmahat):
    """rectified-flow: probability-flow ODE coefficient -f - g²/(2v). dY_t = c Y_t dt (Song et al. 2021, probability flow) [docs/theory.md §1–2; Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return -(s*sigmahat**2 + s - sigmahat**2)/(s**2*sigmahat**2 + s**2 - 2*s*sigmahat**2 + sigmahat**2)


def rectified_flow_b(s):
    """rectified flow: b_s = 1 - s. signal coefficient of the forward marginal [Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return 1 - s


def rectified_flow_a2(s):
    """rectified flow: a_s² = s². noise variance of the forward marginal (not 1 - b_s²) [Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return s**2


def rectified_flow_inverse_a2(x):
    """rectified flow: inverse of s ↦ a_s². forward time at which the noise variance equals x [Liu et al. 2023 (rectified flow), Albergo & Vanden-Eijnden 2023 (linear interpolant); the schedule of Wu et al. 2025's image experiments]"""
    return math.sqrt(x)


def rectified_flow_threshold_root_exact(sigma):
    """rectified flow: forward time s_+ where v = 4σ² (exact score). s_+ = (σ² + σ sqrt(4σ² + 3))/(1 + σ²); the other root s_- < 0 [docs/theory.md §2 (v ≤ 4σ², any schedule) applied to a_s = s, b_s = 1 - s]"""
    return sigma*(sigma + math.sqrt(4*sigma**2 + 3))/(sigma**2 + 1)


def rectified_flow_threshold_time_exact(sigma, T):
    """rectified flow: threshold t_d (exact score). keep component d for t ≥ t_d = max(0, T - s_+) [docs/theory.md §2 (v ≤ 4σ², any schedule) applied to a_s = s, b_s = 1 - s]"""
    return max(0, T - sigma**2/(sigma**2 + 1) - sigma*math.sqrt(4*sigma**2 + 3)/(sigma**2 + 1))


def rectified_flow_threshold_time_plugin(sigma, sigmahat, T):
    """rectified flow: window start t̂_d (plug-in). keeping component d lowers W2 for t in [t̂_d, t̂'_d] [docs/theory.md §2 (v ≤ 4σ², any schedule) applied to a_s = s, b_s = 1 - s]"""
    return ((T) if (4*sigma**2*(sigmahat**2 + 1) - sigmahat**2 < 0) else (max(0, T - (sigmahat**2 + math.sqrt(4*sigma**2*sigmahat**2 + 4*sigma**2 - sigmahat**2))/(sigmahat**2 + 1))))


def rectified_flow_threshold_exit_plugin(sigma, sigmahat, T):
    """rectified flow: window end t̂'_d (plug-in). T unless σ̂² > 4σ² (v_0 = σ̂² > 4σ²): then the component hurts again at the end [docs/theory.md §2 (v ≤ 4σ², any schedule) applied to a_s = s, b_s = 1 - s]"""
    return ((T) if (4*sigma**2*(sigmahat**2 + 1) - sigmahat**2 < 0) else (min(T, T - (sigmahat**2 - math.sqrt(4*sigma**2*sigmahat**2 + 4*sigma**2 - sigmahat**2))/(sigmahat**2 + 1))))


def component_error_general(a2, one_minus_b2, sigma, sigmahat, delta):
    """W2² of a kept component, any schedule, cancellation-free. (v - σ²)²/(sqrt(v) + σ)², v = a² + b² σ̂², v - σ² = δ + a² - (1 - b²)σ̂² [docs/theory.md §2; docs/design.md (numerics)]"""
    return (a2 + delta - one_minus_b2*sigmahat**2)**2/(sigma + math.sqrt(a2 + sigmahat**2*(1 - one_minus_b2)))**2


def backward_sde_coefficient(f, g2, v):
    """backward SDE coefficient, any schedule. dY_t = c Y_t dt + g dB_t, c = -f - g²/v [Anderson 1982; docs/theory.md §1]"""
    return -f - g2/v


def backward_ode_coefficient(f, g2, v):
    """probability-flow ODE coefficient, any schedule. dY_t = c Y_t dt, c = -f - g²/(2v) [Song et al. 2021 (probability flow); docs/theory.md §1]"""
    return -f - 1/2*g2/v


#: Every function above by its result name (the names of `ldmstop derive`).
FUNCTIONS = {
    'frechet_1d': frechet_1d,
    'generated_variance': generated_variance,
    'component_error': component_error,
    'component_error_stable': component_error_stable,
    'discarded_error': discarded_error,
    'increment': increment,
    'threshold_x_plugin': threshold_x_plugin,
    'threshold_x_exact': threshold_x_exact,
    'component_slope': component_slope,
    'component_curvature': component_curvature,
    'monotonicity_term': monotonicity_term,
    'stationarity_term': stationarity_term,
    'score_risk': score_risk,
    'score_minimiser_capped': score_minimiser_capped,
    'variance_constant_score': variance_constant_score,
    'variance_uncapped': variance_uncapped,
    'ou_w2': ou_w2,
    'ou_b': ou_b,
    'ou_a2': ou_a2,
    'ou_inverse_a2': ou_inverse_a2,
    'ou_extended_inverse_a2': ou_extended_inverse_a2,
    'ou_threshold_time_exact': ou_threshold_time_exact,
    'ou_threshold_time_plugin': ou_threshold_time_plugin,
    'vp_linear_w2': vp_linear_w2,
    'vp_linear_b': vp_linear_b,
    'vp_linear_a2': vp_linear_a2,
    'vp_linear_inverse_a2': vp_linear_inverse_a2,
    'vp_linear_extended_inverse_a2': vp_linear_extended_inverse_a2,
    'vp_linear_threshold_time_exact': vp_linear_threshold_time_exact,
    'vp_linear_threshold_time_plugin': vp_linear_threshold_time_plugin,
    'vp_cosine_w2': vp_cosine_w2,
    'vp_cosine_b': vp_cosine_b,
    'vp_cosine_a2': vp_cosine_a2,
    'vp_cosine_inverse_a2': vp_cosine_inverse_a2,
    'vp_cosine_extended_inverse_a2': vp_cosine_extended_inverse_a2,
    'vp_cosine_threshold_time_exact': vp_cosine_threshold_time_exact,
    'vp_cosine_threshold_time_plugin': vp_cosine_threshold_time_plugin,
    'ou_drift': ou_drift,
    'ou_diffusion2': ou_diffusion2,
    'ou_ei_antiderivative': ou_ei_antiderivative,
    'ou_log_signal': ou_log_signal,
    'vp_linear_drift': vp_linear_drift,
    'vp_linear_diffusion2': vp_linear_diffusion2,
    'vp_linear_ei_antiderivative': vp_linear_ei_antiderivative,
    'vp_linear_log_signal': vp_linear_log_signal,
    'vp_cosine_drift': vp_cosine_drift,
    'vp_cosine_diffusion2': vp_cosine_diffusion2,
    'vp_cosine_ei_antiderivative': vp_cosine_ei_antiderivative,
    'vp_cosine_log_signal': vp_cosine_log_signal,
    'rectified_flow_drift': rectified_flow_drift,
    'rectified_flow_diffusion2': rectified_flow_diffusion2,
    'rectified_flow_ei_antiderivative': rectified_flow_ei_antiderivative,
    'rectified_flow_one_minus_b2': rectified_flow_one_minus_b2,
    'rectified_flow_marginal_variance': rectified_flow_marginal_variance,
    'rectified_flow_sde_coefficient': rectified_flow_sde_coefficient,
    'rectified_flow_ode_coefficient': rectified_flow_ode_coefficient,
    'rectified_flow_b': rectified_flow_b,
    'rectified_flow_a2': rectified_flow_a2,
    'rectified_flow_inverse_a2': rectified_flow_inverse_a2,
    'rectified_flow_threshold_root_exact': rectified_flow_threshold_root_exact,
    'rectified_flow_threshold_time_exact': rectified_flow_threshold_time_exact,
    'rectified_flow_threshold_time_plugin': rectified_flow_threshold_time_plugin,
    'rectified_flow_threshold_exit_plugin': rectified_flow_threshold_exit_plugin,
    'component_error_general': component_error_general,
    'backward_sde_coefficient': backward_sde_coefficient,
    'backward_ode_coefficient': backward_ode_coefficient,
}

#: Each built-in schedule's functions, by schedule and by the result name without the schedule prefix.
SCHEDULES = {
    'ou': {
        'a2': ou_a2,
        'b': ou_b,
        'diffusion2': ou_diffusion2,
        'drift': ou_drift,
        'ei_antiderivative': ou_ei_antiderivative,
        'extended_inverse_a2': ou_extended_inverse_a2,
        'inverse_a2': ou_inverse_a2,
        'log_signal': ou_log_signal,
        'threshold_time_exact': ou_threshold_time_exact,
        'threshold_time_plugin': ou_threshold_time_plugin,
        'w2': ou_w2,
    },
    'vp-linear': {
        'a2': vp_linear_a2,
        'b': vp_linear_b,
        'diffusion2': vp_linear_diffusion2,
        'drift': vp_linear_drift,
        'ei_antiderivative': vp_linear_ei_antiderivative,
        'extended_inverse_a2': vp_linear_extended_inverse_a2,
        'inverse_a2': vp_linear_inverse_a2,
        'log_signal': vp_linear_log_signal,
        'threshold_time_exact': vp_linear_threshold_time_exact,
        'threshold_time_plugin': vp_linear_threshold_time_plugin,
        'w2': vp_linear_w2,
    },
    'vp-cosine': {
        'a2': vp_cosine_a2,
        'b': vp_cosine_b,
        'diffusion2': vp_cosine_diffusion2,
        'drift': vp_cosine_drift,
        'ei_antiderivative': vp_cosine_ei_antiderivative,
        'extended_inverse_a2': vp_cosine_extended_inverse_a2,
        'inverse_a2': vp_cosine_inverse_a2,
        'log_signal': vp_cosine_log_signal,
        'threshold_time_exact': vp_cosine_threshold_time_exact,
        'threshold_time_plugin': vp_cosine_threshold_time_plugin,
        'w2': vp_cosine_w2,
    },
    'rectified-flow': {
        'a2': rectified_flow_a2,
        'b': rectified_flow_b,
        'diffusion2': rectified_flow_diffusion2,
        'drift': rectified_flow_drift,
        'ei_antiderivative': rectified_flow_ei_antiderivative,
        'inverse_a2': rectified_flow_inverse_a2,
        'marginal_variance': rectified_flow_marginal_variance,
        'ode_coefficient': rectified_flow_ode_coefficient,
        'one_minus_b2': rectified_flow_one_minus_b2,
        'sde_coefficient': rectified_flow_sde_coefficient,
        'threshold_exit_plugin': rectified_flow_threshold_exit_plugin,
        'threshold_root_exact': rectified_flow_threshold_root_exact,
        'threshold_time_exact': rectified_flow_threshold_time_exact,
        'threshold_time_plugin': rectified_flow_threshold_time_plugin,
    },
}

#: Whether each built-in schedule is variance preserving (a_s² + b_s² = 1).
VARIANCE_PRESERVING = {
    'ou': True,
    'vp-linear': True,
    'vp-cosine': True,
    'rectified-flow': False,
}

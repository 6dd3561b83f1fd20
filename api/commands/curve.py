"""``ldmstop curve`` — exact W2² over backward time for every latent dimension (Prop 2, eq. (3))."""

from __future__ import annotations

import argparse
import sys

from ..cli_common import add_problem_arguments, emit, problem_from_args
from ..registry import INITS, SCHEDULE_INFO, SCHEMES

HELP = "exact W2^2 over backward time for every latent dimension, thresholds and the optimum"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_problem_arguments(parser)
    parser.add_argument("--grid", type=int, default=1001, metavar="K",
                        help="number of backward times, uniform on [0, T] (default: 1001)")
    disc = parser.add_argument_group("sampler (default: exact continuous-time process)")
    disc.add_argument("--scheme", choices=SCHEMES, default="exact",
                      help="exact, or a discretised sampler: em / ei (backward SDE: Euler–Maruyama, "
                           "exponential integrator), euler-ode / heun (probability-flow ODE)")
    disc.add_argument("--steps", type=int, metavar="K",
                      help="number of solver steps K (grid t_k = (T - EPS) k/K, k = 0..K)")
    disc.add_argument("--init", choices=INITS, default="pT",
                      help="start of the discretised sampler: p_T exactly or N(0, I) (default: pT)")
    disc.add_argument("--truncate", type=float, default=0.0, metavar="EPS",
                      help="stop the solver grid at T - EPS (default: 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--plot", metavar="FILE.png|pdf|svg",
                        help="save a Figure-4-style plot (format from the extension)")


def run(args: argparse.Namespace) -> int:
    from ..atomic import FIGURE_FORMATS, Outputs
    from ..curve import require_map_memory, compute_curve
    from ..sampler import Sampler

    problem = problem_from_args(args)
    # the sampler settings, checked once, here; then the sizes, named by their flags
    sampler = Sampler.build(scheme=getattr(args, "scheme", "exact"),
                            steps=getattr(args, "steps", None), init=getattr(args, "init", "pT"),
                            truncate=getattr(args, "truncate", 0.0), problem=problem)
    if not sampler.discretised:
        require_map_memory(problem.D, args.grid, f"--grid {args.grid}")
    else:
        require_map_memory(problem.D, sampler.steps + 1, f"--steps {sampler.steps}", discrete=True)
    with Outputs() as out:  # the plot's path is checked here, before the work
        plot = out.file(args.plot, flag="--plot", formats=FIGURE_FORMATS)
        res = compute_curve(problem, grid=args.grid, sampler=sampler)
        if plot:
            from ..plots import plot_curve

            plot_curve(res, plot)
    if args.json:
        emit(res.to_json())
    else:
        print(format_table(res))
        if args.plot:
            print(f"plot written to {args.plot}")
    return 0


def format_table(res, max_rows: int = 12) -> str:
    """Readable summary: setting, thresholds, optimum, and W2² at a few times."""
    import numpy as np

    p = res.problem
    lines = [f"ldmstop curve — D = {p.D}, schedule = {p.schedule}, T = {p.T:g}, "
             f"score = {'plug-in' if p.has_estimate else 'exact'}"]
    from ..dimensions import shown_dimensions

    show = shown_dimensions(p.D, max_rows)
    lines.append("")
    head = f"{'d':>5} {'sigma^2':>12} " + ("{:>12} ".format("sigmahat^2") if p.has_estimate else "")
    head += f"{'t_d':>10} " + ("{:>10} ".format("that_d") if p.has_estimate else "")
    head += f"{'min_t W2^2':>12} {'argmin t':>9} {'W2^2(T)':>12}"
    lines.append(head)
    for j in show:
        row = f"{j + 1:>5} {p.sigma2[j]:>12.5g} "
        if p.has_estimate:
            row += f"{p.sigma2_hat[j]:>12.5g} "
        row += f"{res.thresholds_exact[j]:>10.5g} "
        if p.has_estimate:
            row += f"{res.thresholds_estimated[j]:>10.5g} "
        k = int(np.argmin(res.w2_squared[j]))
        row += f"{res.w2_squared[j, k]:>12.5g} {res.times[k]:>9.4g} {res.w2_squared[j, -1]:>12.5g}"
        lines.append(row)
    if len(show) < p.D:
        lines.append(f"  ({p.D - len(show)} dimensions not shown; use --json for all)")
    o = res.optimal
    lines.append("")
    if getattr(res, "scheme", "exact") != "exact":
        lines[0] += (f", scheme = {res.scheme}, K = {res.steps} steps, init = {res.init}, "
                     f"truncate = {res.truncate:g}")
        lines.append(f"optimum: d = {o.d}, step {o.step} of {res.steps} "
                     f"({o.steps_from_end} before the end), t = {o.t:.10g}, "
                     f"W2^2 = {o.w2_squared:.10g}; at the last step with d = D: "
                     f"W2 = {res.final_w2[-1]:.6g}")
        return "\n".join(lines)
    lines.append(f"optimum: d = {o.d}, t = {o.t:.10g} "
                 f"({_how(p.schedule, o.interior)}), "
                 f"W2^2 = {o.w2_squared:.10g}")
    return "\n".join(lines)


def _how(schedule: str, interior: bool) -> str:
    if not interior:
        return "on the grid"
    if not SCHEDULE_INFO[schedule].variance_preserving:  # local golden-section refinement, no certificate
        return "refined between grid times"
    return "interior root of the stationarity condition"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace()))

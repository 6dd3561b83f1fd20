"""``ldmstop simulate`` — Monte Carlo confirmation of the exact W2² and of the optimal stop.

Runs the latent sampler (:func:`ldmstop.sim.simulate.simulate`) and compares the MC W2²
(jackknife bias-corrected, with standard errors) with the exact discrete recursion of the
same scheme on the same grid; reports the max z-score and the optimal-stop check
(:mod:`ldmstop.sim.stopping`). Numba is imported inside :func:`run` only (docs/design.md
principle 6).
"""

from __future__ import annotations

import argparse
import sys

from ldmstop.cli_common import add_problem_arguments, emit, problem_from_args
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does
from ldmstop.registry import INITS, SAMPLER_SCHEMES

HELP = "Monte Carlo simulation of the latent sampler: W2^2 with error bars vs the exact theory"

#: The bar of the MC-vs-exact agreement (``z_max``): the same as the verification report's.
AGREE_Z = 4.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_problem_arguments(parser)
    sim = parser.add_argument_group("simulation")
    sim.add_argument("--d", default="all", metavar="D|all",
                     help="latent dimension (PCA encoder), or 'all' for every d (default: all)")
    sim.add_argument("--paths", type=int, default=100_000, help="Monte Carlo paths (default: 100000)")
    sim.add_argument("--steps", type=int, default=200, help="solver steps K (default: 200)")
    sim.add_argument("--scheme", choices=SAMPLER_SCHEMES, default="ei",
                     help="em / ei: backward SDE (Euler–Maruyama, exponential integrator); "
                          "euler-ode / heun: probability-flow ODE (default: ei)")
    sim.add_argument("--init", choices=INITS, default="pT",
                     help="start from the model's p_T or from N(0, I) (default: pT)")
    sim.add_argument("--cap", type=float, default=None, metavar="C",
                     help="capped score-matching score min(C, 1/v̂) of Prop 4 (C > 1)")
    sim.add_argument("--truncate", type=float, default=0.0, metavar="EPS",
                     help="stop the solver grid at T - EPS (default: 0)")
    sim.add_argument("--checkpoints", default="20", metavar="M|t1,t2,...",
                     help="number of checkpoint times spread over the grid (at most one per "
                          "step), or backward times in "
                          "[0, T] (a single time needs a decimal point); the theory's optimal "
                          "stop and the end of the grid are always added (default: 20)")
    sim.add_argument("--threads", type=int, default=None, help="Numba threads (default: all)")
    sim.add_argument("--scheduler", default=None, metavar="local:N|ADDRESS",
                     help="run the chunks of paths as Dask tasks: on a LocalCluster of N worker "
                          "processes started for the run, or on the scheduler at ADDRESS "
                          "(tcp://host:8786); bit-identical to the local run; needs "
                          "pip install 'ldm-stopping[dask]'")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--plot", metavar="FILE.png|pdf|svg",
                        help="MC points with error bars over the exact curves (format from the extension)")
    # --seed (from the problem flags) also seeds the Monte Carlo noise: see run().


def _parse_d(text: str, D: int) -> int | None:
    """``--d``: an integer in ``1..D``, or ``all`` (every latent dimension: ``None``)."""
    if str(text).strip().lower() == "all":
        return None
    try:
        d = int(str(text))
    except ValueError:
        raise ProblemError(f"--d must be an integer in 1..{D} or 'all', got {text!r}") from None
    if not 1 <= d <= D:
        raise ProblemError(f"--d must be in 1..{D}, got {d}")
    return d


def _problem(args: argparse.Namespace):
    # The shared --seed seeds the training samples only together with --samples; here it also
    # roots the MC noise (independent children of the same SeedSequence), so it is allowed alone.
    if args.samples is None and args.seed is not None:
        ns = argparse.Namespace(**vars(args))
        ns.seed = None
        return problem_from_args(ns)
    return problem_from_args(args)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import numpy as np

    from ldmstop.atomic import FIGURE_FORMATS, Outputs
    from ldmstop.cli_common import input_phase
    from ldmstop.curve import ensure_finite
    from ldmstop.errors import ProblemError
    from ldmstop.limits import check_count, require_memory, simulate_memory, warn_if_long
    from ldmstop.registry import SAMPLER_SCHEMES
    from ldmstop.sampler import Sampler

    from ldmstop.sim.noise import check_paths, chunk_count
    from ldmstop.sim.recorder import resolve_checkpoints
    from ldmstop.sim.recursions import sampler_w2_map

    with input_phase():  # every check before any work (docs/errors.md)
        problem = _problem(args)
        d = _parse_d(args.d, problem.D)
        paths = check_paths(check_count(args.paths, name="--paths", low=2))
        steps = check_count(args.steps, name="--steps")
        if args.threads is not None and args.threads < 1:
            raise ProblemError(f"--threads must be >= 1, got {args.threads}")
        if args.scheduler is not None:
            from ldmstop.sim.distributed import check_scheduler

            check_scheduler(args.scheduler)
        # the sampler settings, checked once, here; simulate() and the recursions trust them
        sampler = Sampler.build(scheme=args.scheme, steps=steps, init=args.init,
                                truncate=args.truncate, cap=args.cap, checkpoints=args.checkpoints,
                                problem=problem, schemes=SAMPLER_SCHEMES)
        spec = sampler.checkpoint_spec()
        if isinstance(spec, int):  # more than one per step is every step (and no huge table)
            spec = min(spec, steps)
        kept = problem.D if d is None else d
        n_check = (spec if isinstance(spec, int) else len(spec)) + 2
        require_memory(simulate_memory(problem.D, steps, n_check, kept, chunks=chunk_count(paths)),
                       what=f"--paths {paths:.3g} with --steps {steps} and --checkpoints "
                            f"{args.checkpoints} (D = {problem.D})")
        # the grid after the memory check: K + 1 times are 8 GB at --steps 10**9
        grid = sampler.grid()
        rec_k = resolve_checkpoints(spec, grid, problem.T)
        # theory first (cheap; a scheme the schedule cannot take fails here, as input):
        # its optimal stop and the end of the grid are always recorded
        _, w2_th = sampler_w2_map(problem, sampler)
        if not np.all(np.isfinite(w2_th)):
            raise ProblemError(f"scheme {args.scheme} with --steps {steps} on {problem.schedule} with "
                               f"--T {problem.T:g} does not give finite numbers (a coefficient of the "
                               "recursion overflows, or the scheme diverges): use a smaller --T or "
                               "more --steps")
    rows = np.arange(problem.D) if d is None else np.array([d - 1])
    k_star = int(np.unravel_index(int(np.argmin(w2_th[rows])), (rows.size, steps + 1))[1])
    rec_k = np.unique(np.concatenate([rec_k, [k_star, steps]]))

    import numba  # deferred (principle 6)

    if args.threads is not None and args.threads > numba.config.NUMBA_NUM_THREADS:
        raise ProblemError(f"--threads must be <= {numba.config.NUMBA_NUM_THREADS} on this machine, "
                           f"got {args.threads}")
    from ldmstop.sim.simulate import simulate
    from ldmstop.sim.stopping import stop_check

    work = float(paths) * kept * steps
    warn_if_long(work / _THROUGHPUT, command="simulate",
                 what=f"--paths {paths:.3g} × {kept} dimension(s) × --steps {steps} is "
                      f"{work:.2g} path·dimension·steps")
    seed = 0 if args.seed is None else args.seed
    with Outputs() as outputs:  # the plot's path is checked (and reserved) before the run
        plot = outputs.file(args.plot, flag="--plot", formats=FIGURE_FORMATS)
        res = simulate(problem, paths=paths, seed=seed, threads=args.threads, d=d,
                       show_progress="auto", scheduler=args.scheduler,
                       sampler=replace(sampler, checkpoints=tuple(grid[rec_k].tolist())))
        stop = stop_check(res)
        out = {
            "problem": problem.describe(),
            "variances": problem.sigma2.tolist(),
            "estimated": None if problem.sigma2_hat is None else problem.sigma2_hat.tolist(),
            "settings": {**res.settings.to_json(), "seed": seed},
            "dims": res.dims.tolist(),
            "times": res.times.tolist(),
            "mc": {"w2_squared": res.mc.tolist(), "stderr": res.stderr.tolist()},
            "theory": {"w2_squared": res.theory.tolist(), "continuous": res.continuous.tolist(),
                       "source": "exact discrete variance recursion, same scheme and grid"},
            "z": res.z.tolist(),
            "z_max": res.z_max,
            "z_bar": AGREE_Z,
            "agrees": bool(res.z_max <= AGREE_Z),
            "mean_z_max": res.mean_z_max,
            "optimal_stop": stop,
            "throughput": res.throughput,
            "elapsed_s": res.elapsed,
        }
        # a NaN anywhere in the result is a failure, not an output
        ensure_finite("result", {k: out[k] for k in ("mc", "theory", "z", "z_max", "optimal_stop")})
        if plot:
            plot_simulation(res, stop, problem, w2_th, grid, plot, rows)
    if args.json:
        emit(out)
    else:
        print(format_summary(res, stop, problem))
        if args.plot:
            print(f"plot written to {args.plot}")
    return 0


#: path·dimension·steps per second that the long-run warning assumes (kernel, one thread of the
#: shared 2-core machine; README, simulate performance); a run on more cores is faster
_THROUGHPUT = 5e7


def format_summary(res, stop: dict, problem) -> str:
    s = res.settings
    lines = [f"ldmstop simulate — D = {problem.D}, schedule = {problem.schedule}, T = {problem.T:g}, "
             f"score = {'plug-in' if problem.has_estimate else 'exact'}"
             + (f" capped at C = {s.cap:g}" if s.cap else ""),
             f"scheme = {s.scheme}, init = {s.init}, K = {s.steps} steps, "
             f"{s.paths} paths in {s.chunks} chunks, seed = {s.seed}",
             f"{res.throughput / 1e6:.1f} M path·dim·steps/s ({res.elapsed:.2f} s)", ""]
    j = res.times.size
    show = sorted(set([0, j // 4, j // 2, (3 * j) // 4, j - 1]))
    rows = range(res.dims.size) if res.dims.size <= 8 else [0, res.dims.size // 2, res.dims.size - 1]
    lines.append(f"{'d':>4} {'t':>9} {'MC W2^2':>12} {'+-':>10} {'exact':>12} {'z':>6}")
    for r in rows:
        for c in show:
            lines.append(f"{res.dims[r]:>4} {res.times[c]:>9.4g} {res.mc[r, c]:>12.6g} "
                         f"{res.stderr[r, c]:>10.3g} {res.theory[r, c]:>12.6g} {res.z[r, c]:>6.2f}")
    lines.append("")
    agree = "agrees" if res.z_max <= AGREE_Z else "DISAGREES"
    lines.append(f"max |z| over {res.z.size} (d, t) pairs: {res.z_max:.2f} (bar {AGREE_Z:g}: MC "
                 f"{agree} with the exact recursion)")
    th, mc = stop["theory"], stop["mc"]
    verdict = "confirmed" if stop["confirmed"] else "NOT confirmed"
    if not stop["confirmed"]:
        verdict += f" ({_hint(stop, s.paths)})"
    gz = "n/a" if stop["gain_z"] is None else f"{stop['gain_z']:.1f}"
    lines.append(f"optimal stop: theory d = {th['d']}, t = {th['t']:.6g} (gain {th['gain']:.4g}); "
                 f"MC argmin at d = {th['d']}: t = {mc['t_at_theory_d']:.6g}; "
                 f"MC gain W2^2(T) - W2^2(t*) = {stop['gain']:.4g} +- {stop['gain_stderr']:.2g} "
                 f"(z = {gz}) — {verdict}")
    return "\n".join(lines)


def _hint(stop: dict, paths: int) -> str:
    """Why the stop is not confirmed, and how many paths would settle it (the standard error
    falls as 1/sqrt(paths))."""
    from ldmstop.sim.stopping import STOP_Z

    gain, se = stop["gain"], stop["gain_stderr"]
    if stop["predicted_gain"]:
        if se > 0 and gain > 0 and gain / se < STOP_Z:
            need = int(float(f"{paths * (1.1 * STOP_Z * se / gain) ** 2:.2g}"))
            return (f"the gain is {gain / se:.1f} standard errors, the bar is {STOP_Z:g}: "
                    f"try --paths {max(need, paths + 1)}")
        if not stop["mc_argmin_indistinguishable"]:
            return ("the MC minimum lies at a time the theory tells apart from t*: a real "
                    "disagreement, or too few paths (try 4x --paths)")
        return f"the MC gain is not positive: try 4x --paths ({4 * paths})"
    return ("the theory predicts no gain, but the MC finds one or its minimum elsewhere; "
            f"try 4x --paths ({4 * paths})")


def plot_simulation(res, stop: dict, problem, w2_th, grid, path: str, rows) -> None:
    """Exact discrete-recursion curves with the MC estimates (± 2 standard errors) on top."""
    import numpy as np

    from ldmstop.plots import _plt, savefig_atomic

    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    cmap = plt.get_cmap("viridis")
    show = list(range(len(rows))) if len(rows) <= 10 else list(
        np.unique(np.linspace(0, len(rows) - 1, 10).astype(int)))
    for n, r in enumerate(show):
        c = cmap(n / max(1, len(show) - 1))
        ax.plot(grid, w2_th[rows[r]], color=c, lw=1.2, label=f"d = {res.dims[r]} (exact)")
        ax.errorbar(res.times, res.mc[r], yerr=2 * res.stderr[r], fmt="o", ms=3, color=c,
                    capsize=2, lw=0.8)
    th = stop["theory"]
    ax.axvline(th["t"], color="k", ls=":", lw=1.0, label=f"t* = {th['t']:.4g} (d = {th['d']})")
    ax.set_xlabel("backward time t")
    ax.set_ylabel("W2²")
    # log axis: the optimum lives orders of magnitude below the start; bias-corrected MC values
    # that are not positive cannot be shown there (their error bars still are, clipped).
    pos = w2_th[rows][w2_th[rows] > 0]
    if pos.size:
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.5 * float(pos.min()))
    s = res.settings
    ax.set_title(f"Monte Carlo ({s.paths} paths, {s.scheme}, K = {s.steps}) vs exact, "
                 f"±2 s.e.", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    savefig_atomic(fig, path)
    plt.close(fig)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace()))

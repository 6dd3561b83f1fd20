"""``ldmstop advise`` — which latent dimension and which stop to use for your data or spectrum."""

from __future__ import annotations

import argparse

from ..registry import DEFAULT_SCHEDULE, INITS, SCHEDULES, SCHEMES

HELP = "best latent dimension and stopping time/step for a data set, spectrum or covariance"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_argument_group("input (one of)")
    src.add_argument("--variances", metavar="V1,V2,...",
                     help="diagonal covariance: comma-separated variances, any order")
    src.add_argument("--data", metavar="X.npy", help="data matrix, samples × dimensions (PCA of centred data)")
    src.add_argument("--spectrum", metavar="EIG.npy", help="1-D array of covariance eigenvalues")
    src.add_argument("--covariance", metavar="C.npy", help="D × D covariance matrix")
    src.add_argument("--digits", action="store_true",
                     help="scikit-learn's digits data set (optional extra: pip install 'ldm-stopping[digits]')")
    sc = parser.add_argument_group(
        "score (default: --data/--digits: a plug-in score from as many training samples as the "
        "data have; --variances/--spectrum/--covariance: the exact score)")
    sc.add_argument("--estimated", metavar="V1,V2,...",
                    help="plug-in estimate of the variances, paired with --variances")
    sc.add_argument("--samples", type=int, metavar="N",
                    help="model a plug-in score estimated from N training samples (drawn with --seed)")
    sc.add_argument("--seed", type=int, help="seed of the training samples (with --samples; default: 0)")
    sc.add_argument("--exact-score", action="store_true",
                    help="the exact score of the spectrum, also for --data/--digits (then the best "
                         "stop is the end of sampling and W2 = 0 there: nothing to advise)")
    parser.add_argument("--schedule", choices=SCHEDULES, default=DEFAULT_SCHEDULE,
                        help=f"noise schedule (default: {DEFAULT_SCHEDULE})")
    from ..cli_common import T_HELP

    parser.add_argument("--T", type=float, default=None, help=T_HELP)
    smp = parser.add_argument_group("sampler (default: exact continuous-time)")
    smp.add_argument("--scheme", choices=SCHEMES, default="exact")
    smp.add_argument("--steps", type=int, metavar="K", help="solver steps (discretised schemes)")
    smp.add_argument("--init", choices=INITS, default="pT")
    smp.add_argument("--truncate", type=float, default=0.0, metavar="EPS")
    parser.add_argument("--grid", type=int, default=1001, help="backward times for the exact sampler")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--plot", metavar="FILE.png|pdf|svg",
                        help="save the heat map of W2 over (d, stop) (format from the extension)")


def _spectrum(args) -> tuple:
    from ..advise import covariance_spectrum, data_spectrum
    from ..errors import ProblemError
    from ..problem import _require_file_memory, load_npy

    given = [n for n in ("variances", "data", "spectrum", "covariance") if getattr(args, n) is not None]
    if args.digits:
        given.append("digits")
    if len(given) != 1:
        raise ProblemError("give exactly one of --variances, --data, --spectrum, --covariance, --digits"
                           + (f" (got {', '.join('--' + g for g in given)})" if given else ""))
    if args.variances is not None:
        from ..cli_common import parse_floats

        import numpy as np

        lam = np.asarray(parse_floats(args.variances, name="--variances"), dtype=float)
        return lam, {"kind": "variances", "D": int(lam.size)}
    if args.data is not None:
        _check_data_size(args.data)
        lam, n = data_spectrum(args.data)
        return lam, {"kind": "data", "path": args.data, "n_samples": n, "D": int(lam.size)}
    if args.digits:
        from ..datasets import digits_data

        X = digits_data()
        lam, n = data_spectrum(X)
        return lam, {"kind": "digits", "name": "scikit-learn load_digits (8×8 images, pixels mapped to [-1, 1])",
                     "n_samples": n, "D": int(lam.size)}
    if args.spectrum is not None:
        _require_file_memory(args.spectrum, "spectrum", per_entry=8 * 3)  # by its header, as curve's
        lam = load_npy(args.spectrum, what="spectrum")
        if lam.ndim != 1:
            raise ProblemError(f"spectrum file {args.spectrum!r} must hold a 1-D array, got shape {lam.shape}")
        return lam, {"kind": "spectrum", "path": args.spectrum, "D": int(lam.size)}
    from ..advise import covariance_spectrum as cs

    _require_file_memory(args.covariance, "covariance", per_entry=8 * 5)
    lam = cs(load_npy(args.covariance, what="covariance"))
    return lam, {"kind": "covariance", "path": args.covariance, "D": int(lam.size)}


def _score_flags(args) -> dict:
    """The score the flags ask for: ``estimated`` (paired with --variances), ``samples``/``seed``
    (seed 0 unless given: the command line is reproducible), or nothing (exact score)."""
    from ..cli_common import parse_floats
    from ..errors import ProblemError

    given = [f for f, v in (("--estimated", args.estimated), ("--samples", args.samples),
                            ("--exact-score", args.exact_score or None)) if v is not None]
    if len(given) > 1:
        raise ProblemError(f"give at most one of --estimated, --samples, --exact-score (got {', '.join(given)})")
    if args.estimated is not None:
        if args.variances is None:
            raise ProblemError("--estimated pairs with --variances (one estimate per variance)")
        return {"estimated": parse_floats(args.estimated, name="--estimated")}
    if args.samples is not None:
        return {"samples": args.samples, "seed": 0 if args.seed is None else args.seed}
    return {}


def _check_data_size(path: str) -> None:
    """Refuse a data file whose D × D covariance cannot fit; warn when reading it will be long.
    From the file's header alone (nothing read)."""
    from ..advise import DEFAULT_CHUNK_ROWS, check_data_shape
    from ..limits import require_memory, warn_if_long
    from ..problem import npy_header

    X = npy_header(path, what="data")
    n, D = check_data_shape(X, f"data file {path!r}")
    # the covariance accumulator and its eigen-decomposition (~4 D × D), two float64 chunks
    require_memory(8.0 * (4 * D * D + 2 * min(n, DEFAULT_CHUNK_ROWS) * D),
                   what=f"--data {path!r} (D = {D} columns)")
    # two passes; the second costs n·D² multiply-adds (measured ~1e10/s: 50,000 × 3,072 in 40-80 s)
    warn_if_long(2.0 * n * D * D / 1e10, what=f"--data {path!r} ({n} × {D})", command="advise")


def run(args: argparse.Namespace) -> int:
    from ..advise import advice_sampler, advise
    from ..atomic import FIGURE_FORMATS, Outputs
    from ..cli_common import emit
    from ..curve import require_map_memory
    from ..problem import Problem

    with Outputs() as out:  # the heat map's path is checked before the data are read
        plot = out.file(args.plot, flag="--plot", formats=FIGURE_FORMATS)
        kw = _score_flags(args)
        lam, source = _spectrum(args)
        if ("n_samples" in source and "samples" not in kw and "estimated" not in kw
                and not args.exact_score):
            # Data give a spectrum *and* a sample size: model the score a network would learn
            # from those samples (the plug-in estimate, Wu et al. 2025 §3), not the exact one,
            # for which the answer is always "run to the end, W2 = 0".
            kw["samples"], kw["seed"] = int(source["n_samples"]), 0 if args.seed is None else args.seed
            source["score"] = f"plug-in from n = {kw['samples']} samples (the data's own size; default)"
        problem = Problem.from_variances(lam, schedule=args.schedule, T=args.T, **kw)
        # the sampler settings, checked once, here; then the sizes, named by their flags
        sampler = advice_sampler(problem, scheme=args.scheme, steps=args.steps, init=args.init,
                                 truncate=args.truncate)
        if not sampler.discretised:
            require_map_memory(problem.D, args.grid, f"--grid {args.grid}")
        else:
            require_map_memory(problem.D, sampler.steps + 1, f"--steps {sampler.steps}",
                               discrete=True)
        adv = advise(problem, grid=args.grid, source=source, sampler=sampler)
        if plot:
            from ..plots import plot_heatmap

            plot_heatmap(adv, plot)
    if args.json:
        out = adv.to_json()
        if args.plot:
            out["plot"] = args.plot
        emit(out)
    else:
        print(format_advice(adv))
        if args.plot:
            print(f"heat map written to {args.plot}")
    return 0


def _score_text(p) -> str:
    if not p.has_estimate:
        return "exact"
    return f"plug-in (n = {p.n_samples})" if p.n_samples is not None else "plug-in (given estimate)"


def format_advice(adv, max_rows: int = 10) -> str:
    """Readable advice: the setting, the best (d, stop), the gain, a few dimensions."""
    import numpy as np

    p = adv.problem
    src = adv.source
    lines = [f"ldmstop advise — {src.get('kind', '?')}"
             + (f" {src['path']}" if src.get("path") else "")
             + (f", n = {src['n_samples']}" if src.get("n_samples") else "")
             + f", D = {p.D}, schedule = {p.schedule}, T = {p.T:g}, "
             + f"score = {_score_text(p)}, "
             + (f"sampler = {adv.scheme} ({adv.steps} steps)" if adv.steps else "sampler = exact")]
    if src.get("score"):
        lines.append(f"score: {src['score']}; --exact-score for the exact score")
    b, e, g = adv.best, adv.end, adv.gain
    stop = f"step {b.step} of {adv.steps} (t = {b.t:.6g})" if b.step is not None else f"t = {b.t:.6g}"
    lines += ["",
              f"best: keep d = {b.d} components, stop at {stop}: W2 = {b.w2:.6g}",
              f"running to the end: best d = {e.d}, W2 = {e.w2:.6g} (all {p.D} components: {e.w2_full:.6g})",
              f"gain of stopping early: {g.w2:.4g} in W2 ({100 * g.relative:.3g} %)", ""]
    D = p.D
    from ..dimensions import shown_dimensions

    show = shown_dimensions(D, max_rows)
    lines.append(f"{'d':>6} {'sigma^2':>11} {'best stop t':>12} {'W2 there':>11} {'W2 at end':>11}")
    for j in show:
        r = adv.best_stop[j]
        lines.append(f"{j + 1:>6} {p.sigma2[j]:>11.4g} {r.t:>12.6g} {r.w2:>11.5g} {r.w2_end:>11.5g}")
    if len(show) < D:
        lines.append(f"  ({D - len(show)} dimensions not shown; use --json for all)")
    return "\n".join(lines)

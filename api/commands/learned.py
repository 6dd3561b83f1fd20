"""``ldmstop learned`` — early stopping with learned scores on real data (optional extra)."""

from __future__ import annotations

import argparse

HELP = ("train score networks in PCA / autoencoder latent spaces of real images and measure "
        "the metric against the stopping time (needs the [learned] extra)")

#: flag -> Settings field, for the numeric overrides (None = keep the default or --quick's)
_NUMERIC = {"steps": int, "seeds": int, "seed": int, "samples": int, "width": int, "depth": int,
            "train_steps": int, "ae_steps": int, "ae_width": int, "batch": int, "lr": float,
            "directions": int, "holdout": float, "split_seed": int}


#: JAX's default integer (loop counters, indices) is int32
_MAX_INT32 = 2**31 - 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_argument_group("data (default: --digits)")
    src.add_argument("--digits", action="store_true",
                     help="scikit-learn's 8×8 digits, pixels mapped to [-1, 1] (the default)")
    src.add_argument("--data", metavar="X.npy", help="your data matrix, n samples × D, used as given")
    src.add_argument("--holdout", type=float, metavar="F", help="held-out fraction (default 0.3)")
    src.add_argument("--split-seed", type=int, metavar="S", help="seed of the train/held-out split (default 0)")
    ex = parser.add_argument_group("experiment")
    ex.add_argument("--dims", metavar="D1,D2,...", help="latent dimensions (default 4,8,16,32; "
                    "the pixel-space model d = D is always added)")
    ex.add_argument("--encoders", metavar="E,...", help="pca and/or ae (default: pca,ae)")
    ex.add_argument("--schedules", metavar="S,...",
                    help="rectified-flow and/or vp-linear (default: both)")
    ex.add_argument("--steps", type=int, metavar="K", help="sampling steps (default 250; --quick 100)")
    ex.add_argument("--seeds", type=int, metavar="S", help="independent replicates (default 3; --quick 1)")
    ex.add_argument("--seed", type=int, help="first model seed (default 0)")
    ex.add_argument("--samples", type=int, metavar="N",
                    help="generated samples per seed, at most 5000 (default 1000)")
    nets = parser.add_argument_group("networks")
    nets.add_argument("--width", type=int, help="score network width (default 128)")
    nets.add_argument("--depth", type=int, help="score network layers (default 3)")
    nets.add_argument("--train-steps", type=int, metavar="N",
                      help="score training steps, rounded to a multiple of 50 (default 2000)")
    nets.add_argument("--batch", type=int, help="minibatch size (default 256)")
    nets.add_argument("--lr", type=float, help="peak learning rate (default 2e-3)")
    nets.add_argument("--precondition", choices=("diagonal", "isotropic"),
                      help="score preconditioning: per-coordinate variances (default) or their mean")
    nets.add_argument("--ae-width", type=int, help="autoencoder width (default 128)")
    nets.add_argument("--ae-steps", type=int, metavar="N",
                      help="autoencoder training steps, rounded to a multiple of 50 (default 2000)")
    parser.add_argument("--directions", type=int, metavar="L", help="sliced-W2 directions (default 128)")
    parser.add_argument("--quick", action="store_true",
                        help="one seed, 100 steps, small networks: a smoke run of about a minute")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--out", metavar="DIR", help="write DIR/report.md, DIR/report.json, DIR/figures/*.png")


def _names(text: str, flag: str) -> tuple[str, ...]:
    from ..errors import ProblemError

    items = tuple(p.strip() for p in str(text).split(",") if p.strip())
    if not items:
        raise ProblemError(f"{flag} is empty")
    return items


def settings_from_args(args: argparse.Namespace):
    """The :class:`ldmstop.learned.experiment.Settings` the flags describe (checked)."""
    from ..errors import ProblemError
    from ..learned.experiment import Settings, validate_settings

    from ..limits import check_count

    kw = {}
    for name in _NUMERIC:
        v = getattr(args, name, None)
        if v is not None:
            if _NUMERIC[name] is int and v > _MAX_INT32:  # JAX counts and indexes in int32
                check_count(v, name="--" + name.replace("_", "-"), low=-(2**63), high=_MAX_INT32)
            kw[name] = v
    if args.dims is not None:
        dims = []
        for p in _names(args.dims, "--dims"):
            try:
                dims.append(int(p))
            except ValueError:
                raise ProblemError(f"--dims: {p!r} is not an integer") from None
        kw["dims"] = tuple(dims)
    if args.precondition is not None:
        kw["precondition"] = args.precondition
    if args.encoders is not None:
        kw["encoders"] = _names(args.encoders, "--encoders")
    if args.schedules is not None:
        kw["schedules"] = _names(args.schedules, "--schedules")
    st = Settings.quick_settings(**kw) if args.quick else Settings(**kw)
    return validate_settings(st)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from ..cli_common import emit
    from ..errors import ProblemError
    from ..learned.backend import INSTALL_HINT, MissingExtraError, missing_modules

    settings = settings_from_args(args)
    if args.digits and args.data is not None:
        raise ProblemError("give --digits or --data, not both")
    from ..learned import data as ldata

    holdout, split_seed = settings.holdout, settings.split_seed
    split = None
    if args.data is not None:  # needs numpy only: a bad file is reported with or without the extra
        split = ldata.npy_split(args.data, holdout=holdout, seed=split_seed)
        from ..learned.experiment import validate_settings  # numpy only, too

        settings = validate_settings(settings, split.D)  # --dims against the data's dimension
    from ..atomic import Outputs

    # The report is one set (report.md, report.json, figures/): checked now, built in a
    # temporary folder, published at the end with the report after its figures.
    with Outputs() as out:
        folder = out.folder(args.out, flag="--out", last=("report.json", "report.md"))
        missing = missing_modules()
        if missing:
            raise MissingExtraError(f"needs the [learned] extra (missing: {', '.join(missing)}): {INSTALL_HINT}")
        from ..learned.experiment import run_experiment, validate_settings

        if split is None:
            split = ldata.digits_split(holdout=holdout, seed=split_seed)
        settings = validate_settings(settings, split.D)
        res = run_experiment(split, settings, progress=(not args.json) and sys.stderr.isatty())
        from ..learned.report import format_summary, json_document, write_report

        if folder is not None:
            write_report(res, folder)
    written = out.written
    if args.json:
        doc = json_document(res)
        if written:
            doc["written"] = written
        emit(doc)
    else:
        print(format_summary(res))
        if written:
            print(f"\nreport written to {os.path.join(args.out, 'report.md')}")
    return 0

"""``ldmstop frechet`` — the Fréchet distance (FID-style) between two Gaussians, with an error bound.

Each side is a samples file (n × D ``.npy``; mean and covariance estimated by the streamed
two-pass reader of :func:`ldmstop.advise.data_moments`) or a mean and a covariance file. The
distance is :func:`ldmstop.frechet.frechet_distance2` (cancellation-free, docs/frechet.md).
"""

from __future__ import annotations

import argparse
import math

HELP = "Fréchet distance (FD = W2²) between two Gaussians given by samples or by mean/covariance"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", nargs="?", metavar="A.npy",
                        help="samples of the first law (n × D .npy), or use --mean-a/--cov-a")
    parser.add_argument("b", nargs="?", metavar="B.npy",
                        help="samples of the second law (n × D .npy), or use --mean-b/--cov-b")
    for side in ("a", "b"):
        g = parser.add_argument_group(f"{side.upper()} as moments (instead of {side.upper()}.npy)")
        g.add_argument(f"--mean-{side}", metavar="MU.npy", help="mean vector (D,)")
        g.add_argument(f"--cov-{side}", metavar="COV.npy", help="covariance matrix (D × D)")
    parser.add_argument("--rtol", type=float, default=None,
                        help="relative accuracy wanted: where the float64 error bound exceeds it, "
                             "recompute with mpmath (D <= 256)")
    parser.add_argument("--tol", type=float, default=None,
                        help="relative tolerance of the symmetry and PSD checks (default 64·D·u)")
    parser.add_argument("--chunk-rows", type=int, default=None, metavar="N",
                        help="rows per chunk when streaming a samples file (default 4096)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _side(args, side: str):
    """Check one side's inputs without reading the data: returns a loader and a description."""
    from ..advise import check_data_shape
    from ..errors import ProblemError
    from ..frechet import check_covariance, check_mean, check_psd
    from ..problem import npy_header, open_npy

    path = getattr(args, side)
    mean_f, cov_f = getattr(args, f"mean_{side}"), getattr(args, f"cov_{side}")
    S = side.upper()
    if path is not None and (mean_f is not None or cov_f is not None):
        raise ProblemError(f"{S}: give either a samples file or --mean-{side}/--cov-{side}, not both")
    if path is None:
        if mean_f is None and cov_f is None:
            raise ProblemError(f"{S} is missing: give {S}.npy (samples) or --mean-{side} and --cov-{side}")
        if mean_f is None or cov_f is None:
            missing = f"--mean-{side}" if mean_f is None else f"--cov-{side}"
            raise ProblemError(f"{S}: {missing} is missing (a Gaussian needs its mean and its covariance)")
        peek = npy_header(cov_f, what=f"--cov-{side}")  # the header only
        if peek.ndim == 2:
            from ..limits import require_memory

            require_memory(8.0 * 16 * peek.shape[0] * peek.shape[1],
                           what=f"--cov-{side} {cov_f!r} (shape {peek.shape})")
        cov, tol = check_covariance(f"--cov-{side}", open_npy(cov_f, what=f"--cov-{side}"), args.tol)
        check_psd(f"--cov-{side}", cov, tol)  # before the other side's (long) streaming
        mu = check_mean(f"--mean-{side}", open_npy(mean_f, what=f"--mean-{side}"), cov.shape[0])
        desc = {"kind": "moments", "mean": mean_f, "covariance": cov_f, "D": int(cov.shape[0])}
        return cov.shape[0], (lambda: (mu, cov)), desc
    X = npy_header(path, what=f"{S} samples")
    n, D = check_data_shape(X, f"{S} samples file {path!r}")
    desc = {"kind": "samples", "path": path, "n": int(n), "D": int(D)}

    def load():
        from ..advise import DEFAULT_CHUNK_ROWS, data_moments

        rows = args.chunk_rows if args.chunk_rows is not None else DEFAULT_CHUNK_ROWS
        mu, cov, _ = data_moments(path, chunk_rows=rows, name=f"{S} samples",
                                  progress_desc=None if args.json else f"reading {S}")
        return mu, cov
    return D, load, desc


def run(args: argparse.Namespace) -> int:
    from ..cli_common import emit
    from ..errors import ProblemError
    from ..frechet import frechet_distance2

    if args.chunk_rows is not None and args.chunk_rows < 1:
        raise ProblemError(f"--chunk-rows must be >= 1, got {args.chunk_rows}")
    if args.rtol is not None and not (math.isfinite(args.rtol) and args.rtol > 0):
        raise ProblemError(f"--rtol must be a finite number > 0, got {args.rtol!r}")
    if args.tol is not None and not (math.isfinite(args.tol) and args.tol >= 0):
        raise ProblemError(f"--tol must be a finite number >= 0, got {args.tol!r}")
    if (args.mean_a is not None or args.cov_a is not None) and args.a is not None and args.b is None:
        args.a, args.b = None, args.a  # `--mean-a M --cov-a C B.npy`: the one file is B
    # Every input is checked (files, shapes, dimensions) before any data is streamed.
    Da, load_a, desc_a = _side(args, "a")
    Db, load_b, desc_b = _side(args, "b")
    if Da != Db:
        raise ProblemError(f"A and B have different dimensions: D = {Da} and D = {Db}")
    from ..limits import require_memory

    # two D × D covariances and the distance's eigen-factors, products and polar factor
    # (measured peak, tracemalloc at D = 512: 14 float64 D × D arrays; 28 where the bound asks
    # for the refinement of the eigen-factors, whose error-free products hold three slices of
    # each factor), plus a streamed chunk per samples file
    rows = args.chunk_rows if args.chunk_rows is not None else 4096
    require_memory(8.0 * (30 * Da * Da + 2 * rows * Da), what=f"A and B of dimension D = {Da}")
    mu_a, cov_a = load_a()
    mu_b, cov_b = load_b()
    res = frechet_distance2(cov_a, cov_b, mu_a, mu_b, return_error=True, rtol=args.rtol, tol=args.tol)
    v, err = res.value, res.error
    w2 = math.sqrt(v)
    w2_err = math.sqrt(err) if v <= err else min(math.sqrt(err), err / w2)
    doc = {"fd": v, "fd_decimal": res.mp_value, "mp_error_bound": res.mp_error,
           "w2": w2, "error_bound": err, "relative_error_bound": res.relative_error,
           "w2_error_bound": w2_err, "method": res.method, "dps": res.dps, "D": Da,
           "a": desc_a, "b": desc_b}
    if args.json:
        emit(doc)
        return 0
    rel = f"{res.relative_error:.1e}" if math.isfinite(res.relative_error) else "inf"
    print(f"FD (W2²)  {v:.17g}  ± {err:.2e}  (relative {rel})")
    if res.mp_value is not None:
        print(f"FD ({res.dps} digits) {res.mp_value}  ± {res.mp_error:.2e}")
    print(f"W2        {w2:.17g}  ± {w2_err:.2e}")
    print(f"method    {res.method}" + (f" ({res.dps} digits)" if res.dps else "") + f", D = {Da}")
    for name, d in (("A", desc_a), ("B", desc_b)):
        src = (f"samples {d['path']} (n = {d['n']}; mean and covariance estimated, 1/(n-1))"
               if d["kind"] == "samples" else f"mean {d['mean']}, covariance {d['covariance']}")
        print(f"{name}         {src}")
    print("the bound is on the numerical error of FD for these means and covariances, "
          "not on their sampling error")
    return 0

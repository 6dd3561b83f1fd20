"""The problem specification: one validated, immutable setting of the theory.

A :class:`Problem` holds the true variances (diagonal Σ, or the eigenvalues of a full covariance
with its PCA basis), an optional plug-in estimate, the noise schedule and the horizon ``T``.
Input is checked once, here (docs/design.md, principle 3); everything downstream trusts it.

Ordering: components are sorted by decreasing *estimated* variance when an estimate exists (what
a practitioner's PCA sees), else by decreasing true variance; true and estimated values stay
paired, and ``order`` records the permutation from the user's input.
"""

from __future__ import annotations

from contextlib import contextmanager
import math
import os
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

from .errors import ProblemError, plain
from .registry import DEFAULT_T, DRIFT_SINGULAR_AT, MAX_T, SCHEDULES

__all__ = ["Problem", "SCHEDULES", "load_npy", "open_npy", "npy_header", "NpyHeader", "parse_floats", "DEFAULT_T", "MAX_T",
           "MAX_VARIANCE", "check_seed", "check_discretisable", "largest_horizon"]

# The schedules, their default and largest horizons: one definition, in ldmstop.registry
# (standard library only); re-exported here, where the problem reads them.

#: Largest variance (true or estimated) accepted. The kept-component error is evaluated in the
#: cancellation-free form ``(δ + x(1 - σ̂²))² / (σ + sqrt(v))²`` (docs/design.md, numerics), whose
#: numerator squares a quantity of the size of the variances: it overflows beyond
#: ``sqrt(DBL_MAX) ≈ 1.34e154`` (measured: finite and within 2e-14 of a 40-digit reference up to
#: 1.0e154, ``inf`` from 1.4e154). The bound leaves four decades for sums over components and
#: for the other forms (slopes grow like v^1.5, the simulator's sums of squares like n·v). No
#: rescaling can lift it: W² is homogeneous of degree 1 in (Σ, Σ̂) only together with the noise,
#: whose variance the schedule fixes at 1, so a rescaled problem is a different problem.
MAX_VARIANCE = 1e150
#: Discretised samplers evaluate the drift at s = T on the first step; where it is infinite (the
#: vp-cosine's β(s) = π/1.008·tan((s + 0.008)/1.008·π/2) at s = 1) a horizon closer than this to
#: the singularity is refused: there tan(π/2 - ε) keeps fewer than about 8 correct digits, and
#: at s = 1 itself it returns 1.6e16 for an infinite drift (W² ~ 1e25 came out as a number).
_SINGULAR_MARGIN = 1e-8
# (DRIFT_SINGULAR_AT, from the registry, says where; the rectified flow's drift at s = 1
# evaluates to inf, which the recursions refuse themselves.)

# Relative tolerances for the structural checks of a covariance matrix. Symmetry: entries agree
# to float32 round-off of the largest entry (a covariance saved as float32 must pass).
_SYM_RTOL = 1e-6
_PSD_RTOL = 1e-8


def _real_array(name: str, values) -> np.ndarray:
    """``values`` as a float64 array, refusing what ``np.asarray(..., float)`` would silently
    bend: complex numbers (their imaginary part dropped), booleans (read as 0/1), strings,
    ``None`` and other objects."""
    if values is None:
        raise ProblemError(f"{name} is missing (got None)")
    if isinstance(values, (str, bytes)):
        raise ProblemError(f"{name} must be numbers, got the string {values!r}")
    if isinstance(values, (list, tuple)):  # numpy would read True as 1.0 and 1+0j as complex
        stack = [values]
        while stack:
            for item in stack.pop():
                if isinstance(item, (list, tuple)):
                    stack.append(item)
                elif isinstance(item, (bool, np.bool_)):
                    raise ProblemError(f"{name} must be real numbers, got the boolean {item!r}")
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ProblemError(f"{name} must be an array of numbers ({exc})") from None
    kind = raw.dtype.kind
    if kind == "O":  # a list mixing types: look at the elements themselves
        flat = raw.ravel()
        for item in flat:
            if isinstance(item, (bool, np.bool_)):
                raise ProblemError(f"{name} must be real numbers, got the boolean {item!r}")
            if isinstance(item, (complex, np.complexfloating)):
                raise ProblemError(f"{name} must be real numbers, got the complex {plain(item)}")
            if not isinstance(item, (int, float, np.integer, np.floating)):
                raise ProblemError(f"{name} must be real numbers, got {type(item).__name__} {item!r}")
    elif kind == "b":
        raise ProblemError(f"{name} must be real numbers, got booleans (dtype {raw.dtype})")
    elif kind == "c":
        raise ProblemError(f"{name} must be real numbers, got complex values (dtype {raw.dtype})"
                           + ("; a covariance is real symmetric, not Hermitian" if name == "covariance" else ""))
    elif kind in "USV":
        raise ProblemError(f"{name} must be numbers, got strings or bytes (dtype {raw.dtype})")
    elif kind not in "iuf":
        raise ProblemError(f"{name} must be numbers, got dtype {raw.dtype}")
    if kind == "O" and any(isinstance(v, (list, tuple)) for v in raw.ravel()):
        raise ProblemError(f"{name} must be a regular array of numbers (ragged nesting)")
    try:
        return np.asarray(raw, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ProblemError(f"{name} must be real numbers ({exc})") from None


def _as_float_vector(name: str, values, *, allow_empty: bool = False) -> np.ndarray:
    arr = _real_array(name, values)
    if arr.ndim != 1:
        raise ProblemError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ProblemError(f"{name} is empty: at least one variance is needed")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ProblemError(f"{name}[{i}] = {float(arr[i])!r} is not finite")
    neg = arr < 0
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise ProblemError(f"{name}[{i}] = {float(arr[i])!r} is negative; variances must be >= 0")
    big = arr > MAX_VARIANCE
    if big.any():
        i = int(np.flatnonzero(big)[0])
        raise ProblemError(f"{name}[{i}] = {float(arr[i])!r} is too large: variances must be at "
                           f"most {MAX_VARIANCE:g} (beyond about 1.3e154 the squared errors overflow "
                           "float64); rescale your data")
    return arr


def _readonly(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.array(a, dtype=float, copy=True)
    a.setflags(write=False)
    return a


def _check_T(T: float) -> float:
    if isinstance(T, (bool, np.bool_, str, bytes, complex, np.complexfloating)):
        raise ProblemError(f"T must be a real number, got {type(T).__name__} {T!r}")
    try:
        T = float(T)
    except (TypeError, ValueError):
        raise ProblemError(f"T must be a number, got {T!r}") from None
    if not math.isfinite(T) or T <= 0:
        raise ProblemError(f"T must be finite and > 0, got {plain(T)}")
    return T


def _coefficients_finite(schedule: str, T: float) -> bool:
    """Whether the schedule's marginal coefficients ``a_T², b_T`` and ``log(1/b_T)`` (the
    integrated rate, VP schedules) are finite numbers at forward time ``T``."""
    from ldmstop.derivations import backends

    fns = backends.numpy_schedule(schedule)
    s = np.array([T])
    with np.errstate(all="ignore"):
        vals = [fns.a2(s), fns.b(s)] + ([fns.log_signal(s)] if fns.log_signal is not None else [])
        try:
            return all(bool(np.all(np.isfinite(np.asarray(v, dtype=float)))) for v in vals)
        except (OverflowError, FloatingPointError, ValueError):
            return False


_LARGEST_T: dict[str, float] = {}


def largest_horizon(schedule: str) -> float:
    """Largest ``T`` at which :func:`_coefficients_finite` holds (bisection in log T; cached)."""
    if schedule not in _LARGEST_T:
        if MAX_T[schedule] is not None:
            _LARGEST_T[schedule] = MAX_T[schedule]
        elif _coefficients_finite(schedule, 1e308):
            _LARGEST_T[schedule] = 1e308
        else:
            lo, hi = 0.0, 308.0  # log10 T: finite at 10**lo, not at 10**hi
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if _coefficients_finite(schedule, 10.0**mid) else (lo, mid)
            _LARGEST_T[schedule] = 10.0**lo
    return _LARGEST_T[schedule]


def check_seed(seed, name: str = "seed") -> int | None:
    """A seed for ``numpy.random.SeedSequence``: ``None`` or an integer >= 0 (ProblemError)."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ProblemError(f"{name} must be an integer >= 0 or None, got {type(seed).__name__} {plain(seed)}")
    if seed < 0:
        raise ProblemError(f"{name} must be >= 0, got {int(seed)}")
    return int(seed)


def check_discretisable(problem: "Problem", scheme: str) -> None:
    """Refuse a discretised sampler ``scheme`` whose first step would evaluate the schedule's
    drift where it is infinite although its float64 value is finite: ``T`` at (or within 1e-8
    of) s = 1 on vp-cosine (its default T = 0.9946 stops before it, as DPM-Solver does). The
    rectified flow's SDE drift at s = 1 evaluates to ``inf`` and is refused by the recursions."""
    sing = DRIFT_SINGULAR_AT.get(problem.schedule)
    if sing is None or scheme in ("exact", None):
        return
    if problem.T > sing - _SINGULAR_MARGIN:
        raise ProblemError(
            f"scheme {scheme} on {problem.schedule} needs T < {sing:g} (its drift is infinite at "
            f"s = {sing:g}; T within {_SINGULAR_MARGIN:g} of it is refused), got T = "
            f"{plain(problem.T)}; use the default T = {DEFAULT_T[problem.schedule]:g}")


def _check_schedule(name: str) -> str:
    if not isinstance(name, str) or name not in SCHEDULES:
        raise ProblemError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
    return name


@dataclass(frozen=True)
class Problem:
    """A validated Gaussian latent-diffusion setting (Wu et al. 2025, §2–3).

    Build it with :meth:`from_variances`, :meth:`from_covariance` or :meth:`from_spectrum_file`,
    not directly. Arrays are read-only.

    Attributes
    ----------
    sigma2 : true variances ``σ_i²`` (eigenvalues of Σ), in the problem's component order.
    sigma2_hat : plug-in estimates ``σ̂_i²`` in the same order, or ``None`` (exact score).
    schedule : one of :data:`SCHEDULES` (``"ou"``, ``"vp-linear"``, ``"vp-cosine"``,
        ``"rectified-flow"``).
    T : horizon of the diffusion.
    basis : for a full covariance, the orthonormal eigenvectors as columns, in component order.
    n_samples, seed : how the estimate was drawn, when it was drawn.
    order : ``order[j]`` is the input index of component ``j``.
    """

    sigma2: np.ndarray
    sigma2_hat: np.ndarray | None = None
    schedule: str = "ou"
    T: float = 2.0
    basis: np.ndarray | None = field(default=None, repr=False)
    n_samples: int | None = None
    seed: int | None = None
    order: np.ndarray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_variances(
        cls,
        variances: Sequence[float] | np.ndarray,
        *,
        estimated: Sequence[float] | np.ndarray | None = None,
        samples: int | None = None,
        seed: int | None = None,
        schedule: str = "ou",
        T: float | None = None,
        _basis: np.ndarray | None = None,
    ) -> "Problem":
        """Diagonal ``Σ = diag(variances)``; optionally a given estimate, or one drawn from
        ``samples`` training samples (uncentred ``σ̂_i² = (1/n) Σ_k X_{k,i}²``, docs/theory.md §1)."""
        schedule = _check_schedule(schedule)
        T = _check_T(DEFAULT_T[schedule] if T is None else T)
        if MAX_T[schedule] is not None and T > MAX_T[schedule]:
            raise ProblemError(f"T = {plain(T)} is beyond the {schedule} schedule, defined for "
                               f"forward times in [0, {MAX_T[schedule]:g}]")
        if not _coefficients_finite(schedule, T):
            raise ProblemError(f"T = {plain(T)} is too large for the {schedule} schedule: its "
                               f"coefficients are not finite numbers at s = T (largest usable T "
                               f"about {largest_horizon(schedule):.3g})")
        sig2 = _as_float_vector("variances", variances)
        D = sig2.size
        if estimated is not None and samples is not None:
            raise ProblemError("give either an estimate (estimated) or samples, not both")
        hat = None
        if estimated is not None:
            hat = _as_float_vector("estimated", estimated)
            if hat.size != D:
                raise ProblemError(
                    f"estimated has {hat.size} values but variances has {D}; they must pair up")
        seed = check_seed(seed)
        if seed is not None and samples is None:
            raise ProblemError("seed is only used with samples")
        if samples is not None:
            if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
                raise ProblemError(f"samples must be an integer >= 1, got {plain(samples)}")
            if samples > 2**62:  # numpy's chi-square draw takes int64 degrees of freedom
                raise ProblemError(f"samples = {int(samples):.3g} is too large: at most 2**62")
            hat = draw_plugin_estimate(sig2, int(samples), seed)
        key = hat if hat is not None else sig2
        order = np.argsort(-key, kind="stable")
        basis = None if _basis is None else _basis[:, order]
        return cls(
            sigma2=_readonly(sig2[order]),
            sigma2_hat=_readonly(None if hat is None else hat[order]),
            schedule=schedule,
            T=T,
            basis=_readonly(basis),
            n_samples=None if samples is None else int(samples),
            seed=seed,
            order=_int_readonly(order),
        )

    @classmethod
    def from_covariance(cls, cov, **kwargs) -> "Problem":
        """Full covariance ``Σ = O Λ Oᵀ``: eigendecomposed once; the problem lives in the PCA
        basis (Wu et al. 2025, Prop 6), with ``basis = O``. A given or drawn estimate is of the
        variances *in that basis* (the setting of Props 1–3, 6)."""
        lam, O = eig_covariance(cov)
        return cls.from_variances(lam, _basis=O, **kwargs)

    @classmethod
    def from_spectrum_file(cls, path: str | os.PathLike, **kwargs) -> "Problem":
        """Eigenvalues (1-D ``.npy``) as the diagonal of Σ."""
        _require_file_memory(path, "spectrum", per_entry=8 * 3)
        arr = load_npy(path, what="spectrum")
        if arr.ndim != 1:
            raise ProblemError(f"spectrum file {os.fspath(path)!r} must hold a 1-D array, got shape {arr.shape}")
        return cls.from_variances(arr, **kwargs)

    @classmethod
    def from_covariance_file(cls, path: str | os.PathLike, **kwargs) -> "Problem":
        """Covariance matrix (2-D ``.npy``)."""
        # eigh: the matrix, its symmetrised copy, the eigenvectors and LAPACK's workspace
        _require_file_memory(path, "covariance", per_entry=8 * 5)
        return cls.from_covariance(load_npy(path, what="covariance"), **kwargs)

    # ------------------------------------------------------------------ views
    @property
    def D(self) -> int:
        """Ambient dimension."""
        return int(self.sigma2.size)

    @property
    def has_estimate(self) -> bool:
        return self.sigma2_hat is not None

    @property
    def sigma2_used(self) -> np.ndarray:
        """Variances the score uses: ``σ̂²`` with an estimate, else ``σ²`` (exact score)."""
        return self.sigma2_hat if self.sigma2_hat is not None else self.sigma2

    def check_dimension(self, d: int) -> int:
        """Validate a latent dimension ``d`` in ``1..D``."""
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 1 <= d <= self.D:
            raise ProblemError(f"latent dimension d must be an integer in 1..{self.D}, got {plain(d)}")
        return int(d)

    def describe(self) -> dict:
        """JSON-ready summary of the setting."""
        return {
            "D": self.D,
            "schedule": self.schedule,
            "T": self.T,
            "score": "plug-in" if self.has_estimate else "exact",
            "n_samples": self.n_samples,
            "seed": self.seed,
            "covariance": "full (PCA basis)" if self.basis is not None else "diagonal",
        }


def _int_readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.int64, copy=True)
    a.setflags(write=False)
    return a


def draw_plugin_estimate(sigma2: np.ndarray, n: int, seed: int | None) -> np.ndarray:
    """``σ̂_i² = (1/n) Σ_k X_{k,i}²`` with ``X_{k,i} ~ N(0, σ_i²)`` i.i.d.

    Drawn as ``σ_i² χ²_n / n``, which has exactly that law, in O(D) memory whatever ``n``
    (50,000 samples of a 3,072-dimensional spectrum would take 1.2 GB otherwise). The stream is
    rooted in ``SeedSequence(seed)`` (docs/design.md, principle 5).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return sigma2 * rng.chisquare(n, size=sigma2.size) / n


def eig_covariance(cov) -> tuple[np.ndarray, np.ndarray]:
    """Validate a covariance matrix and return its eigenvalues (clipped at 0) and eigenvectors."""
    A = _real_array("covariance", cov)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ProblemError(f"covariance must be a square matrix, got shape {A.shape}")
    if A.shape[0] == 0:
        raise ProblemError("covariance is empty")
    if not np.all(np.isfinite(A)):
        i, j = np.argwhere(~np.isfinite(A))[0]
        raise ProblemError(f"covariance[{i}, {j}] = {float(A[i, j])!r} is not finite")
    scale = float(np.max(np.abs(A))) or 1.0
    asym = float(np.max(np.abs(A - A.T)))
    if asym > _SYM_RTOL * scale:
        i, j = np.unravel_index(np.argmax(np.abs(A - A.T)), A.shape)
        raise ProblemError(
            f"covariance is not symmetric: entries [{i}, {j}] and [{j}, {i}] differ by {asym:.3g}")
    A = 0.5 * (A + A.T)
    lam, O = np.linalg.eigh(A)
    if lam[0] < -_PSD_RTOL * max(scale, float(lam[-1])) * A.shape[0]:
        raise ProblemError(
            f"covariance is not positive semi-definite: smallest eigenvalue {lam[0]:.3g}")
    return np.clip(lam, 0.0, None), O


def _require_file_memory(path, what: str, per_entry: int) -> None:
    """Refuse (ResourceError) a ``.npy`` file whose array, by its header alone, needs more memory
    than is available once loaded and processed (``per_entry`` bytes per entry)."""
    from .limits import require_memory

    arr = npy_header(path, what=what)
    require_memory(float(arr.size) * per_entry,
                   what=f"{what} file {os.fspath(path)!r} (shape {arr.shape})")


@dataclass(frozen=True)
class NpyHeader:
    """What a ``.npy`` file's header says: enough to check a shape, a dtype and a size (it has
    ``shape``, ``dtype``, ``ndim`` and ``size`` as an array has) and to read rows from ``offset``."""

    shape: tuple
    dtype: np.dtype
    fortran_order: bool
    offset: int

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@contextmanager
def _npy_errors(p: str, what: str) -> Iterator[None]:
    """The file errors of reading a ``.npy`` file as one-line :class:`ProblemError`\ s naming it."""
    try:
        yield
    except ProblemError:
        raise
    except FileNotFoundError:
        raise ProblemError(f"{what} file {p!r} does not exist") from None
    except IsADirectoryError:
        raise ProblemError(f"{what} file {p!r} is a directory") from None
    except PermissionError:
        raise ProblemError(f"{what} file {p!r} cannot be read (permission denied)") from None
    except (ValueError, OSError, EOFError) as exc:
        raise ProblemError(f"{what} file {p!r} is not a valid .npy array ({exc})") from None


def npy_header(path: str | os.PathLike, *, what: str = "array") -> NpyHeader:
    """Read a ``.npy`` file's header only: no data read and no memory map (a map of a file
    larger than the address space a process may use, ``ulimit -v``, fails with ENOMEM before
    any size check could speak). Errors name the file as :func:`open_npy`'s do."""
    p = os.fspath(path)
    fmt = np.lib.format
    with _npy_errors(p, what), open(p, "rb") as fh:
        if fh.read(4) == b"PK\x03\x04":
            raise ProblemError(f"{what} file {p!r} does not hold a single array (is it an .npz?)")
        fh.seek(0)
        version = fmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(fh)
        else:  # a newer header: let NumPy read it (through a map)
            arr = open_npy(p, what=what, mmap_mode="r")
            return NpyHeader(arr.shape, arr.dtype, bool(arr.flags.f_contiguous and arr.ndim > 1
                                                       and not arr.flags.c_contiguous),
                             int(getattr(arr, "offset", 0)))
        offset = fh.tell()
    return NpyHeader(tuple(int(n) for n in shape), np.dtype(dtype), bool(fortran), int(offset))


def load_npy(path: str | os.PathLike, *, what: str = "array") -> np.ndarray:
    """Load a numeric ``.npy`` file safely (no pickles) with errors that name the file."""
    arr = open_npy(path, what=what)
    if arr.dtype.kind not in "iuf":
        raise ProblemError(f"{what} file {os.fspath(path)!r} has non-numeric dtype {arr.dtype}")
    return arr.astype(float)


def open_npy(path: str | os.PathLike, *, what: str = "array", mmap_mode: str | None = None) -> np.ndarray:
    """Open a ``.npy`` file without pickles (``mmap_mode="r"``: memory-mapped, never loaded
    whole); errors name the file. The dtype is left to the caller to check."""
    p = os.fspath(path)
    with _npy_errors(p, what):
        arr = np.load(p, mmap_mode=mmap_mode, allow_pickle=False)
    if not isinstance(arr, np.ndarray):
        raise ProblemError(f"{what} file {p!r} does not hold a single array (is it an .npz?)")
    return arr


def parse_floats(text: str, *, name: str) -> list[float]:
    """Parse a comma-separated list of numbers from the command line."""
    parts = [p.strip() for p in str(text).split(",")]
    if not parts or parts == [""]:
        raise ProblemError(f"{name} is empty: give comma-separated numbers")
    out = []
    for p in parts:
        try:
            out.append(float(p))
        except ValueError:
            raise ProblemError(f"{name}: {p!r} is not a number") from None
    return out

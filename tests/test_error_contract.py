"""The error contract of the command line and the API (docs/errors.md), one group of tests per
cause of the adversarial harness (benchmarks/adversarial.py): output paths, parsing, input
values, sizes, numbers, API validation. The faults (killed runs, output sets) are in
tests/test_outputs_atomic.py.

Every failure must be one line on stderr, ``ldmstop CMD: error: …`` (argparse's usage lines
aside), with exit status 2 for an input error checked before the work, 1 for a failure while
running, and never a traceback; an API error is a ``ValueError`` naming the argument.

The command line runs in-process (``ldmstop.cli.main``) wherever it can; a subprocess only
where the test needs a real file descriptor (``/dev/full``) or a memory cap (the size cases run
under ``ulimit -v``, so that a version of ldmstop without the size checks fails fast with a
MemoryError instead of filling the shared machine's memory).
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from ldmstop.cli import main

V = ["--variances", "1,0.5"]
#: address space of a subprocess that may try to allocate without limit
MEMORY_CAP = 6 * 10**9


# ----------------------------------------------------------------------------------- helpers
def cli(capsys, *argv):
    """Run ``ldmstop ARGV`` in-process: (exit status, stdout, stderr)."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own exits
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def error_line(err: str, command: str) -> str:
    """The one error line of stderr (argparse's usage lines and a long-run warning aside)."""
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines()
             if ln.strip() and not ln.startswith(("usage:", " ")) and ": warning:" not in ln]
    assert len(lines) == 1, f"expected one error line, got {lines}"
    assert lines[0].startswith(f"ldmstop {command}: "), lines[0]
    assert not re.search(r"np\.(float|int|bool)\w*\(", lines[0]), lines[0]
    return lines[0]


def _capped():
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    # Ctrl-C as at a terminal, whatever launched the tests: a background job of a
    # non-interactive shell inherits SIGINT ignored, and Python then keeps it ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def subprocess_cli(argv, *, stdout=subprocess.PIPE, timeout=120, cwd=None):
    env = dict(os.environ)
    env.pop("LDMSTOP_TRACEBACK", None)
    code = f"import sys\nfrom ldmstop.cli import main\nsys.exit(main({[str(a) for a in argv]!r}))\n"
    return subprocess.run([sys.executable, "-c", code], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, env=env, cwd=cwd, preexec_fn=_capped)


# ----------------------------------------------------------------------------------- output paths
class _Computed(Exception):
    pass


def _no_compute(*a, **k):
    raise _Computed("the computation started before the output path was checked")


def test_plot_into_missing_folder_refused_before_computing(capsys, tmp_path, monkeypatch):
    import ldmstop.curve

    monkeypatch.setattr(ldmstop.curve, "compute_curve", _no_compute)
    rc, _, err = cli(capsys, "curve", *V, "--plot", tmp_path / "nofolder" / "x.png")
    line = error_line(err, "curve")
    assert rc == 2
    assert "--plot" in line and "does not exist" in line
    assert not (tmp_path / "nofolder").exists()


def test_plot_under_a_file_refused_before_computing(capsys, tmp_path, monkeypatch):
    import ldmstop.advise

    monkeypatch.setattr(ldmstop.advise, "advise", _no_compute)
    (tmp_path / "afile").write_text("x")
    spec = tmp_path / "spec.npy"
    np.save(spec, np.array([1.0, 0.6, 0.36]))
    rc, _, err = cli(capsys, "advise", "--spectrum", spec, "--plot", tmp_path / "afile" / "x.png")
    line = error_line(err, "advise")
    assert rc == 2
    assert "--plot" in line and "afile" in line and "not a folder" in line
    assert (tmp_path / "afile").read_text() == "x"


def test_derive_out_under_dev_null_refused(capsys):
    rc, out, err = cli(capsys, "derive", "--format", "all", "--out", "/dev/null/x")
    line = error_line(err, "derive")
    assert rc == 2
    assert "--out" in line and "not a folder" in line
    assert out == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_to_dev_full_is_one_line_exit_1():
    with open("/dev/full", "w") as full:
        r = subprocess_cli(["curve", *V], stdout=full)
    line = error_line(r.stderr, "curve")
    assert r.returncode == 1
    assert "stdout" in line and "no space" in line.lower()


def test_internal_valueerror_is_a_bug_not_an_input_error(capsys, monkeypatch):
    import ldmstop.curve

    def bug(*a, **k):
        raise ValueError("operands could not be broadcast together with shapes (3,) (4,)")

    monkeypatch.setattr(ldmstop.curve, "w2_map", bug)
    monkeypatch.delenv("LDMSTOP_TRACEBACK", raising=False)
    rc, _, err = cli(capsys, "curve", *V)
    line = error_line(err, "curve")
    assert rc == 1
    assert "internal error" in line and "LDMSTOP_TRACEBACK" in line


# ----------------------------------------------------------------------------------- parsing
@pytest.mark.parametrize("argv", [
    ["curve", *V, "--gri", "5"],       # would silently be --grid 5
    ["derive", "--form", "latex"],     # would silently be --format latex
    ["simulate", *V, "--pat", "100"],  # would silently be --paths 100 (parsing stops first)
])
def test_abbreviations_refused(capsys, argv):
    rc, out, err = cli(capsys, *argv)
    assert rc == 2
    assert "unrecognized arguments" in error_line(err, argv[0])
    assert out == ""


def test_unknown_flag_gets_the_subcommands_usage(capsys):
    rc, _, err = cli(capsys, "curve", *V, "--bogus")
    assert rc == 2
    assert "--bogus" in error_line(err, "curve")
    assert "usage: ldmstop curve" in err


def test_no_command_fails_on_stderr_too(capsys):
    rc, out, err = cli(capsys)
    assert rc == 2
    assert "COMMAND" in out  # the help, on stdout
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("ldmstop: error: no command given"), err


def test_numbers_shown_plainly_in_messages(capsys):
    # a NumPy scalar in an f-string's !r reads "np.float64(9.0)" (NumPy 2)
    rc, _, err = cli(capsys, "simulate", *V, "--checkpoints", "0.5,9")
    line = error_line(err, "simulate")  # also: no np.float64(...) in the line
    assert rc == 2
    assert "checkpoints" in line and "got 9.0" in line
    from ldmstop import Problem

    with pytest.raises(ValueError) as ei:
        Problem.from_variances([1.0, 0.5]).check_dimension(np.int64(5))
    assert str(ei.value).endswith("got 5"), str(ei.value)


# ----------------------------------------------------------------------------------- input
def test_boolean_spectrum_file_refused(capsys, tmp_path):
    f = tmp_path / "bool.npy"
    np.save(f, np.array([True, False]))
    rc, _, err = cli(capsys, "curve", "--spectrum", f)
    assert rc == 2
    assert "bool" in error_line(err, "curve").lower()


def test_boolean_covariance_file_refused(capsys, tmp_path):
    f = tmp_path / "cov.npy"
    np.save(f, np.eye(2, dtype=bool))
    rc, _, err = cli(capsys, "advise", "--covariance", f)
    assert rc == 2
    assert "bool" in error_line(err, "advise").lower()


def test_negative_seed_names_the_seed(capsys):
    rc, _, err = cli(capsys, "curve", *V, "--samples", "5", "--seed", "-1")
    assert rc == 2
    assert "seed" in error_line(err, "curve")


def test_huge_sample_count_refused(capsys):
    rc, _, err = cli(capsys, "curve", *V, "--samples", str(10**30))
    assert rc == 2
    assert "samples" in error_line(err, "curve")


# ----------------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("argv, flag", [
    (["curve", *V, "--grid", "1000000000"], "--grid"),
    (["curve", *V, "--scheme", "heun", "--steps", "1000000000"], "--steps"),
    (["simulate", *V, "--steps", "1000000000"], "--steps"),
    (["simulate", *V, "--paths", str(10**30)], "--paths"),
])
def test_huge_sizes_refused_naming_the_flag(argv, flag):
    t0 = time.monotonic()
    r = subprocess_cli(argv, timeout=120)
    line = error_line(r.stderr, argv[0])
    assert r.returncode == 2
    assert flag in line
    assert time.monotonic() - t0 < 60  # refused from the sizes, not after trying


def _sparse_npy(path, shape, dtype=np.float64):
    """A .npy file of ``shape`` whose data are a hole (no disk used, nothing mapped)."""
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(
            fh, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
                 "shape": shape})
        fh.truncate(fh.tell() + int(np.prod(shape)) * np.dtype(dtype).itemsize)
    return path


@pytest.mark.parametrize("argv, what", [
    (["curve", "--spectrum", "{big1d}"], "spectrum"),
    (["advise", "--spectrum", "{big1d}"], "spectrum"),
    (["advise", "--covariance", "{big2d}"], "covariance"),
])
def test_file_sizes_judged_by_their_headers(tmp_path, argv, what):
    # under ulimit -v even mapping these files fails: only the header may be read
    files = {"{big1d}": _sparse_npy(tmp_path / "s.npy", (10**9,)),
             "{big2d}": _sparse_npy(tmp_path / "c.npy", (10**5, 10**5))}
    r = subprocess_cli([files.get(a, a) for a in argv], timeout=120)
    line = error_line(r.stderr, argv[0])
    assert r.returncode == 2
    assert what in line and "memory" in line


def test_long_data_file_warns_from_its_header(tmp_path):
    # 2e7 x 1000 float32 (80 GB, a hole): the warning comes from the header, under ulimit -v
    data = _sparse_npy(tmp_path / "long.npy", (2 * 10**7, 1000), np.float32)
    code = ("import sys\nfrom ldmstop.cli import main\n"
            f"sys.exit(main(['advise', '--data', {str(data)!r}]))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_capped)
    try:
        first = proc.stderr.readline()  # the warning, or the error that replaced it
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert first.startswith("ldmstop advise: warning:") and "estimated" in first, first


def test_huge_checkpoint_count_is_bounded_by_the_steps():
    # M checkpoints beyond the K + 1 solver times cannot all be distinct: the run records at most
    # K + 1 of them instead of allocating M moment sums per chunk
    r = subprocess_cli(["simulate", *V, "--steps", "10", "--paths", "2000", "--checkpoints",
                        "1000000000", "--json"], timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    assert "Traceback" not in r.stderr


def test_long_run_warns_with_an_estimate_then_ctrl_c_stops_it():
    code = ("import sys\nfrom ldmstop.cli import main\n"
            f"sys.exit(main(['simulate', *{V!r}, '--paths', '{10**12}', '--steps', '10', '--d', '1']))\n")
    env = dict(os.environ)
    env.pop("LDMSTOP_TRACEBACK", None)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=env, preexec_fn=_capped)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30  # the warning comes before the run, within seconds
        while time.monotonic() < deadline and proc.poll() is None and not any("warning" in ln for ln in lines):
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lines.append("[the test: no exit within 30 s of Ctrl-C]")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(timeout=5)
    lines = [ln.rstrip("\n") for ln in lines if ln.strip()]
    assert not any("Traceback" in ln for ln in lines), lines
    warn = [ln for ln in lines if ln.startswith("ldmstop simulate: warning:")]
    assert len(warn) == 1, lines
    assert "estimated" in warn[0] and "Ctrl-C" in warn[0]
    assert proc.returncode == 130, lines
    assert lines[-1] == "ldmstop simulate: interrupted"


# ----------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("v", ["1e200", "1e308"])
def test_overflowing_variances_refused(capsys, v):
    # at 1e308 the NaN of inf - inf was masked to 0: "W2^2 = 0 at t = 0.924" (truth ~4e307)
    rc, out, err = cli(capsys, "curve", "--variances", f"{v},0.5")
    line = error_line(err, "curve")
    assert rc == 2
    assert "variances" in line and "large" in line
    assert out == ""


def test_largest_accepted_variance_gives_finite_correct_numbers():
    # the refusal above must not reach the variances the formulas still evaluate: at the bound,
    # 1e150, W2^2(t, d = 1) = (sqrt(x σ² + 1 - x) - σ)² + 0.5 (OU, exact score, x = e^{-2(T-t)})
    import mpmath

    from ldmstop import Problem
    from ldmstop.curve import compute_curve

    res = compute_curve(Problem.from_variances([1e150, 0.5]), grid=101)
    assert np.all(np.isfinite(res.w2_squared))
    with mpmath.workdps(50):
        s2 = mpmath.mpf(10) ** 150
        for k in (0, 50, 99, 100):
            x = mpmath.exp(-2 * (2 - mpmath.mpf(res.times[k])))
            ref = (mpmath.sqrt(x * s2 + 1 - x) - mpmath.sqrt(s2)) ** 2 + mpmath.mpf("0.5")
            assert res.w2_squared[0, k] == pytest.approx(float(ref), rel=1e-10)


def test_nan_in_a_formula_is_an_error_never_masked(capsys, monkeypatch):
    from ldmstop.derivations import backends

    orig = backends.numpy_function

    def nan_form(name):
        f = orig(name)
        if name != "component_error_stable":
            return f
        return lambda *a: f(*a) * np.nan

    monkeypatch.setattr(backends, "numpy_function", nan_form)
    rc, out, err = cli(capsys, "curve", *V, "--json")
    line = error_line(err, "curve")
    assert rc == 1
    assert "not a finite number" in line
    assert out == ""


def test_w2_map_refuses_nan_times_and_times_outside_the_horizon():
    from ldmstop import Problem
    from ldmstop.curve import w2_map

    p = Problem.from_variances([1.0, 0.5])  # OU, T = 2
    for bad in ([np.nan, 1.0], [-1.0], [5.0]):
        with pytest.raises(ValueError, match="times"):
            w2_map(p, np.array(bad))
    assert np.all(np.isfinite(w2_map(p, np.array([0.0, 2.0]))))


@pytest.mark.parametrize("argv", [
    ["curve", *V, "--schedule", "vp-cosine", "--T", "1", "--scheme", "em", "--steps", "10"],
    ["curve", *V, "--schedule", "vp-linear", "--T", "1e160"],
])
def test_horizons_with_non_finite_coefficients_refused(capsys, argv):
    rc, out, err = cli(capsys, *argv)
    line = error_line(err, "curve")
    assert rc == 2
    assert "T" in line
    assert out == ""


def test_overflowing_recursion_is_one_line_without_numpy_warnings(capsys):
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        rc, out, err = cli(capsys, "curve", *V, "--T", "1e300", "--scheme", "ei", "--steps", "10")
    assert rc == 2
    assert "finite" in error_line(err, "curve")
    assert [str(w.message) for w in seen if issubclass(w.category, RuntimeWarning)] == []


# ----------------------------------------------------------------------------------- API
def _raises_naming(fn, *words):
    with pytest.raises(ValueError) as ei:
        fn()
    msg = str(ei.value)
    for w in words:
        assert w.lower() in msg.lower(), msg
    assert not re.search(r"np\.(float|int|bool)\w*\(", msg), msg


def test_api_complex_and_boolean_arrays_refused():
    from ldmstop import Problem

    _raises_naming(lambda: Problem.from_covariance(np.array([[2, 1j], [-1j, 2]])), "covariance", "complex")
    _raises_naming(lambda: Problem.from_variances(np.array([1 + 0j, 0.5])), "variances", "complex")
    _raises_naming(lambda: Problem.from_variances(np.array([True, False])), "variances", "bool")


def test_api_fractional_step_count_refused_not_truncated():
    from ldmstop import Problem
    from ldmstop.curve import stop_vs_steps

    p = Problem.from_variances([1.0, 0.5])
    _raises_naming(lambda: stop_vs_steps(p, scheme="em", steps_list=[10.7]), "steps_list", "10.7")


def test_api_float_seed_refused():
    from ldmstop import Problem

    _raises_naming(lambda: Problem.from_variances([1, 0.5], samples=10, seed=1.5), "seed", "1.5")


def test_api_d_with_an_encoder_refused():
    from ldmstop import Problem
    from ldmstop.sim.simulate import simulate

    p = Problem.from_variances([1.0, 0.5])
    _raises_naming(lambda: simulate(p, paths=100, steps=5, encoder=np.eye(2)[:1], d=2), "encoder")


@pytest.mark.parametrize("call", ["compute_curve(None)", "threshold_times(None)", "w2_map(None, [0.5])"])
def test_api_none_problem_is_a_value_error_naming_it(call):
    import ldmstop.curve as curve

    _raises_naming(lambda: eval(call, {"compute_curve": curve.compute_curve,
                                       "threshold_times": curve.threshold_times,
                                       "w2_map": curve.w2_map}), "problem")

"""``ldmstop frechet``: samples files and moments files, JSON, streaming, and errors (one line on
stderr, exit status 2, checked before any data is streamed, nothing on stdout)."""

from __future__ import annotations

import json
import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest

from ldmstop.cli import main
from ldmstop.frechet import frechet_distance2_mp


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "ldmstop", "frechet", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 6)) @ np.diag([3.0, 1.0, 0.5, 0.1, 0.01, 1e-4]) + 2.0
    Y = rng.standard_normal((400, 6)).astype(np.float32) * 1.1
    paths = {}
    for name, arr in {"x": X, "y": Y, "mean": X.mean(0), "cov": np.cov(X, rowvar=False),
                      "ymean": Y.astype(float).mean(0), "ycov": np.cov(Y.astype(float), rowvar=False),
                      "indef": np.diag([1.0, -1.0, 1, 1, 1, 1]), "mean3": np.zeros(3),
                      "complex": X + 0j, "flat": X[:, 0], "cov7": np.eye(7),
                      "x7": rng.standard_normal((50, 7))}.items():
        p = tmp_path / f"{name}.npy"
        np.save(p, arr)
        paths[name] = str(p)
    bad = X.copy()
    bad[37, 4] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    paths["nan"] = str(tmp_path / "nan.npy")
    bad7 = paths["x7"].replace("x7", "nan7")
    b7 = rng.standard_normal((50, 7))
    b7[-1, -1] = np.inf
    np.save(bad7, b7)
    paths["nan7"] = bad7
    paths["X"], paths["Y"] = X, Y
    return paths


def _reference(mu1, S1, mu2, S2):
    with mp.workdps(40):
        return frechet_distance2_mp(S1, S2, mu1, mu2)


def test_samples_files_match_the_mp_value_of_their_moments(files):
    """Two samples files: FD of the streamed mean/covariance (1/(n-1)) equals the 40-digit value
    for ``np.mean``/``np.cov`` of the data within the reported bound plus the difference of the two
    covariance computations (relative 1e-13), and W2 = sqrt(FD). Hand-break: dividing by n
    instead of n − 1 in ``data_moments`` fails."""
    r = run(files["x"], files["y"], "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    X, Y = files["X"], files["Y"].astype(float)
    ref = float(_reference(X.mean(0), np.cov(X, rowvar=False), Y.mean(0), np.cov(Y, rowvar=False)))
    assert abs(doc["fd"] - ref) <= doc["error_bound"] + 1e-13 * ref
    assert doc["w2"] == pytest.approx(np.sqrt(doc["fd"]), rel=1e-15)
    assert doc["method"] == "procrustes-float64" and doc["D"] == 6
    assert doc["a"] == {"kind": "samples", "path": files["x"], "n": 500, "D": 6}
    assert 0 < doc["relative_error_bound"] < 1e-10


def test_moments_files_and_mixed_sides(files):
    """--mean-a/--cov-a against a samples file gives the same FD as the two samples files;
    the text output shows FD, W2 and the bound."""
    r1 = run(files["x"], files["y"], "--json")
    r2 = run("--mean-a", files["mean"], "--cov-a", files["cov"], files["y"], "--json")
    r3 = run("--mean-a", files["mean"], "--cov-a", files["cov"], "--mean-b", files["ymean"],
             "--cov-b", files["ycov"], "--json")
    d1, d2, d3 = (json.loads(r.stdout) for r in (r1, r2, r3))
    assert d2["fd"] == pytest.approx(d1["fd"], rel=1e-12)
    assert d3["fd"] == pytest.approx(d1["fd"], rel=1e-12)
    assert d2["a"]["kind"] == "moments"
    txt = run(files["x"], files["y"])
    assert txt.returncode == 0
    assert "FD (W2²)" in txt.stdout and "W2 " in txt.stdout and "±" in txt.stdout


def test_streaming_in_small_chunks_gives_the_same_value(files):
    r1 = json.loads(run(files["x"], files["y"], "--json").stdout)
    r2 = json.loads(run(files["x"], files["y"], "--json", "--chunk-rows", "7").stdout)
    assert r2["fd"] == pytest.approx(r1["fd"], rel=1e-12)


def test_rtol_reports_the_mpmath_route(files):
    r = run("--mean-a", files["mean"], "--cov-a", files["cov"], "--mean-b", files["ymean"],
            "--cov-b", files["ycov"], "--rtol", "1e-20", "--json")
    doc = json.loads(r.stdout)
    assert doc["method"] == "mpmath" and doc["dps"] >= 30
    assert doc["mp_error_bound"] <= 1e-20 * doc["fd"]  # the decimal value meets rtol
    assert float(doc["fd_decimal"]) == pytest.approx(doc["fd"], rel=1e-15)


@pytest.mark.parametrize("args, msg", [
    (["{x}"], "B is missing"),
    ([], "A is missing"),
    (["{x}", "--mean-b", "{mean}"], "B: --cov-b is missing"),
    (["{x}", "{y}", "--mean-a", "{mean}", "--cov-a", "{cov}"], "A: give either a samples file"),
    (["{x}", "--mean-b", "{mean}", "--cov-b", "{indef}"], "--cov-b is not positive semi-definite: eigenvalue -1"),
    (["{x}", "--mean-b", "{mean3}", "--cov-b", "{cov}"], "--mean-b has length 3"),
    (["{x}", "{complex}"], "B samples file .* must be numeric"),
    (["{x}", "{flat}"], "must be a 2-D array"),
    (["{x}", "{nan}"], r"B samples\[37, 4\] = nan is not finite"),
    (["{x}", "/nonexistent/y.npy"], "does not exist"),
    (["{x}", "{y}", "--chunk-rows", "0"], "--chunk-rows must be >= 1"),
    (["{x}", "{y}", "--rtol", "-1"], "--rtol must be a finite number > 0"),
    # D mismatch is found before streaming: A's non-finite entry (last row) is never reached.
    (["{nan7}", "{y}"], "A and B have different dimensions: D = 7 and D = 6"),
    (["{x}", "--mean-b", "{mean}", "--cov-b", "{cov7}"], "different dimensions|has length 6"),
])
def test_errors_are_one_line_exit_2(files, args, msg):
    """Hand-break: moving the dimension check after the loads (``load_a()`` first) turns the
    D-mismatch case into the non-finite error of the file read first, and fails."""
    r = run(*[a.format(**{k: v for k, v in files.items() if isinstance(v, str)}) for a in args])
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("ldmstop frechet: error: ")
    import re
    assert re.search(msg, lines[0]), lines[0]
    assert r.stdout == ""


def test_registered_in_the_cli(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "frechet" in capsys.readouterr().out

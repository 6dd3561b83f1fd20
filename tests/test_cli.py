"""Command-line contract: light start-up, JSON output, one-line errors with exit status 2."""

import json
import subprocess
import sys

import numpy as np
import pytest

FIG4_LEFT = "1,0.6,0.36,0.216,0.1296,0.07776,0.046656,1e-10,1e-10"


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "ldmstop", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_import_and_help_do_not_load_sympy_or_numba():
    code = ("import sys, ldmstop, ldmstop.cli as c\n"
            "p = c.build_parser()\n"
            "try:\n    p.parse_args(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('sympy', 'numba', 'matplotlib') if m in sys.modules]\n"
            "print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_curve_json_figure4_left():
    r = run("curve", "--variances", FIG4_LEFT, "--T", "2", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {"times", "w2_squared", "thresholds", "optimal"} <= set(doc)
    assert len(doc["times"]) == 1001
    # t_4 for σ² = 0.216 on OU, T = 2 (Prop 2): 2 + log(1 - 0.648/0.784)/2
    assert doc["thresholds"]["exact"][3] == pytest.approx(2 + 0.5 * np.log(1 - 0.648 / 0.784), rel=1e-12)


def test_curve_table_and_plot(tmp_path):
    png = tmp_path / "f.png"
    r = run("curve", "--variances", "10,0.2,0.2,0.2,0,0", "--samples", "1000", "--seed", "0",
            "--grid", "101", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert "optimum: d = 4" in r.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args, msg",
    [
        (["curve", "--variances", "1,nan"], "not finite"),
        (["curve", "--variances", "1,-2"], "negative"),
        (["curve", "--variances", "1,x"], "'x' is not a number"),
        (["curve", "--variances", "1,2", "--estimated", "1"], "must pair up"),
        (["curve", "--variances", "1", "--T", "0"], "T must be finite and > 0"),
        (["curve", "--variances", "1", "--grid", "1"], "grid must be an integer >= 2"),
        (["curve"], "exactly one of --variances"),
        (["curve", "--spectrum", "/nonexistent.npy"], "does not exist"),
    ],
)
def test_errors_are_one_line_exit_2(args, msg):
    r = run(*args)
    assert r.returncode == 2
    assert msg in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_covariance_file(tmp_path):
    f = tmp_path / "c.npy"
    np.save(f, np.array([[1.0, 2.0], [2.0, 1.0]]))
    r = run("curve", "--covariance", str(f))
    assert r.returncode == 2 and "not positive semi-definite" in r.stderr


def test_no_command_prints_help():
    r = run()
    assert r.returncode == 2 and "COMMAND" in r.stdout

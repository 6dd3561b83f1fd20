"""``ldmstop simulate --scheduler``: chunks as Dask tasks, bit-identical to the local run."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from ldmstop import Problem
from ldmstop.cli import main

FIG4 = [10, 0.2, 0.2, 0.2, 0, 0]


def test_missing_dask_gives_a_one_line_install_hint(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    rc = main(["simulate", "--variances", "1,0.5", "--paths", "100", "--steps", "5",
               "--scheduler", "local:2"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert "pip install 'ldm-stopping[dask]'" in err and "Traceback" not in err


@pytest.mark.parametrize("bad", ["local:0", "local:x", "local", " "])
def test_bad_scheduler_exit_2(bad, capsys):
    pytest.importorskip("dask.distributed", reason="needs the dask extra (installed in CI)")
    rc = main(["simulate", "--variances", "1,0.5", "--paths", "100", "--steps", "5",
               "--scheduler", bad])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "scheduler" in err


def test_unreachable_scheduler_exit_2(capsys, monkeypatch):
    pytest.importorskip("dask.distributed", reason="needs the dask extra (installed in CI)")
    from ldmstop.sim import distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", "1s")
    rc = main(["simulate", "--variances", "1,0.5", "--paths", "100", "--steps", "5",
               "--scheduler", "tcp://127.0.0.1:9"])  # the discard port: nothing listens
    err = capsys.readouterr().err
    assert rc == 2 and "cannot reach the Dask scheduler" in err and err.count("\n") == 1


@pytest.mark.slow
def test_local_cluster_two_workers_bit_identical():
    """A real LocalCluster with 2 worker processes: every per-chunk moment sum, and so every
    estimate and standard error, equals the single-process run's bit for bit (EM with noise,
    and the full-covariance estimator with an encoder)."""
    pytest.importorskip("dask.distributed", reason="needs the dask extra (installed in CI)")
    from dask.distributed import Client, LocalCluster

    from ldmstop.sim.simulate import simulate

    p = Problem.from_variances(FIG4, samples=1000, seed=3)
    local = simulate(p, paths=3001, steps=30, scheme="em", checkpoints=4, seed=5, d=None)
    local_full = simulate(p, paths=1500, steps=20, scheme="ei", checkpoints=3, seed=6,
                          estimator="full", d=3)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        addr = cl.scheduler_address
        with Client(addr) as client:
            assert len(client.scheduler_info()["workers"]) == 2
        remote = simulate(p, paths=3001, steps=30, scheme="em", checkpoints=4, seed=5, d=None,
                          scheduler=addr)
        remote_full = simulate(p, paths=1500, steps=20, scheme="ei", checkpoints=3, seed=6,
                               estimator="full", d=3, scheduler=addr)
    for a, b in ((local, remote), (local_full, remote_full)):
        for f in ("counts", "s1", "s2", "s2f"):
            np.testing.assert_array_equal(getattr(a.moments, f), getattr(b.moments, f))
        np.testing.assert_array_equal(a.mc, b.mc)
        np.testing.assert_array_equal(a.stderr, b.stderr)
    assert np.any(local.moments.s2 != 0) and np.any(local_full.moments.s2f != 0)
    # a different seed gives different sums: the comparison can fail
    other = simulate(p, paths=3001, steps=30, scheme="em", checkpoints=4, seed=6, d=None)
    assert not np.array_equal(other.moments.s2, local.moments.s2)


@pytest.mark.slow
def test_cli_local_scheduler_matches_local_run(capsys):
    pytest.importorskip("dask.distributed", reason="needs the dask extra (installed in CI)")
    argv = ["simulate", "--variances", "3,1,0.2", "--paths", "2000", "--steps", "10",
            "--checkpoints", "3", "--scheme", "em", "--json"]
    assert main(argv) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(argv + ["--scheduler", "local:2"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert a["mc"] == b["mc"] and a["z"] == b["z"]

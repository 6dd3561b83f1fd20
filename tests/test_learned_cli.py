"""``ldmstop learned`` on the command line: errors, the JSON document, the report, determinism."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from ldmstop.cli import main

TINY = ["--dims", "2", "--steps", "10", "--train-steps", "50", "--ae-steps", "50", "--samples", "60",
        "--seeds", "2", "--width", "8", "--depth", "2", "--ae-width", "8", "--directions", "8"]


def _run(argv, capsys):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_missing_extra_is_one_line_and_exit_2(monkeypatch, capsys):
    import ldmstop.learned.backend as backend

    monkeypatch.setattr(backend, "missing_modules", lambda: ["jax", "optax"])
    rc, out, err = _run(["learned", "--quick"], capsys)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "pip install" in err and "[learned]" in err


@pytest.mark.parametrize("argv,message", [
    (["--dims", "0"], "latent dimension"),
    (["--dims", "4,x"], "not an integer"),
    (["--dims", "4,4"], "repeated"),
    (["--encoders", "vae"], "unknown encoder"),
    (["--schedules", "ou"], "unknown schedule"),
    (["--steps", "1"], "steps"),
    (["--seeds", "0"], "seeds"),
    (["--holdout", "1.5"], "holdout"),
    (["--lr", "-1"], "lr"),
    (["--data", "/nonexistent/x.npy"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    rc, out, err = _run(["learned", *argv], capsys)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_bad_data_files(tmp_path, capsys):
    one_d = tmp_path / "v.npy"
    np.save(one_d, np.zeros(30))
    rc, _, err = _run(["learned", "--data", str(one_d)], capsys)
    assert rc == 2 and "2-D" in err
    small = tmp_path / "small.npy"
    np.save(small, np.random.default_rng(0).normal(size=(40, 4)))
    rc, _, err = _run(["learned", "--data", str(small), "--dims", "4"], capsys)
    assert rc == 2 and "below the data dimension" in err


def test_out_that_is_a_file_fails_before_the_run(tmp_path, capsys):
    f = tmp_path / "taken"
    f.write_text("x")
    rc, out, err = _run(["learned", "--quick", "--out", str(f)], capsys)
    assert rc == 2 and "not a folder" in err


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    pytest.importorskip("jax", reason="needs the [learned] extra: pip install -e '.[learned]'")
    rng = np.random.default_rng(1)
    z = rng.normal(size=(200, 2))
    X = np.tanh(z @ rng.normal(size=(2, 4))) + 0.05 * rng.normal(size=(200, 4))
    p = tmp_path_factory.mktemp("learned") / "x.npy"
    np.save(p, X)
    return str(p)


def test_json_document_and_report(data_file, tmp_path, capsys):
    out_dir = tmp_path / "rep"
    rc, out, err = _run(["learned", "--data", data_file, *TINY, "--json", "--out", str(out_dir)], capsys)
    assert rc == 0, err
    doc = json.loads(out)
    for key in ("dims", "encoders", "times", "metrics", "optimal_stop", "theory", "settings", "verdicts"):
        assert key in doc
    assert doc["dims"] == [2] and doc["encoders"] == ["pca", "ae", "pixel"] and doc["D"] == 4
    K1 = 11
    for m in ("frechet", "sw2", "mmd"):
        for sched in ("rectified-flow", "vp-linear"):
            for e, d in (("pca", "2"), ("ae", "2"), ("pixel", "4")):
                cell = doc["metrics"][m][sched][e][d]
                assert len(cell["mean"]) == K1 and len(cell["stderr"]) == K1
                assert all(np.isfinite(cell["mean"]))
                o = doc["optimal_stop"][sched][e][d][m]
                assert o["interval"][0] <= o["t"] <= o["interval"][1]
    assert len(doc["times"]["vp-linear"]) == K1 and doc["times"]["rectified-flow"][-1] == 1.0
    assert set(doc["theory"]["vp-linear"]) >= {"exact", "plugin"}
    assert set(doc["theory"]["vp-linear"]["exact"]) == {"2", "4"}
    assert len(doc["verdicts"]) == 2 * 2 * 3
    files = set(os.listdir(out_dir)) | {"figures/" + f for f in os.listdir(out_dir / "figures")}
    assert {"report.md", "report.json", "figures/learned_frechet.png", "figures/learned_stops.png",
            "figures/learned_loss.png", "figures/learned_sw2.png", "figures/learned_mmd.png"} <= files
    assert not [f for f in os.listdir(out_dir) if f.startswith(".tmp")]
    on_disk = json.loads((out_dir / "report.json").read_text())
    assert on_disk["metrics"] == doc["metrics"]
    md = (out_dir / "report.md").read_text()
    assert "## Verdicts" in md and "figures/learned_frechet.png" in md


def test_seeded_runs_are_identical(data_file, capsys):
    """Same settings, same bits (single-threaded XLA and BLAS, seeded keys)."""
    argv = ["learned", "--data", data_file, *TINY, "--schedules", "vp-linear", "--json"]
    docs = []
    for _ in range(2):
        rc, out, err = _run(argv, capsys)
        assert rc == 0, err
        d = json.loads(out)
        d.pop("elapsed_s")
        d.pop("load_average")
        d.pop("cpu_s")
        docs.append(d)
    assert docs[0] == docs[1]
    rc, out, _ = _run([*argv, "--seed", "5"], capsys)
    other = json.loads(out)
    assert other["metrics"]["frechet"] != docs[0]["metrics"]["frechet"]

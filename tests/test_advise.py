"""`ldmstop advise` — PCA of data streamed in chunks, the advice, bad inputs."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import ldmstop
from ldmstop.advise import advise, data_spectrum
from ldmstop.cli import main
from ldmstop.curve import w2_map


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(1)
    A = rng.normal(size=(6, 6)) * np.array([3, 1, 0.5, 0.2, 0.1, 0.01])
    X = rng.normal(size=(500, 6)) @ A.T + 5.0  # an offset: the PCA must centre
    path = tmp_path / "x.npy"
    np.save(path, X.astype(np.float32))
    return X.astype(np.float32).astype(float), path


def test_spectrum_matches_numpy_cov(data):
    X, path = data
    lam, n = data_spectrum(path)
    want = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    assert n == 500
    np.testing.assert_allclose(lam, want, rtol=1e-10, atol=1e-12 * want[0])


def test_spectrum_independent_of_chunking(data):
    X, _ = data
    a, _ = data_spectrum(X, chunk_rows=7)
    b, _ = data_spectrum(X, chunk_rows=100000)
    np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13 * b[0])


def test_large_offset_does_not_cancel():
    # XᵀX - n x̄x̄ᵀ would lose every digit here; the two-pass centring keeps them.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 3)) * np.array([1.0, 0.1, 0.01]) + 1e6
    lam, _ = data_spectrum(X, chunk_rows=256)
    want = np.sort(np.linalg.eigvalsh(np.cov(X - X.mean(0), rowvar=False)))[::-1]
    np.testing.assert_allclose(lam, want, rtol=1e-6)


@pytest.mark.parametrize("arr,msg", [
    (np.ones(10), "2-D"),
    (np.ones((3, 2, 2)), "2-D"),
    (np.ones((1, 4)), "at least 2"),
    (np.array([["a", "b"], ["c", "d"]]), "numeric"),
    (np.ones((3, 2), dtype=complex), "numeric"),
    (np.ones((3, 2), dtype=bool), "numeric"),
])
def test_bad_data_errors(tmp_path, arr, msg, capsys):
    path = tmp_path / "bad.npy"
    np.save(path, arr)
    assert main(["advise", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_nan_named_by_row_and_column(tmp_path, capsys):
    X = np.ones((5000, 3))
    X[4321, 2] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, X)
    assert main(["advise", "--data", str(path)]) == 2
    assert "data[4321, 2] = nan is not finite" in capsys.readouterr().err


def test_missing_and_garbage_files(tmp_path, capsys):
    assert main(["advise", "--data", str(tmp_path / "nope.npy")]) == 2
    assert "does not exist" in capsys.readouterr().err
    g = tmp_path / "g.npy"
    g.write_bytes(b"not an npy file")
    assert main(["advise", "--data", str(g)]) == 2
    assert "not a valid .npy" in capsys.readouterr().err
    assert main(["advise"]) == 2
    assert "exactly one of" in capsys.readouterr().err


def test_advise_json_and_heatmap(data, tmp_path, capsys):
    _, path = data
    png = tmp_path / "h.png"
    assert main(["advise", "--data", str(path), "--samples", "50", "--seed", "3", "--json",
                 "--plot", str(png)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["source"]["n_samples"] == 500 and d["source"]["D"] == 6
    assert len(d["per_dimension"]) == 6
    assert d["best"]["w2"] <= d["end"]["w2"] + 1e-15
    assert d["gain"]["w2"] == pytest.approx(d["end"]["w2"] - d["best"]["w2"])
    assert d["best"]["w2"] <= min(r["w2"] for r in d["per_dimension"]) + 1e-12
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_exact_score_exact_sampler_ends_at_zero():
    p = ldmstop.Problem.from_variances([4.0, 1.0, 0.3, 0.02])
    adv = advise(p)
    assert adv.best["w2"] == pytest.approx(0.0, abs=1e-12) and adv.best["d"] == 4
    assert adv.gain["w2"] == pytest.approx(0.0, abs=1e-12)


def test_early_stop_gain_against_brute_force():
    # σ̂ < σ on the kept low-variance components: Prop 1's sum is negative, stopping early helps.
    p = ldmstop.Problem.from_variances([10, 0.2, 0.2, 0.2, 0, 0],
                                       estimated=[10, 0.18, 0.18, 0.18, 0, 0], schedule="ou", T=2)
    adv = advise(p, grid=501)
    t = np.linspace(0, 2, 200_001)
    w = np.sqrt(np.clip(w2_map(p, t), 0, None))
    assert adv.best["w2"] == pytest.approx(w.min(), rel=1e-6)
    assert adv.best["t"] < 2.0 and adv.gain["w2"] > 1e-3
    assert adv.end["w2"] == pytest.approx(w[:, -1].min(), rel=1e-12)


def test_discretised_advice_steps(data):
    X, _ = data
    lam, _ = data_spectrum(X)
    p = ldmstop.Problem.from_variances(lam, schedule="vp-linear")
    adv = advise(p, scheme="euler-ode", steps=20)
    assert adv.steps == 20 and adv.w2.shape == (6, 21)
    assert all(r["step"] == int(np.argmin(adv.w2[r["d"] - 1])) for r in adv.best_stop)


def test_digits_advice(capsys):
    pytest.importorskip("sklearn", reason="scikit-learn (optional extra 'digits') is not installed")
    assert main(["advise", "--digits", "--exact-score", "--json"]) == 0  # the PCA, in its order
    d = json.loads(capsys.readouterr().out)
    assert d["source"]["n_samples"] == 1797 and d["source"]["D"] == 64
    from sklearn.datasets import load_digits

    X = load_digits().data / 8.0 - 1.0
    want = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(d["eigenvalues"], np.clip(want, 0, None), rtol=1e-9, atol=1e-12)


def test_digits_without_sklearn_is_a_clean_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn raises ImportError
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert main(["advise", "--digits"]) == 2
    assert "pip install 'ldm-stopping[digits]'" in capsys.readouterr().err


@pytest.mark.parametrize("layout", ["fortran", "big-endian", "int16"])
def test_file_layouts_read_in_chunks(tmp_path, layout):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    if layout == "fortran":
        X = np.asfortranarray(X)
    elif layout == "big-endian":
        X = X.astype(">f8")
    else:
        X = np.round(X * 100).astype(np.int16)
    path = tmp_path / "x.npy"
    np.save(path, X)
    lam, n = data_spectrum(path, chunk_rows=17)
    want = np.sort(np.linalg.eigvalsh(np.cov(np.asarray(X, dtype=float), rowvar=False)))[::-1]
    assert n == 300
    np.testing.assert_allclose(lam, want, rtol=1e-10, atol=1e-12 * want[0])


def test_truncated_file_is_an_error(tmp_path, capsys):
    path = tmp_path / "t.npy"
    np.save(path, np.ones((100, 4)))
    data = path.read_bytes()
    path.write_bytes(data[:-64])  # lose the last two rows
    assert main(["advise", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert ("truncated" in err or "not a valid .npy" in err) and "Traceback" not in err


def _advise_json(argv, capsys):
    assert main(["advise", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_data_default_is_the_plug_in_score_of_their_own_size(data, capsys):
    """With data the default score is the plug-in estimate from as many samples as the data
    have (seed 0), not the exact score whose answer is always 'run to the end, W2 = 0'."""
    X, path = data
    d = _advise_json(["--data", str(path)], capsys)
    assert d["problem"]["score"] == "plug-in" and d["problem"]["n_samples"] == 500
    assert d["problem"]["seed"] == 0 and "plug-in from n = 500" in d["source"]["score"]
    # the same advice as the API with that estimate (an independent draw with the same seed)
    lam, _ = data_spectrum(X)
    ref = advise(ldmstop.Problem.from_variances(lam, samples=500, seed=0))
    assert d["best"]["w2"] == pytest.approx(ref.best["w2"], rel=1e-9) and d["best"]["w2"] > 0
    assert _advise_json(["--data", str(path)], capsys)["best"] == d["best"]  # reproducible
    exact = _advise_json(["--data", str(path), "--exact-score"], capsys)
    assert exact["problem"]["score"] == "exact" and exact["best"]["w2"] == pytest.approx(0, abs=1e-12)


def test_variances_and_estimated_flags(capsys):
    d = _advise_json(["--variances", "10,0.2,0.2,0.2,0,0", "--estimated", "10,0.18,0.18,0.18,0,0"], capsys)
    p = ldmstop.Problem.from_variances([10, 0.2, 0.2, 0.2, 0, 0], estimated=[10, 0.18, 0.18, 0.18, 0, 0])
    ref = advise(p)
    assert d["best"]["w2"] == pytest.approx(ref.best["w2"], rel=1e-12) and d["best"]["t"] < 2
    assert d["source"]["kind"] == "variances"


@pytest.mark.parametrize("argv, words", [
    (["--variances", "1,2", "--estimated", "1,2", "--samples", "10"], "at most one of"),
    (["--variances", "1,2", "--samples", "10", "--exact-score"], "at most one of"),
    (["--spectrum", "x.npy", "--estimated", "1"], "--estimated pairs with --variances"),
    (["--variances", "1,2", "--digits"], "exactly one of"),
])
def test_score_flag_conflicts_are_input_errors(argv, words, capsys):
    assert main(["advise", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def test_samples_without_seed_is_reproducible(capsys):
    """--samples without --seed draws with seed 0 on every command (the CLI is reproducible)."""
    outs = []
    for _ in range(2):
        assert main(["curve", "--variances", "1,0.5,0.1", "--samples", "100", "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0]["estimated"] == outs[1]["estimated"]
    assert main(["curve", "--variances", "1,0.5,0.1", "--samples", "100", "--seed", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["estimated"] == outs[0]["estimated"]

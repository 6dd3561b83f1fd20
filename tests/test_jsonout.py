"""``ldmstop.jsonout``: the streamed document is the document of the plain standard-library
conversion, with orjson and without, for every kind of value a command emits; strict JSON;
nothing written when a value cannot be encoded."""

from __future__ import annotations

import importlib.util
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from ldmstop import jsonout

HAVE_ORJSON = importlib.util.find_spec("orjson") is not None


def reference(obj):
    """The conversion ldmstop always documented, typed in independently: numpy to Python values
    element by element, non-finite floats as "nan"/"inf"/"-inf"."""
    if isinstance(obj, dict):
        return {str(k): reference(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [reference(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return reference(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else ("nan" if f != f else ("inf" if f > 0 else "-inf"))
    return obj


def _doc():
    rng = np.random.default_rng(0)
    big = rng.random((3, 1001)) * 10.0 ** rng.uniform(-300, 300, (3, 1001))
    big[0, :6] = [0.0, -0.0, 5e-324, 1.7976931348623157e308, 1e16, 1e-5]
    return {
        "times": np.linspace(0.0, 2.0, 11),
        "w2_squared": big,
        "long": rng.random(70_000),  # 1-D, longer than a block
        "float32": np.array([0.1, 1e-30, 3.0], dtype=np.float32),
        "ints": np.arange(5, dtype=np.int32), "bools": np.array([True, False]),
        "uint64": np.array([2**64 - 1], dtype=np.uint64),
        "nonfinite": np.array([[1.0, np.nan], [np.inf, -np.inf]]),
        "scalars": [np.float64(0.5), np.int64(3), np.bool_(True), float("nan"), float("-inf"), 2**70],
        "empty": np.zeros((0,)), "empty2": np.zeros((2, 0)), "zero_d": np.array(1.5),
        "nested": {1: {"x": (1, 2.5, None, "é σ̂")}},
        "strided": np.arange(20.0).reshape(4, 5)[:, ::2],
    }


@pytest.mark.parametrize("encoder", ["stdlib", "orjson"])
def test_streamed_document_equals_the_reference(encoder, monkeypatch):
    if encoder == "orjson" and not HAVE_ORJSON:
        pytest.skip("orjson not installed")  # the test extra installs it: CI runs this
    monkeypatch.setenv("LDMSTOP_JSON", "stdlib" if encoder == "stdlib" else "")
    assert jsonout.fast_encoder_available() is (encoder == "orjson")
    doc = _doc()
    want = json.dumps(reference(doc), allow_nan=False, ensure_ascii=False)
    buf = io.BytesIO()
    jsonout.write(doc, buf)
    text = buf.getvalue().decode("utf-8")
    assert text.endswith("\n")
    parsed = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard {c}"))
    assert parsed == json.loads(want)
    assert list(parsed) == list(doc)  # key order
    if encoder == "stdlib":
        assert text == want + "\n"  # byte for byte the document ldmstop wrote before
    # the text-stream path (stdout) writes the same bytes
    s = io.StringIO()
    jsonout.write(doc, s)
    assert s.getvalue() == text


def test_dumps_equals_the_reference():
    doc = _doc()
    assert jsonout.dumps(doc) == json.dumps(reference(doc), allow_nan=False, ensure_ascii=False)
    assert json.loads(jsonout.dumps(doc, indent=1)) == json.loads(jsonout.dumps(doc))


def test_nothing_written_when_a_value_cannot_be_encoded():
    buf = io.BytesIO()
    with pytest.raises(TypeError, match="object is not JSON serializable|not JSON serializable"):
        jsonout.write({"a": np.ones(10), "b": object()}, buf)
    assert buf.getvalue() == b""


@pytest.mark.parametrize("encoder", ["stdlib", "orjson"])
def test_curve_json_on_stdout(encoder, tmp_path):
    """The command's stdout, through the text layer of sys.stdout, is the reference document."""
    if encoder == "orjson" and not HAVE_ORJSON:
        pytest.skip("orjson not installed")
    env_json = "stdlib" if encoder == "stdlib" else ""
    code = ("import os, sys; os.environ['LDMSTOP_JSON'] = %r\n"
            "print('before', flush=False)\n"
            "from ldmstop.cli import main; sys.exit(main(['curve', '--variances', '1,0.5,1e-10,0',"
            " '--estimated', '1.2,0.4,2e-10,1e-3', '--grid', '33', '--json']))") % env_json
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    first, rest = r.stdout.split("\n", 1)
    assert first == "before"  # text printed earlier comes first
    doc = json.loads(rest)
    from ldmstop import Problem
    from ldmstop.curve import compute_curve

    res = compute_curve(Problem.from_variances([1, 0.5, 1e-10, 0], estimated=[1.2, 0.4, 2e-10, 1e-3]),
                        grid=33)
    assert doc == json.loads(json.dumps(reference(res.to_json())))
    assert doc["w2_squared"] == res.w2_squared.tolist()

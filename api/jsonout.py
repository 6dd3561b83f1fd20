"""JSON output shared by every command: numpy values converted, non-finite numbers as strings
(``"inf"``, ``"-inf"``, ``"nan"``) so that the document is strict JSON.

Two ways out, one document:

- :func:`dumps` — the text, through the standard library (``indent`` supported);
- :func:`write` — streamed to a file or stdout, what ``--json`` uses. Numeric numpy arrays are
  never converted float by float in Python: with the optional ``orjson`` (``pip install
  'ldm-stopping[fast]'``) each row is serialised by orjson's native numpy support, ~20× faster
  than the standard library on the 3 M floats of a CIFAR-10 map; without it each row goes
  through ``json.dumps(row.tolist())``, which writes exactly the bytes of :func:`dumps`.
  Memory stays one row of text beyond the arrays themselves.

Both validate the whole object before writing anything: a value JSON cannot hold raises
``TypeError`` with nothing written, and a non-finite float is always written as a string,
never as ``NaN``/``Infinity`` (invalid JSON) nor as orjson's silent ``null``. Floats are written
shortest-round-trip by both encoders (orjson prints ``1e-6`` where Python prints ``1e-06``, and
no spaces): the parsed documents are equal value for value.
"""

from __future__ import annotations

import io
import json
import math
import os
from typing import Any, BinaryIO, Iterator, TextIO

import numpy as np

from .results import Record

__all__ = ["to_jsonable", "dumps", "write", "fast_encoder_available"]

#: Elements per piece when a long 1-D array is encoded (bounds the text held in memory).
_BLOCK = 1 << 16


def _orjson():
    """orjson, or ``None`` where it is not installed or ``LDMSTOP_JSON=stdlib`` asks for the
    standard library (the tests compare both encoders)."""
    if os.environ.get("LDMSTOP_JSON", "").lower() == "stdlib":
        return None
    try:
        import orjson
    except ImportError:
        return None
    return orjson


def fast_encoder_available() -> bool:
    """Whether :func:`write` uses orjson."""
    return _orjson() is not None


def _scalar(obj: Any) -> Any:
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if math.isfinite(f):
            return f
        return "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf")
    return obj


def _numeric_array(arr: np.ndarray) -> np.ndarray | None:
    """``arr`` as a float64/int64/bool array when every entry can be written as a plain JSON
    number (finite floats), else ``None`` (the caller converts element by element)."""
    kind = arr.dtype.kind
    if kind == "f":
        a = arr.astype(np.float64, copy=False)  # float32 values written as the floats they are
        return a if bool(np.isfinite(a).all()) else None
    if kind in "iu":
        info = np.iinfo(arr.dtype)
        if info.min >= np.iinfo(np.int64).min and info.max <= np.iinfo(np.int64).max:
            return arr.astype(np.int64, copy=False)
        return None
    if kind == "b":
        return arr
    return None


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays and non-finite floats to JSON-safe values.

    A numeric array with only finite entries is converted by ``tolist`` in one C call (no
    per-element Python work); other arrays element by element. A typed result
    (:class:`ldmstop.results.Record`) is written as its ``to_json()``."""
    if isinstance(obj, Record):
        obj = obj.to_json()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        num = _numeric_array(obj)
        if num is not None:
            return num.tolist()
        return to_jsonable(obj.tolist())
    return _scalar(obj)


def dumps(obj: Any, indent: int | None = None) -> str:
    """Strict JSON text of ``obj``."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False, ensure_ascii=False)


# --------------------------------------------------------------------------- streaming
class _Array:
    """A validated numeric array, to be written piece by piece."""

    __slots__ = ("a",)

    def __init__(self, a: np.ndarray):
        self.a = a


def _prepare(obj: Any) -> Any:
    """The tree of ``obj`` with JSON-safe leaves and large numeric arrays kept as arrays;
    raises (``TypeError``) before anything is written if a value cannot be encoded."""
    if isinstance(obj, Record):
        obj = obj.to_json()
    if isinstance(obj, dict):
        return {str(k): _prepare(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_prepare(v) for v in obj]
    if isinstance(obj, np.ndarray):
        num = _numeric_array(obj)
        if num is not None and num.ndim > 0:
            return _Array(num)
        return _prepare(obj.tolist())
    value = _scalar(obj)
    if not (value is None or isinstance(value, (str, int, float, bool))):
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
    return value


class _Encoder:
    def __init__(self, fast):
        self.fast = fast
        self.comma, self.colon = (b",", b":") if fast else (b", ", b": ")

    def leaf(self, value: Any) -> bytes:
        if self.fast and not (isinstance(value, int) and not isinstance(value, bool)
                              and abs(value) >= 2**63):
            return self.fast.dumps(value)
        return json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")

    def flat(self, a: np.ndarray) -> bytes:
        """``[v1, v2, ...]`` of a 1-D numeric array."""
        if self.fast:
            return self.fast.dumps(np.ascontiguousarray(a), option=self.fast.OPT_SERIALIZE_NUMPY)
        return json.dumps(a.tolist()).encode("ascii")

    def array(self, a: np.ndarray) -> Iterator[bytes]:
        if a.ndim > 1:
            yield b"["
            for i in range(a.shape[0]):
                if i:
                    yield self.comma
                yield from self.array(a[i])
            yield b"]"
        elif a.size <= _BLOCK:
            yield self.flat(a)
        else:
            yield b"["
            for start in range(0, a.size, _BLOCK):
                if start:
                    yield self.comma
                yield self.flat(a[start:start + _BLOCK])[1:-1]
            yield b"]"

    def chunks(self, node: Any) -> Iterator[bytes]:
        if isinstance(node, dict):
            yield b"{"
            for i, (k, v) in enumerate(node.items()):
                if i:
                    yield self.comma
                yield self.leaf(k)
                yield self.colon
                yield from self.chunks(v)
            yield b"}"
        elif isinstance(node, list):
            yield b"["
            for i, v in enumerate(node):
                if i:
                    yield self.comma
                yield from self.chunks(v)
            yield b"]"
        elif isinstance(node, _Array):
            yield from self.array(node.a)
        else:
            yield self.leaf(node)


def write(obj: Any, stream: BinaryIO | TextIO, *, end: str = "\n") -> None:
    """Write the strict JSON document of ``obj`` (then ``end``) to ``stream``, a binary or text
    file; the same document as :func:`dumps` (byte for byte without orjson)."""
    tree = _prepare(obj)  # every error before the first byte
    enc = _Encoder(_orjson())
    if isinstance(stream, io.TextIOBase):
        stream.flush()  # text already buffered goes first
        binary = getattr(stream, "buffer", None)
        if binary is None:  # a text stream without a byte layer (StringIO)
            for chunk in enc.chunks(tree):
                stream.write(chunk.decode("utf-8"))
            stream.write(end)
            return
    else:
        binary = stream
    for chunk in enc.chunks(tree):
        binary.write(chunk)
    binary.write(end.encode("utf-8"))
    binary.flush()

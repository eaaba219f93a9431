"""Decoding, in the judge, with json and numpy alone: every size, tag and dtype checked."""

from __future__ import annotations

import json
import math
import re
import struct
from typing import Any, Iterator

import numpy as np

from grader.authoring.check import Raised
from grader.wire.values import ArrayValue, DTypeValue, DeviceValue, MAX_CONTAINERS, MAX_DEPTH, MAX_FRAME, MAX_HEADER, MAX_JSON_DEPTH, MAX_NODES, MAX_RAISED_BASES, MAX_RAISED_TEXT, MAX_STR, NUMPY_DTYPES, TORCH_DTYPES, TensorValue, Unsupported, WireError


class _Decoder:
    def __init__(self, buffers: list[memoryview]) -> None:
        self.buffers = buffers
        self.nodes = 0

    def node(self, node: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise WireError("value nested too deeply or too large")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise WireError("malformed value node")
        tag = node["t"]
        handler = getattr(self, "tag_" + tag, None)
        if handler is None:
            raise WireError(f"unknown value tag {tag!r}")
        return handler(node, depth)

    def tag_none(self, node, depth):
        return None

    def tag_bool(self, node, depth):
        return _typed(node.get("v"), bool)

    def tag_int(self, node, depth):
        text = _typed(node.get("v"), str)
        if len(text) > 4000:
            raise WireError("integer too large")
        return int(text)

    def tag_float(self, node, depth):
        return float(_typed(node.get("v"), str))

    def tag_complex(self, node, depth):
        re, im = _typed(node.get("v"), list)
        return complex(float(_typed(re, str)), float(_typed(im, str)))

    def tag_str(self, node, depth):
        return _typed(node.get("v"), str)[:MAX_STR]  # what encode sends at most

    def tag_list(self, node, depth):
        return [self.node(v, depth + 1) for v in _typed(node.get("v"), list)]

    def tag_tuple(self, node, depth):
        return tuple(self.tag_list(node, depth))

    def tag_dict(self, node, depth):
        out = {}
        for pair in _typed(node.get("v"), list):
            key, value = _typed(pair, list)
            key = self.node(key, depth + 1)
            if not isinstance(key, (str, int, float, bool, tuple)) and key is not None:
                raise WireError("unhashable dict key")
            out[key] = self.node(value, depth + 1)
        return out

    def tag_raised(self, node, depth):
        kind, mro, message = _typed(node.get("v"), list)
        bases = tuple(_typed(m, str)[:200] for m in _typed(mro, list)[:MAX_RAISED_BASES])
        return Raised(_typed(kind, str)[:200], bases, _typed(message, str)[:MAX_RAISED_TEXT])

    def tag_dtype(self, node, depth):
        framework = node.get("f")
        if framework not in ("torch", "numpy"):
            raise WireError("unknown dtype framework")
        return DTypeValue(_typed(node.get("v"), str)[:64], framework)

    def tag_device(self, node, depth):
        return DeviceValue(_typed(node.get("v"), str)[:64])

    def tag_unsupported(self, node, depth):
        return Unsupported(_typed(node.get("type"), str)[:200], _typed(node.get("why"), str)[:200])

    def tag_tensor(self, node, depth):
        dtype = _typed(node.get("dtype"), str)
        if dtype not in TORCH_DTYPES:
            raise WireError(f"tensor dtype {dtype!r} is not allowed")
        array = self.array(node, np.dtype(TORCH_DTYPES[dtype]))
        if dtype == "bfloat16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        return TensorValue(dtype, _typed(node.get("device"), str)[:64], _typed(node.get("grad"), bool), array)

    def tag_ndarray(self, node, depth):
        dtype = np.dtype(_typed(node.get("dtype"), str))
        if dtype.name not in NUMPY_DTYPES:
            raise WireError(f"array dtype {dtype} is not allowed")
        array = self.array(node, dtype)
        if _typed(node.get("scalar"), bool):
            return ArrayValue(array.reshape(()))
        return ArrayValue(array)

    def array(self, node: dict, dtype: np.dtype) -> np.ndarray:
        shape = tuple(_typed(s, int) for s in _typed(node.get("shape"), list))
        if any(s < 0 for s in shape) or len(shape) > 16:
            raise WireError("bad array shape")
        index = _typed(node.get("buf"), int)
        if not 0 <= index < len(self.buffers):
            raise WireError("array buffer out of range")
        raw = self.buffers[index]
        if len(raw) != math.prod(shape) * dtype.itemsize:
            raise WireError("array buffer size does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _no_constants(name: str):
    """Frames never carry NaN or Infinity as JSON (floats travel as text): a forged one does."""
    raise ValueError(f"{name} is not allowed in a frame")


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise WireError(f"expected {kind.__name__} in frame")
    return value


#: A JSON string, escapes included (the unrolled form keeps the regex engine linear).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_OPENS = np.zeros(256, np.int8)
_OPENS[[ord("["), ord("{")]] = 1
_OPENS[[ord("]"), ord("}")]] = -1


def check_header_shape(head: bytes) -> None:
    """Refuse a header too big, with too many containers or nested too deeply, before parsing it.

    Strings are blanked first (brackets inside them are text); the rest is counted with numpy,
    so the scan costs milliseconds where building the tree would cost seconds."""
    if len(head) > MAX_HEADER:
        raise WireError("frame header larger than %d MiB" % (MAX_HEADER >> 20))
    skeleton = np.frombuffer(_JSON_STRING.sub(b'""', head), np.uint8)
    steps = _OPENS[skeleton]
    if int(np.count_nonzero(steps == 1)) > MAX_CONTAINERS:
        raise WireError("frame header holds too many values")
    if steps.size and int(np.cumsum(steps, dtype=np.int64).max()) > MAX_JSON_DEPTH:
        raise WireError("frame header nested too deeply")


#: One decoder for every frame: json.loads with an option builds a new one per call.
_HEADER_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def decode_body(body: bytes) -> tuple[dict, Any]:
    """Decode one frame body (without its length prefix) into ``(meta, value)``."""
    if len(body) < 4:
        raise WireError("truncated frame")
    (head_len,) = struct.unpack_from("<I", body)
    if head_len > len(body) - 4:
        raise WireError("truncated frame header")
    head = bytes(body[4 : 4 + head_len])
    check_header_shape(head)
    try:
        header = _HEADER_DECODER.decode(head.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise WireError(f"frame header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("frame header is not an object")
    lens = header.pop("lens", [])
    if not isinstance(lens, list) or any(type(n) is not int or n < 0 for n in lens):
        raise WireError("bad buffer table")
    view = memoryview(body)[4 + head_len :]
    if sum(lens) != len(view):
        raise WireError("buffers do not match the buffer table")
    buffers, offset = [], 0
    for n in lens:
        buffers.append(view[offset : offset + n])
        offset += n
    try:
        value = _Decoder(buffers).node(header.pop("value", {"t": "none"}))
    except WireError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise WireError(f"malformed value: {str(exc)[:200]}") from None
    return header, value


class FrameReader:
    """Splits a byte stream into decoded frames; feed it whatever arrives from the pipe."""

    def __init__(self, limit: int = MAX_FRAME) -> None:
        self.pending = bytearray()
        self.limit = limit
        self.last_size = 0  # bytes of the frame yielded last

    def feed(self, data: bytes) -> Iterator[tuple[dict, Any]]:
        self.pending += data
        while len(self.pending) >= 4:
            (size,) = struct.unpack_from("<I", self.pending)
            if size > self.limit:
                raise WireError("frame larger than %d MiB" % (self.limit >> 20))
            if len(self.pending) < 4 + size:
                return
            body = bytes(self.pending[4 : 4 + size])
            del self.pending[: 4 + size]
            self.last_size = size
            yield decode_body(body)

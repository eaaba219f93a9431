"""The only way results cross from a worker to the judge: a small explicit format.

A frame is ``u32 length | u32 header length | JSON header | raw buffers``. The header is a
tree of tagged nodes; tensors and arrays point at byte ranges of the buffers. Decoding uses
``json`` and ``numpy.frombuffer`` only, accepts a fixed list of tags and dtypes, and checks
every size, so whatever a worker writes (a tensor subclass, a forged frame, garbage) can at
worst become an :class:`Unsupported` value or a :class:`WireError`, never code that runs.

``encode`` runs in the worker (it may import torch); ``decode`` runs in the judge and needs
numpy alone.
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from grader.authoring.check import Raised

MAX_FRAME = 64 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_STR = 1_000_000
#: The JSON header of one frame: its bytes, its containers and how deeply they nest, checked
#: before ``json`` builds anything (a header of millions of empty lists costs seconds and GBs).
MAX_HEADER = 16 << 20
MAX_CONTAINERS = 3 * MAX_NODES + 64
MAX_JSON_DEPTH = 3 * MAX_DEPTH + 16
#: A ``Raised`` as data: what the reference and a submission raised, cut to what a report shows.
MAX_RAISED_TEXT = 500
MAX_RAISED_BASES = 32

#: torch dtype name -> numpy dtype the bytes are read as (bfloat16 is widened after).
TORCH_DTYPES = {
    "bool": "|b1",
    "uint8": "|u1",
    "int8": "|i1",
    "int16": "<i2",
    "int32": "<i4",
    "int64": "<i8",
    "uint16": "<u2",
    "uint32": "<u4",
    "uint64": "<u8",
    "float16": "<f2",
    "bfloat16": "<u2",
    "float32": "<f4",
    "float64": "<f8",
    "complex64": "<c8",
    "complex128": "<c16",
}
#: numpy dtypes that are data (long double and its complex have no torch twin to compare with)
NUMPY_DTYPES = {np.dtype(t).name for t in TORCH_DTYPES.values()}


class WireError(ValueError):
    """Bytes that are not a well-formed frame."""


class FrameTooLarge(WireError):
    """A value that does not fit in one frame."""


@dataclass(frozen=True, eq=False)
class TensorValue:
    """A torch tensor as data: its values widened to a numpy array, with its metadata."""

    dtype: str
    device: str
    requires_grad: bool
    array: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)


@dataclass(frozen=True, eq=False)
class ArrayValue:
    """A numpy array as data."""

    array: np.ndarray

    @property
    def dtype(self) -> str:
        return self.array.dtype.name

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)


@dataclass(frozen=True)
class DTypeValue:
    """A ``torch.dtype`` (``framework="torch"``) or a numpy dtype (``"numpy"``)."""

    name: str
    framework: str = "torch"


@dataclass(frozen=True)
class DeviceValue:
    name: str

    @property
    def type(self) -> str:
        return self.name.split(":")[0]


@dataclass(frozen=True)
class Unsupported:
    """A returned object that is not plain data (a tensor subclass, a student's class...)."""

    type_name: str
    why: str = "not plain data"


# --------------------------------------------------------------------------- encoding


class _Encoder:
    def __init__(self) -> None:
        self.buffers: list[bytes] = []
        self.size = 0
        self.nodes = 0

    def buffer(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > MAX_FRAME:
            raise FrameTooLarge("result larger than %d MiB" % (MAX_FRAME >> 20))
        self.buffers.append(data)
        return len(self.buffers) - 1

    def node(self, value: Any, depth: int = 0) -> dict:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise WireError("result nested too deeply or too large")
        kind = type(value)
        if value is None:
            return {"t": "none"}
        if kind is bool:
            return {"t": "bool", "v": value}
        if kind is int:
            return {"t": "int", "v": str(value)}
        if kind is float:
            return {"t": "float", "v": repr(value)}
        if kind is complex:
            return {"t": "complex", "v": [repr(value.real), repr(value.imag)]}
        if kind is str:
            return {"t": "str", "v": value[:MAX_STR]}
        if kind in (list, tuple):
            return {"t": kind.__name__, "v": [self.node(v, depth + 1) for v in value]}
        if kind is dict:
            return {"t": "dict", "v": [[self.node(k, depth + 1), self.node(v, depth + 1)] for k, v in value.items()]}
        if kind is Raised:
            return {"t": "raised", "v": [value.type, list(value.bases), value.message]}
        return self.foreign(value)

    def foreign(self, value: Any) -> dict:
        """Tensors, arrays, dtypes and devices: only the exact library types are data."""
        kind = type(value)
        module = getattr(kind, "__module__", "") or ""
        if module.startswith("numpy"):
            return self.numpy(value)
        if module.startswith("torch"):
            return self.torch(value)
        return unsupported_node(value)

    def numpy(self, value: Any) -> dict:
        kind = type(value)
        if isinstance(value, np.dtype):
            return {"t": "dtype", "v": value.name, "f": "numpy"}
        if kind is np.ndarray or isinstance(value, np.generic) and kind.__module__ == "numpy":
            array = np.asarray(value)
            if array.dtype.name not in NUMPY_DTYPES:
                return unsupported_node(value, f"a numpy array of dtype {array.dtype}")
            array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
            node = {"t": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape)}
            node["buf"] = self.buffer(array.tobytes())
            node["scalar"] = kind is not np.ndarray
            return node
        return unsupported_node(value)

    def torch(self, value: Any) -> dict:
        import torch

        kind = type(value)
        if kind is torch.dtype:
            return {"t": "dtype", "v": str(value).removeprefix("torch."), "f": "torch"}
        if kind is torch.device:
            return {"t": "device", "v": str(value)}
        if kind is torch.Size:  # a tuple of ints, as a shape should be
            return {"t": "tuple", "v": [{"t": "int", "v": str(int(n))} for n in value]}
        if kind not in (torch.Tensor, torch.nn.Parameter):
            return unsupported_node(value)
        name = str(value.dtype).removeprefix("torch.")
        if name not in TORCH_DTYPES or value.layout != torch.strided or value.is_quantized:
            return unsupported_node(value, f"a tensor of dtype {name} and layout {value.layout}")
        if value.device.type == "meta":
            return unsupported_node(value, "a tensor on the meta device (it has no values)")
        data = value.detach().to("cpu").contiguous()
        raw = data.view(torch.uint16) if name == "bfloat16" else data
        node = {
            "t": "tensor",
            "dtype": name,
            "shape": list(data.shape),
            "device": str(value.device),
            "grad": bool(value.requires_grad),
        }
        node["buf"] = self.buffer(raw.numpy().tobytes())
        return node


def unsupported_node(value: Any, why: str = "not plain data") -> dict:
    kind = type(value)
    return {"t": "unsupported", "type": f"{kind.__module__}.{kind.__qualname__}", "why": why}


def encode_frame(meta: dict, value: Any = None) -> bytes:
    """One frame: ``meta`` (plain JSON) plus an optional encoded ``value``."""
    encoder = _Encoder()
    header = dict(meta)
    header["value"] = encoder.node(value)
    header["lens"] = [len(b) for b in encoder.buffers]
    head = json.dumps(header, allow_nan=False).encode()
    if len(head) > MAX_HEADER or len(head) + encoder.size > MAX_FRAME:
        raise FrameTooLarge("result larger than %d MiB" % (MAX_FRAME >> 20))
    body = struct.pack("<I", len(head)) + head + b"".join(encoder.buffers)
    return struct.pack("<I", len(body)) + body


# --------------------------------------------------------------------------- decoding


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

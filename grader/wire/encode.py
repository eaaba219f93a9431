"""Encoding, in the worker (it may import torch): a value as a header tree and raw buffers."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from grader.authoring.check import Raised
from grader.wire.values import ArrayValue, DTypeValue, DeviceValue, FrameTooLarge, TensorValue, Unsupported, MAX_DEPTH, MAX_FRAME, MAX_HEADER, MAX_NODES, MAX_STR, NUMPY_DTYPES, TORCH_DTYPES, WireError


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
        if kind in DECODED:
            return self.decoded(value)
        return unsupported_node(value)

    def decoded(self, value: Any) -> dict:
        """A value as the judge decoded it, as the node it came from (a cluster worker sends
        on what its runner decoded: encode(decode(frame)) is the frame)."""
        kind = type(value)
        if kind is DTypeValue:
            return {"t": "dtype", "v": value.name, "f": value.framework}
        if kind is DeviceValue:
            return {"t": "device", "v": value.name}
        if kind is Unsupported:
            return {"t": "unsupported", "type": value.type_name, "why": value.why}
        if kind is ArrayValue:  # a numpy scalar decodes as a 0-d array: sent as one, it decodes the same
            return self.numpy(value.array)
        array = value.array
        if value.dtype == "bfloat16":  # widened exactly on decoding: narrowed back the same way
            array = (array.view(np.uint32) >> 16).astype("<u2")
        return {"t": "tensor", "dtype": value.dtype, "shape": list(array.shape), "device": value.device,
                "grad": value.requires_grad, "buf": self.buffer(np.ascontiguousarray(array).tobytes())}

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
        raw = data.view(torch.uint16) if name == "bfloat16" else data  # torch.uint16: torch >= 2.3, the range's floor
        node = {
            "t": "tensor",
            "dtype": name,
            "shape": list(data.shape),
            "device": str(value.device),
            "grad": bool(value.requires_grad),
        }
        node["buf"] = self.buffer(raw.numpy().tobytes())
        return node


#: the judge's value records, which a cluster worker re-encodes
DECODED = (TensorValue, ArrayValue, DTypeValue, DeviceValue, Unsupported)


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

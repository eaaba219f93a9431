"""The wire format: plain data round-trips; anything else is refused or named, never run."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import torch

from grader.authoring.check import Raised
from grader.wire import (ArrayValue, DeviceValue, DTypeValue, FrameReader, TensorValue, Unsupported, WireError,
                         decode_body, encode_frame)


def roundtrip(value):
    ((meta, decoded),) = list(FrameReader().feed(encode_frame({"event": "x"}, value)))
    assert meta == {"event": "x"}
    return decoded


def forged(header: dict, buffers: bytes = b"") -> bytes:
    head = json.dumps(header, allow_nan=True).encode()
    return struct.pack("<I", len(head)) + head + buffers


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
                                   torch.int8, torch.uint8, torch.int64, torch.bool], ids=str)
def test_tensors_roundtrip_exactly(dtype):
    t = (torch.randn(3, 5) * 100).to(dtype)
    v = roundtrip(t.t())  # non-contiguous on purpose
    assert isinstance(v, TensorValue) and v.dtype == str(dtype).removeprefix("torch.")
    assert v.shape == (5, 3) and v.device == "cpu" and not v.requires_grad
    np.testing.assert_array_equal(v.array, t.t().to(torch.float64 if not dtype.is_complex else dtype).numpy()
                                  if dtype == torch.bfloat16 else t.t().numpy())


def test_plain_python_and_library_values():
    value = {"n": 3, "big": 10**30, "x": float("nan"), "c": 1 + 2j, "s": "é", "none": None, "t": (True, [1.5]),
             "dtype": torch.float64, "np_dtype": np.dtype("int16"), "dev": torch.device("cpu"),
             "size": torch.Size([2, 3]), "arr": np.arange(4.0), "np_scalar": np.float32(2.5),
             "raised": Raised("ValueError", ("ValueError", "Exception"), "m"), "param": torch.nn.Parameter(torch.ones(1))}
    v = roundtrip(value)
    assert v["n"] == 3 and v["big"] == 10**30 and np.isnan(v["x"]) and v["c"] == 1 + 2j and v["s"] == "é"
    assert v["t"] == (True, [1.5]) and v["dtype"] == DTypeValue("float64") and v["dev"] == DeviceValue("cpu")
    assert v["np_dtype"] == DTypeValue("int16", "numpy") and v["size"] == (2, 3)
    assert isinstance(v["arr"], ArrayValue) and v["arr"].array.tolist() == [0, 1, 2, 3]
    assert v["np_scalar"].array.ndim == 0 and v["raised"].bases == ("ValueError", "Exception")
    assert v["param"].requires_grad


def test_objects_that_are_not_plain_data_are_named_not_sent():
    class Sneaky(torch.Tensor):
        def __eq__(self, other):
            return True

    class Always:
        def __eq__(self, other):
            return True

    v = roundtrip([torch.ones(2).as_subclass(Sneaky), Always(), np.array([object()]), torch.ones(2).to_sparse()])
    assert all(isinstance(x, Unsupported) for x in v)
    assert v[0].type_name.endswith("Sneaky") and v[1].type_name.endswith("Always")


@pytest.mark.parametrize("header,buffers,why", [
    ({"value": {"t": "pickle", "v": "cos\nsystem\n"}}, b"", "unknown value tag"),
    ({"value": {"t": "tensor", "dtype": "object", "shape": [1], "device": "cpu", "grad": False, "buf": 0},
      "lens": [8]}, b"\0" * 8, "not allowed"),
    ({"value": {"t": "tensor", "dtype": "float32", "shape": [4], "device": "cpu", "grad": False, "buf": 0},
      "lens": [8]}, b"\0" * 8, "does not match"),
    ({"value": {"t": "ndarray", "dtype": "|O", "shape": [1], "buf": 0}, "lens": [8]}, b"\0" * 8, "not allowed"),
    ({"value": {"t": "int", "v": "9" * 5000}}, b"", "too large"),
    ({"value": {"t": "list", "v": [{"t": "none"}] * 3}, "lens": [4]}, b"", "buffers do not match"),
    ({"value": {"t": "bool", "v": "yes"}}, b"", "expected bool"),
])
def test_forged_frames_are_rejected(header, buffers, why):
    with pytest.raises(WireError, match=why):
        decode_body(forged(header, buffers))


def test_garbage_and_oversized_frames():
    with pytest.raises(WireError):
        list(FrameReader().feed(struct.pack("<I", 8) + b"Total: 100/100"))
    with pytest.raises(WireError, match="larger"):
        list(FrameReader(limit=1024).feed(struct.pack("<I", 10**6)))
    deep = {"t": "none"}
    for _ in range(100):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(WireError, match="deep"):
        decode_body(forged({"value": deep}))


def test_frames_split_across_reads():
    frames = encode_frame({"event": "a"}, torch.arange(5)) + encode_frame({"event": "b"}, "x")
    reader, got = FrameReader(), []
    for i in range(len(frames)):
        got += list(reader.feed(frames[i:i + 1]))
    assert [m["event"] for m, _ in got] == ["a", "b"] and got[1][1] == "x"


def test_json_constants_and_long_doubles_are_not_data():
    with pytest.raises(WireError, match="Infinity"):
        decode_body(forged({"event": "result", "check": "x", "case": float("inf"), "value": {"t": "none"}}))
    (value,) = [v for _, v in FrameReader().feed(encode_frame({}, [np.longdouble(1), np.array([1], np.clongdouble)]))]
    assert all(isinstance(x, Unsupported) for x in value)

"""What a frame can carry: the value records the judge decodes, the limits and the errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

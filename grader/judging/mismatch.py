"""What differed, as plain data: the facts a class analysis groups wrong answers by.

:func:`mismatch_facts` turns the judge's first mismatch into JSON data (the report's
``CheckResult.mismatch``); :func:`wrong_values` adds, where cheap, a fingerprint of the
wrong values and the axis permutation of the expected ones they equal. numpy only.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import numpy as np


#: Wrong values are fingerprinted and tried against the expected ones' axis permutations
#: only up to this size (about 10 ms); larger results are grouped by the other facts alone.
FINGERPRINT_LIMIT = 1 << 16


#: Mantissa bits dropped before fingerprinting float64 values: 12 of 52 kept, about 3.6 digits.
DROPPED_BITS = np.uint64((1 << 40) - 1)


def wrong_values(e: np.ndarray, a: np.ndarray) -> dict:
    """Facts that let identical wrong answers group together: a digest of the actual
    values (mantissas cut to 12 bits, so float noise does not split a group) and the axis
    permutation of the expected values the actual ones equal, if any."""
    if a.size > FINGERPRINT_LIMIT or a.dtype.kind not in "biufc":
        return {}
    wide = np.ascontiguousarray(a, dtype=np.complex128 if a.dtype.kind == "c" else np.float64)
    bits = wide.view(np.uint64) & ~DROPPED_BITS
    digest = hashlib.sha256(repr(a.shape).encode() + bits.tobytes()).hexdigest()[:16]
    return {"fingerprint": digest, "permutation": permutation_of(e, a)}


def permutation_of(e: np.ndarray, a: np.ndarray) -> list[int] | None:
    """The axes ``p`` (not the identity) with ``e.transpose(p)`` close to ``a``, if any."""
    if e.size != a.size or not 2 <= e.ndim <= 5 or e.dtype.kind not in "biufc":
        return None
    for p in itertools.permutations(range(e.ndim)):
        if list(p) == list(range(e.ndim)) or tuple(e.shape[i] for i in p) != a.shape:
            continue
        moved = np.transpose(e, p)
        with np.errstate(all="ignore"):  # the first elements rule most permutations out at once
            if (np.allclose(moved.flat[:64], a.flat[:64], rtol=1e-5, atol=1e-6, equal_nan=True)
                    and np.allclose(moved, a, rtol=1e-5, atol=1e-6, equal_nan=True)):
                return list(p)
    return None


#: A mismatch's ``what`` -> the kind a TA groups wrong answers by.
KINDS = {"shape": "shape", "dtype": "dtype", "device": "device", "values": "values", "nan": "values",
         "value": "values", "length": "type", "keys": "type", "kind": "type", "unsupported": "type",
         "raised": "exception", "did_not_raise": "exception", "wrong_exception": "exception"}


def mismatch_facts(m) -> dict:
    """One mismatch as plain JSON data for grouping wrong answers: kind, where, shapes,
    dtypes, how many elements differ and by how much, the exception's type."""
    f = m.facts
    out: dict = {"kind": KINDS.get(m.what, "type"), "what": m.what, "path": m.path}
    if m.what in ("shape", "dtype", "device", "length", "kind", "unsupported", "value"):
        out["expected"], out["actual"] = plain(f.get("expected")), plain(f.get("actual"))
    if m.what == "values":
        out["count"], out["total"] = f["count"], f["total"]
        if "abs" in f:
            out["max_abs"] = f["abs"][0]
    if m.what in ("raised", "wrong_exception"):
        out["exception"] = f["actual"].type
    if m.what == "keys":
        out["missing"], out["extra"] = [repr(k) for k in f["missing"]], [repr(k) for k in f["extra"]]
    for key in ("fingerprint", "permutation"):
        if f.get(key) is not None:
            out[key] = f[key]
    return out


def plain(value: Any) -> Any:
    """A fact as JSON data: shapes as lists (the compare functions word the rest already)."""
    if isinstance(value, tuple):
        return list(value)
    return value if isinstance(value, (int, float, str, bool, list)) or value is None else str(value)

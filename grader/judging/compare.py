"""Comparing a submission's data with the reference's: the judge's core.

Modelled on ``torch.testing``: one small function per kind of input (tensor or array,
number, sequence, mapping, raised exception, other), each producing :class:`Mismatch` records; the
wording of messages lives apart, in :func:`describe`. Everything here works on decoded wire
values with numpy alone, so the judge never imports torch or touches submission objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.authoring.check import SENSITIVE_KEYS, Policy, Raised
from grader.judging.messages import describe, show, show_scalar
from grader.judging.mismatch import mismatch_facts, wrong_values
from grader.judging.tolerances import Tolerance, derived_tolerance, dtype_kind, promote, tolerance_for
from grader.wire import ArrayValue, DeviceValue, DTypeValue, TensorValue, Unsupported


@dataclass
class Mismatch:
    """One difference: where (a path like ``[1]['w']``), what kind, and the facts."""

    path: str
    what: str
    facts: dict = field(default_factory=dict)


@dataclass
class Verdict:
    passed: bool
    message: str
    mismatches: list[Mismatch] = field(default_factory=list)
    tolerances: list[Tolerance] = field(default_factory=list)
    facts: dict | None = None  # the first mismatch as plain JSON data (grader.judging.mismatch)


# --------------------------------------------------------------------------- pairs


@dataclass
class Context:
    policy: Policy
    device: str
    tolerances: list[Tolerance] = field(default_factory=list)
    fixed: Tolerance | None = None  # one tolerance for every value (a check's spread=)


def type_label(value: Any) -> str:
    if isinstance(value, TensorValue):
        return "a torch.Tensor"
    if isinstance(value, ArrayValue):
        return "a numpy array" if value.array.ndim else "a numpy scalar"
    if isinstance(value, DTypeValue):
        return "a torch.dtype" if value.framework == "torch" else "a numpy dtype"
    if isinstance(value, DeviceValue):
        return "a torch.device"
    if isinstance(value, Unsupported):
        return f"a {value.type_name} ({value.why})"
    if isinstance(value, Raised):
        return f"an exception {value.type}"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def is_number(value: Any) -> bool:
    return (type(value) in (int, float, complex)) or (isinstance(value, ArrayValue) and value.array.ndim == 0)


def compare_values(expected: Any, actual: Any, ctx: Context, path: str = "") -> list[Mismatch]:
    """Dispatch on the expected value's kind; each kind is one function below."""
    if isinstance(actual, Unsupported) and not isinstance(expected, Unsupported):
        return [Mismatch(path, "unsupported", {"expected": type_label(expected), "actual": type_label(actual)})]
    if isinstance(expected, Raised) or isinstance(actual, Raised):
        return compare_raised(expected, actual, path)
    if isinstance(expected, TensorValue) or isinstance(expected, ArrayValue) and expected.array.ndim:
        return compare_arrays(expected, actual, ctx, path)
    if is_number(expected) or type(expected) is bool:
        return compare_numbers(expected, actual, ctx, path)
    if isinstance(expected, (list, tuple)):
        return compare_sequences(expected, actual, ctx, path)
    if isinstance(expected, dict):
        return compare_mappings(expected, actual, ctx, path)
    return compare_equal(expected, actual, path)


def compare_raised(expected: Any, actual: Any, path: str) -> list[Mismatch]:
    if not isinstance(expected, Raised):
        return [Mismatch(path, "raised", {"actual": actual})]
    if not isinstance(actual, Raised):
        return [Mismatch(path, "did_not_raise", {"expected": expected, "actual": type_label(actual)})]
    if expected.type not in actual.bases:
        return [Mismatch(path, "wrong_exception", {"expected": expected, "actual": actual})]
    return []


def compare_equal(expected: Any, actual: Any, path: str) -> list[Mismatch]:
    """Strings, None, dtypes, devices: equal or not."""
    if type(expected) is not type(actual):
        return [Mismatch(path, "kind", {"expected": type_label(expected), "actual": type_label(actual)})]
    if isinstance(expected, DeviceValue) and expected.type == actual.type:
        return []
    if expected != actual:
        return [Mismatch(path, "value", {"expected": show(expected), "actual": show(actual)})]
    return []


def compare_sequences(expected, actual, ctx: Context, path: str) -> list[Mismatch]:
    """Tuples and lists are interchangeable: ``[3, 4]`` is as good a shape as ``(3, 4)``."""
    if not isinstance(actual, (list, tuple)):
        return [Mismatch(path, "kind", {"expected": type_label(expected), "actual": type_label(actual)})]
    if len(expected) != len(actual):
        return [Mismatch(path, "length", {"expected": len(expected), "actual": len(actual)})]
    out: list[Mismatch] = []
    for i, (e, a) in enumerate(zip(expected, actual)):
        out += compare_values(e, a, ctx, f"{path or 'result'}[{i}]")
    return out


def compare_mappings(expected: dict, actual, ctx: Context, path: str) -> list[Mismatch]:
    if not isinstance(actual, dict):
        return [Mismatch(path, "kind", {"expected": type_label(expected), "actual": type_label(actual)})]
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    if missing or extra:
        return [Mismatch(path, "keys", {"missing": missing, "extra": extra})]
    out: list[Mismatch] = []
    for key in expected:
        name = str(key) if isinstance(key, str) and key.isidentifier() else repr(key)
        out += compare_values(expected[key], actual[key], ctx, f"{path}.{name}" if path else name)
    return out


def number_dtype(value: Any) -> str:
    if isinstance(value, ArrayValue):
        return value.dtype
    return {bool: "bool", int: "int64", float: "float64", complex: "complex128"}[type(value)]


def compare_numbers(expected, actual, ctx: Context, path: str) -> list[Mismatch]:
    """Python and numpy scalars: bools exactly, numbers within the tolerance of their dtypes.

    A scalar's Python or numpy type is not part of the answer (``2.0`` is as good as
    ``np.float64(2.0)``), so the dtype policy does not apply here.
    """
    if type(expected) is bool:
        if type(actual) is not bool and not (isinstance(actual, ArrayValue) and actual.dtype == "bool"
                                             and actual.array.ndim == 0):
            return [Mismatch(path, "kind", {"expected": "a bool", "actual": type_label(actual)})]
        if bool(expected) != bool(np.asarray(actual.array if isinstance(actual, ArrayValue) else actual)):
            return [Mismatch(path, "value", {"expected": expected, "actual": show(actual)})]
        return []
    if not is_number(actual) or type(actual) is bool:
        return [Mismatch(path, "kind", {"expected": type_label(expected), "actual": type_label(actual)})]
    dtypes = (number_dtype(expected), number_dtype(actual))
    e = np.asarray(expected.array if isinstance(expected, ArrayValue) else expected)
    a = np.asarray(actual.array if isinstance(actual, ArrayValue) else actual)
    return compare_values_close(e, a, dtypes, ctx, path)


def compare_arrays(expected, actual, ctx: Context, path: str) -> list[Mismatch]:
    """Tensors and arrays: kind, shape, device, dtype, then values."""
    if type(actual) is not type(expected):
        return [Mismatch(path, "kind", {"expected": type_label(expected), "actual": type_label(actual)})]
    if expected.shape != actual.shape:
        facts = {"expected": expected.shape, "actual": actual.shape}
        return [Mismatch(path, "shape", {**facts, **wrong_values(expected.array, actual.array)})]
    if isinstance(expected, TensorValue):
        if ctx.policy.device == "match" and expected.device.split(":")[0] != actual.device.split(":")[0]:
            return [Mismatch(path, "device", {"expected": expected.device, "actual": actual.device})]
    if ctx.policy.dtype == "strict" and expected.dtype != actual.dtype:
        return [Mismatch(path, "dtype", {"expected": expected.dtype, "actual": actual.dtype, "tensor": isinstance(expected, TensorValue)})]
    found = compare_values_close(expected.array, actual.array, (expected.dtype, actual.dtype), ctx, path)
    for mismatch in found:
        mismatch.facts.update(wrong_values(expected.array, actual.array))
    return found


def compare_values_close(e: np.ndarray, a: np.ndarray, dtypes, ctx: Context, path: str):
    """Element-wise closeness with NaN and inf positions required to match.

    The tolerance follows the device the submission was run on (trusted), never the device
    a returned tensor claims to be on.
    """
    common = promote(*dtypes)
    judged = dtypes[:1] if ctx.policy.dtype == "promote" else tuple(dict.fromkeys(dtypes))
    tolerance = ctx.fixed or tolerance_for(judged, ctx.policy, ctx.device)
    ctx.tolerances.append(tolerance)
    kind = dtype_kind(common)
    if kind in "bi":
        if kind == "b" or e.dtype.kind == a.dtype.kind:
            close = np.asarray(e == a)
        else:
            close = np.asarray(e.astype(object) == a.astype(object), dtype=bool)
        if close.all():
            return []
        return [Mismatch(path, "values", value_facts(e, a, ~close, None, tolerance))]
    work, rounded = ARITHMETIC[common]
    ew, aw = e.astype(work), a.astype(work)
    with np.errstate(invalid="ignore", over="ignore"):
        close = ew == aw
        nan_e, nan_a = np.isnan(ew), np.isnan(aw)
        if ctx.policy.equal_nan:
            close |= nan_e & nan_a
        # as torch.isclose does it: every step rounded to the compared dtype
        error = rounded(np.abs(rounded(aw - ew)))
        # (torch multiplies by rtol in float32 but adds atol after rounding it to the dtype)
        allowed = rounded(rounded(work(tolerance.atol)) + rounded(np.abs(rounded(ew * work(tolerance.rtol)))))
        close |= np.isfinite(error) & (error <= allowed)
        diff = np.abs(aw.astype(np.complex128 if kind == "c" else np.float64) - ew)
    close = np.asarray(close)
    if close.all():
        return []
    if ctx.policy.equal_nan and (nan_e != nan_a).any():
        return [Mismatch(path, "nan", {"expected_nan": int(nan_e.sum()), "actual_nan": int(nan_a.sum()),
                                       "first": index_of(np.argmax(np.asarray(nan_e != nan_a)), e.shape)})]
    return [Mismatch(path, "values", value_facts(ew, aw, ~close, np.asarray(diff), tolerance))]


def round_bfloat16(x: np.ndarray) -> np.ndarray:
    """float32 values rounded to bfloat16 (nearest, ties to even), as float32."""
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return np.where(np.isnan(x), x, bits.view(np.float32))


def same(x):
    return x


#: compared dtype -> (numpy type the arithmetic runs in, rounding after each step).
#: Half types compute in float32 and round each result, as torch's CPU kernels do.
ARITHMETIC = {
    "float16": (np.float32, lambda x: np.asarray(x, dtype=np.float32).astype(np.float16).astype(np.float32)),
    "bfloat16": (np.float32, round_bfloat16),
    "float32": (np.float32, same),
    "float64": (np.float64, same),
    "complex64": (np.complex64, same),
    "complex128": (np.complex128, same),
}


def index_of(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(int(flat), shape)) if shape else ()


def value_facts(e, a, bad, diff, tolerance: Tolerance) -> dict:
    e, a, bad = np.asarray(e), np.asarray(a), np.asarray(bad)
    facts = {"count": int(bad.sum()), "total": int(bad.size), "tolerance": tolerance}
    first = int(np.argmax(bad.reshape(-1)))
    facts["first"] = (index_of(first, e.shape), show_scalar(e.reshape(-1)[first]), show_scalar(a.reshape(-1)[first]))
    if diff is not None:
        flat_bad = bad.reshape(-1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            d = np.where(flat_bad, np.nan_to_num(np.asarray(diff).reshape(-1), nan=np.inf), -1.0)
            rel = np.where(flat_bad, d / np.abs(e.reshape(-1)), -1.0)
        i = int(np.argmax(d))
        j = int(np.argmax(np.nan_to_num(rel, nan=np.inf)))
        facts["abs"] = (float(d[i]), index_of(i, e.shape))
        facts["rel"] = (float(rel[j]), index_of(j, e.shape))
    return facts


def judged_at_spread(expected: Any, actual: Any, spread: tuple[float, float]) -> tuple[Any, Any, Tolerance]:
    """A :func:`~grader.authoring.check.sensitive` result: the values to compare, and the tolerance
    the reference's spread between its two runs gives (the submission's own second run is ignored)."""
    keys = list(SENSITIVE_KEYS)
    if not (isinstance(expected, dict) and list(expected) == keys and expected[keys[1]] is not None):
        raise ValueError("the reference gave no low-precision run: a check with spread= returns "
                         "sensitive(value, low_precision) with low_precision computed when case.reference")
    value = actual[keys[0]] if isinstance(actual, dict) and list(actual) == keys else actual
    return expected[keys[0]], value, derived_tolerance(largest_difference(*(expected[k] for k in keys)), *spread)


def largest_difference(a: Any, b: Any) -> float:
    """The largest absolute difference between the finite numbers of two results of one structure."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return max((largest_difference(x, y) for x, y in zip(a, b)), default=0.0)
    if isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b):
        return max((largest_difference(a[k], b[k]) for k in a), default=0.0)
    x, y = as_numbers(a), as_numbers(b)
    if x is None or y is None:
        if type(a) is type(b) and x is y and a == b:
            return 0.0
        raise ValueError("the low-precision run of the reference does not have the structure of its result")
    if x.shape != y.shape:
        raise ValueError(f"the low-precision run of the reference has shape {y.shape}, its result {x.shape}")
    with np.errstate(invalid="ignore", over="ignore"):
        both = np.isfinite(x) & np.isfinite(y)
        return float(np.max(np.abs(x - y)[both], initial=0.0))


def as_numbers(value: Any) -> np.ndarray | None:
    """A number, array or tensor as a complex or float64 array; ``None`` for anything else."""
    if isinstance(value, (TensorValue, ArrayValue)) or type(value) in (int, float, complex):
        array = np.asarray(value.array if isinstance(value, (TensorValue, ArrayValue)) else value)
        if array.dtype.kind in "iufc":
            return array.astype(np.complex128 if array.dtype.kind == "c" else np.float64)
    return None


def compare(expected: Any, actual: Any, policy: Policy = Policy(), device: str = "cpu") -> Verdict:
    """Compare decoded data; the verdict carries every mismatch and the tolerances used."""
    ctx = Context(policy, device)
    try:
        if policy.spread:
            expected, actual, ctx.fixed = judged_at_spread(expected, actual, policy.spread)
        mismatches = compare_values(expected, actual, ctx)
    except Exception as exc:  # noqa: BLE001 - odd data (a 400-digit int for a float) is a failure, not a crash
        return Verdict(False, f"your result could not be compared with the expected one ({type(exc).__name__}: "
                              f"{str(exc)[:200]})", [], ctx.tolerances)
    if not mismatches:
        return Verdict(True, "", [], ctx.tolerances)
    message = describe(mismatches[0])
    if len(mismatches) > 1:
        message += f" (and {len(mismatches) - 1} more difference{'s' if len(mismatches) > 2 else ''})"
    return Verdict(False, message, mismatches, ctx.tolerances, mismatch_facts(mismatches[0]))

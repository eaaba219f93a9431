"""The wording of a mismatch: one sentence a student can act on, from the facts alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.wire import ArrayValue, DeviceValue, DTypeValue

if TYPE_CHECKING:
    from grader.judging.compare import Mismatch


def show_scalar(x) -> str:
    x = x.item() if hasattr(x, "item") else x
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def show(value: Any) -> str:
    if isinstance(value, DTypeValue):
        return f"torch.{value.name}" if value.framework == "torch" else f"numpy.{value.name}"
    if isinstance(value, DeviceValue):
        return value.name
    if isinstance(value, ArrayValue):
        return show_scalar(value.array) if value.array.ndim == 0 else f"array{value.shape}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(m: Mismatch) -> str:
    """One sentence a student can act on."""
    where = f"{m.path}: " if m.path else ""
    f = m.facts
    if m.what == "kind":
        return f"{where}expected {f['expected']}, got {f['actual']}"
    if m.what == "unsupported":
        return (f"{where}expected {f['expected']}, got {f['actual']}; return plain tensors, arrays, "
                "numbers or tuples of them")
    if m.what == "shape":
        return f"{where}shape differs: expected {fmt_shape(f['expected'])}, got {fmt_shape(f['actual'])}"
    if m.what == "device":
        return f"{where}device differs: expected {f['expected']}, got {f['actual']}"
    if m.what == "dtype":
        prefix = "torch." if f.get("tensor") else ""
        return f"{where}dtype differs: expected {prefix}{f['expected']}, got {prefix}{f['actual']}"
    if m.what == "length":
        return f"{where}expected {f['expected']} items, got {f['actual']}"
    if m.what == "keys":
        return f"{where}keys differ: missing {few(f['missing'])}, unexpected {few(f['extra'])}"
    if m.what == "value":
        return f"{where}expected {f['expected']}, got {f['actual']}"
    if m.what == "raised":
        a = f["actual"]
        return f"{where}your code raised {a.type}: {a.message}"
    if m.what == "did_not_raise":
        return f"{where}expected {f['expected'].type} to be raised, but your code returned {f['actual']}"
    if m.what == "wrong_exception" and f["actual"].type == "NotImplementedError":
        return f"not implemented yet ({f['actual'].message})"
    if m.what == "wrong_exception":
        return f"{where}expected {f['expected'].type}, but your code raised {f['actual'].type}: {f['actual'].message}"
    if m.what == "nan":
        return (f"{where}NaN positions differ: expected {f['expected_nan']} NaN(s), got {f['actual_nan']} "
                f"(first difference at index {f['first']})")
    if m.what == "values":
        index, exp, act = f["first"]
        share = 100.0 * f["count"] / max(f["total"], 1)
        text = (f"{where}values differ: {f['count']} of {f['total']} elements ({share:.1f}%) are wrong; "
                f"at index {index} expected {exp}, got {act}")
        if "abs" in f:
            tol = f["tolerance"]
            text += (f". Greatest absolute difference {f['abs'][0]:.3g} at index {f['abs'][1]} "
                     f"(up to {tol.atol:g} allowed), greatest relative difference {f['rel'][0]:.3g} "
                     f"at index {f['rel'][1]} (up to {tol.rtol:g} allowed); tolerance: {tol.reason}")
        return text
    return f"{where}{m.what}"


def few(items: list, shown: int = 5) -> str:
    text = ", ".join(repr(i)[:40] for i in items[:shown])
    return f"[{text}{f', ... {len(items) - shown} more' if len(items) > shown else ''}]"


def fmt_shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"

"""Tolerances: torch.testing's defaults per dtype, the one device widening, and how two dtypes promote."""

from __future__ import annotations

from dataclasses import dataclass

from grader.authoring.check import Policy


@dataclass(frozen=True)
class Tolerance:
    """``|actual - expected| <= atol + rtol * |expected|``, and why these numbers."""

    rtol: float
    atol: float
    reason: str

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g} ({self.reason})"


#: torch.testing.assert_close's defaults; every other dtype compares exactly.
DEFAULT_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex32": (1e-3, 1e-5),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}

#: Where a device legitimately changes results, per (device type, dtype, cause).
#: TF32 keeps 10 mantissa bits in matmul inputs: float32 results drift by ~1e-3 relative
#: (measured on an H200: Gram-form distances 1.3e-2 .. 6.9e-2 absolute, see README).
#: Reductions and transcendental functions on CUDA stay within the float32 defaults, so
#: they get no entry: widening there would only pass wrong answers.
DEVICE_TOLERANCES = {
    ("cuda", "float32", "tf32"): Tolerance(
        5e-3, 5e-2, "widened for CUDA: TF32 matmul rounds float32 inputs to 10 mantissa bits"
    ),
}

def derived_tolerance(spread: float, safety: float, floor: float) -> Tolerance:
    """A check's ``spread=(safety, floor)``: ``floor + safety * spread`` absolute, where ``spread`` is
    how far the reference's own result moves when it runs in a lower precision."""
    return Tolerance(0.0, floor + safety * spread,
                     f"derived from the reference: {safety:g} x its low-precision spread {spread:.2g} + {floor:g}")


FLOAT_ORDER = ("float16", "bfloat16", "float32", "float64")
COMPLEX_ORDER = ("complex32", "complex64", "complex128")


def dtype_kind(name: str) -> str:
    """'b', 'i', 'f' or 'c' for a torch or numpy dtype name."""
    if name == "bool":
        return "b"
    if name.startswith("complex"):
        return "c"
    if name.startswith(("float", "bfloat")):
        return "f"
    return "i"


def promote(a: str, b: str) -> str:
    """The dtype torch promotes ``a`` and ``b`` to (enough of it to choose a tolerance)."""
    if a == b:
        return a
    rank = "bifc"
    ka, kb = dtype_kind(a), dtype_kind(b)
    if {ka, kb} == {"f", "c"}:  # float64 + complex64 -> complex128
        real, cplx = (a, b) if ka == "f" else (b, a)
        part = {"complex32": "float16", "complex64": "float32", "complex128": "float64"}[cplx]
        return {"float16": "complex32", "float32": "complex64", "float64": "complex128"}[promote(real, part)]
    if ka != kb:
        return a if rank.index(ka) > rank.index(kb) else b
    if ka == "f":
        if {a, b} == {"float16", "bfloat16"}:
            return "float32"
        return max(a, b, key=FLOAT_ORDER.index)
    if ka == "c":
        return max(a, b, key=COMPLEX_ORDER.index)
    return "int64"


def tolerance_for(dtypes: tuple[str, ...], policy: Policy, device: str = "cpu") -> Tolerance:
    """The tolerance for values of these dtypes computed on ``device`` under ``policy``.

    With several dtypes the loosest default wins, as in
    ``torch.testing.assert_close(check_dtype=False)``; the promote policy passes only the
    reference's dtype (a bfloat16 answer to a float32 question is judged as float32).
    """
    if policy.rtol is not None:
        return Tolerance(policy.rtol, policy.atol, "set by this check")
    device_type = device.split(":")[0]
    for dtype in dtypes:
        widened = DEVICE_TOLERANCES.get((device_type, dtype, "tf32")) if policy.tf32 else None
        if widened:
            return widened
    pairs = [(dtype, DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0))) for dtype in dtypes]
    name, (rtol, atol) = max(pairs, key=lambda p: p[1])
    if rtol == 0 and atol == 0:
        return Tolerance(0.0, 0.0, f"{name} compares exactly")
    return Tolerance(rtol, atol, f"{name} default")

"""Which device a run uses, decided without touching CUDA in the judge.

The judge forks nothing after CUDA is initialised and never imports torch, so it cannot
ask ``torch.cuda.is_available()``. It looks for the NVIDIA driver instead; the worker makes
the real check and a missing GPU shows as that run's note and skipped checks.
"""

from __future__ import annotations

import os

DRIVER = "/proc/driver/nvidia/version"


def cuda_present() -> bool:
    return os.path.exists(DRIVER)


def resolve_device(requested: str) -> tuple[str, str]:
    """``(device, note)``: ``auto`` picks CUDA when present; CUDA without a GPU falls back."""
    if requested == "auto":
        return ("cuda", "") if cuda_present() else ("cpu", "")
    if requested == "cuda" and not cuda_present():
        return "cpu", "CUDA is not available here: graded on the CPU; checks that need a GPU are skipped"
    return requested, ""

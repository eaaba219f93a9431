"""Which device a run uses, decided without touching CUDA in the judge.

The judge never imports torch (and a process that forks workers must never initialise
CUDA), so it cannot ask ``torch.cuda.is_available()`` itself. Without the NVIDIA driver
there is no GPU; with it, a throwaway process asks torch once (a CPU-only torch build on a
GPU machine says no), so a missing GPU is a note and skipped checks, never failures
blamed on the student.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys

DRIVER = "/proc/driver/nvidia/version"
PROBE = "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"


@functools.lru_cache(maxsize=1)
def cuda_present() -> bool:
    if not os.path.exists(DRIVER):
        return False
    env = {**os.environ, "PYTORCH_NVML_BASED_CUDA_CHECK": "1"}
    try:
        return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def resolve_device(requested: str) -> tuple[str, str]:
    """``(device, note)``: ``auto`` picks CUDA when present; CUDA without a GPU falls back."""
    if requested == "auto":
        return ("cuda", "") if cuda_present() else ("cpu", "")
    if requested == "cuda" and not cuda_present():
        return "cpu", "CUDA is not available here: graded on the CPU; checks that need a GPU are skipped"
    return requested, ""

"""How a zygote is started: as a plain process, or inside a sandbox.

A sandbox turns the zygote's command line into one that runs it confined. ``process`` is
the portable fallback: separate processes, resource limits and a private result pipe, but
no filesystem or network isolation.
"""

from __future__ import annotations

from pathlib import Path


class ProcessSandbox:
    """No confinement beyond separate processes and resource limits (any OS with fork)."""

    name = "process"
    description = "separate worker processes with resource limits (no filesystem or network isolation)"

    def command(self, argv: list[str], scratch: Path, trusted: bool = False) -> list[str]:
        return argv


def choose(mode: str = "auto"):
    """The sandbox for ``--sandbox MODE``."""
    if mode in ("auto", "process"):
        return ProcessSandbox()
    raise ValueError(f"unknown sandbox {mode!r}")

"""Which runner this machine can use, decided in one place.

The fork server (:mod:`grader.isolation.zygote`) needs Linux: fork without exec after
``import torch``, ``prctl`` (child subreaper, parent-death signal), pidfd, ``/proc`` and
``SOCK_SEQPACKET``. Elsewhere (macOS, BSD) the portable runner
(:mod:`grader.isolation.spawn`) starts a fresh Python process per worker instead; on Linux
``--runner spawn`` forces it, which is how the test suite covers it.
"""

from __future__ import annotations

import sys

RUNNERS = ("auto", "zygote", "spawn")


def fork_server_available() -> bool:
    return sys.platform.startswith("linux")


def choose_runner(mode: str = "auto") -> str:
    """``zygote`` or ``spawn`` for ``--runner MODE``."""
    if mode not in RUNNERS:
        raise ValueError(f"unknown runner {mode!r} (choose from {', '.join(RUNNERS)})")
    if mode == "auto":
        return "zygote" if fork_server_available() else "spawn"
    if mode == "zygote" and not fork_server_available():
        raise ValueError(f"--runner zygote needs Linux (this is {sys.platform}): use --runner spawn")
    return mode


def client_for(name: str) -> type:
    """The judge-side client class of runner ``name`` (both have the same surface)."""
    if name == "spawn":
        from grader.isolation.spawn import SpawnZygote

        return SpawnZygote
    from grader.isolation.zygote_client import Zygote

    return Zygote

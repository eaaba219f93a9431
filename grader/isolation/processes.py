"""Killing process trees on any platform, with psutil (the portable runner's sweeps).

A worker's descendants are found two ways: by parent links (``children(recursive=True)``)
and, for those that escaped the tree (double forks and ``setsid`` daemons re-parented to
init), by a tag in their environment, which every process a runner starts inherits.
"""

from __future__ import annotations

import os
import time

import psutil


def tagged(tag: str) -> list[psutil.Process]:
    """Processes (not this one) whose environment holds ``tag`` (``NAME=value``)."""
    name, value = tag.split("=", 1)
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        try:
            if proc.environ().get(name) == value:
                found.append(proc)
        except (psutil.Error, OSError):
            continue  # gone, a zombie, or another user's
    return found


def below(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def kill_all(find, deadline: float = 5.0) -> int:
    """SIGKILL what ``find()`` returns, round after round, until it returns nothing.

    All at once per round: a killed process forks no more, and whatever it forked just
    before is found by the next round. Returns how many processes were killed."""
    killed: set[int] = set()
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        alive = [p for p in find() if status(p) != psutil.STATUS_ZOMBIE]
        if not alive:
            break
        for proc in alive:
            try:
                proc.kill()
                killed.add(proc.pid)
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=0.05)
    return len(killed)


def status(proc: psutil.Process) -> str:
    try:
        return proc.status()
    except psutil.Error:
        return psutil.STATUS_ZOMBIE  # gone counts as dead


def kill_tree(pid: int) -> None:
    """Kill ``pid`` and everything below it now."""
    procs = below(pid)
    try:
        procs.append(psutil.Process(pid))
    except psutil.Error:
        pass
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass


def wait_status(returncode: int) -> int:
    """A ``subprocess`` return code as the wait status the zygote reports (``os.WIFSIGNALED``...)."""
    return -returncode if returncode < 0 else (returncode & 0xFF) << 8

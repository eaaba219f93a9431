"""The process tree below this process, read from /proc, and killing all of it.

A process is found by its parent link, whatever its session or process group, and a
zombie leader (its main thread exited, another still runs: state Z, yet alive) counts as
alive: SIGKILL to its pid ends its whole thread group.
"""

from __future__ import annotations

import os
import signal
import time


def children_map() -> dict[int, list[tuple[int, str]]]:
    """Every process on the machine by its parent: ppid -> [(pid, state letter)], read from /proc."""
    children_of: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        children_of.setdefault(int(fields[1]), []).append((int(entry), fields[0]))
    return children_of


def descendants(root: int | None = None, children_of: dict[int, list[tuple[int, str]]] | None = None) -> dict[int, str]:
    """Every process below ``root`` (default: this one), pid -> state letter, found by walking
    /proc's parent links (``children_of``: a :func:`children_map` already read).

    A walk rather than a process group or session: student code can leave both with
    ``setsid``, but not the tree, because orphans re-parent to this subreaper.
    """
    children_of = children_map() if children_of is None else children_of
    below: dict[int, str] = {}
    frontier = [os.getpid() if root is None else root]
    while frontier:
        for pid, state in children_of.get(frontier.pop(), ()):
            if pid not in below:
                below[pid] = state
                frontier.append(pid)
    return below


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def sweep(deadline: float = 5.0, keep: int | None = None) -> int:
    """Kill every remaining descendant but ``keep`` (a spare worker), all at once per round,
    until none is left.

    Killing the whole tree in one round (not only direct children) is what beats a fork
    flood: a process that has been sent SIGKILL forks no more, and whatever it forked
    just before is found by the next round. Returns how many processes were killed.
    """
    killed: set[int] = set()
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        reap()
        found = descendants()
        found.pop(keep, None)
        if not found:
            break
        for pid, state in found.items():
            # a zombie leader (main thread gone, other threads alive) is state Z too, and
            # SIGKILL to its pid ends its whole thread group
            if state != "Z" or threads_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                except ProcessLookupError:
                    pass
        time.sleep(0.002)
    return len(killed)


def threads_alive(pid: int) -> bool:
    """Whether a process (perhaps a zombie leader) still has threads that run."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    return True
        except (OSError, IndexError):
            pass
    return False


def environment(pid: int) -> bytes:
    """A process's environment; a zombie leader's is read from one of its live threads."""
    paths = [f"/proc/{pid}/environ"]
    try:
        paths += [f"/proc/{pid}/task/{tid}/environ" for tid in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        pass
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if data:
            return data
    return b""

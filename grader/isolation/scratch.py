"""Scratch folders that a killed grader does not leave behind for good.

Each folder ``grader-XXXX`` in the temporary directory has a lock file next to it,
``grader-XXXX.lock``, held (``flock``) by the process that made it for as long as it
lives. A grader that ends normally removes both; one killed with SIGKILL cannot, and the
next grader to start removes every folder whose lock nobody holds any more. The lock file
sits beside the folder, not in it, because the folder is bound into the sandbox, where
student code could replace it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "grader-"
_held: dict[Path, int] = {}  # folder -> descriptor of its held lock


def make(kind: str = "") -> Path:
    """A new empty folder ``grader-<kind>XXXX``, locked by this process until :func:`remove`."""
    path = Path(tempfile.mkdtemp(prefix=PREFIX + kind))
    # Locked under a temporary name, then renamed: a lock file another grader can see is
    # always already held, so no moment exists where it looks abandoned.
    fd, pending = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".lock")
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(pending, lock_of(path))
    _held[path] = fd
    return path


def remove(path: Path) -> None:
    """Delete a folder from :func:`make`, then its lock."""
    shutil.rmtree(path, ignore_errors=True)
    fd = _held.pop(Path(path), None)
    if fd is not None:
        Path(lock_of(path)).unlink(missing_ok=True)
        os.close(fd)


def lock_of(path: Path) -> str:
    return f"{path}.lock"


def remove_stale() -> int:
    """Remove the folders of graders that died without cleaning up; returns how many."""
    removed = 0
    for lock in Path(tempfile.gettempdir()).glob(PREFIX + "*.lock"):
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            continue  # removed meanwhile, or another user's
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # its grader is alive
        folder = lock.with_suffix("")
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            lock.unlink(missing_ok=True)
            removed += 1
        os.close(fd)
    return removed

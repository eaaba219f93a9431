"""Scratch folders that a killed grader does not leave behind for good.

Each folder ``grader-XXXX`` in the temporary directory has a lock file next to it,
``grader-XXXX.lock``, held (``flock``) by the process that made it for as long as it
lives. A grader that ends normally removes both; one killed with SIGKILL cannot, and the
next grader to start removes every folder whose lock nobody holds any more. The lock file
sits beside the folder, not in it, because the folder is bound into the sandbox, where
student code could replace it.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

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
    remove_tree(path)
    fd = _held.pop(Path(path), None)
    if fd is not None:
        Path(lock_of(path)).unlink(missing_ok=True)
        os.close(fd)


def remove_tree(path: str | os.PathLike) -> bool:
    """Delete a folder however deep it is; True when it is gone (a missing one counts).

    No recursion and no long paths: a sub-folder is emptied of files and its own
    sub-folders are moved up into the top folder, so two descriptors do at any depth
    (student code can make folders 1,500 deep, past the recursion limit and PATH_MAX).
    Links are removed, never followed."""
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return True
    except OSError:
        return _unlink(path)
    try:
        moved = 0
        while names := os.listdir(top):
            for name in names:
                moved = _flatten(top, name, moved)
    except OSError as exc:
        log.debug("could not empty %s: %s", path, exc)
    finally:
        os.close(top)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def _flatten(top: int, name: str, moved: int) -> int:
    """Remove entry ``name`` of ``top``: a file at once, a folder once its folders are moved up."""
    try:
        os.unlink(name, dir_fd=top)
        return moved
    except IsADirectoryError:
        pass
    except FileNotFoundError:
        return moved
    if not stat.S_ISDIR(os.lstat(name, dir_fd=top).st_mode):
        raise OSError(f"cannot remove {name}")
    os.chmod(name, 0o700, dir_fd=top)  # a folder its maker made unreadable
    child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
    try:
        for inner in os.listdir(child):
            try:
                os.unlink(inner, dir_fd=child)
            except IsADirectoryError:
                moved = _move_up(child, inner, top, moved)
    finally:
        os.close(child)
    os.rmdir(name, dir_fd=top)
    return moved


def _move_up(child: int, name: str, top: int, moved: int) -> int:
    """Move folder ``name`` of ``child`` into ``top`` under a fresh name; the number it took."""
    for attempt in range(moved + 1, moved + 100):
        try:
            os.rename(name, f".removing-{attempt}", src_dir_fd=child, dst_dir_fd=top)
            return attempt
        except (FileExistsError, NotADirectoryError, OSError) as exc:
            if not isinstance(exc, (FileExistsError, NotADirectoryError)) and exc.errno != errno.ENOTEMPTY:
                raise
    raise OSError(f"no free name to move {name} to")


def _unlink(path: str | os.PathLike) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


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
        if remove_tree(folder):
            lock.unlink(missing_ok=True)
            removed += 1
        else:
            log.warning("could not remove the stale scratch folder %s; skipped (delete it by hand)", folder)
        os.close(fd)
    return removed

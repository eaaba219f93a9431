"""Which course a command works on, found the way pytest finds its rootdir.

In order: ``--course DIR`` (the CLI calls :func:`use`), ``$GRADER_COURSE``, the first
``course.toml`` in the current folder or a folder above it, else the bundled Module 2 course
(:data:`BUNDLED`). Every process the grader starts is told its course through
``$GRADER_COURSE`` (:meth:`grader.isolation.zygote_client.Zygote.environment`, :func:`child_env`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from grader.manifest.schema import MANIFEST, Course, ManifestError, read
from grader.paths import PACKAGE_ROOT

BUNDLED = PACKAGE_ROOT  # the folder of the bundled course's course.toml
ENV = "GRADER_COURSE"


def find_upward(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds a ``course.toml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / MANIFEST).is_file():
            return folder
    return None


def folder_of(path: str | Path) -> Path:
    """A course folder given as the folder or as its ``course.toml``."""
    path = Path(path).expanduser()
    if path.name == MANIFEST and path.is_file():
        path = path.parent
    if not (path / MANIFEST).is_file():
        raise ManifestError(f"{path} is not a course: it has no {MANIFEST}")
    return path.resolve()


@functools.lru_cache(maxsize=None)
def load(folder: Path) -> Course:
    return read(folder)


_chosen: list[Path] = []  # what use() set: --course DIR of this run


def active() -> Course:
    """The course of this process (see the module docstring); :class:`ManifestError` if it is broken."""
    if _chosen:
        return load(_chosen[-1])
    chosen = os.environ.get(ENV)
    if chosen:
        return load(folder_of(chosen))
    return load(found_from(os.getcwd()))


@functools.lru_cache(maxsize=16)
def found_from(cwd: str) -> Path:
    """The course folder found from ``cwd`` upward (asked for many times a submission: once a folder)."""
    return find_upward(Path(cwd)) or BUNDLED


def use(path: str | Path | None) -> Course:
    """Make the course at ``path`` this process's course (``None``: back to finding it)."""
    _chosen.clear()
    if path is None:
        return active()
    folder = folder_of(path)
    course = load(folder)
    _chosen.append(folder)
    return course


def child_env(env: dict | None = None) -> dict:
    """``env`` (default: this process's) telling a child process this process's course."""
    return {**(os.environ if env is None else env), ENV: str(active().root)}

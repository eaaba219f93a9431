"""The record of one student's submission, and the files of it that reach the worker."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILES = 2000
MAX_BYTES = 50 << 20
MAX_FOLDERS = 1000


class SubmissionError(Exception):
    """A submission that cannot be graded at all (the message says why, for the student)."""


@dataclass
class Submission:
    """What one student handed in, as a folder of files the worker will see."""

    student: str
    path: str  # what was handed in, as given
    root: str  # folder whose files are copied into the sandbox
    modules: list[str]  # exercise modules this submission is graded on
    namespaces: dict = field(default_factory=dict)  # module -> file inside root to load it from
    notes: list[str] = field(default_factory=list)
    error: str = ""  # set when nothing can be graded (corrupt archive...)
    covers: list[str] | None = None  # modules it defines anything of, where known (a notebook); None: all


def safe_id(text: str) -> str:
    """A name usable as a file name and a CSV cell: letters, digits and ``._@-`` only."""
    return re.sub(r"[^\w.@-]+", "_", text) or "submission"


def student_id(path: Path) -> str:
    name = path.name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip", ".ipynb", ".py"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return safe_id(name)


def collect_files(submission: Submission) -> dict[str, str]:
    """Relative path -> absolute path of the files to copy, within caps."""
    root = Path(submission.root)
    if submission.namespaces and not Path(submission.path).is_dir() and Path(submission.path).suffix == ".py":
        names = list(submission.namespaces.values())
        return {n: str(root / n) for n in names}
    return walk_files(root)


def walk_files(root: Path) -> dict[str, str]:
    """The regular files under ``root``, walked without recursion (a folder may nest very deep)."""
    from grader.manifest import active

    ignored = active().ignore  # folders whose content is never part of a submission
    files, size, folders, pending = {}, 0, 0, [root]
    while pending:
        folder = pending.pop()
        folders += 1
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise SubmissionError(f"the submission cannot be read ({exc.strerror}: {Path(folder).name})") from None
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in ignored:
                    pending.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):  # links, fifos, sockets: not what a submission is
                size += entry.stat(follow_symlinks=False).st_size
                files[str(Path(entry.path).relative_to(root))] = entry.path
        if len(files) > MAX_FILES or size > MAX_BYTES or folders > MAX_FOLDERS:
            raise SubmissionError(f"the submission is too large (over {MAX_FILES} files, {MAX_FOLDERS} folders "
                                  f"or {MAX_BYTES >> 20} MB)")
    return files

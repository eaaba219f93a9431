"""Which kind of submission a path is: one explicit list of resolvers, tried in order."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from grader.manifest import active
from grader.submissions.archive import resolve_archive
from grader.submissions.folder import resolve_folder, resolve_module_file
from grader.submissions.notebook import resolve_notebook
from grader.submissions.submission import Submission, SubmissionError

#: Every kind of submission, tried in order: ``fn(path, modules) -> Submission | None``.
RESOLVERS = (resolve_notebook, resolve_archive, resolve_folder, resolve_module_file)


def resolve(path: str | Path, modules: Iterable[str] | None = None) -> Submission:
    """A folder, one module file, a notebook or an archive: the first of RESOLVERS that takes it,
    graded on ``modules`` (default: every module of the course)."""
    modules = active().modules if modules is None else modules
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    for resolver in RESOLVERS:
        found = resolver(path, list(modules))
        if found is not None:
            return found
    raise SubmissionError(f"cannot grade {path.name}: expected a folder, a .py module, a notebook or an archive")

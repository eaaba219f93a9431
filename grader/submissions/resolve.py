"""Which kind of submission a path is: one explicit list of resolvers, tried in order."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from grader.course import MODULES
from grader.submissions.archive import resolve_archive
from grader.submissions.notebook import resolve_notebook
from grader.submissions.submission import Submission, SubmissionError, student_id

#: Submission kinds other than a plain folder or module: ``fn(path, modules) -> Submission | None``.
RESOLVERS = (resolve_notebook, resolve_archive)


def resolve(path: str | Path, modules: Iterable[str] = MODULES) -> Submission:
    """A folder mirroring exercises/, or one module file; or a kind in RESOLVERS."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    for resolver in RESOLVERS:
        found = resolver(path, list(modules))
        if found is not None:
            return found
    if path.is_dir():
        return Submission(student_id(path), str(path), str(path), list(modules))
    if path.suffix == ".py":
        if path.stem not in MODULES:
            raise SubmissionError(f"{path.name} is not an exercise module (expected one of: "
                                  f"{', '.join(m + '.py' for m in MODULES)})")
        return Submission(student_id(path.parent), str(path), str(path.parent), [path.stem],
                          namespaces={path.stem: path.name})
    raise SubmissionError(f"cannot grade {path.name}: expected a folder, a .py module, a notebook or an archive")

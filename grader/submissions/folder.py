"""A folder or a single ``.py`` file handed in, resolved to the work in it.

A folder is looked through with :func:`grader.submissions.locate.locate` (modules at the top
or in one sub-folder, else one notebook anywhere). A notebook in a folder is graded from a
scratch copy of the folder, so nothing is ever written into what the student handed in.
A ``.py`` file not named after a module (``dave.py`` in a batch) is matched to the modules
by the public names it defines, read with :mod:`ast` (never run here).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from grader.isolation import scratch
from grader.submissions import notebook
from grader.submissions.archive import look_through
from grader.submissions.locate import Found, locate
from grader.submissions.submission import Submission, SubmissionError, collect_files, student_id


def expected(modules: list[str]) -> str:
    return ", ".join(m + ".py" for m in modules)


def notebook_from(path: Path, found: Found, modules: list[str]) -> Submission:
    """The notebook ``found`` names, graded from a scratch copy of the folder around it."""
    folder = scratch.make("folder-")
    owner = Submission(student_id(path), str(path), str(folder), list(modules))
    try:
        for relative, source in collect_files(Submission("", str(found.root), str(found.root), [])).items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / relative)
    except (SubmissionError, OSError) as exc:
        owner.error = str(exc)
        return notebook.tie(folder, owner)
    submission = notebook.prepare(found.notebook, modules, folder, str(found.notebook.relative_to(found.root)))
    submission.path, submission.student = str(path), student_id(path)
    submission.notes = found.notes + submission.notes
    return notebook.tie(folder, submission)


def resolve_folder(path: Path, modules: list[str]) -> Submission | None:
    if not path.is_dir():
        return None
    found = locate(look_through(path), modules, path.name)
    if found.error:
        return Submission(student_id(path), str(path), str(path), list(modules), error=found.error)
    if found.notebook is not None:
        return notebook_from(path, found, modules)
    return Submission(student_id(path), str(path), str(found.root), list(modules), notes=found.notes)


def defined_by(path: Path, modules: list[str]) -> set[str]:
    """The top-level names a module file binds; ``SubmissionError`` when it does not parse."""
    try:
        tree = ast.parse(path.read_bytes(), filename=path.name)
    except (SyntaxError, ValueError) as exc:
        where = f", line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise SubmissionError(f"{path.name} does not parse ({type(exc).__name__}{where}), so which exercise module "
                              f"it answers cannot be told; fix it, or name it after the module ({expected(modules)})") from None
    return notebook.defined_names(tree)


def resolve_module_file(path: Path, modules: list[str]) -> Submission | None:
    """``tensors.py`` is graded as tensors; ``dave.py`` as the modules whose names it defines."""
    if path.suffix != ".py" or not path.is_file():
        return None
    if path.stem in modules:
        return Submission(student_id(path.parent), str(path), str(path.parent), [path.stem],
                          namespaces={path.stem: path.name})
    covered = notebook.covers(defined_by(path, modules), list(modules))
    if not covered:
        raise SubmissionError(f"{path.name} is not an exercise module: it defines none of the names the checks use "
                              f"(expected one of: {expected(modules)}, or a file defining their functions)")
    return Submission(student_id(path), str(path), str(path.parent), covered,
                      namespaces={m: path.name for m in covered},
                      notes=[f"{path.name} is graded as {', '.join(covered)} (the names it defines)"])

"""Which of the course's assignments a submission is graded on.

A student hands in one practical at a time: ``python -m grader PATH`` grades the
assignments the submission covers (a notebook: those whose names it defines; a folder: those
whose module files it holds), each whole, so a notebook for one practical gets that
practical's total and no noise about the others. ``--assignment NAME`` (the student run, a
batch, Gradescope) grades that assignment whatever was handed in, so a class is scored
out of the same total.
"""

from __future__ import annotations

from pathlib import Path

from grader.manifest import active
from grader.submissions.submission import Submission


def present(submission: Submission) -> list[str]:
    """The modules a submission holds something of: the notebook's coverage, or module files."""
    if submission.error:
        return []
    if submission.covers is not None:
        return list(submission.covers)
    root = Path(submission.root)
    return [m for m in submission.modules if m in submission.namespaces or (root / f"{m}.py").is_file()]


def keep(submission: Submission, modules: list[str]) -> None:
    submission.modules = modules
    submission.namespaces = {m: f for m, f in submission.namespaces.items() if m in modules}
    if submission.covers is not None:
        submission.covers = [m for m in submission.covers if m in modules]


def narrow(submission: Submission) -> None:
    """Grade ``submission`` on the assignments it covers (all of them when it covers none)."""
    covered = present(submission)
    chosen = active().covering(covered)
    modules = [m for a in chosen for m in a.modules]
    if not covered or modules == submission.modules:
        return
    keep(submission, modules)
    what = "the notebook" if submission.covers is not None else "the submission"
    note = (f"{what} covers {', '.join(covered)}: graded on {'assignment' if len(chosen) == 1 else 'assignments'} "
            f"{', '.join(a.name for a in chosen)} only")
    submission.notes = [n for n in submission.notes if not n.startswith("the notebook covers")]
    submission.notes.insert(0, note)


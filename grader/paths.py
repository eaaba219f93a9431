"""Where the grader's own files are (the checkout or release that holds ``grader/``), and the solutions."""

from __future__ import annotations

import os
from pathlib import Path

#: The folder that holds ``grader/`` (and the bundled course's ``course.toml``).
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def solutions_dir() -> Path:
    """The reference solutions: ``$GRADER_SOLUTIONS`` or the course's (``solutions`` of its manifest)."""
    from grader.manifest import active

    return Path(os.environ.get("GRADER_SOLUTIONS") or active().solutions)


def solution_folders() -> list[Path]:
    """Every folder of solutions no student may see: the course's and the ones this run grades
    against (``$GRADER_SOLUTIONS``), resolved."""
    from grader.manifest import active

    return sorted({active().solutions.resolve(), solutions_dir().resolve()})


def cache_dir() -> Path:
    """The reference cache: ``$GRADER_CACHE`` or ``.grader-cache/`` of the checkout."""
    return Path(os.environ.get("GRADER_CACHE") or PACKAGE_ROOT / ".grader-cache")

"""Where the grader's own files are: the checkout (or release) that holds ``grader/``."""

from __future__ import annotations

import os
from pathlib import Path

#: The folder that holds ``grader/``, ``solutions/`` and ``exercises/``.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def solutions_dir() -> Path:
    """The reference solutions: ``$GRADER_SOLUTIONS`` or ``solutions/`` of the checkout."""
    return Path(os.environ.get("GRADER_SOLUTIONS") or PACKAGE_ROOT / "solutions")


def cache_dir() -> Path:
    """The reference cache: ``$GRADER_CACHE`` or ``.grader-cache/`` of the checkout."""
    return Path(os.environ.get("GRADER_CACHE") or PACKAGE_ROOT / ".grader-cache")

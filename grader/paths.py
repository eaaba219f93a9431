"""Where the grader's own files are: the checkout (or release) that holds ``grader/``."""

from __future__ import annotations

from pathlib import Path

#: The folder that holds ``grader/``, ``solutions/`` and ``exercises/``.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent

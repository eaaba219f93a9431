"""A course is a folder with a manifest (``course.toml``): what it is made of, read and checked here.

:mod:`~grader.manifest.schema` is the typed record and its validation, :mod:`~grader.manifest.find`
finds the course a command works on (``--course DIR``, ``$GRADER_COURSE``, a ``course.toml``
in the current folder or one above it, else the bundled Module 2 course), and
:mod:`~grader.manifest.checks` imports a course's checks (worker side only: checks import torch).
"""

from grader.manifest.find import BUNDLED, active, child_env, find_upward, load, use
from grader.manifest.schema import MANIFEST, Assignment, Course, ManifestError

__all__ = ["BUNDLED", "MANIFEST", "Assignment", "Course", "ManifestError", "active", "child_env", "find_upward", "load", "use"]

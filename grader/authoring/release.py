"""``python -m grader release OUT``: the course repository as students get it.

Everything a student needs to work and to run ``python -m grader`` offline, and nothing
they should not see: no ``solutions/``, no tests, no caches. Since the judge needs expected
data, the release ships the public reference (computed here, from the solutions) as
``grader/course/reference/public-cpu.bin``; the hidden variant's results are not shipped.
(The hidden seeds are still readable in ``grader/course/__init__.py``: they stop answers
hard-coded for the public seeds, not a student who reads the grader.)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from grader.judging import reference
from grader.paths import PACKAGE_ROOT

SHIPPED = ("grader", "exercises", "notebooks", "README.md", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".grader-cache", "reference")


def build_release(out: Path) -> Path:
    """Write the student release into ``out`` (which must not exist yet)."""
    if out.exists():
        raise FileExistsError(f"{out} already exists; give a new folder")
    job = reference.compute(reference.solutions_dir(), "public", "cpu")
    expected = reference.Reference.of(job)
    if not reference.healthy(expected):
        raise RuntimeError("the reference solutions fail some checks; run `python -m grader selfcheck`")
    out.mkdir(parents=True)
    for name in SHIPPED:
        source = PACKAGE_ROOT / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=IGNORED)
        elif source.is_file():
            shutil.copy2(source, out / name)
    target = out / reference.shipped_path("public", "cpu").relative_to(PACKAGE_ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(reference.CACHE_FORMAT + bytes(job.raw))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader release",
                                     description="Build the students' copy of the course: no solutions, "
                                                 "the public reference results shipped instead.")
    parser.add_argument("out", help="a new folder to write the release into")
    args = parser.parse_args(argv)
    try:
        out = build_release(Path(args.out))
    except (FileExistsError, RuntimeError) as exc:
        parser.exit(2, f"python -m grader release: error: {exc}\n")
    print(f"student release written to {out} (no solutions/; public reference shipped)")
    return 0

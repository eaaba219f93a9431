"""``python -m grader release OUT``: the course repository as students get it.

Everything a student needs to work and to run ``python -m grader`` offline, and nothing
they should not see: the course folder (or what its manifest's ``release`` lists) without
its solutions, tests or caches. Since the judge needs expected data, the release ships the
public reference (computed here, from the solutions) beside the checks, as
``<checks>/reference/public-cpu.bin``; the hidden variant's results are not shipped.
(The hidden seeds are still readable in ``course.toml``: they stop answers hard-coded for
the public seeds, not a student who reads the manifest.)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from grader.judging import reference
from grader.manifest import Course, active
from grader.paths import solution_folders

CACHES = shutil.ignore_patterns("__pycache__", "*.pyc", ".grader-cache", "reference")


def shipped(course: Course) -> list[Path]:
    """What a release copies: the manifest's ``release`` list, else the course folder's
    entries except hidden files and caches (solutions are left out wherever they are)."""
    if course.release:
        return [course.root / name for name in course.release]
    return [p for p in sorted(course.root.iterdir()) if not p.name.startswith((".", "__"))]


def ignored(secrets: set[Path]):
    """``copytree``'s ignore: caches, and any folder that is (or links to) solutions."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        return set(CACHES(folder, names)) | {n for n in names if (Path(folder) / n).resolve() in secrets}
    return ignore


def copy_course(course: Course, out: Path) -> None:
    secrets = set(solution_folders())  # never shipped, at any depth
    for source in shipped(course):
        if any(source.resolve().is_relative_to(s) for s in secrets):
            continue
        target = out / source.relative_to(course.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignored(secrets))
        elif source.is_file():
            shutil.copy2(source, target)


def build_release(out: Path) -> Path:
    """Write the student release into ``out`` (which must not exist yet)."""
    course = active()
    if out.exists():
        raise FileExistsError(f"{out} already exists; give a new folder")
    if not course.checks.resolve().is_relative_to(course.root):
        raise RuntimeError(f"the checks ({course.checks}) are outside the course folder {course.root}; "
                           "a release copies the course folder")
    job = reference.compute(reference.solutions_dir(), "public", "cpu")
    expected = reference.Reference.of(job)
    if not reference.healthy(expected):
        raise RuntimeError("the reference solutions fail some checks; run `python -m grader selfcheck`")
    out.mkdir(parents=True)
    copy_course(course, out)
    target = out / reference.shipped_path("public", "cpu").relative_to(course.root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(reference.CACHE_FORMAT + bytes(job.raw))
    return out


def main(argv: list[str]) -> int:
    from grader.cli import add_course_option

    parser = argparse.ArgumentParser(prog="python -m grader release",
                                     description="Build the students' copy of the course: the course folder without "
                                                 "its solutions, the public reference results shipped instead.")
    parser.add_argument("out", help="a new folder to write the release into")
    add_course_option(parser)
    args = parser.parse_args(argv)
    try:
        out = build_release(Path(args.out))
    except (FileExistsError, RuntimeError) as exc:
        parser.exit(2, f"python -m grader release: error: {exc}\n")
    print(f"student release written to {out} (no solutions; public reference shipped)")
    return 0

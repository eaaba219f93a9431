"""``python -m grader new-course DIR [--name NAME]``: a new course that already passes selfcheck.

DIR (a new or empty folder) gets a copy of :data:`TEMPLATE` with the course's name filled in:
a commented ``course.toml``, one exercise module (``solutions/warmup.py``, its checks in
``checks/warmup.py``) and a ``README.md`` naming the next commands; the stub
``exercises/warmup.py`` is generated from the solution with
:func:`grader.authoring.material.build_exercises`, as ``python -m grader build exercises``
would, so stub and solution start in step. The template is kept as real files (Python and
TOML a linter reads), never imported by the grader: it is not the bundled course's checks
folder and no reference cache key hashes it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from grader.authoring import material

TEMPLATE = Path(__file__).resolve().with_name("course_template")
PLACEHOLDER = "__COURSE_NAME__"  # in the template's course.toml (as a TOML string) and README.md
FILLED = ("course.toml", "README.md")  # the files the name is filled into
SKIPPED = ("__pycache__", ".ruff_cache", ".mypy_cache")


class NewCourseError(ValueError):
    """DIR or the name cannot be used; the message says why."""


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def check_target(folder: Path) -> None:
    """DIR must not exist, or be an empty folder."""
    if folder.is_dir():
        entries = sorted(p.name for p in folder.iterdir())
        if entries:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            raise NewCourseError(f"{folder} is not empty (it holds {shown}); give a new or empty folder")
    elif folder.exists() or folder.is_symlink():
        raise NewCourseError(f"{folder} exists and is not a folder; give a new or empty folder")


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise NewCourseError("the course name is empty")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise NewCourseError("the course name must be one line of text (no newline or control character)")
    return name


def template_files() -> list[Path]:
    """The template's files, relative to :data:`TEMPLATE`, caches left out."""
    return sorted(p.relative_to(TEMPLATE) for p in TEMPLATE.rglob("*")
                  if p.is_file() and not set(p.relative_to(TEMPLATE).parts) & set(SKIPPED)
                  and p.suffix != ".pyc")


def write_course(folder: Path, name: str) -> list[Path]:
    """Write the new course into ``folder``; return the paths written, ``course.toml`` first."""
    check_target(folder)
    name = check_name(name)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for relative in template_files():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative.as_posix() == "course.toml":
            text = (TEMPLATE / relative).read_text(encoding="utf-8")
            target.write_text(text.replace(f'"{PLACEHOLDER}"', toml_string(name)), encoding="utf-8")
        elif relative.as_posix() in FILLED:
            text = (TEMPLATE / relative).read_text(encoding="utf-8")
            target.write_text(text.replace(PLACEHOLDER, name), encoding="utf-8")
        else:
            shutil.copyfile(TEMPLATE / relative, target)
        written.append(target)
    from grader.manifest.schema import read

    course = read(folder)  # what was written must be a course: a template bug fails here, not in selfcheck
    written += [Path(p) for p in material.build_exercises(str(course.solutions), str(course.exercises))]
    return sorted(written, key=lambda p: (p.name != "course.toml", str(p)))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m grader new-course",
        description="Start a course of your own: write a commented course.toml, one exercise (solution, stub "
                    "generated from it, checks) and a README with the next commands into DIR. Run those "
                    "commands from inside DIR: the grader finds the course from the current folder upward.",
        epilog="exit codes: 0 written, 2 usage error (DIR not empty, bad name)")
    p.add_argument("dir", metavar="DIR", help="the new course's folder: must not exist yet, or be empty")
    p.add_argument("--name", default=None,
                   help="the course's name, as reports show it (default: the folder's name)")
    return p


def main(argv: list[str]) -> int:
    p = parser()
    args = p.parse_args(argv)
    folder = Path(args.dir).expanduser()
    name = args.name if args.name is not None else folder.resolve().name
    try:
        written = write_course(folder, name)
    except (NewCourseError, OSError) as exc:
        p.error(str(exc))
    root = folder.resolve()
    print(f"new course {check_name(name)!r} written to {root}:")
    print("\n".join(f"  {path.resolve().relative_to(root)}" for path in written))
    print(f"next: cd {folder} && python -m grader selfcheck   (README.md lists the other commands)")
    return 0

"""Archive submissions (``.zip``, ``.tar.gz``, ``.tgz``, ``.tar``): unpacked safely, then graded as what is inside.

Unpacking happens in the judging process, so it trusts nothing in the archive:

* a member whose name is absolute or climbs out (``../``) refuses the whole archive;
* links (symbolic or hard), devices and fifos are never created (a note lists the links);
* caps on the number of files and folders (named or implied by a member's path), how deep
  a path goes, the bytes unpacked (counted while writing, never taken
  from the headers alone) and the compression ratio; a cap hit refuses the archive with a
  message that says which;
* files are created only under a fresh scratch folder, which is removed with the submission.

Inside, one top-level folder (as ``zip -r hw.zip hw/`` makes) is looked through, macOS's
``__MACOSX`` ignored; then :func:`grader.submissions.locate.locate` finds the exercise
modules (a folder submission) or the one notebook (a notebook submission), as in a folder.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Iterator

from grader.isolation import scratch
from grader.submissions import notebook, submission
from grader.submissions.locate import locate
from grader.submissions.submission import Submission, student_id

MAX_FILES = submission.MAX_FILES
MAX_BYTES = submission.MAX_BYTES
MAX_FOLDERS = submission.MAX_FOLDERS
MAX_PARTS = 24  # folders a member's path may go through
MAX_RATIO = 100  # unpacked bytes per archive byte; code and notebooks compress 3-10 times
RATIO_FLOOR = 1 << 20  # below this many bytes unpacked, the ratio does not matter
SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
IGNORED = ("__MACOSX", ".DS_Store")
CHUNK = 1 << 16


class ArchiveError(Exception):
    """The archive is refused; the message says why, for the student."""


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def member_path(name: str) -> PurePosixPath | None:
    """The relative path a member may have, ``None`` for one to skip; ``ArchiveError`` for an escape."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        raise ArchiveError(f"the archive is refused: {name!r} is an absolute path")
    if ".." in path.parts:
        raise ArchiveError(f"the archive is refused: {name!r} points outside the archive")
    parts = [p for p in path.parts if p != "."]
    if not parts or parts[0] in IGNORED or parts[-1] in IGNORED:
        return None
    return PurePosixPath(*parts)


class Budget:
    """Counts files and bytes as they are written; refuses the archive at the first cap."""

    def __init__(self, archive_bytes: int) -> None:
        self.archive_bytes = max(archive_bytes, 1)
        self.files = 0
        self.bytes = 0
        self.folders: set[PurePosixPath] = set()

    def add_file(self) -> None:
        self.files += 1
        if self.files > MAX_FILES:
            raise ArchiveError(f"the archive is refused: it holds more than {MAX_FILES} files")

    def add_folders(self, folder: PurePosixPath) -> None:
        """Count ``folder`` and every folder above it that was not counted yet."""
        if len(folder.parts) > MAX_PARTS:
            raise ArchiveError(f"the archive is refused: {str(folder)[:80]!r}... is nested more than "
                               f"{MAX_PARTS} folders deep")
        while folder.parts and folder not in self.folders:
            self.folders.add(folder)
            if len(self.folders) > MAX_FOLDERS:
                raise ArchiveError(f"the archive is refused: it holds more than {MAX_FOLDERS} folders")
            folder = folder.parent

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > MAX_BYTES:
            raise ArchiveError(f"the archive is refused: it unpacks to more than {MAX_BYTES >> 20} MB")
        if self.bytes > RATIO_FLOOR and self.bytes > MAX_RATIO * self.archive_bytes:
            raise ArchiveError(f"the archive is refused: it unpacks to over {MAX_RATIO} times its size "
                               "(a zip bomb?)")


def write_member(dest: Path, relative: PurePosixPath, stream: IO[bytes], budget: Budget) -> None:
    """Copy one regular file under ``dest``, counting every byte against the budget."""
    target = dest.joinpath(*relative.parts)
    if not target.parent.resolve().is_relative_to(dest.resolve()):
        raise ArchiveError(f"the archive is refused: {str(relative)!r} points outside the archive")
    budget.add_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        while chunk := stream.read(CHUNK):
            budget.add_bytes(len(chunk))
            out.write(chunk)


def zip_members(archive: zipfile.ZipFile, links: list[str]) -> Iterator[tuple[str, IO[bytes] | None]]:
    """(name, stream) of each regular file, (name, None) of each folder; links are listed, not yielded."""
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise ArchiveError("the archive is refused: it is password-protected")
        if stat.S_ISLNK(info.external_attr >> 16):
            links.append(info.filename)
        elif info.is_dir():
            yield info.filename, None
        else:
            with archive.open(info) as stream:
                yield info.filename, stream


def tar_members(archive: tarfile.TarFile, links: list[str]) -> Iterator[tuple[str, IO[bytes] | None]]:
    for member in archive:
        if member.issym() or member.islnk():
            links.append(member.name)
        elif member.isdir():
            yield member.name, None
        elif member.isfile():
            stream = archive.extractfile(member)
            if stream is not None:
                yield member.name, stream


def unpack(archive: Path, dest: Path) -> list[str]:
    """Unpack ``archive`` under ``dest``; return notes (links skipped). ``ArchiveError`` when refused."""
    budget, links = Budget(archive.stat().st_size), []
    try:
        if archive.name.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as opened:
                extract(zip_members(opened, links), dest, budget)
        else:  # streamed: a member is read once, in order, and the first cap hit stops everything
            with tarfile.open(archive, "r|*") as opened:
                extract(tar_members(opened, links), dest, budget)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise ArchiveError(f"{archive.name} could not be unpacked ({exc})") from None
    if links:
        return [f"links in the archive were skipped: {', '.join(links[:5])}" + (" ..." if len(links) > 5 else "")]
    return []


def extract(members: Iterator[tuple[str, IO[bytes] | None]], dest: Path, budget: Budget) -> None:
    for name, stream in members:
        relative = member_path(name)
        if relative is None:
            continue
        if stream is None:
            budget.add_folders(relative)
            dest.joinpath(*relative.parts).mkdir(parents=True, exist_ok=True)
        else:
            budget.add_folders(relative.parent)
            write_member(dest, relative, stream, budget)


def look_through(folder: Path) -> Path:
    """The folder itself, or the content of its only sub-folder (repeatedly)."""
    while True:
        entries = [e for e in folder.iterdir() if e.name not in IGNORED]
        if len(entries) != 1 or not entries[0].is_dir() or entries[0].is_symlink():
            return folder
        folder = entries[0]


def inside(archive: Path, root: Path, modules: list[str]) -> Submission:
    """What the unpacked archive is: a folder of modules, or one notebook (see :mod:`~grader.submissions.locate`)."""
    found = locate(root, modules, archive.name)
    if found.notebook is not None:
        submission = notebook.prepare(found.notebook, modules, root, str(found.notebook.relative_to(root)))
        submission.path, submission.student = str(archive), student_id(archive)
        submission.notes = found.notes + submission.notes
        return submission
    error = found.error or (f"{archive.name} holds no exercise module ({', '.join(m + '.py' for m in modules)}) "
                            "and no notebook" if found.nothing else "")
    return Submission(student_id(archive), str(archive), str(found.root), list(modules), notes=found.notes,
                      error=error)


def resolve_archive(path: Path, modules: list[str]) -> Submission | None:
    if not (path.is_file() and is_archive(path)):
        return None
    folder = scratch.make("archive-")
    try:
        notes = unpack(path, folder)
    except ArchiveError as exc:
        return notebook.tie(folder, Submission(student_id(path), str(path), str(folder), list(modules), error=str(exc)))
    submission = notebook.tie(folder, inside(path, look_through(folder), modules))
    submission.notes = notes + submission.notes
    return submission


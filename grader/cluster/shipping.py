"""What travels to the workers, by content hash: the course once, then each submission.

The course is its ``course.toml`` and checks folder (what a sandboxed worker sees of it;
never the solutions: the reference stays with the judge). A worker unpacks it once into a
folder named by its digest. A submission is a :class:`Task`: what its job runs, with its
files' bytes; its digest is what the judge matches the worker's answer with.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.isolation.job import Job
from grader.judging.reference import installed_torch
from grader.manifest.schema import MANIFEST, Course
from grader.paths import PACKAGE_ROOT


class ShippingError(Exception):
    """A course or a worker that cannot take part in a cluster batch (a usage error)."""


@dataclass(frozen=True)
class CoursePack:
    digest: str
    files: dict[str, bytes]  # path relative to the course folder -> bytes


@dataclass
class Task:
    """One submission for a worker: what its job runs (as the judge's job says) and its files."""

    name: str
    modules: list[str]
    checks: list[dict]
    seeds: dict[str, list[int]]
    variant: str
    device: str
    namespaces: dict[str, str]
    files: dict[str, bytes]
    digest: str = field(default="")


def digest_of(files: dict[str, bytes], *parts: object) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    for relative in sorted(files):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(files[relative]).digest())
    return digest.hexdigest()


def code_key() -> str:
    """The grader a worker must run to produce what the judge's would: every source file of
    ``grader/``, torch's version, the machine and the Python version."""
    digest = hashlib.sha256()
    package = PACKAGE_ROOT / "grader"
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{installed_torch()}|{platform.machine()}|{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:24]


def pack_course(course: Course) -> CoursePack:
    root = course.root.resolve()
    checks = course.checks.resolve()
    if not checks.is_relative_to(root):
        raise ShippingError(f"the checks ({course.checks}) must lie inside the course folder {root} to be "
                            "sent to a cluster")
    files = {MANIFEST: course.manifest.read_bytes()}
    for path in sorted(checks.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and "__pycache__" not in relative.parts and not path.name.startswith("."):
            files[relative.as_posix()] = path.read_bytes()
    return CoursePack(digest_of(files), files)


def write_under(folder: Path, files: dict[str, bytes], outside: str) -> dict[str, str]:
    """Write ``files`` (relative path -> bytes) under ``folder``; relative path -> where it went.
    A path that would land outside ``folder`` is refused with ``outside: path``."""
    written = {}
    for relative, data in files.items():
        target = folder / relative
        if not target.resolve().is_relative_to(folder.resolve()):
            raise ShippingError(f"{outside}: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written[relative] = str(target)
    return written


def unpack_course(pack: CoursePack, parent: Path) -> Path:
    """The course folder of ``pack`` under ``parent``, written once (atomically: worker
    processes of one machine share it)."""
    if digest_of(pack.files) != pack.digest:
        raise ShippingError("the course arrived damaged (its digest does not match)")
    folder = parent / f"grader-course-{pack.digest[:24]}"
    if (folder / MANIFEST).is_file():
        return folder
    staging = Path(tempfile.mkdtemp(prefix=".grader-course-", dir=parent))
    write_under(staging, pack.files, "the course holds a path outside its folder")
    try:
        os.rename(staging, folder)
    except OSError:  # another worker process unpacked it first
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def task_of(job: Job) -> Task:
    """The judge's job as a task (judge side: the job stays here and receives the answer)."""
    files = {relative: Path(source).read_bytes() for relative, source in job.files.items()}
    task = Task(job.name, list(job.modules), list(job.checks or ()), job.seeds, job.variant, job.device,
                dict(job.namespaces), files)
    task.digest = digest_of(files, task.modules, [c["id"] for c in task.checks], task.seeds, task.variant,
                            task.device, task.namespaces)
    return task


def job_of(task: Task, folder: Path) -> Job:
    """The task as a job for the worker's runner, its files written under ``folder``."""
    sources = write_under(folder, task.files, "a submission file lies outside its folder")
    return Job(name=task.digest, root=str(folder), modules=task.modules, checks=task.checks, seeds=task.seeds,
               variant=task.variant, device=task.device, namespaces=task.namespaces, files=sources)

"""The Dask worker's side: one grading session per worker process, warm across chunks.

The session is this grader's own (:func:`grader.session.start_runner`: a zygote inside the
sandbox, importing torch once); Dask only schedules. It is kept in this module, keyed by
what fixes its zygote (:class:`Settings`), and serves chunk after chunk; a chunk of another
course or grader replaces it. What a chunk returns is plain data, one
:func:`~grader.cluster.records.to_frames` answer per submission digest.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.cluster.records import to_frames
from grader.cluster.shipping import CoursePack, ShippingError, Task, code_key, job_of, unpack_course
from grader.isolation.limits import Limits


@dataclass(frozen=True)
class Settings:
    """What fixes a worker's session: the course, the grader, the sandbox, the runner, the imports."""

    course: str  # the course pack's digest
    code: str  # the judge's code_key(): the worker's must be the same
    sandbox: str
    runner: str
    preload: tuple[str, ...]
    huge_pages: bool


@dataclass
class Chunk:
    settings: Settings
    limits: Limits
    tasks: list[Task]


class WorkerSession:
    def __init__(self, settings: Settings, course: CoursePack) -> None:
        from grader.manifest.find import use
        from grader.session import HUGE_PAGES_FROM, Options, start_runner

        if settings.code != code_key():
            raise ShippingError(f"this worker runs another grader or torch than the judge (code {code_key()}, "
                                f"the judge's {settings.code}): install the same version on every machine")
        self.settings = settings
        self.folder = unpack_course(course, Path(tempfile.gettempdir()))
        use(self.folder)
        options = Options(sandbox=settings.sandbox, runner=settings.runner, jobs=1, preload=settings.preload,
                          submission_count=HUGE_PAGES_FROM if settings.huge_pages else 1)
        self.sandbox, self.runner_name, self.runner = start_runner(options)

    def describe(self) -> dict:
        return {"code": code_key(), "sandbox": self.sandbox.name, "runner": self.runner_name}

    def run(self, chunk: Chunk) -> dict[str, bytes]:
        from grader.manifest.find import use

        use(self.folder)  # a zygote restarted mid-chunk binds this course
        self.runner.limits = chunk.limits
        answers: dict[str, bytes] = {}
        with tempfile.TemporaryDirectory(prefix="grader-chunk-", dir=worker_directory()) as tmp:
            jobs = [job_of(task, Path(tmp) / str(n)) for n, task in enumerate(chunk.tasks)]
            self.runner.run(jobs, lambda job: answers.__setitem__(job.name, to_frames(job)))
        return answers

    def close(self) -> None:
        self.runner.close()


def worker_directory() -> str | None:
    """The Dask worker's own folder, which Dask removes when its worker died (SIGKILL
    included); None outside a worker (the temporary directory then)."""
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return None


_session: list[WorkerSession] = []  # this process's session (at most one)
_lock = threading.Lock()  # a worker with several threads runs one chunk at a time


def session_for(settings: Settings, course: CoursePack) -> WorkerSession:
    """This process's session for ``settings`` (started, or the one already warm)."""
    if _session and _session[0].settings == settings:
        return _session[0]
    while _session:
        _session.pop().close()
    _session.append(WorkerSession(settings, course))
    return _session[0]


def warm_up(settings: Settings, course: CoursePack) -> dict:
    """Start the session before the first chunk (``client.run`` on every worker); what the
    judge checks: the code key, the sandbox and the runner this worker uses."""
    with _lock:
        return session_for(settings, course).describe()


def run_chunk(chunk: Chunk, course: CoursePack) -> dict[str, bytes]:
    """Grade a chunk (one Dask task): submission digest -> the worker's answer."""
    with _lock:
        return session_for(chunk.settings, course).run(chunk)

"""Resource limits and deadlines for one submission's workers."""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass

#: Seconds a worker has to exit after "done", and a zygote to answer a kill, before the
#: judge stops waiting (a submission can SIGSTOP its zygote: the judge must not hang).
EXIT_GRACE = 5.0
#: Code cells of a notebook that are graded; the judge refuses a notebook with more.
MAX_CELLS = 2000
#: Seconds the judge keeps reading a dead worker's pipes (a leftover process may hold one).
DRAIN_TIME = 2.0


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's workers."""

    check_timeout: float | None = None  # overrides every check's own timeout when set
    import_timeout: float = 20.0
    submission_timeout: float = 120.0
    memory: int = 2 << 30  # bytes of private memory (RLIMIT_DATA) beyond what the zygote already maps, and of shared memory
    gpu_memory: int | None = None  # bytes of GPU memory per job; None: an equal share of the card per zygote
    cpu: int = 300  # CPU seconds per worker
    fsize: int = 64 << 20
    nofile: int = 256
    nproc: int = 256  # processes and threads a worker may add to what its user already runs
    output: int = 16 << 20  # bytes of stdout+stderr after which the worker is stopped
    results: int = 256 << 20  # bytes of result frames after which the worker is stopped
    keep_output: int = 32 << 10  # bytes of each stream shown in the feedback
    restarts: int = 20

    def for_reference(self) -> "Limits":
        """The trusted reference's limits: the students' memory bound where it is larger than the
        default (a course whose checks need more), never a tighter one; the default deadlines."""
        return Limits(memory=max(self.memory, Limits.memory), gpu_memory=self.gpu_memory)

    def for_worker(self) -> dict:
        limits = {"memory": self.memory, "cpu": self.cpu, "fsize": self.fsize, "nofile": self.nofile}
        if os.path.isdir("/proc"):  # elsewhere the count is unknown: a limit below it would stop every fork
            limits["nproc"] = user_tasks(int(time.monotonic())) + self.nproc
        return limits


@functools.lru_cache(maxsize=1)
def user_tasks(second: int) -> int:
    """Processes and threads of this user, which is what RLIMIT_NPROC counts. Read here, in
    the judge, which sees every one (a sandboxed zygote sees only its own namespace).

    Counting walks all of /proc (milliseconds on a busy laptop), so a batch reuses the count
    for the rest of the second it was taken in: ``user_tasks(int(time.monotonic()))``."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass  # gone while we counted
    return count

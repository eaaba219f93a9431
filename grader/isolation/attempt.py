"""One worker's life: what it was asked to do, the deadline it must meet next, why it ended.

The runner feeds an attempt the frames its worker sends; only the worker's own progress
moves its deadline: the first start of a case it was asked for, the result of the case in
flight, a module's status, a notebook cell further on. A repeated, unasked-for or unknown
frame buys no time, a check's cases together never get more than their timeouts' worth of
wall time, and a worker that sends more frames than a check or a submission can need is
stopped.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from grader import wire
from grader.isolation.job import Job
from grader.isolation.limits import EXIT_GRACE, Limits

#: Frames a worker may send while one case runs (its result; the rest is noise) and in all,
#: per submission, beyond two per case asked for (hello, catalogue, modules, cells, done).
FRAMES_PER_CASE = 8
FRAMES_BESIDES_CASES = 4096
#: Bytes a frame other than a result (or the reference's catalogue) may have: hello, module, cell
SMALL_FRAME = 1 << 20

if TYPE_CHECKING:
    from grader.isolation.zygote_client import Zygote


class Attempt:
    """One worker process running (part of) a job."""

    def __init__(self, job: Job, zygote: Zygote, limits: Limits, number: int) -> None:
        self.job = job
        self.zygote = zygote
        self.limits = limits
        self.number = number
        self.reader = wire.FrameReader()
        self.fds: dict[int, str] = {}
        self.current: tuple[str, int] | None = None
        self.case_started = 0.0
        self.cell: int | None = None  # the notebook cell the worker is running, if any
        self.said_hello = False
        self.loaded: set[str] = set()  # modules whose status came back
        self.deadline = time.monotonic() + limits.import_timeout
        self.kill_message: str | None = None  # why the judge killed it, for the student
        self.kill_reason = ""  # the same as a code of grader.reasons
        self.kill_sent = 0.0
        self.exit_status: int | None = None
        self.done = False
        self.corrupt = False
        self.received = 0  # bytes of result frames so far
        self.started_cases: set[tuple[str, int]] = set()
        self.check_ends: dict[str, float] = {}  # check id -> when its cases' wall time runs out
        self.frames_in_case = 0

    def spec(self, root: str, workdir: str) -> dict:
        """What the worker needs: modules are imported from ``root``, files are written in ``workdir``."""
        job = self.job
        return {
            "root": root, "cwd": workdir, "modules": job.modules,
            "checks": None if job.checks is None else [c["id"] for c in job.remaining()], "seeds": job.seeds,
            "variant": job.variant, "device": job.device, "trusted": job.trusted,
            "catalogue": job.wants_catalogue and self.number == 0,
            "namespaces": job.namespaces, "limits": self.limits.for_worker(),
        }

    def timeout_for(self, check_id: str) -> float:
        if self.limits.check_timeout is not None:
            return self.limits.check_timeout
        for entry in self.job.checks or ():
            if entry["id"] == check_id:
                return float(entry.get("timeout", 10.0))
        return 10.0

    def mark_killed(self, message: str, reason: str) -> bool:
        """Remember the first reason the judge had to kill it; False if it was already killed."""
        if self.kill_message is not None:
            return False
        self.kill_message, self.kill_reason, self.kill_sent = message, reason, time.monotonic()
        return True

    def on_frame(self, meta: dict, value: Any) -> None:
        """Record the frame, then re-arm the deadline if the frame is a real step of the worker."""
        self.job.apply(meta, value)
        self.job.frames += 1
        if self.current is not None:
            self.frames_in_case += 1
        event, now = meta.get("event"), time.monotonic()
        if event == "start":
            self.on_start(meta.get("check"), meta.get("case"), now)
        elif event == "done":
            self.done = True
            self.deadline = now + EXIT_GRACE  # it should exit now; no more waiting than that
        elif event == "result" and self.current == (meta.get("check"), meta.get("case")):
            outcome = self.job.results.get(self.current[0], {}).get(self.current[1])
            if outcome is not None:
                outcome.duration = now - self.case_started
            self.current = None
            self.step(now)
        elif self.current is None and self.loading_step(meta):
            self.step(now)

    def on_start(self, check_id: Any, case: Any, now: float) -> None:
        """The first start of a case this job asked for begins its clock; any other buys nothing."""
        if self.current is not None or not self.job.expects(check_id, case) or (check_id, case) in self.started_cases:
            return  # a worker starts a case only after the result of the one before
        self.started_cases.add((check_id, case))
        self.current, self.case_started, self.frames_in_case = (check_id, case), now, 0
        timeout = self.timeout_for(check_id)
        end = self.check_ends.setdefault(check_id, now + timeout * self.cases_of(check_id))
        self.deadline = min(now + timeout, end)

    def loading_step(self, meta: dict) -> bool:
        """Whether a frame outside any case is progress: hello once, a module's first status, a later cell."""
        event = meta.get("event")
        if event == "hello":
            first, self.said_hello = not self.said_hello, True
            return first
        if event == "module":
            module = meta.get("module")
            if type(module) is not str or module not in self.job.modules or module in self.loaded:
                return False
            self.loaded.add(module)
            return True
        if event == "cell" and type(meta.get("cell")) is int and meta["cell"] > (self.cell or 0):
            self.cell = meta["cell"]
            return self.cell <= self.job.cells
        return False

    def step(self, now: float) -> None:
        """The next import, cell or check should begin soon."""
        if not self.done:
            self.deadline = now + self.limits.import_timeout

    def cases_of(self, check_id: str) -> int:
        for entry in self.job.checks or ():
            if entry["id"] == check_id:
                return max(1, int(entry.get("cases", 1)))
        return 1

    def frame_problem(self, meta: dict, size: int) -> tuple[str, str] | None:
        """Why the worker must be stopped after this frame (message, reason code), or None:
        a frame too big for what it is, or more frames than its checks can need."""
        big_ones = ("result", "catalogue") if self.job.trusted else ("result",)
        if size > SMALL_FRAME and meta.get("event") not in big_ones:
            return f"your code sent a {size >> 20} MB frame that is not a result", "oversized_results"
        if self.frames_in_case > FRAMES_PER_CASE:
            return f"your code sent {self.frames_in_case} frames during one check", "pipe_abuse"
        asked = sum(c.get("cases", 1) for c in self.job.checks or ()) if self.job.checks is not None else 10_000
        allowed = 2 * asked + self.job.cells + FRAMES_BESIDES_CASES
        if self.job.frames > allowed:
            return f"your code sent more than {allowed} result frames", "pipe_abuse"
        return None

    def next_deadline(self) -> float:
        """When the judge must next act on this attempt."""
        if self.kill_message is not None:
            return self.kill_sent + EXIT_GRACE
        return min(self.deadline, self.job.started + self.limits.submission_timeout)

    def overdue(self, now: float) -> tuple[str, str] | None:
        """Why it must be killed now (message, reason code), or None while it is on time."""
        if now <= self.next_deadline() or self.kill_message is not None:
            return None
        if now > self.job.started + self.limits.submission_timeout:
            return f"the submission ran longer than {self.limits.submission_timeout:g} s in total", "timeout"
        if self.done:
            return "your code kept running after its checks were done", "timeout"
        if self.current:
            return f"your code timed out after {self.timeout_for(self.current[0]):g} s", "timeout"
        return f"your code did not finish loading within {self.limits.import_timeout:g} s", "timeout"

"""One worker's life: what it was asked to do, the deadline it must meet next, why it ended.

The runner feeds an attempt the frames its worker sends; only the worker's own progress
(a check starting, a result, a module loaded) moves its deadline, and a start for a check
nobody asked for buys no time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from grader import wire
from grader.isolation.job import Job
from grader.isolation.limits import EXIT_GRACE, Limits

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
        self.deadline = time.monotonic() + limits.import_timeout
        self.kill_message: str | None = None  # why the judge killed it, for the student
        self.kill_reason = ""  # the same as a code of grader.reasons
        self.kill_sent = 0.0
        self.exit_status: int | None = None
        self.done = False
        self.corrupt = False
        self.received = 0  # bytes of result frames so far

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
        """Record the frame, then re-arm the deadline the next step of the worker must meet."""
        job = self.job
        job.apply(meta, value)
        event, now = meta.get("event"), time.monotonic()
        if event == "start":
            if not job.expects(meta.get("check"), meta.get("case")):
                return
            self.current = (meta["check"], meta["case"])
            self.case_started = now
            self.deadline = now + self.timeout_for(self.current[0])
        elif event == "done":
            self.done = True
            self.deadline = now + EXIT_GRACE  # it should exit now; no more waiting than that
        elif not self.done:  # hello, module, cell, result: the next import, cell or check should begin soon
            if event == "cell":
                self.cell = meta.get("cell") if type(meta.get("cell")) is int else None
            if event == "result" and self.current:
                outcome = job.results.get(self.current[0], {}).get(self.current[1])
                if outcome is not None:
                    outcome.duration = now - self.case_started
                self.current = None
            self.deadline = now + self.limits.import_timeout

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

"""Which check or module a dead worker's failure belongs to, and why it died, in words and codes."""

from __future__ import annotations

import os
import signal

from grader.isolation.attempt import Attempt
from grader.isolation.job import CheckOutcome, ModuleStatus
from grader.isolation.zygote import DEVICE_LOST, WORKER_FAILED

#: signal -> (reason code, words for the student)
SIGNAL_REASONS = {
    signal.SIGSEGV: ("crash", "your code crashed (segmentation fault)"),
    signal.SIGKILL: ("memory", "your code was killed (over the memory or CPU limit?)"),
    signal.SIGXCPU: ("timeout", "your code used up its CPU time"),
    signal.SIGABRT: ("crash", "your code aborted the process"),
    signal.SIGBUS: ("crash", "your code crashed (bus error)"),
    signal.SIGFPE: ("crash", "your code crashed (floating-point exception)"),
}


def exit_reason(status: int | None) -> tuple[str, str]:
    """A worker's wait status as (reason code, words for the student)."""
    if status is None or status < 0:
        return "killed", "the grader lost the process running your code"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:  # real-time signals have no name
            name = f"signal {sig}"
        return SIGNAL_REASONS.get(sig, ("killed", f"your code was killed by {name}"))
    code = os.WEXITSTATUS(status)
    if code == WORKER_FAILED:
        return "crash", "the grader could not report what your code did (an exception that cannot be printed?)"
    return "exit", f"your code exited the process (status {code}) instead of returning"


def device_lost(status: int | None) -> bool:
    return status is not None and status >= 0 and os.WIFEXITED(status) and os.WEXITSTATUS(status) == DEVICE_LOST


def record_failure(attempt: Attempt) -> None:
    """Say why the worker stopped, against the check or module it was busy with."""
    if attempt.kill_message is not None:
        reason, message = attempt.kill_reason, attempt.kill_message
    else:
        reason, message = exit_reason(attempt.exit_status)
    job = attempt.job
    if attempt.current is None and device_lost(attempt.exit_status):
        return  # the case that broke the GPU context has its result: the rest runs in a fresh worker
    if attempt.current is not None:
        check_id, case = attempt.current
        job.results.setdefault(check_id, {})[case] = CheckOutcome("killed", message, reason=reason)
        return
    pending = job.remaining()
    if not pending:
        return
    module = pending[0]["module"]
    if module in job.module_status:
        job.results.setdefault(pending[0]["id"], {})[0] = CheckOutcome("killed", message, reason=reason)
        return
    where = f" (code cell {attempt.cell})" if attempt.cell is not None else ""
    status = ModuleStatus("error", f"{module} could not be loaded{where}: {message}", reason=reason)
    # modules read from the same file (a notebook) failed with it: no point running it again
    source = job.namespaces.get(module)
    for other in job.modules:
        if other == module or (source and job.namespaces.get(other) == source):
            job.module_status.setdefault(other, status)


def give_up(attempt: Attempt) -> None:
    """The checks no worker will run any more fail with why the last one stopped."""
    message = attempt.kill_message or "the worker stopped before reaching this check"
    reason = attempt.kill_reason or "crash"
    for entry in attempt.job.remaining():
        attempt.job.results[entry["id"]] = {0: CheckOutcome("killed", "not run: " + message, reason=reason)}

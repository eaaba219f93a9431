"""A worker whose GPU context a case broke hands the rest of its job to a fresh worker.

The worker sends the failed case's result (reason ``device_error``), then exits with
DEVICE_LOST; the judge must then record nothing against the next check (it has not run),
so the runner starts a fresh worker for what remains. Any other exit between checks still
fails the next check, as before. The GPU side of this runs in tests/test_cuda.py.
"""

from __future__ import annotations

from grader.isolation.attempt import Attempt
from grader.isolation.attribution import record_failure
from grader.isolation.job import CheckOutcome, Job, ModuleStatus
from grader.isolation.limits import Limits
from grader.isolation.worker import lost_device
from grader.isolation.zygote import DEVICE_LOST

CHECKS = [{"id": "m.first", "module": "m", "cases": 1}, {"id": "m.second", "module": "m", "cases": 1}]


def attempt_after_first_check(exit_code: int) -> Attempt:
    job = Job(name="s", root="", modules=["m"], checks=CHECKS, seeds={"m": [0]})
    job.module_status["m"] = ModuleStatus("ok")
    job.results["m.first"] = {0: CheckOutcome("error", "CUDA error: device-side assert triggered", reason="device_error")}
    attempt = Attempt(job, zygote=None, limits=Limits(), number=0)
    attempt.exit_status = exit_code << 8  # a wait status: exited with exit_code
    return attempt


def test_device_lost_between_checks_records_nothing_so_the_rest_reruns():
    attempt = attempt_after_first_check(DEVICE_LOST)
    record_failure(attempt)
    assert "m.second" not in attempt.job.results
    assert [c["id"] for c in attempt.job.remaining()] == ["m.second"]


def test_any_other_exit_between_checks_still_fails_the_next_check():
    attempt = attempt_after_first_check(3)
    record_failure(attempt)
    assert attempt.job.results["m.second"][0].reason == "exit"


def test_the_case_that_broke_the_context_says_so():
    outcome = lost_device({"outcome": "error", "reason": "raised", "message": "AcceleratorError: CUDA error"})
    assert outcome["reason"] == "device_error"
    assert outcome["message"].startswith("AcceleratorError: CUDA error") and "fresh worker" in outcome["message"]

"""What a cluster worker sends back for one submission: its finished job as wire frames.

The worker's runner fills a :class:`~grader.isolation.job.Job` as the local runner does;
:func:`to_frames` writes its module statuses, check outcomes (values re-encoded as the
runner decoded them) and captured output as frames of :mod:`grader.wire`. The judge reads
them into the job it built itself with :func:`apply_frames`: the same safe decoder, the same
``Job.apply`` (only the modules and (check, case) pairs it asked for, every text capped),
reason codes limited to what a runner sets, frame count, size and durations bounded. A
worker's answer is untrusted data, like a local worker's frames.
"""

from __future__ import annotations

from typing import Any

from grader import wire
from grader.isolation.job import Job, Stream
from grader.isolation.limits import Limits
from grader.reasons import RUNNER_CLAIMS


def to_frames(job: Job) -> bytes:
    """A finished job's outcome (worker side)."""
    frames = [wire.encode_frame({"event": "module", "module": module, "status": s.status, "message": s.message,
                                 "traceback": s.traceback, "reason": s.reason})
              for module, s in job.module_status.items()]
    for check_id, cases in job.results.items():
        for case, o in cases.items():
            meta = {"event": "result", "check": check_id, "case": case, "outcome": o.outcome, "message": o.message,
                    "output": o.output, "traceback": o.traceback, "where": o.where, "reason": o.reason,
                    "type": o.exception, "duration": o.duration}
            frames.append(wire.encode_frame(meta, o.value))
    streams = {name: stream or Stream(0) for name, stream in (("stdout", job.stdout), ("stderr", job.stderr))}
    meta = {"event": "job", "leftovers": job.leftovers, "duration": job.finished - job.started}
    for name, stream in streams.items():
        meta[name], meta[name + "_total"] = stream.head.decode("utf-8", "replace"), stream.total
    frames.append(wire.encode_frame(meta))
    return b"".join(frames)


def apply_frames(job: Job, data: bytes, limits: Limits) -> None:
    """Record a worker's answer for ``job`` (judge side); :class:`wire.WireError` if it is
    not one a worker's runner can have produced."""
    if type(data) is not bytes or len(data) > limits.results:
        raise wire.WireError("a worker's answer must be at most %d MiB of frames" % (limits.results >> 20))
    job.stdout, job.stderr = Stream(limits.keep_output), Stream(limits.keep_output)
    job.started = job.finished = 0.0
    allowed = len(job.modules) + sum(int(c.get("cases", 1)) for c in job.checks or ()) + 1
    summarised = False
    for number, (meta, value) in enumerate(wire.FrameReader().feed(data)):
        if number >= allowed:
            raise wire.WireError(f"a worker sent more than {allowed} frames for one submission")
        if meta.get("event") == "job":
            if not summarised:
                summary(job, meta, limits)
            summarised = True
            continue
        check_id, case = meta.get("check"), meta.get("case")
        new = meta.get("event") == "result" and job.expects(check_id, case) and case not in job.results.get(check_id, {})
        job.apply(meta, value, RUNNER_CLAIMS)
        if new:
            job.results[check_id][case].duration = seconds(meta.get("duration"), limits)


def summary(job: Job, meta: dict, limits: Limits) -> None:
    """The job frame: captured output (as capped as the local runner's), leftovers, duration."""
    for name, stream in (("stdout", job.stdout), ("stderr", job.stderr)):
        head = meta.get(name)
        stream.add(head.encode()[: limits.keep_output] if type(head) is str else b"")
        total = meta.get(name + "_total")
        stream.total = max(stream.total, total if type(total) is int and total < 1 << 40 else 0)
    leftovers = meta.get("leftovers")
    job.leftovers = leftovers if type(leftovers) is int and 0 <= leftovers < 1 << 20 else 0
    job.finished = seconds(meta.get("duration"), limits)


def seconds(value: Any, limits: Limits) -> float:
    """A duration a worker reported, if it is one a submission can have taken (else 0)."""
    bound = 10 * limits.submission_timeout
    return float(value) if type(value) is float and 0.0 <= value <= bound else 0.0

"""The TA's side of a cluster batch: the judge stays here, the workers run student code.

Each submission becomes a :class:`~grader.cluster.shipping.Task` keyed by its digest (two
identical submissions run once); ``client.map`` sends chunks of them to the workers and
``as_completed`` streams the answers back, each read into the job the judge built (an
answer for a digest a chunk did not hold is ignored) and judged like a local one. A worker
lost mid-chunk costs that chunk, which the scheduler runs again elsewhere; a chunk that fails
for good leaves its submissions ungraded (graded on the next run), never half-recorded.
"""

from __future__ import annotations

import math
import sys
from typing import Callable

from grader import wire
from grader.cli import UsageError, require_selected
from grader.cluster.records import apply_frames
from grader.cluster.shipping import ShippingError, Task, code_key, pack_course, task_of
from grader.cluster.worker import Chunk, Settings, run_chunk, warm_up
from grader.manifest import active
from grader.reporting.report import Report
from grader.session import HUGE_PAGES_FROM, Judge, Options
from grader.submissions.submission import Submission

#: times a chunk whose task raised is tried again (a dead worker is retried by the scheduler
#: itself, up to its ``allowed-failures``)
RETRIES = 2
#: submissions per chunk at most: what a lost worker costs, and how finely the work spreads
MAX_CHUNK = 25


def chunked(tasks: list[Task], workers: int, size: int | None) -> list[list[Task]]:
    """About four chunks per worker (at most MAX_CHUNK submissions each), or ``size`` each."""
    size = size or max(1, min(MAX_CHUNK, math.ceil(len(tasks) / (4 * workers))))
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def connect(address: str):
    from distributed import Client

    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def start_workers(client, settings: Settings, course, options: Options) -> dict:
    """Warm every worker's session; the sandbox and runner they all use. A worker that runs
    another grader, or falls back to the process sandbox unasked, is a usage error."""
    try:
        found = client.run(warm_up, settings, course)
    except Exception as exc:  # noqa: BLE001 - whatever a worker raised, the TA reads it as one line
        raise UsageError(f"the cluster's workers cannot grade: {type(exc).__name__}: {exc}") from None
    if not found:
        raise UsageError("the cluster has no workers: start some with `dask worker ADDRESS --nthreads 1`")
    kinds = {(d["sandbox"], d["runner"]) for d in found.values()}
    if len(kinds) > 1:
        raise UsageError(f"the workers differ in sandbox or runner: {sorted(kinds)}; pass --sandbox and --runner")
    (sandbox, runner), = kinds
    if sandbox == "process" and options.sandbox != "process":
        raise UsageError("the workers have no working bubblewrap: student code would reach the network, "
                         "and through it the scheduler and the other workers; install bubblewrap there, or pass "
                         "--sandbox process to grade unconfined")
    if sandbox == "process":
        print("warning: the workers' process sandbox does not isolate students from each other, from the "
              "worker machines or from the network", file=sys.stderr)
    if options.device.startswith("cuda"):
        resources = [w.get("resources", {}) for w in client.scheduler_info()["workers"].values()]
        if not any(r.get("GPU") for r in resources):
            raise UsageError("--device cuda: no worker declares a GPU (start them with --resources GPU=1)")
    return {"sandbox": sandbox, "runner": runner, "workers": len(found)}


def grade(address: str, submissions: list[Submission], options: Options, modules: list[str], select: str,
          on_report: Callable[[Submission, Report], None], chunk: int | None = None) -> int:
    """Grade ``submissions`` on the cluster at ``address``; returns how many could not be
    graded there (a chunk that failed for good). A ``select`` matching no check raises UsageError."""
    from distributed import as_completed

    try:
        course = pack_course(active())
    except ShippingError as exc:
        raise UsageError(str(exc)) from None
    with connect(address) as client:
        workers = len(client.scheduler_info()["workers"]) or 1
        settings = Settings(course.digest, code_key(), options.sandbox, options.runner, tuple(options.preload),
                            len(submissions) >= HUGE_PAGES_FROM * workers)
        shared = start_workers(client, settings, course, options)
        judge = Judge(options, shared["sandbox"], shared["runner"])
        require_selected(judge, modules, select)
        tasks, waiting = collect(judge, submissions, on_report)
        chunks = chunked(tasks, shared["workers"], chunk)
        if not chunks:
            return 0
        pack = client.scatter(course, broadcast=True)
        futures = client.map(run_chunk, [Chunk(settings, options.limits, c) for c in chunks], course=pack,
                             key=[f"grade-chunk-{n}-{c[0].digest[:12]}" for n, c in enumerate(chunks)],
                             retries=RETRIES, resources={"GPU": 1} if options.device.startswith("cuda") else None)
        held = {future.key: [t.digest for t in c] for future, c in zip(futures, chunks)}
        lost = 0
        for future in as_completed(futures):
            try:
                answers = future.result()
            except Exception as exc:  # noqa: BLE001 - a chunk that failed for good: its students wait for the next run
                answers, why = {}, f"{type(exc).__name__}: {exc}"
            else:
                why = "the worker sent no answer for it"
            for digest in held.pop(future.key):
                lost += judge_answer(judge, waiting.pop(digest), answers.get(digest) if type(answers) is dict else None,
                                     options, on_report, why)
        return lost


def collect(judge: Judge, submissions: list[Submission], on_report) -> tuple[list[Task], dict[str, list]]:
    """One task per distinct digest, and digest -> (job, submission, selected) of every
    student who handed it in (those that cannot run are reported failed here and now)."""
    tasks: dict[str, Task] = {}
    waiting: dict[str, list] = {}
    for job, submission, selected in judge.jobs(submissions, on_report):
        task = task_of(job)
        tasks.setdefault(task.digest, task)
        waiting.setdefault(task.digest, []).append((job, submission, selected))
    return list(tasks.values()), waiting


def judge_answer(judge: Judge, students: list, answer, options: Options, on_report, why: str) -> int:
    """Judge one digest's answer for each student who handed it in; how many stay ungraded."""
    ungraded = 0
    for job, submission, selected in students:
        try:
            if answer is None:
                raise wire.WireError(why)
            apply_frames(job, answer, options.limits)
        except wire.WireError as exc:
            print(f"error: {submission.student}: not graded on the cluster ({str(exc)[:300]}); it will be graded "
                  "on the next run", file=sys.stderr)
            ungraded += 1
            continue
        on_report(submission, judge.report(job, submission, selected))
    return ungraded

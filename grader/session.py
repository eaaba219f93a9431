"""A grading session: from submissions to reports.

:class:`Grader` owns the sandboxed zygotes for a session (one student run or a whole
batch), fetches the reference, and turns each finished :class:`~grader.isolation.job.Job`
into a :class:`~grader.reporting.report.Report` with :func:`~grader.judging.verdicts.judge`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterable

from grader.manifest import active
from grader.isolation import scratch
from grader.isolation.job import Job
from grader.isolation.limits import Limits
from grader.isolation.platform import choose_runner, client_for
from grader.judging.selection import Selection
from grader.reporting.report import Report
from grader.submissions.submission import Submission, SubmissionError, collect_files

# The runner, the reference and the judge (numpy, the wire decoder) are imported by the
# Grader once its zygotes are started: a student's run then imports them while the zygote
# imports torch, not before it starts.


#: What notebooks that plot import; with the course's heavy imports (``preload`` in its
#: manifest: torchvision for Module 2's cifar, 1.5 s here), what a zygote pays for once.
NOTEBOOK_PRELOAD = ("matplotlib.pyplot",)


def full_preload() -> tuple[str, ...]:
    course = active()
    return course.preload_for(course.modules) + NOTEBOOK_PRELOAD


def preload_for(submissions: list[Submission], selection: Selection) -> tuple[str, ...]:
    """The heavy imports worth paying up front for these submissions (an optimisation only:
    a worker imports whatever the student's code imports anyway)."""
    modules = {m for s in submissions for m in (s.modules if s.covers is None else s.covers)}
    wanted = active().preload_for(m for m in modules if selection.matches(f"{m}."))
    if any(not s.path.endswith(".py") and not os.path.isdir(s.path) for s in submissions):
        wanted += NOTEBOOK_PRELOAD
    return wanted


#: Submissions per zygote from which collapsing it onto huge pages pays for itself:
#: scripts/bench_fork.py puts the break-even at about 50 workers, and a batch of 100 with
#: -j 2 took as long either way, one of 200 7% less time with them.
HUGE_PAGES_FROM = 50


@dataclass
class Options:
    variant: str = "public"
    device: str = "cpu"
    sandbox: str = "auto"
    runner: str = "auto"  # zygote | spawn: see grader.isolation.platform
    jobs: int = 1
    selection: Selection = field(default_factory=Selection)
    limits: Limits = field(default_factory=Limits)
    refresh_reference: bool = False
    preload: tuple[str, ...] = field(default_factory=full_preload)
    submission_count: int = 1  # submissions this session will grade (a batch knows)


def start_runner(options: Options):
    """The sandbox, the runner's name and a :class:`Runner` with ``options.jobs`` zygotes
    (started, importing torch): the side of a session that runs student code."""
    from grader.isolation.sandbox import choose

    sandbox = choose(options.sandbox)
    runner_name = choose_runner(options.runner)
    scratch.remove_stale()  # what graders killed earlier (SIGKILL) could not remove
    jobs = max(1, options.jobs)
    huge_pages = options.submission_count >= HUGE_PAGES_FROM * jobs
    client = client_for(runner_name)
    zygotes = [client(sandbox, options.preload, huge_pages=huge_pages, device=options.device) for _ in range(jobs)]
    for zygote in zygotes:
        zygote.start()
    try:
        from grader.isolation.runner import Runner

        runner = Runner(zygotes, options.limits)
    except BaseException:
        for zygote in zygotes:
            zygote.stop()
        raise
    return sandbox, runner_name, runner


class Judge:
    """The trusted side of a session: the reference, the jobs a submission asks for, and the
    reports made of what came back (from this machine's runner or a cluster's workers)."""

    def __init__(self, options: Options, sandbox_name: str, runner_name: str) -> None:
        self.options = options
        self.sandbox_name = sandbox_name
        self.runner_name = runner_name
        from grader.judging import reference as reference_mod

        self.reference = reference_mod.load(options.variant, options.device, refresh=options.refresh_reference,
                                            limits=options.limits.for_reference())

    def selected(self, modules: list[str]) -> list[dict]:
        return [e for e in self.reference.catalogue if e["module"] in modules and self.options.selection.matches(e["id"])]

    def fail(self, submission: Submission, selected: list[dict]) -> Report:
        from grader.judging.verdicts import failed_report

        report = failed_report(submission, self.reference, selected, self.sandbox_name,
                               self.options.variant, self.options.device)
        report.runner = self.runner_name
        return report

    def jobs(self, submissions: Iterable[Submission], on_report: Callable[[Submission, Report], None]):
        """``(job, submission, selected)`` for each submission that can run; one that cannot
        goes straight to ``on_report`` as a failed report."""
        from grader.judging.verdicts import lacks_gpu

        for number, submission in enumerate(submissions):
            selected = self.selected(submission.modules)
            if not submission.error:
                try:
                    files = collect_files(submission)
                except (SubmissionError, OSError) as exc:
                    submission.error = str(exc)
            if submission.error:
                on_report(submission, self.fail(submission, selected))
                continue
            runnable = [e for e in selected if not lacks_gpu(e, self.options.device)]
            yield Job(name=f"{number}:{submission.student}", root=submission.root, files=files,
                      modules=submission.modules, checks=runnable, seeds=active().seeds_for(self.options.variant),
                      variant=self.options.variant, device=self.options.device,
                      namespaces=submission.namespaces), submission, selected

    def report(self, job: Job, submission: Submission, selected: list[dict]) -> Report:
        """The verdict on a finished job (a grader bug judging it fails only this submission)."""
        from grader.judging.verdicts import judge

        try:
            report = judge(job, submission, self.reference, selected, self.sandbox_name)
            report.runner = self.runner_name
        except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class's grading
            submission.error = f"the grader failed to judge this submission ({type(exc).__name__}: {exc}); " \
                               "tell your instructor"
            return self.fail(submission, selected)
        return report


class Grader(Judge):
    """A grading session: sandboxed zygotes started once, then any number of submissions."""

    def __init__(self, options: Options) -> None:
        # Started first, so that their `import torch` overlaps the judge's own imports and the reference's.
        self.sandbox, runner_name, self.runner = start_runner(options)
        try:
            super().__init__(options, self.sandbox.name, runner_name)
        except BaseException:
            self.runner.close()
            raise

    def close(self) -> None:
        self.runner.close()

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def grade(self, submissions: Iterable[Submission], on_report: Callable[[Submission, Report], None]) -> None:
        """Grade each submission; ``on_report`` gets each report as soon as it is final."""
        pending: dict[str, tuple[Submission, list[dict]]] = {}

        def jobs():
            for job, submission, selected in self.jobs(submissions, on_report):
                pending[job.name] = submission, selected
                yield job

        def done(job: Job) -> None:
            submission, selected = pending.pop(job.name)
            on_report(submission, self.report(job, submission, selected))

        self.runner.run(jobs(), done)

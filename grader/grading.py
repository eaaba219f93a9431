"""From submissions to reports: resolve what was handed in, run it, judge what came back.

:class:`Grader` owns the sandboxed zygotes for a session (one student run or a whole
batch), fetches the reference, and turns each finished :class:`~grader.runner.Job` into a
:class:`~grader.report.Report` with :func:`judge`. Judging uses the reference catalogue
(trusted) for points and policies, never anything the worker claimed about itself.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import grader
from grader import reference as reference_mod
from grader import scratch
from grader.check import Policy
from grader.compare import compare
from grader.course import MODULES, SEEDS
from grader.report import ERROR, FAILED, PASSED, SKIPPED, CheckResult, ModuleResult, Report
from grader.runner import CheckOutcome, Job, Limits, Runner, Zygote
from grader.selection import Selection

MAX_FILES = 2000
#: A TypeError raised where the check calls the student's function: the call itself failed.
SIGNATURE_ERROR = re.compile(r"TypeError: .*(positional argument|keyword argument|required (positional|keyword))")
MAX_BYTES = 50 << 20


class SubmissionError(Exception):
    """A submission that cannot be graded at all (the message says why, for the student)."""


@dataclass
class Submission:
    """What one student handed in, as a folder of files the worker will see."""

    student: str
    path: str  # what was handed in, as given
    root: str  # folder whose files are copied into the sandbox
    modules: list[str]  # exercise modules this submission is graded on
    namespaces: dict = field(default_factory=dict)  # module -> file inside root to load it from
    notes: list[str] = field(default_factory=list)
    error: str = ""  # set when nothing can be graded (corrupt archive...)


def safe_id(text: str) -> str:
    """A name usable as a file name and a CSV cell: letters, digits and ``._@-`` only."""
    return re.sub(r"[^\w.@-]+", "_", text) or "submission"


def student_id(path: Path) -> str:
    name = path.name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip", ".ipynb", ".py"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return safe_id(name)


def resolve(path: str | Path, modules: Iterable[str] = MODULES) -> Submission:
    """A folder mirroring exercises/, or one module file; other kinds are added by plugins."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    for resolver in RESOLVERS:
        found = resolver(path, list(modules))
        if found is not None:
            return found
    if path.is_dir():
        return Submission(student_id(path), str(path), str(path), list(modules))
    if path.suffix == ".py":
        if path.stem not in MODULES:
            raise SubmissionError(f"{path.name} is not an exercise module (expected one of: "
                                  f"{', '.join(m + '.py' for m in MODULES)})")
        return Submission(student_id(path.parent), str(path), str(path.parent), [path.stem],
                          namespaces={path.stem: path.name})
    raise SubmissionError(f"cannot grade {path.name}: expected a folder, a .py module, a notebook or an archive")


#: Extra submission kinds (notebooks, archives): ``fn(path, modules) -> Submission | None``.
RESOLVERS: list[Callable[[Path, list[str]], Submission | None]] = []


def collect_files(submission: Submission) -> dict[str, str]:
    """Relative path -> absolute path of the files to copy, within caps."""
    root = Path(submission.root)
    if submission.namespaces and not Path(submission.path).is_dir() and Path(submission.path).suffix == ".py":
        names = list(submission.namespaces.values())
        return {n: str(root / n) for n in names}
    files, size = {}, 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".git", ".ipynb_checkpoints", "data")]
        for name in filenames:
            full = Path(dirpath) / name
            if not stat.S_ISREG(full.lstat().st_mode):
                continue  # links, fifos, sockets: not files a submission consists of
            size += full.stat().st_size
            files[str(full.relative_to(root))] = str(full)
            if len(files) > MAX_FILES or size > MAX_BYTES:
                raise SubmissionError(f"the submission is too large (over {MAX_FILES} files or {MAX_BYTES >> 20} MB)")
    return files


def lacks_gpu(entry: dict, device: str) -> bool:
    """A check that needs CUDA, on a run that has none: skipped, not failed."""
    return entry["requires_cuda"] and not device.startswith("cuda")


def outcome_message(outcome: CheckOutcome) -> str:
    if outcome.outcome == "missing":
        return outcome.message
    if outcome.outcome == "not_implemented":
        return outcome.message or "not implemented yet"
    if outcome.outcome == "error":
        if outcome.where == "check" and SIGNATURE_ERROR.match(outcome.message):
            return f"the signature differs from the exercise's: {outcome.message.removeprefix('TypeError: ')}"
        if outcome.where == "check":
            return f"the check could not use what your code returned: {outcome.message}"
        return f"your code raised {outcome.message}"
    if outcome.outcome == "killed":  # the runner words its reasons for the student already
        return outcome.message
    return outcome.message or outcome.outcome


def judge_check(entry: dict, job: Job, reference: reference_mod.Reference) -> CheckResult:
    """Compare every case of one check; the first failing case explains the verdict."""
    result = CheckResult(id=entry["id"], module=entry["module"], name=entry["name"],
                         description=entry["description"], max_points=float(entry["points"]), points=0.0,
                         status=FAILED)
    if lacks_gpu(entry, job.device):
        result.status, result.message = SKIPPED, "needs a CUDA device (run with --device cuda on a GPU)"
        return result
    status = job.module_status.get(entry["module"], {})
    if status.get("status", "ok") != "ok":
        result.message = status.get("message", "the module could not be loaded")
        result.hint = status.get("traceback", "")
        return result
    policy = Policy.from_data(entry["policy"])
    outputs, tolerances = [], []
    for case in range(entry["cases"]):
        expected = reference.results.get(entry["id"], {}).get(case)
        actual = job.results.get(entry["id"], {}).get(case)
        if actual is not None:
            result.duration = round(result.duration + actual.duration, 4)
            if actual.output:
                outputs.append(actual.output)
        prefix = f"case {case + 1} (seed {job.seeds[case]}): " if entry["cases"] > 1 else ""
        if expected is None or expected.outcome != "value":
            result.status = ERROR
            result.message = f"the reference solution failed this check ({outcome_message(expected) if expected else 'no result'}); tell your instructor"
            return result
        if actual is None:
            result.message = prefix + "no result came back for this check"
            break
        if actual.outcome != "value":
            same_for_every_case = actual.outcome in ("missing", "not_implemented")
            result.message = ("" if same_for_every_case else prefix) + outcome_message(actual)
            result.hint = actual.traceback
            break
        verdict = compare(expected.value, actual.value, policy, device=job.device)
        tolerances += verdict.tolerances
        if not verdict.passed:
            result.message = prefix + verdict.message
            break
    else:
        result.status, result.points = PASSED, result.max_points
        widened = [t for t in tolerances if t.reason.startswith("widened")]
        if widened:
            result.hint = f"compared with a wider tolerance: {widened[0]}"
    result.output = "\n".join(outputs)[-4000:]
    return result


def judge(job: Job, submission: Submission, reference: reference_mod.Reference, selected: list[dict],
          sandbox: str) -> Report:
    modules = []
    for name in submission.modules:
        entries = [e for e in selected if e["module"] == name]
        if not entries:
            continue
        status = job.module_status.get(name, {"status": "ok"})
        modules.append(ModuleResult(name, status.get("status", "ok"), status.get("message", ""),
                                    [judge_check(e, job, reference) for e in entries]))
    notes = list(submission.notes)
    notes += dict.fromkeys(s["message"] for s in job.module_status.values() if s.get("status") == "ok" and s.get("message"))
    if job.leftovers:
        notes.append(f"{job.leftovers} leftover process(es) your code started were killed")
    return Report(submission=submission.path, student=submission.student, modules=modules, variant=job.variant,
                  device=job.device, sandbox=sandbox, notes=notes, stdout=job.stdout.text() if job.stdout else "",
                  stderr=job.stderr.text() if job.stderr else "", duration=round(job.finished - job.started, 3),
                  grader_version=grader.__version__)


def failed_report(submission: Submission, reference: reference_mod.Reference, selected: list[dict],
                  sandbox: str, variant: str, device: str) -> Report:
    """A submission that could not be run at all: every check it could have passed fails
    with the reason (checks that need a GPU it does not have are skipped, as for anyone)."""
    unrunnable = {"status": "error", "message": submission.error}
    job = Job(name=submission.student, root=submission.root, modules=submission.modules, checks=selected,
              seeds=[], variant=variant, device=device, module_status={m: unrunnable for m in submission.modules})
    report = judge(job, submission, reference, selected, sandbox)
    report.status = "error"
    return report


#: What the sandboxed zygotes import once: torchvision for the cifar module (1.5 s here),
#: matplotlib for notebooks that plot. A run that needs neither skips them.
FULL_PRELOAD = ("torchvision", "matplotlib.pyplot")


def preload_for(submissions: list[Submission], selection: Selection) -> tuple[str, ...]:
    """The heavy imports worth paying up front for these submissions (an optimisation only:
    a worker imports whatever the student's code imports anyway)."""
    modules = {m for s in submissions for m in s.modules}
    wanted = []
    if "cifar" in modules and selection.matches("cifar."):
        wanted.append("torchvision")
    if any(not s.path.endswith(".py") and not os.path.isdir(s.path) for s in submissions):
        wanted.append("matplotlib.pyplot")
    return tuple(wanted)


#: Submissions per zygote from which collapsing it onto huge pages pays for itself:
#: scripts/bench_fork.py puts the break-even at about 50 workers, and a batch of 100 with
#: -j 2 took as long either way, one of 200 7% less time with them.
HUGE_PAGES_FROM = 50


@dataclass
class Options:
    variant: str = "public"
    device: str = "cpu"
    sandbox: str = "auto"
    jobs: int = 1
    selection: Selection = field(default_factory=Selection)
    limits: Limits = field(default_factory=Limits)
    refresh_reference: bool = False
    preload: tuple[str, ...] = FULL_PRELOAD
    expected: int = 1  # submissions this session will grade (a batch knows)


class Grader:
    """A grading session: sandboxed zygotes started once, then any number of submissions."""

    def __init__(self, options: Options) -> None:
        from grader.sandbox import choose

        self.options = options
        self.sandbox = choose(options.sandbox)
        scratch.remove_stale()  # what graders killed earlier (SIGKILL) could not remove
        # Started first, so that their `import torch` overlaps with the reference's.
        jobs = max(1, options.jobs)
        huge_pages = options.expected >= HUGE_PAGES_FROM * jobs
        zygotes = [Zygote(self.sandbox, options.preload, huge_pages=huge_pages) for _ in range(jobs)]
        self.runner = Runner(zygotes, options.limits)
        try:
            # the reference is trusted: the students' (perhaps tight) limits are not its limits
            self.reference = reference_mod.load(options.variant, options.device, refresh=options.refresh_reference)
        except BaseException:
            self.runner.close()
            raise

    def close(self) -> None:
        self.runner.close()

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def selected(self, modules: list[str]) -> list[dict]:
        return [e for e in self.reference.catalogue if e["module"] in modules and self.options.selection.matches(e["id"])]

    def grade(self, submissions: Iterable[Submission], on_report: Callable[[Submission, Report], None]) -> None:
        """Grade each submission; ``on_report`` gets each report as soon as it is final."""
        pending: dict[str, tuple[Submission, list[dict]]] = {}

        def fail(submission: Submission, selected: list[dict]) -> None:
            on_report(submission, failed_report(submission, self.reference, selected, self.sandbox.name,
                                                self.options.variant, self.options.device))

        def jobs():
            for number, submission in enumerate(submissions):
                selected = self.selected(submission.modules)
                if not submission.error:
                    try:
                        files = collect_files(submission)
                    except (SubmissionError, OSError) as exc:
                        submission.error = str(exc)
                if submission.error:
                    fail(submission, selected)
                    continue
                key = f"{number}:{submission.student}"
                pending[key] = submission, selected
                runnable = [e for e in selected if not lacks_gpu(e, self.options.device)]
                yield Job(name=key, root=submission.root, files=files, modules=submission.modules, checks=runnable,
                          seeds=list(SEEDS[self.options.variant]), variant=self.options.variant,
                          device=self.options.device, namespaces=submission.namespaces)

        def done(job: Job) -> None:
            submission, selected = pending.pop(job.name)
            try:
                report = judge(job, submission, self.reference, selected, self.sandbox.name)
            except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class's grading
                submission.error = f"the grader failed to judge this submission ({type(exc).__name__}: {exc}); " \
                                   "tell your instructor"
                fail(submission, selected)
                return
            on_report(submission, report)

        started = time.monotonic()
        self.runner.run(jobs(), done)
        self.elapsed = time.monotonic() - started


from grader import archive, notebook  # noqa: E402,F401 - notebook and archive submissions join RESOLVERS

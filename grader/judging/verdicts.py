"""The verdict: turn a finished job's outcomes into a :class:`~grader.reporting.report.Report`.

Judging uses the reference catalogue (trusted) for points and policies, never anything the
worker claimed about itself.
"""

from __future__ import annotations

import grader
from grader.authoring.check import Policy
from grader.isolation.job import CheckOutcome, Job, ModuleStatus
from grader.judging import reference as reference_mod
from grader.judging.compare import compare
from grader.manifest import active
from grader.reporting.report import ERROR, FAILED, PASSED, SKIPPED, AssignmentResult, CheckResult, ModuleResult, Report
from grader.submissions.submission import Submission


def lacks_gpu(entry: dict, device: str) -> bool:
    """A check that needs CUDA, on a run that has none: skipped, not failed."""
    return entry["requires_cuda"] and not device.startswith("cuda")


def not_attempted(entry: dict, outcome: CheckOutcome) -> bool:
    """An optional check whose names the submission does not define at all (not one whose cell
    does not parse: that is an attempt)."""
    return bool(entry.get("optional")) and outcome.outcome == "missing" and outcome.reason == "missing_name"


def outcome_message(outcome: CheckOutcome) -> str:
    """What the student reads for an outcome that is not a value (the worker's and the
    runner's own words, with a lead-in where the reason calls for one)."""
    if outcome.outcome == "not_implemented":
        return outcome.message or "not implemented yet"
    if outcome.outcome == "error":
        if outcome.reason == "signature":
            return f"the signature differs from the exercise's: {outcome.message.removeprefix('TypeError: ')}"
        if outcome.reason == "wrong_answer":
            return f"the check could not use what your code returned: {outcome.message}"
        return f"your code raised {outcome.message}"
    return outcome.message or outcome.outcome


def outcome_reason(outcome: CheckOutcome) -> str:
    return outcome.reason or ("raised" if outcome.outcome == "error" else "crash")


def outcome_facts(outcome: CheckOutcome, case: int) -> dict:
    """A case that returned no value, as mismatch data (the exception's type as the worker named it)."""
    facts = {"kind": outcome.outcome, "what": outcome.where, "case": case}
    if outcome.outcome == "error" and outcome.exception:
        facts["kind"], facts["exception"] = "exception", outcome.exception
    return facts


def judge_check(entry: dict, job: Job, reference: reference_mod.Reference) -> CheckResult:
    """Compare every case of one check; the first failing case explains the verdict."""
    result = CheckResult(id=entry["id"], module=entry["module"], name=entry["name"],
                         description=entry["description"], max_points=float(entry["points"]), points=0.0,
                         status=FAILED)
    if lacks_gpu(entry, job.device):
        result.status, result.message = SKIPPED, "needs a CUDA device (run with --device cuda on a GPU)"
        return result
    status = job.status_of(entry["module"])
    if not status.ok:
        result.message = status.message or "the module could not be loaded"
        result.hint, result.reason = status.traceback, status.reason or "import_error"
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
        prefix = f"case {case + 1} (seed {job.seeds[entry['module']][case]}): " if entry["cases"] > 1 else ""
        if expected is None or expected.outcome != "value":
            result.status, result.reason = ERROR, "reference_failed"
            result.message = f"the reference solution failed this check ({outcome_message(expected) if expected else 'no result'}); tell your instructor"
            return result
        if actual is None:
            result.message, result.reason = prefix + "no result came back for this check", "crash"
            break
        if actual.outcome != "value" and not_attempted(entry, actual):
            result.status, result.message = SKIPPED, f"optional, not attempted: {entry['optional']}"
            return result
        if actual.outcome != "value":
            same_for_every_case = actual.outcome in ("missing", "not_implemented")
            result.message = ("" if same_for_every_case else prefix) + outcome_message(actual)
            result.hint, result.reason = actual.traceback, outcome_reason(actual)
            result.mismatch = outcome_facts(actual, case)
            break
        verdict = compare(expected.value, actual.value, policy, device=job.device)
        tolerances += verdict.tolerances
        if not verdict.passed:
            result.message, result.reason = prefix + verdict.message, "wrong_answer"
            result.mismatch = {**(verdict.facts or {"kind": "type", "what": "uncomparable"}), "case": case}
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
        status = job.status_of(name)
        modules.append(ModuleResult(name, status.status, status.message,
                                    [judge_check(e, job, reference) for e in entries]))
    notes = list(submission.notes)
    notes += dict.fromkeys(s.message for s in job.module_status.values() if s.ok and s.message)
    if job.leftovers:
        notes.append(f"{job.leftovers} leftover process(es) your code started were killed")
    course = active()
    assignments = [AssignmentResult(a.name, a.title, list(a.modules)) for a in course.covering(submission.modules)]
    return Report(submission=submission.path, student=submission.student, modules=modules, variant=job.variant,
                  device=job.device, sandbox=sandbox, notes=notes, stdout=job.stdout.text() if job.stdout else "",
                  stderr=job.stderr.text() if job.stderr else "", duration=round(job.finished - job.started, 3),
                  grader_version=grader.__version__, course=course.name, assignments=assignments)


def failed_report(submission: Submission, reference: reference_mod.Reference, selected: list[dict],
                  sandbox: str, variant: str, device: str) -> Report:
    """A submission that could not be run at all: every check it could have passed fails
    with the reason (checks that need a GPU it does not have are skipped, as for anyone)."""
    unrunnable = ModuleStatus("error", submission.error, reason="not_gradable")
    job = Job(name=submission.student, root=submission.root, modules=submission.modules, checks=selected,
              seeds={}, variant=variant, device=device, module_status={m: unrunnable for m in submission.modules})
    report = judge(job, submission, reference, selected, sandbox)
    report.status = "error"
    return report

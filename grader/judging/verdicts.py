"""The verdict: turn a finished job's outcomes into a :class:`~grader.reporting.report.Report`.

Judging uses the reference catalogue (trusted) for points and policies, never anything the
worker claimed about itself.
"""

from __future__ import annotations

import re

import grader
from grader.authoring.check import Policy
from grader.isolation.runner import CheckOutcome, Job
from grader.judging import reference as reference_mod
from grader.judging.compare import compare
from grader.reporting.report import ERROR, FAILED, PASSED, SKIPPED, CheckResult, ModuleResult, Report
from grader.submissions.submission import Submission

#: A TypeError raised where the check calls the student's function: the call itself failed.
SIGNATURE_ERROR = re.compile(r"TypeError: .*(positional argument|keyword argument|required (positional|keyword))")


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


def outcome_facts(outcome: CheckOutcome, case: int) -> dict:
    """A case that returned no value, as mismatch data: the worker writes an exception as
    ``Type: message`` (trusted code), so its type is the part before the first colon."""
    facts = {"kind": outcome.outcome, "what": outcome.where, "case": case}
    head = outcome.message.partition(":")[0]
    if outcome.outcome == "error" and head.replace(".", "").isidentifier():
        facts["kind"], facts["exception"] = "exception", head
    return facts


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
            result.mismatch = outcome_facts(actual, case)
            break
        verdict = compare(expected.value, actual.value, policy, device=job.device)
        tolerances += verdict.tolerances
        if not verdict.passed:
            result.message = prefix + verdict.message
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

"""Gradescope's ``results.json`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One test per check, named ``module.check: description``, with its points and an output that
says what to fix. Skipped checks (a CUDA check on a CPU-only autograder) are listed with
``max_score`` 0 so students see why, and no status, since they neither passed nor failed.
Gradescope has no top-level ``max_score`` (the assignment's total is set in its UI); ours
goes in ``extra_data`` with the variant and device, for instructors who download results.
Checks of the public variant are ``visible``; those of the hidden variant show only once
grades are published, so a student cannot probe the hidden seeds.
"""

from __future__ import annotations

import math
from pathlib import Path

from grader.reporting.report import FAILED, PASSED, SKIPPED, CheckResult, Report
from grader.reporting.jsonfile import write_json
from grader.reporting.terminal import fmt
from grader.reporting.text import printable

VISIBILITY = {"public": "visible", "hidden": "after_published"}
MAX_OUTPUT = 8000


def test_output(check: CheckResult) -> str:
    parts = [check.message]
    if check.hint and check.status != PASSED:
        parts.append(check.hint.rstrip())
    if check.output:
        parts.append("Your code printed:\n" + check.output.rstrip())
    return printable("\n\n".join(p for p in parts if p))[:MAX_OUTPUT]


def test_entry(check: CheckResult, visibility: str) -> dict:
    entry = {
        "name": f"{check.module}.{check.name}: {check.description}",
        "score": check.points,
        "max_score": 0.0 if check.status == SKIPPED else check.max_points,
        "output": test_output(check),
        "visibility": visibility,
    }
    if check.status != SKIPPED:
        entry["status"] = "passed" if check.status == PASSED else "failed"
    return entry


def summary(report: Report) -> str:
    lines = [f"Total: {fmt(report.score)}/{fmt(report.max_score)} ({report.percent:g}%)"]
    if report.skipped_points:
        lines.append(f"{fmt(report.skipped_points)} points skipped (they need a GPU)")
    lines += [f"note: {note}" for note in report.notes]
    lines += [f"{m.name}: {m.message}" for m in report.modules if m.status != "ok" and m.message]
    failed = sum(c.status == FAILED for c in report.checks)
    if failed:
        lines.append(f"{failed} check(s) failed: each says what to fix below.")
    if report.stdout.strip():
        lines.append("Your code printed (outside the checks):\n" + report.stdout.rstrip()[:MAX_OUTPUT])
    return printable("\n".join(lines))


def results(report: Report) -> dict:
    visibility = VISIBILITY.get(report.variant, "after_published")
    return {
        "score": report.score,
        "execution_time": math.ceil(report.duration),
        "output": summary(report),
        "stdout_visibility": "hidden",
        "tests": [test_entry(c, visibility) for c in report.checks],
        "extra_data": {"max_score": report.max_score, "percent": report.percent, "variant": report.variant,
                       "device": report.device, "sandbox": report.sandbox, "status": report.status,
                       "grader_version": report.grader_version},
    }


def write(report: Report, path: str | Path) -> None:
    write_json(results(report), path)

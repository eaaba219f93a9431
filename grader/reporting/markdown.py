"""Markdown feedback, fit for ``$GITHUB_STEP_SUMMARY`` and per-student feedback files.

The total, the assignments graded (when several), one table per module, then each failure
with its message. Everything that
comes from the student (messages, printed output) is escaped so it cannot break a table
or inject markup; printed output goes in fenced blocks a student cannot close early.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.files import write_atomic
from grader.reporting.report import ERROR, FAILED, PASSED, SKIPPED, Report
from grader.reporting.terminal import fmt
from grader.reporting.text import printable

MARKS = {PASSED: "✅ passed", FAILED: "❌ failed", SKIPPED: "⏭️ skipped", ERROR: "⚠️ error"}
MAX_LINES = 40


def cell(text: str) -> str:
    """Text safe inside a table cell or a list item: one line, pipes and markup escaped."""
    text = " ".join(printable(text).split())
    return re.sub(r"([\\|*`<>\[\]])", r"\\\1", text)


def fence(text: str) -> list[str]:
    """A fenced block longer than any backtick run inside it, capped at MAX_LINES lines."""
    text = printable(text)
    lines = text.rstrip().splitlines()
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"[... {len(lines) - MAX_LINES} more lines]"]
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return [ticks + "text", *lines, ticks]


def render(report: Report) -> str:
    lines = [f"## Grading {cell(report.submission)}: {fmt(report.score)}/{fmt(report.max_score)}"
             f" ({report.percent:g}%)", ""]
    details = f"{report.variant} checks, device {report.device}, sandbox {report.sandbox}"
    if report.skipped_points:
        details += f", {fmt(report.skipped_points)} points skipped"
    lines += [f"_{details}, graded in {report.duration:.1f} s_", ""]
    lines += [f"> {cell(note)}" for note in report.notes] + ([""] if report.notes else [])
    if report.assignment_lines:
        lines += ["| Assignment | Points |", "|---|---:|"]
        for assignment in report.assignment_lines:
            points, most = report.assignment_score(assignment)
            lines.append(f"| {cell(assignment.name)}: {cell(assignment.title)} | {fmt(points)}/{fmt(most)} |")
        lines.append("")
    for module in report.modules:
        lines += [f"### {cell(module.name)}: {fmt(module.points)}/{fmt(module.max_points)}", ""]
        if module.status != "ok" and module.message:
            lines += [f"**{cell(module.message)}**", ""]
        lines += ["| Check | Status | Points | Description |", "|---|---|---:|---|"]
        lines += [f"| {cell(c.name)} | {MARKS[c.status]} | {fmt(c.points)}/{fmt(c.max_points)} |"
                  f" {cell(c.description)} |" for c in module.checks]
        lines.append("")
    problems = [c for c in report.checks if c.status in (FAILED, ERROR)]
    if problems:
        lines += ["### What to fix", ""]
        for c in problems:
            lines.append(f"- **{cell(c.module)}.{cell(c.name)}** ({fmt(c.points)}/{fmt(c.max_points)}):"
                         f" {cell(c.message) or 'no message'}")
            if c.hint:
                lines += ["", *("  " + line for line in fence(c.hint))]
            if c.output:
                lines += ["", "  Your code printed:", "", *("  " + line for line in fence(c.output))]
        lines.append("")
    for what, text in (("printed", report.stdout), ("wrote to stderr", report.stderr)):
        if text.strip():
            lines += [f"### Your code {what} (outside the checks)", "", *fence(text), ""]
    return "\n".join(lines) + "\n"


def write(report: Report, path: str | Path) -> None:
    """Overwrite: ``$GITHUB_STEP_SUMMARY`` is a fresh file for each step, and a re-graded
    student's feedback file must not keep the old verdict."""
    write_atomic(path, render(report))

"""The student's view: per module, per check, points, verdict and what to fix."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from typing import TextIO

from grader.reporting.report import ERROR, FAILED, PASSED, SKIPPED, Report
from grader.reporting.text import printable

#: What a terminal obeys besides escapes: a carriage return (redraw the line over a real
#: verdict), C1 controls (0x9b is an escape on its own) and the bidirectional overrides
#: (show text in another order than it is).
TERMINAL_TRICKS = re.compile("[\r\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text) -> str:
    """Student-controlled text fit for a terminal: filtered like the file reporters' text,
    and nothing that moves the cursor or reorders what is shown."""
    return TERMINAL_TRICKS.sub("\ufffd", printable(text).replace("\r\n", "\n"))


def one_line(text) -> str:
    """:func:`safe`, on one line: a name with a newline cannot forge a line of its own."""
    return safe(text).replace("\n", "\ufffd").replace("\t", " ")


COLOURS = {PASSED: "32", FAILED: "31", SKIPPED: "33", ERROR: "35", "bold": "1", "dim": "2"}


class Style:
    """Colour on a terminal; none under NO_COLOR, in a pipe, or when asked."""

    def __init__(self, stream: TextIO, colour: bool | None = None) -> None:
        if colour is None:
            colour = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        self.colour = colour
        encoding = (getattr(stream, "encoding", None) or "").lower()
        unicode = encoding.startswith("utf")
        self.marks = {PASSED: "✓" if unicode else "+", FAILED: "✗" if unicode else "x",
                      SKIPPED: "-", ERROR: "!"}

    def __call__(self, text: str, kind: str) -> str:
        return f"\033[{COLOURS[kind]}m{text}\033[0m" if self.colour else text


def fmt(points: float) -> str:
    return f"{points:g}"


def write(report: Report, stream: TextIO = sys.stdout, colour: bool | None = None, verbose: bool = False) -> None:
    style = Style(stream, colour)
    out = lambda line="": stream.write(line + "\n")  # noqa: E731
    out(style(f"Grading {one_line(report.submission)}", "bold")
        + style(f"  (sandbox: {report.sandbox}, runner: {report.runner}, device: {report.device}, {report.variant} checks)", "dim"))
    if len(report.assignments) == 1:
        only = report.assignments[0]
        out(style(f"  assignment {one_line(only.name)}: {one_line(only.title)}", "dim"))
    for note in report.notes:
        out(style(f"  note: {one_line(note)}", "dim"))
    for module in report.modules:
        out()
        out(style(f"{one_line(module.name)}", "bold") + f"  {fmt(module.points)}/{fmt(module.max_points)}")
        if module.status != "ok" and module.message:
            out(style("  " + one_line(module.message), FAILED))
        width = max((len(c.name) for c in module.checks), default=10)
        for c in module.checks:
            mark = style(style.marks[c.status], c.status)
            points = f"{fmt(c.points)}/{fmt(c.max_points)}"
            out(f"  {mark} {one_line(c.name):<{width}}  {points:>7}  {style(one_line(c.description), 'dim')}")
            if c.status != PASSED and c.message and (module.status == "ok" or verbose):
                for line in textwrap.wrap(safe(c.message), 100):
                    out("      " + line)
            if c.hint and (c.status != PASSED or verbose or c.hint.startswith("compared with")):
                for line in safe(c.hint).rstrip().splitlines()[-8:]:
                    out(style("      " + line, "dim"))
            if c.output and (c.status != PASSED or verbose):
                out(style("      your code printed:", "dim"))
                for line in safe(c.output).rstrip().splitlines()[:10]:
                    out(style("      | " + line[:200], "dim"))
    for name, text in (("printed", report.stdout), ("wrote to stderr", report.stderr)):
        if text.strip():
            out()
            out(style(f"Your code {name} (outside the checks):", "dim"))
            lines = safe(text).rstrip().splitlines()
            for line in lines[:20]:
                out(style("  | " + line[:200], "dim"))
            if len(lines) > 20:
                out(style(f"  | [... {len(lines) - 20} more lines]", "dim"))
    out()
    if report.assignment_lines:
        width = max(len(a.name) for a in report.assignment_lines)
        for assignment in report.assignment_lines:
            points, most = report.assignment_score(assignment)
            out(f"{one_line(assignment.name):<{width}}  {fmt(points) + '/' + fmt(most):>9}  "
                + style(one_line(assignment.title), "dim"))
    total = f"Total: {fmt(report.score)}/{fmt(report.max_score)} ({report.percent:g}%)"
    if report.skipped_points:
        total += f", {fmt(report.skipped_points)} points skipped"
    out(style(total, "bold") + style(f"   graded in {report.duration:.1f} s", "dim"))


def write_changes(saved: str, changes, broken, total: tuple[float, float], seconds: float,
                  stream: TextIO = sys.stdout, colour: bool | None = None) -> None:
    """What one re-grade of ``--watch`` changed (:mod:`grader.watch`): the checks now passing or
    failing (``changes``), the problems of ``broken`` modules, and the new total."""
    style = Style(stream, colour)
    out = lambda line="": stream.write(line + "\n")  # noqa: E731
    out()
    out(style(f"{one_line(saved)} saved", "bold") + style(f"  (graded {seconds:.2f} s after the save)", "dim"))
    for module in broken:
        out(style("  " + one_line(module.message), FAILED))
    quiet = {m.name for m in broken}  # their checks all fail for the reason just shown
    width = max((len(c.check.id) for c in changes), default=10)
    for change in changes:
        c = change.check
        if c.module in quiet and change.before is not None and change.before.status == c.status:
            continue  # failed before, fails now for the module's reason above
        now = {PASSED: "now passes", SKIPPED: "skipped", ERROR: "grader error"}.get(c.status, "now fails")
        if change.before is not None and change.before.status == c.status:
            now = "still fails"
        line = f"  {style(style.marks[c.status], c.status)} {one_line(c.id):<{width}}  {fmt(c.points)}/{fmt(c.max_points):<3} {now}"
        if c.status != PASSED and c.message and c.module not in quiet:
            line += ": " + one_line(c.message)[:160]
        out(line)
    if not changes and not broken:
        out(style("  no check changed", "dim"))
    points, most = total
    percent = round(100.0 * points / most, 2) if most else 0.0
    out(style(f"Total: {fmt(points)}/{fmt(most)} ({percent:g}%)", "bold"))

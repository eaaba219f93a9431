"""Output that cannot lie: spreadsheet cells, terminal lines and ``-k`` typos.

A TA opens grades.csv in a spreadsheet and reads the terminal; neither may show what a
submission chose instead of what the grader found.
"""

from __future__ import annotations

import csv
import io

import pytest

from conftest import SOLUTIONS, run_cli
from grader.batch import exports
from grader.batch.gradebook import Entry
from grader.batch.progress import Progress
from grader.batch.spreadsheet import safe_cell
from grader.reporting import terminal
from grader.reporting.report import CheckResult, ModuleResult, Report

FORGED = "\x1b]0;pwned\x07\x1b[2K\ralice 100/100\u202e\x9b2J"


def report_of(student: str, message: str = "", output: str = "") -> Report:
    check = CheckResult("tensors.x", "tensors", "x", "adds", 1.0, 0.0, "failed", message=message, output=output)
    return Report(submission=student, student=student, modules=[ModuleResult("tensors", "ok", "", [check])])


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_become_text(cell):
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("alice") == "alice" and safe_cell(-1.5) == -1.5


def test_grades_csv_neutralises_ids_and_reasons(tmp_path):
    entries = [Entry("@evil", "src", "h", "v", "error", 0.0, 1,
                     report_of("@evil", message="=HYPERLINK(\"http://x\").ipynb does not parse"))]
    entries[0].report.status = "error"
    exports.write_csv(entries, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["id"] == "'@evil" and row["reason"].startswith("'=HYPERLINK")
    assert row["total"] == "0.0"  # numbers stay numbers


def test_terminal_shows_no_escape_carriage_return_or_override():
    stream = io.StringIO()
    report = report_of("sub" + FORGED, message="wrong" + FORGED, output="printed" + FORGED + "\r\nnext")
    report.stdout = "outside" + FORGED
    terminal.write(report, stream, colour=False, verbose=True)
    text = stream.getvalue()
    for trick in ("\x1b", "\r", "\x07", "\u202e", "\x9b"):
        assert trick not in text, repr(trick)
    assert "alice 100/100" in text  # shown, but as part of the student's text, on its line
    assert "| next" in text  # a Windows line end is one line end
    assert sum(line.startswith("alice") for line in text.splitlines()) == 0


def test_one_line_keeps_a_name_on_its_line():
    assert "\n" not in terminal.one_line("bob\nalice: 100/100")


def test_progress_lines_are_filtered():
    for tty in (True, False):
        stream = io.StringIO()
        progress = Progress(1, stream, tty=tty)
        progress.advance("x" + FORGED + "\nbob: 99/99")
        text = stream.getvalue()
        assert "\x1b]" not in text and "pwned\x07" not in text
        assert text.count("\n") == (0 if tty else 1) and text.count("\r") == (1 if tty else 0)


@pytest.mark.timeout(120)
def test_k_that_selects_nothing_is_a_usage_error(tmp_path):
    single = run_cli(str(SOLUTIONS / "tensors.py"), "-k", "nomatch", "--sandbox", "process")
    assert single.returncode == 2 and "selects no check" in single.stderr, single.stderr
    assert "Total" not in single.stdout and "Traceback" not in single.stderr
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text((SOLUTIONS / "tensors.py").read_text())
    batch = run_cli("batch", str(subs), "-o", str(tmp_path / "out"), "-k", "nomatch", "--sandbox", "process")
    assert batch.returncode == 2 and "selects no check" in batch.stderr, batch.stderr
    assert "Traceback" not in batch.stderr

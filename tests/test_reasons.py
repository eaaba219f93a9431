"""Every way a check can fail reaches grades.csv and summary.json with its reason code.

One batch holds one student per failure the runner, the worker and the notebook reader can
produce; each must be filed under the reason set where its cause was known (never read back
from message text), in the CSV a TA opens, in summary.json, and in the student's report.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import nbformat
import pytest

from conftest import EXERCISES, SOLUTIONS, run_cli
from grader.isolation.sandbox import bwrap_problem
from grader.reasons import label

HOSTILE = Path(__file__).parent / "hostile"
SANDBOX = "process" if bwrap_problem() else "bwrap"
SOLUTION = (SOLUTIONS / "tensors.py").read_text()
CALL = "tensors.add_inplace_mutates"
SUMS = "tensors.mixed_sums_dtypes"

#: student -> (what tensors.py holds, a check that must fail, the reason code it must carry)
CASES = {
    "timeout": (SOLUTION + (HOSTILE / "loop_in_call.py").read_text(), CALL, "timeout"),
    "segfault": (SOLUTION + (HOSTILE / "segfault.py").read_text(), CALL, "crash"),
    "os_exit": (SOLUTION + (HOSTILE / "os_exit_in_call.py").read_text(), CALL, "exit"),
    "sys_exit": (SOLUTION + (HOSTILE / "sys_exit_in_call.py").read_text(), CALL, "exit"),
    # bwrap: the worker may signal its zygote, which dies with the check in flight; a root
    # grader's process-mode worker has left root and gets PermissionError instead
    "kills_zygote": (SOLUTION + (HOSTILE / "kill_parent.py").read_text(), CALL,
                     "killed" if SANDBOX == "bwrap" or os.geteuid() != 0 else "raised"),
    "pipe_abuse": (SOLUTION + (HOSTILE / "fake_report.py").read_text(), CALL, "pipe_abuse"),
    # 140 MB in one result: over the 64 MB a frame may hold, within the worker's memory
    "oversized": (SOLUTION + "\ndef mixed_sums(xr, b, c):\n    import torch\n"
                  "    return torch.zeros(35_000_000)\n", SUMS, "oversized_results"),
    "floods_results": (SOLUTION + (HOSTILE / "flood_results.py").read_text(), CALL, "oversized_results"),
    "memory": (SOLUTION + (HOSTILE / "memory_bomb.py").read_text(), CALL, "memory"),
    "output_flood": (SOLUTION + (HOSTILE / "output_flood.py").read_text(), CALL, "output_flood"),
    "syntax": (SOLUTION + "\ndef broken(:\n", CALL, "syntax_error"),
    "import_error": ("import a_module_nobody_has\n" + SOLUTION, CALL, "import_error"),
    "missing_name": (SOLUTION.replace("def add_inplace_(", "def renamed_add_inplace_("), CALL, "missing_name"),
    "not_implemented": ((EXERCISES / "tensors.py").read_text(), CALL, "not_implemented"),
    "raises": (SOLUTION + "\ndef add_inplace_(x, y):\n    raise ValueError('no')\n", CALL, "raised"),
    "signature": (SOLUTION + "\ndef add_inplace_(x):\n    return x\n", CALL, "signature"),
    "wrong_answer": (SOLUTION + "\ndef add_inplace_(x, y):\n    return x.sub_(y)\n", CALL, "wrong_answer"),
}


def notebook_with_a_cell_that_does_not_parse(path: Path) -> None:
    broken = SOLUTION.replace("def add_inplace_(x, y):", "def add_inplace_(x, y:")
    cells = [nbformat.v4.new_code_cell(broken)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    subs = folder / "subs"
    for name, (source, _, _) in CASES.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "tensors.py").write_text(source)
    (subs / "no_module").mkdir()
    (subs / "no_module" / "notes.txt").write_text("nothing to grade")
    notebook_with_a_cell_that_does_not_parse(subs / "unparsable.ipynb")
    out = folder / "out"
    result = run_cli("batch", str(subs), "-o", str(out), "-k", "tensors.", "--timeout", "6", "--total-timeout", "40",
                     "--memory", "512", "--sandbox", SANDBOX, "-j", "2", timeout=600)
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in csv.DictReader((out / "grades.csv").open())}
    summary = json.loads((out / "summary.json").read_text())
    return out, rows, summary


EXPECTED = {name: (check, code) for name, (_, check, code) in CASES.items()}
EXPECTED["no_module"] = (CALL, "missing_module")
EXPECTED["unparsable"] = (CALL, "notebook_unparsable")


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_failure_is_filed_under_its_reason(graded, student):
    out, rows, summary = graded
    check_id, code = EXPECTED[student]
    report = json.loads((out / "feedback" / f"{student}.json").read_text())
    check = next(c for m in report["modules"] for c in m["checks"] if c["id"] == check_id)
    assert check["status"] == "failed" and check["reason"] == code, check
    assert label(code) in rows[student]["reason"].split(", ")
    assert summary["failures_by_code"][code]["students"] >= 1
    assert summary["failures_by_reason"][label(code)]["students"] >= 1


def test_no_failure_is_filed_as_a_wrong_answer_but_the_wrong_answer(graded):
    _, rows, summary = graded
    wrong = [s for s, row in rows.items() if label("wrong_answer") in row["reason"].split(", ")]
    assert wrong == ["wrong_answer"]
    assert summary["failures_by_code"]["wrong_answer"]["students"] == 1

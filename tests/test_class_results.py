"""What a class's results depend on: editing a reporter regrades nobody; statistics count
only the submissions that could be graded and list the others apart."""

from __future__ import annotations

import shutil

import pytest

from conftest import ROOT, SOLUTIONS
from grader.batch import exports
from grader.batch.gradebook import Entry
from grader.judging import reference
from grader.manifest import use
from grader.reporting.report import CheckResult, ModuleResult, Report


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of grader/ and of the bundled course (its manifest, its checks in grader/course)
    the cache key is computed from, to edit freely."""
    shutil.copytree(ROOT / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "course.toml", tmp_path / "course.toml")
    monkeypatch.setattr(reference, "PACKAGE_ROOT", tmp_path)
    use(tmp_path)
    yield tmp_path / "grader"
    use(None)


def key() -> str:
    return reference.cache_key(SOLUTIONS, "public", "cpu")


@pytest.mark.parametrize("edited", ["reporting/terminal.py", "reporting/markdown.py", "batch/exports.py",
                                    "judging/verdicts.py", "cli.py", "submissions/locate.py"])
def test_editing_judge_side_code_does_not_regrade_a_class(package_copy, edited):
    before = key()
    with open(package_copy / edited, "a") as out:
        out.write("\n# a reporter's wording changed\n")
    assert key() == before


@pytest.mark.parametrize("edited", ["isolation/worker.py", "course/backprop.py", "authoring/check.py",
                                    "manifest/checks.py", "../course.toml"])
def test_editing_worker_side_code_regrades(package_copy, edited):
    before = key()
    with open(package_copy / edited, "a") as out:
        out.write("\n# what a worker computes may have changed\n")
    assert key() != before


def entry(student: str, percent: float, status: str = "graded", message: str = "") -> Entry:
    check = CheckResult(f"m.{student}", "m", student, "", 10, percent / 10, "passed" if percent else "failed",
                        message=message, reason="" if percent else "missing_module")
    report = Report(f"/subs/{student}", student, [ModuleResult("m", "ok", checks=[check])], status=status)
    return Entry(student, f"/subs/{student}", "hash", "v", status, 0.0, 1, report)


def test_statistics_leave_junk_entries_out(tmp_path):
    entries = [entry("alice", 100), entry("bob", 50), entry("carol", 0),
               entry("notes.txt", 0, "error", "cannot grade notes.txt"), entry("empty", 0, "error", "empty folder")]
    summary = exports.summary(entries, [])
    assert summary["count"] == 3
    assert summary["percent"]["mean"] == 50 and summary["percent"]["median"] == 50 and summary["percent"]["min"] == 0
    assert summary["not_gradable"] == [
        {"id": "notes.txt", "source": "/subs/notes.txt", "reason": "cannot grade notes.txt"},
        {"id": "empty", "source": "/subs/empty", "reason": "empty folder"}]
    assert len(summary["students"]) == 5  # every entry still has its row


def test_a_class_of_junk_only_has_no_statistics_and_still_exports(tmp_path):
    entries = [entry("notes.txt", 0, "error", "cannot grade notes.txt")]
    summary = exports.write_all(entries, tmp_path, [])
    assert summary["count"] == 0 and summary["percent"]["mean"] is None
    assert (tmp_path / "plots" / "scores.png").stat().st_size > 0

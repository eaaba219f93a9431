"""``python -m grader batch``: same scores as one by one, resumable, exports a TA can read.

Batches are small (3 to 5 students, two modules: ``-k`` keeps torchvision out) and built in
tmp_path from solutions/ and exercises/ with a few edits: correct, partly wrong (a classic
mutant), broken (a syntax error), and hostile (an infinite loop at import, ``os._exit``
inside a call).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, SOLUTIONS, run_cli
from mutants import MUTANTS
from grader.batch.gradebook import Gradebook
from grader.batch.progress import Progress
from grader.reporting.report import CheckResult, ModuleResult, Report

SELECT = ["-k", "tensors. or broadcasting."]
#: Short enough that the looping student costs a few seconds, long enough for a correct one.
LIMITS = ["--timeout", "3", "--total-timeout", "5", "--sandbox", "process"]
MODULES = ("tensors", "broadcasting")


def student(folder: Path, name: str, edits: dict[str, tuple[str, str] | str] = {}) -> Path:
    """A submission ``folder/name`` holding the solutions of MODULES, then ``edits``:
    module -> (old, new) replaced once, or a string appended."""
    target = folder / name
    target.mkdir(parents=True)
    for module in MODULES:
        text = (SOLUTIONS / f"{module}.py").read_text()
        edit = edits.get(module)
        if isinstance(edit, tuple):
            assert text.count(edit[0]) == 1
            text = text.replace(*edit)
        elif edit:
            text += "\n" + edit
        (target / f"{module}.py").write_text(text)
    return target


MUTANT = next(m for m in MUTANTS if m["module"] == "tensors")
PARTIAL = {"tensors": (MUTANT["old"], MUTANT["new"])}
BROKEN = {"tensors": "def broken(:\n"}
LOOPS = {"tensors": "while True:\n    pass\n"}
EXITS = {"broadcasting": "def broadcast_shape(shape_a, shape_b):\n    import os\n    os._exit(3)\n"}


def batch(subs: Path, out: Path, *extra: str, jobs: int = 2, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_cli("batch", str(subs), "-o", str(out), "-j", str(jobs), *SELECT, *LIMITS, *extra, env=env)


def attempts(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return dict(db.execute("SELECT student, attempts FROM grades"))


def committed(out: Path) -> dict[str, int]:
    """attempts() of a batch still running: nothing yet while it creates the gradebook (the
    file exists a moment before its table does)."""
    try:
        return attempts(out) if (out / "gradebook.sqlite").exists() else {}
    except sqlite3.OperationalError:
        return {}


def scratch_folders(folder: Path | None = None) -> set[Path]:
    """The grader's scratch folders and their locks in the temporary directory (or ``folder``)."""
    return set(Path(folder or tempfile.gettempdir()).glob("grader-*"))


def check_points(report: dict) -> dict[str, float]:
    return {c["id"]: c["points"] for m in report["modules"] for c in m["checks"]}


@pytest.mark.timeout(180)
def test_batch_scores_each_student_as_grading_alone_does(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name, edits in {"correct": {}, "partial": PARTIAL, "broken": BROKEN, "loops": LOOPS, "exits": EXITS}.items():
        student(subs, name, edits)
    result = batch(subs, out)
    assert result.returncode == 0, result.stderr
    assert "process sandbox does not isolate students" in result.stderr
    for name in ("correct", "partial", "broken", "loops", "exits"):
        alone = tmp_path / f"{name}.json"
        single = run_cli(str(subs / name), "--json", str(alone), *SELECT, *LIMITS)
        assert single.returncode == 0, single.stderr
        in_batch = json.loads((out / "feedback" / f"{name}.json").read_text())
        assert check_points(in_batch) == check_points(json.loads(alone.read_text())), name
    summary = json.loads((out / "summary.json").read_text())
    scores = {s["id"]: s["percent"] for s in summary["students"]}
    assert scores["correct"] == 100 and 0 < scores["partial"] < 100 and scores["loops"] == 0
    assert {"timeout", "crash", "syntax error", "wrong answer"} <= set(summary["failures_by_reason"])
    assert summary["count"] == 5 and summary["percent"]["median"] == sorted(scores.values())[2]
    # the exports parse: csv, per-student feedback, PNG plots
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["id"]: row for row in csv.DictReader(fh)}
    assert set(rows) == set(scores) and float(rows["correct"]["percent"]) == 100
    assert float(rows["partial"][f"tensors.{next(iter(MUTANT['lost']))}"]) == 0
    assert "What to fix" in (out / "feedback" / "partial.md").read_text()
    for plot in ("scores.png", "checks.png"):
        assert (out / "plots" / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "correct" in result.stdout and "median" in result.stdout


@pytest.mark.timeout(180)
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_killed_batch_resumes_and_grades_nobody_twice(tmp_path, sig):
    subs, out = tmp_path / "subs", tmp_path / "out"
    # One worker, and the second student loops until the total timeout: the kill lands
    # after the first commit and before the last.
    for name, edits in {"a": {}, "b": LOOPS, "c": PARTIAL, "d": BROKEN}.items():
        student(subs, name, edits)
    cmd = [sys.executable, "-m", "grader", "batch", str(subs), "-o", str(out), "-j", "1", *SELECT, *LIMITS]
    tmp = tmp_path / "tmp"  # a temporary directory of its own: no other grader's scratch comes and goes there
    tmp.mkdir()
    env = {"TMPDIR": str(tmp)}
    scratch_before = scratch_folders(tmp)
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while not committed(out):
            assert proc.poll() is None and time.monotonic() < deadline, "no result was committed"
            time.sleep(0.05)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "run the same command again" in stderr
    done = attempts(out)
    assert 1 <= len(done) < 4
    # Ctrl-C cleans up; SIGKILL cannot, and the next run removes what it left
    assert bool(scratch_folders(tmp) - scratch_before) == (sig == signal.SIGKILL)
    again = batch(subs, out, jobs=1, env=env)
    assert again.returncode == 0, again.stderr
    assert f"{4 - len(done)} to grade, {len(done)} unchanged" in again.stderr
    assert attempts(out) == {"a": 1, "b": 1, "c": 1, "d": 1}
    assert scratch_folders(tmp) - scratch_before == set()


@pytest.mark.timeout(180)
def test_changed_submissions_are_regraded_unchanged_ones_are_not(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name, edits in {"a": {}, "b": PARTIAL, "c": BROKEN}.items():
        student(subs, name, edits)
    assert batch(subs, out).returncode == 0
    shutil.rmtree(subs / "b")
    student(subs, "b")  # b fixed the bug
    result = batch(subs, out)
    assert result.returncode == 0 and "1 to grade, 2 unchanged" in result.stderr
    assert attempts(out) == {"a": 1, "b": 2, "c": 1}
    assert json.loads((out / "feedback" / "b.json").read_text())["percent"] == 100
    assert batch(subs, out, "--regrade").returncode == 0
    assert attempts(out) == {"a": 2, "b": 3, "c": 2}


@pytest.mark.timeout(120)
def test_odd_entries_each_get_a_row_and_a_reason(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    alice = student(subs, "alice")
    shutil.make_archive(str(subs / "alice"), "zip", alice)  # alice/ and alice.zip: the same id
    (subs / "empty").mkdir()
    (subs / "notes.txt").write_text("my answers are in my head")
    (subs / ".DS_Store").write_bytes(b"\0")
    result = batch(subs, out, jobs=1)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    students = {s["id"]: s for s in summary["students"]}
    assert set(students) == {"alice", "alice.zip", "empty", "notes.txt"}
    assert students["alice"]["percent"] == students["alice.zip"]["percent"] == 100
    assert students["empty"]["status"] == "error" and "empty" in students["empty"]["reason"]
    assert students["notes.txt"]["status"] == "error" and "cannot grade" in students["notes.txt"]["reason"]
    notes = " ".join(summary["notes"])
    assert "duplicate student id 'alice'" in notes and ".DS_Store" in notes
    assert "empty" in result.stdout and "notes.txt" in result.stdout


def test_a_missing_folder_is_a_usage_error(tmp_path):
    result = run_cli("batch", str(tmp_path / "nope"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2 and "not a folder" in result.stderr and "Traceback" not in result.stderr


def fake_report(student: str, score: float) -> Report:
    check = CheckResult("tensors.x", "tensors", "x", "", 1.0, score, "passed" if score else "failed")
    return Report(submission=student, student=student, modules=[ModuleResult("tensors", "ok", "", [check])])


@pytest.mark.timeout(60)
def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "gradebook.sqlite"

    def writer(prefix: str) -> None:
        with Gradebook(path) as book:
            for n in range(40):
                book.record(f"{prefix}{n}", "src", "hash", "v1", fake_report(f"{prefix}{n}", n % 2))

    threads = [threading.Thread(target=writer, args=(p,)) for p in "xyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Gradebook(path) as book:
        entries = book.entries()
        assert len(entries) == 120 and all(e.attempts == 1 for e in entries)
        assert book.is_current("x1", "hash", "v1") and not book.is_current("x1", "other", "v1")
        assert entries[1].report.score == 1 and entries[1].student == "x1"


def test_progress_redraws_on_a_terminal_and_prints_lines_elsewhere():
    for tty in (True, False):
        stream = io.StringIO()
        progress = Progress(2, stream, tty=tty)
        progress.advance("alice: 99/99")
        progress.advance("bob: 0/99")
        progress.close()
        text = stream.getvalue()
        assert "2/2" in text and "/s" in text and "ETA" in text
        assert ("\r" in text) == tty and text.count("\n") == (1 if tty else 2)


def test_every_student_gets_an_id_of_their_own(tmp_path):
    from grader.batch.command import roster

    for name in ("bob smith", "bob_smith"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "tensors.py").write_text("")
    for name in ("alice.zip", "alice.tar", "alice.zip.py"):
        (tmp_path / name).write_bytes(b"")
    students, notes = roster(tmp_path)
    ids = [s.id for s in students]
    assert len(ids) == len(set(ids)) == 5, ids
    assert "bob_smith" in ids and "bob_smith-2" in ids

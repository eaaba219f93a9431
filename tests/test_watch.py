"""``python -m grader --watch``: driven as a student runs it, in a subprocess, on files the test saves.

Each watch gets a temporary folder of its own as TMPDIR, so that "nothing left behind" can
be checked there: no scratch folder, and none of the processes the watch started alive.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from conftest import EXERCISES, ROOT, SOLUTIONS
from grader.authoring.notebooks_build import build_notebook
from grader.reporting.report import CheckResult, ModuleResult, Report
from grader.watch import Progress, saves

TENSOR_CHECKS = 19  # points of tensors.py that run on a CPU


class Watch:
    """A running ``python -m grader --watch PATH``, its output read line by line."""

    def __init__(self, path: Path, tmp: Path) -> None:
        tmp.mkdir()
        self.tmp = tmp
        env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "grader", "--watch", str(path)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.proc.stdout], daemon=True).start()

    def until(self, pattern: str, timeout: float = 60) -> list[str]:
        """The lines printed up to the first that matches ``pattern`` (a regex)."""
        got, end = [], time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} within {timeout} s; got:\n" + "".join(self.seen)) from None
            got.append(line)
            self.seen.append(line)
            if re.search(pattern, line):
                return got

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def interrupt(self, number: int = signal.SIGINT) -> int:
        self.proc.send_signal(number)
        return self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def replace(path: Path, text: str) -> None:
    """Save as Jupyter and most editors do: a temporary file beside the target, renamed over it."""
    temporary = path.with_name(f".~{path.name}")
    temporary.write_text(text)
    os.replace(temporary, path)


def assert_nothing_left(watch: Watch, processes: list[psutil.Process]) -> None:
    assert processes, "the watch started no zygote: nothing was checked"
    time.sleep(0.2)
    alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"still running after Ctrl-C: {[p.cmdline() for p in alive]}"
    assert not list(watch.tmp.glob("grader-*")), f"scratch left behind: {list(watch.tmp.iterdir())}"


@pytest.mark.timeout(120)
def test_a_saved_solution_shows_the_checks_now_passing_a_syntax_error_its_reason_and_ctrl_c_leaves_nothing(tmp_path):
    module = tmp_path / "work" / "tensors.py"
    module.parent.mkdir()
    module.write_text((EXERCISES / "tensors.py").read_text())
    watch = Watch(module, tmp_path / "tmp")
    try:
        first = watch.until(r"^watching ")
        assert any(line.startswith(f"Total: 0/{TENSOR_CHECKS}") for line in first)  # the normal report first
        assert any("✗ mixed_sums_dtypes" in line for line in first)

        replace(module, (SOLUTIONS / "tensors.py").read_text())
        fixed = watch.until(r"^Total: ")
        assert fixed[-1].startswith(f"Total: {TENSOR_CHECKS}/{TENSOR_CHECKS} (100%)")
        assert any(re.search(r"✓ tensors\.mixed_sums_dtypes +3/3 +now passes", line) for line in fixed)
        assert not any("to_device_cuda" in line for line in fixed)  # skipped before and after: no change
        assert not any("Grading " in line for line in fixed)  # not the whole report again

        module.write_text((SOLUTIONS / "tensors.py").read_text() + "\ndef broken(:\n")
        broken = watch.until(r"^Total: ")
        assert any("tensors.py does not parse" in line and "line " in line for line in broken)
        assert any(re.search(r"✗ tensors\.mixed_sums_dtypes +0/3 +now fails", line) for line in broken)
        assert broken[-1].startswith(f"Total: 0/{TENSOR_CHECKS}")

        module.write_text((SOLUTIONS / "tensors.py").read_text())  # still watching after the error
        assert watch.until(r"^Total: ")[-1].startswith(f"Total: {TENSOR_CHECKS}/{TENSOR_CHECKS}")

        processes = watch.descendants()
        assert watch.interrupt() == 130  # README's code for an interrupted run
        assert_nothing_left(watch, processes)
    finally:
        watch.stop()


@pytest.mark.timeout(120)
def test_a_notebook_replaced_atomically_is_graded_again_and_ctrl_c_mid_grade_leaves_nothing(tmp_path):
    from grader.authoring.material import stub_source

    solution = (SOLUTIONS / "backprop.py").read_text()
    notebook = tmp_path / "work" / "practical2.ipynb"
    notebook.parent.mkdir()
    nbformat.write(build_notebook(stub_source(solution), "backprop"), str(notebook))
    watch = Watch(notebook, tmp_path / "tmp")
    try:
        first = watch.until(r"^watching ")
        assert any(line.startswith("Total: 0/10") for line in first)
        replace(notebook, nbformat.writes(build_notebook(solution, "backprop")))
        fixed = watch.until(r"^Total: ")
        assert fixed[-1].startswith("Total: 10/10")
        assert any(re.search(r"✓ backprop\.\w+ .* now passes", line) for line in fixed)
        assert any("practical2.ipynb saved" in line for line in fixed)

        processes = watch.descendants()
        replace(notebook, nbformat.writes(build_notebook(stub_source(solution), "backprop")))
        time.sleep(0.12)  # about when the grade starts
        assert watch.interrupt() == 130
        assert_nothing_left(watch, processes)
    finally:
        watch.stop()


@pytest.mark.timeout(120)
def test_in_a_folder_only_the_saved_modules_assignment_is_graded_again_and_sigterm_leaves_nothing(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    for module in ("tensors", "broadcasting"):
        (folder / f"{module}.py").write_text((EXERCISES / f"{module}.py").read_text())
    watch = Watch(folder, tmp_path / "tmp")
    try:
        first = watch.until(r"^watching ")
        assert any(line.startswith(f"Total: 0/{TENSOR_CHECKS + 20}") for line in first)
        replace(folder / "broadcasting.py", (SOLUTIONS / "broadcasting.py").read_text())
        fixed = watch.until(r"^Total: ")
        graded = [line.split()[1] for line in fixed if re.match(r"  [✓✗] ", line)]
        assert graded and all(name.startswith("broadcasting.") for name in graded), fixed
        assert fixed[-1].startswith(f"Total: 20/{TENSOR_CHECKS + 20}")  # the tensors checks still count
        processes = watch.descendants()
        assert watch.interrupt(signal.SIGTERM) == 130  # as a closed terminal's SIGHUP: cleaned up like Ctrl-C
        assert_nothing_left(watch, processes)
    finally:
        watch.stop()


@pytest.mark.timeout(30)
def test_a_burst_of_writes_is_one_save_and_the_same_content_is_none(tmp_path):
    watched = tmp_path / "tensors.py"
    watched.write_text("a = 1\n")
    (tmp_path / ".~tensors.py").write_text("an editor's temporary")
    events = []

    def sleep(seconds: float) -> None:
        time.sleep(seconds)
        step = len(events)
        events.append(step)
        if step < 3:  # three writes, a poll apart: one burst
            watched.write_text(f"a = {step + 2}\n" * (step + 1))
        elif step == 6:
            watched.write_text(watched.read_text())  # rewritten, the same content: no save
            os.utime(watched, ns=(1, 1))
        elif step == 9:
            replace(watched, "a = 9\n")

    found = saves(tmp_path, poll=0.01, sleep=sleep)
    assert next(found) == [str(watched)]
    assert len(events) == 4  # graded once the burst stood still for one poll
    assert next(found) == [str(watched)]
    assert watched.read_text() == "a = 9\n" and len(events) >= 10  # the no-change write was skipped


def result(check_id: str, status: str, points: float, reason: str = "") -> CheckResult:
    return CheckResult(check_id, check_id.split(".")[0], check_id.split(".")[1], "", 2, points, status, reason=reason)


def test_progress_reports_only_changed_verdicts_and_the_total_over_what_is_graded():
    progress = Progress()
    first = Report("f", "s", [ModuleResult("a", "ok", checks=[result("a.x", "failed", 0, "not_implemented"),
                                                              result("a.y", "passed", 2)])])
    changes, broken = progress.update(first)
    assert [c.check.id for c in changes] == ["a.x", "a.y"] and not broken
    second = Report("f", "s", [ModuleResult("a", "error", "a.py does not parse", [result("a.x", "failed", 0, "syntax_error"),
                                                                                  result("a.y", "failed", 0, "syntax_error")])])
    changes, broken = progress.update(second)
    assert [c.check.id for c in changes] == ["a.x", "a.y"] and [m.name for m in broken] == ["a"]
    assert progress.update(second) == ([], [])  # graded again, the same: nothing to print
    other = Report("f", "s", [ModuleResult("b", "ok", checks=[result("b.z", "passed", 2)])])
    progress.update(other, whole=False)  # one module of a folder graded again
    assert progress.total() == (2, 6)
    progress.update(other)  # all there is now: a notebook that no longer defines module a's names
    assert progress.total() == (2, 2)

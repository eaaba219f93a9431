"""The judge's watch over what no rlimit bounds: GPU memory per student, and the default share.

No GPU here: the meter is a stand-in that reports, as NVML would, device memory for the
processes a greedy submission marks (it names itself, as ``prctl(PR_SET_NAME)`` does). The
policy under test is the runner's: a job over its budget is killed with reason ``memory``,
the rest of its checks run in a fresh worker, and the next submission is graded as if the
greedy one had never run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.isolation import memory_watch
from grader.isolation.limits import Limits
from grader.isolation.runner import Runner
from grader.judging.selection import Selection
from grader.paths import PACKAGE_ROOT
from grader.session import Grader, Options
from grader.submissions.resolve import resolve

SOLUTION = (PACKAGE_ROOT / "solutions" / "tensors.py").read_text()
CALL = "tensors.add_inplace_mutates"
GREEDY_NAME = b"greedygpu"
GREEDY = f"""
import ctypes, time
def add_inplace_(x, y):
    ctypes.CDLL(None).prctl(15, {GREEDY_NAME!r}, 0, 0, 0)  # "this process now holds 1 GB on the GPU"
    time.sleep(5)
    return x.add_(y)
"""


class FakeMeter:
    """NVML as the judge sees it: 1 GiB for each process the greedy submission named so."""

    def __init__(self, card: int = 140 << 30) -> None:
        self.card = card

    def smallest_card(self) -> int:
        return self.card

    def usage(self) -> dict[int, int]:
        used = {}
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and Path(f"/proc/{entry}/comm").read_bytes().strip() == GREEDY_NAME:
                    used[int(entry)] = 1 << 30
            except OSError:
                pass
        return used


def test_default_gpu_budget_is_an_equal_share_of_the_card():
    meter = FakeMeter(card=100 << 30)
    assert memory_watch.default_gpu_budget(meter, 4) == int((100 << 30) * 0.9 / 4)
    watch = memory_watch.MemoryWatch()
    watch.watch_gpu(meter, 2)
    assert watch.gpu_budget(Limits()) == int((100 << 30) * 0.9 / 2)
    assert watch.gpu_budget(Limits(gpu_memory=512 << 20)) == 512 << 20  # --gpu-memory 512


def test_no_meter_means_gpu_memory_is_not_watched():
    watch = memory_watch.MemoryWatch()
    watch.watch_gpu(None, 2)
    assert watch.gpu_budget(Limits()) is None and watch.gpu_usage() is None


@pytest.mark.timeout(120)
def test_a_student_over_the_gpu_budget_is_stopped_and_no_neighbour_changes(tmp_path, monkeypatch):
    subs = []
    for name, code in (("control", ""), ("greedy", GREEDY), ("after", "")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "tensors.py").write_text(SOLUTION + "\n" + code)
        subs.append(resolve(tmp_path / name / "tensors.py"))

    def watched_runner(zygotes, limits):
        runner = Runner(zygotes, limits)
        runner.watch.watch_gpu(FakeMeter(), len(zygotes))
        return runner

    monkeypatch.setattr("grader.isolation.runner.Runner", watched_runner)
    reports = {}
    options = Options(sandbox="process", selection=Selection("tensors"), limits=Limits(gpu_memory=512 << 20))
    with Grader(options) as grader:
        grader.grade(subs, lambda sub, report: reports.__setitem__(Path(sub.root).name, report))
    control, greedy, after = reports["control"], reports["greedy"], reports["after"]
    [check] = [c for c in greedy.checks if c.id == CALL]
    assert (check.status, check.reason) == ("failed", "memory"), check.message
    assert "1024 MB of GPU memory, more than its share of 512 MB" in check.message
    assert greedy.score == control.score - check.max_points  # its other checks ran in a fresh worker
    assert [(c.id, c.status, c.points) for c in after.checks] == [(c.id, c.status, c.points) for c in control.checks]
    assert control.score == control.max_score

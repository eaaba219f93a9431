"""The next worker is forked ahead (grader.isolation.spare), and never outlives the grader.

Student code can tell how old its own process is: a worker forked while the student before
was still being graded is older than that student's check took. Hostile cases that stop or
signal the spare are in test_hostile.py (signal_the_spare).
"""

from __future__ import annotations

import os
import re

import pytest

from grader.isolation.sandbox import bwrap_problem
from grader.judging.selection import Selection
from grader.paths import PACKAGE_ROOT
from grader.session import Grader, Options
from grader.submissions.resolve import resolve

SOLUTION = (PACKAGE_ROOT / "solutions" / "tensors.py").read_text()
SLOW = """
import time as _time
_slow = add_inplace_
def add_inplace_(x, y):
    _time.sleep(2)
    return _slow(x, y)
"""
AGE = """
import os as _os
_aged = add_inplace_
def add_inplace_(x, y):
    started = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]) / _os.sysconf("SC_CLK_TCK")
    print(f"age {float(open('/proc/uptime').read().split()[0]) - started:.2f}")
    return _aged(x, y)
"""


def tagged_alive(tag: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and tag.encode() in open(f"/proc/{entry}/environ", "rb").read():
                found.append(int(entry))
        except OSError:
            pass
    return found


@pytest.mark.timeout(120)
@pytest.mark.parametrize("sandbox", ["process", "bwrap"])
def test_the_next_worker_is_forked_ahead_and_gone_with_the_grader(tmp_path, sandbox):
    if sandbox == "bwrap" and bwrap_problem():
        pytest.skip(f"bubblewrap sandbox unavailable: {bwrap_problem()}")
    subs = []
    for name, code in (("slow", SLOW), ("next", AGE)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "tensors.py").write_text(SOLUTION + "\n" + code)
        subs.append(resolve(tmp_path / name / "tensors.py"))
    reports = {}
    with Grader(Options(sandbox=sandbox, selection=Selection("tensors.add_inplace_mutates"))) as grader:
        tag = grader.runner.zygotes[0].tag
        grader.grade(subs, lambda sub, report: reports.__setitem__(id(sub), report))
    slow, after = (reports[id(s)] for s in subs)
    assert slow.score == after.score == slow.max_score > 0
    age = float(re.search(r"age (\d+\.\d+)", after.checks[0].output).group(1))
    assert age >= 1.5, "the worker was forked when its job came, not while the job before it ran"
    if sandbox == "process":  # bwrap clears the environment: there its PID namespace ends everything
        assert tagged_alive(tag) == []

"""Submissions that would stall the judge, graded in one batch next to honest students (slow).

In both sandbox modes: a thread that sends a tiny frame a second while a check loops, folders
nested 1,500 deep made at import, a notebook with an indentation typo and one with a cell of
600 shell lines. The batch completes with its exports, the honest neighbours keep full marks,
each hostile one gets its verdict, and no scratch folder is left behind.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import SOLUTIONS, run_cli
from test_judge_limits import TYPO, notebook_file
from grader.isolation.sandbox import bwrap_problem

TICKER = '''
def _tick():
    import gc, time
    channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
    while True:  # one tiny frame a second, from another thread
        channel.send({"event": "cell", "cell": 1})
        time.sleep(1)


import threading as _threading
_threading.Thread(target=_tick, daemon=True).start()
_add_inplace = add_inplace_


def add_inplace_(x, y):
    while True:
        pass
'''
DEEP = '''
import os as _os
_here = _os.getcwd()
for _ in range(1500):  # folders nested past the recursion limit, made at run time
    _os.mkdir("deep")
    _os.chdir("deep")
_os.chdir(_here)
'''


def notebook_student(path: Path, extra: str) -> Path:
    return notebook_file(path, [(SOLUTIONS / "tensors.py").read_text(), extra])


@pytest.mark.slow
@pytest.mark.timeout(400)
@pytest.mark.parametrize("mode", ["process", "bwrap"])
def test_stalling_submissions_in_a_batch_get_verdicts_and_leave_the_neighbours_alone(tmp_path, mode):
    if mode == "bwrap" and bwrap_problem():
        pytest.skip(bwrap_problem())
    subs, out = tmp_path / "subs", tmp_path / "out"
    solution = (SOLUTIONS / "tensors.py").read_text()
    for name, extra in {"honest": "", "ticker": TICKER, "deep": DEEP, "honest2": ""}.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "tensors.py").write_text(solution + "\n" + extra)
    notebook_student(subs / "typo.ipynb", TYPO)
    notebook_student(subs / "shell.ipynb", "\n".join(f"!echo {i}" for i in range(600)))
    private_tmp = tmp_path / "tmp"  # other graders may share the machine's /tmp
    private_tmp.mkdir()
    started = time.monotonic()
    result = run_cli("batch", str(subs), "-o", str(out), "-j", "2", "-k", "tensors.", "--sandbox", mode,
                     "--timeout", "3", "--total-timeout", "60", env={"TMPDIR": str(private_tmp)})
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    scores = {s["id"]: s["percent"] for s in summary["students"]}
    assert (out / "grades.csv").is_file() and len(scores) == 6, scores
    # the honest neighbours, the deep-folder maker and the notebooks (their typo cell left out) keep full marks
    assert scores["honest"] == scores["honest2"] == scores["deep"] == scores["typo"] == scores["shell"] == 100, scores
    assert scores["ticker"] < 100
    ticker = json.loads((out / "feedback" / "ticker.json").read_text())
    [looping] = [c for m in ticker["modules"] for c in m["checks"] if c["id"] == "tensors.add_inplace_mutates"]
    assert "timed out after 3 s" in looping["message"], looping
    typo = json.loads((out / "feedback" / "typo.json").read_text())
    assert "code cell 2" in json.dumps(typo) and "IndentationError" in json.dumps(typo)
    assert elapsed < 240
    assert list(private_tmp.iterdir()) == []  # no scratch folder left behind, however deep

"""Scratch folders: a live grader's are never touched, a killed grader's go at the next start."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from grader.isolation import scratch

MAKER = "from grader.isolation import scratch; import sys, time; print(scratch.make('test-'), flush=True); time.sleep(60)"


@pytest.mark.timeout(60)
def test_only_the_folders_of_dead_graders_are_removed():
    mine = scratch.make("test-")
    other = subprocess.Popen([sys.executable, "-c", MAKER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        theirs = Path(other.stdout.readline().strip())
        (theirs / "work").mkdir()
        scratch.remove_stale()
        assert mine.is_dir() and theirs.is_dir()  # both makers alive: both kept
        other.send_signal(signal.SIGKILL)
        other.wait()
        assert theirs.is_dir()  # nothing removes it at the kill...
        scratch.remove_stale()
        assert not theirs.exists() and not Path(scratch.lock_of(theirs)).exists()  # ...the next start does
        assert mine.is_dir()
    finally:
        other.kill()
        scratch.remove(mine)
    assert not mine.exists() and not Path(scratch.lock_of(mine)).exists()

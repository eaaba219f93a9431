"""Shared fixtures: the repository's folders and one grading session per test module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m grader ARGS`` as a student types it."""
    import os

    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def grade_all(submissions, **option_args):
    """Grade several submissions in one session; returns the reports in order."""
    from grader.session import Grader, Options

    reports = {}
    with Grader(Options(**option_args)) as grader:
        grader.grade(list(submissions), lambda sub, report: reports.__setitem__(id(sub), report))
    return [reports[id(s)] for s in submissions]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT

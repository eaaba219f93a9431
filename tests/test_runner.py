"""The runner's own failure handling: a worker pool that cannot start is the grader's
error (exit 3, the reason shown), never a hang or a traceback."""

from __future__ import annotations

import sys

import pytest

from grader.runner import GraderError, Job, Runner, Zygote


class BrokenSandbox:
    """A sandbox whose zygote dies at once, as when torch is missing inside it."""

    name = "broken"

    def command(self, argv, scratch, trusted=False, env=None):
        return [sys.executable, "-c", "import sys; sys.stderr.write('ModuleNotFoundError: torch'); sys.exit(1)"]


@pytest.mark.timeout(60)
def test_a_zygote_that_cannot_start_is_a_grader_error_with_its_reason(tmp_path):
    job = Job(name="x", root=str(tmp_path), modules=["tensors"], checks=[], seeds=[0])
    runner = Runner([Zygote(BrokenSandbox())])
    try:
        with pytest.raises(GraderError, match="ModuleNotFoundError: torch"):
            runner.run([job])
    finally:
        runner.close()


def test_a_platform_without_linux_facilities_is_told_so_plainly(monkeypatch, capsys):
    from conftest import SOLUTIONS
    from grader import cli

    monkeypatch.setattr(sys, "platform", "darwin")
    assert cli.main([str(SOLUTIONS), "--sandbox", "process"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "cannot run them on darwin: use Linux, or WSL 2 on Windows" in err
    assert "Traceback" not in err

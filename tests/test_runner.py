"""The runner's own failure handling: a worker pool that cannot start is the grader's
error (exit 3, the reason shown), never a hang or a traceback; off Linux the portable runner is used."""

from __future__ import annotations

import os
import selectors
import sys

import pytest

from grader.errors import GraderError
from grader.isolation.attempt import Attempt
from grader.isolation.job import Job, Stream
from grader.isolation.limits import Limits
from grader.isolation.runner import Runner
from grader.isolation.zygote_client import Zygote


class BrokenSandbox:
    """A sandbox whose zygote dies at once, as when torch is missing inside it."""

    name = "broken"

    def command(self, argv, scratch, trusted=False, env=None):
        return [sys.executable, "-c", "import sys; sys.stderr.write('ModuleNotFoundError: torch'); sys.exit(1)"]


@pytest.mark.timeout(60)
def test_a_zygote_that_cannot_start_is_a_grader_error_with_its_reason(tmp_path):
    job = Job(name="x", root=str(tmp_path), modules=["tensors"], checks=[], seeds={"tensors": [0]})
    runner = Runner([Zygote(BrokenSandbox())])
    try:
        with pytest.raises(GraderError, match="ModuleNotFoundError: torch"):
            runner.run([job])
    finally:
        runner.close()


def test_without_linux_the_portable_runner_is_chosen_and_the_zygote_is_a_usage_error(monkeypatch, capsys):
    from conftest import SOLUTIONS
    from grader import cli
    from grader.isolation.platform import choose_runner, client_for
    from grader.isolation.spawn import SpawnZygote

    assert choose_runner("auto") == "zygote" and client_for("zygote") is Zygote
    monkeypatch.setattr(sys, "platform", "darwin")
    assert choose_runner("auto") == "spawn" and client_for("spawn") is SpawnZygote
    assert cli.main([str(SOLUTIONS), "--sandbox", "process", "--runner", "zygote"]) == 2
    err = capsys.readouterr().err
    assert "--runner zygote needs Linux (this is darwin): use --runner spawn" in err
    assert "Traceback" not in err


def test_an_event_for_a_pipe_closed_earlier_in_the_same_batch_is_not_read():
    """A worker that ends closes its pipes, and a relaunched one may get the same numbers
    while events of the old ones are still to be handled: those must not read the new pipes."""
    def attempt(name):
        job = Job(name=name, root=".", modules=[], checks=[], seeds={})
        job.stdout, job.stderr = Stream(100), Stream(100)
        return Attempt(job, None, Limits(), 0)

    runner = Runner([])
    old, new = attempt("old"), attempt("new")
    r, w = os.pipe()
    old.fds[r] = "stdout"
    runner.selector.register(r, selectors.EVENT_READ, ("pipe", old))
    stale = runner.selector.get_key(r)
    runner.close_pipes(old)  # the old worker ended...
    os.close(w)
    r2, w2 = os.pipe()  # ...and the new one's pipe takes the freed number
    assert r2 == r
    os.set_blocking(r2, False)
    new.fds[r2] = "stdout"
    runner.selector.register(r2, selectors.EVENT_READ, ("pipe", new))
    os.write(w2, b"the new worker's output")
    runner.selector.select = lambda timeout=None: [(stale, selectors.EVENT_READ)]
    try:
        runner.poll(lambda job: None)
        assert old.job.stdout.total + old.job.stderr.total == 0
        assert os.read(r2, 100) == b"the new worker's output"
    finally:
        runner.close_pipes(new)
        os.close(w2)
        runner.close()

"""The judge's side of running code: schedule jobs on zygotes and react to what comes back.

One event loop (``selectors``) drives every worker of every zygote: it reads result frames,
captures stdout/stderr with a cap, enforces each attempt's deadline, and when a worker dies
(timeout, crash, ``os._exit``, output flood) has the failure attributed to the check in
flight (:mod:`~grader.isolation.attribution`) and starts a fresh worker for the checks that
remain. Nothing here compares values.
"""

from __future__ import annotations

import os
import selectors
import shutil
import time
from typing import Callable, Iterable

from grader.errors import GraderError
from grader.isolation import scratch
from grader.isolation.attempt import Attempt
from grader.isolation.attribution import give_up, record_failure
from grader.isolation.job import Job, Stream
from grader.isolation.limits import DRAIN_TIME, Limits
from grader.isolation.memory_watch import SAMPLE_EVERY, GpuMeter, for_platform
from grader.isolation.zygote import Op
from grader.isolation.zygote_client import Zygote


class Runner:
    """Runs jobs on a set of zygotes, ``len(zygotes)`` at a time."""

    def __init__(self, zygotes: list[Zygote], limits: Limits = Limits()) -> None:
        self.zygotes = zygotes
        self.limits = limits
        self.selector = selectors.DefaultSelector()
        self.watch = for_platform()  # what no rlimit bounds: shared and GPU memory
        self.gpu_opened = False
        for z in zygotes:
            if z.sock is None:  # not started by the caller already
                z.start()
            self.selector.register(z.sock, selectors.EVENT_READ, ("zygote", z))

    def close(self) -> None:
        for z in self.zygotes:
            z.stop()
        self.selector.close()

    # ------------------------------------------------------------------ scheduling

    def run(self, jobs: Iterable[Job], on_done: Callable[[Job], None] = lambda job: None) -> None:
        """Run every job; ``on_done`` is called as each one finishes (results are final).

        A finished job reaches ``on_done`` only once the zygote it freed has its next job, so
        judging and recording it overlap the next worker instead of leaving the zygote idle.
        """
        queue = iter(jobs)
        exhausted = False
        finished: list[Job] = []
        while True:
            for z in self.zygotes:
                if z.ready and z.attempt is None and not exhausted:
                    job = next(queue, None)
                    if job is None:
                        exhausted = True
                        break
                    self.begin(job, z)
            while finished:
                on_done(finished.pop(0))
            if exhausted and all(z.attempt is None for z in self.zygotes):
                return
            self.poll(finished.append)

    def begin(self, job: Job, zygote: Zygote) -> None:
        if job.device.startswith("cuda") and self.watch is not None and not self.gpu_opened:
            self.gpu_opened = True
            self.watch.watch_gpu(GpuMeter.open(), len(self.zygotes))
        job.started = job.started or time.monotonic()
        job.stdout = job.stdout or Stream(self.limits.keep_output)
        job.stderr = job.stderr or Stream(self.limits.keep_output)
        self.launch(job, zygote, 0)

    def launch(self, job: Job, zygote: Zygote, number: int) -> None:
        attempt = Attempt(job, zygote, self.limits, number)
        workdir = zygote.scratch / "work"
        scratch.remove_tree(workdir)
        workdir.mkdir()
        for relative, source in job.files.items() if job.copy else ():
            target = workdir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        # the reference is imported where it lies (but never writes there)
        root = str(workdir) if job.copy else job.root
        pipes = [os.pipe() for _ in range(3)]
        zygote.attempt = attempt
        for (r, _), kind in zip(pipes, ("result", "stdout", "stderr")):
            os.set_blocking(r, False)
            attempt.fds[r] = kind
            self.selector.register(r, selectors.EVENT_READ, ("pipe", attempt))
        attempt.deadline = time.monotonic() + self.limits.import_timeout
        try:
            zygote.run(job.name, attempt.spec(root, str(workdir)), [w for _, w in pipes])
        except OSError:
            pass  # the zygote died while idle: its socket reads as closed next, and zygote_died ends this
        finally:
            for _, w in pipes:
                os.close(w)

    # ------------------------------------------------------------------ events

    def poll(self, on_done: Callable[[Job], None]) -> None:
        deadlines = [z.attempt.next_deadline() for z in self.zygotes if z.attempt]
        timeout = max(0.0, min(deadlines, default=time.monotonic() + 1.0) - time.monotonic())
        longest = SAMPLE_EVERY if deadlines and self.watch is not None else 1.0
        for key, _ in self.selector.select(min(timeout, longest)):
            if self.selector.get_map().get(key.fd) is not key:
                # An earlier event of this batch closed it (a worker ended) and a new pipe may
                # already have its number: reading it would take another worker's output.
                continue
            kind, owner = key.data
            if kind == "zygote":
                self.on_zygote(owner, on_done)
            else:
                self.on_pipe(key.fd, owner)
        self.enforce_deadlines()
        self.enforce_memory()

    def on_zygote(self, zygote: Zygote, on_done) -> None:
        msg = zygote.receive()
        if msg is None:
            self.zygote_died(zygote, on_done)
            return
        if msg["op"] == Op.READY:
            zygote.ready, zygote.failed_starts = True, 0
            if self.watch is not None and zygote.proc is not None:
                self.watch.ready(zygote.proc.pid)
        elif msg["op"] == Op.EXITED:
            attempt = zygote.attempt
            if attempt is not None:
                attempt.exit_status = msg["status"]
                attempt.job.leftovers += msg.get("leftovers", 0)
                self.finish_attempt(attempt, on_done)

    def zygote_died(self, zygote: Zygote, on_done) -> None:
        """A zygote that dies (killed by a submission, say) is replaced; its job ends there.

        One that dies before it is ready cannot import what it needs (or the sandbox does
        not start): after three tries that is the grader's problem, not a submission's.
        """
        self.selector.unregister(zygote.sock)
        attempt = zygote.attempt
        if not zygote.ready:
            zygote.failed_starts += 1
            if zygote.failed_starts >= 3:
                raise GraderError(f"the worker process could not start (sandbox {zygote.sandbox.name}): "
                                  f"{zygote.log_tail()}")
        zygote.restart()
        self.selector.register(zygote.sock, selectors.EVENT_READ, ("zygote", zygote))
        if attempt is not None:
            attempt.mark_killed("your code killed the grader's process that runs it", "killed")
            attempt.exit_status = -1
            self.finish_attempt(attempt, on_done, relaunch=False)

    def on_pipe(self, fd: int, attempt: Attempt) -> bool:
        """Take what a worker wrote on one pipe; False when there is nothing more for now."""
        try:
            data = os.read(fd, 1 << 20)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        kind = attempt.fds.get(fd)
        if not data:
            self.selector.unregister(fd)
            os.close(fd)
            attempt.fds.pop(fd, None)
            return False
        if kind == "result":
            self.on_results(attempt, data)
            return True
        stream = attempt.job.stdout if kind == "stdout" else attempt.job.stderr
        stream.add(data)
        if attempt.job.stdout.total + attempt.job.stderr.total > self.limits.output:
            self.kill(attempt, f"your code printed more than {self.limits.output >> 20} MB of output", "output_flood")
        return True

    def on_results(self, attempt: Attempt, data: bytes) -> None:
        """Frames from the private result pipe; whatever does not decode stops the worker."""
        if attempt.corrupt:
            return
        attempt.received += len(data)
        if attempt.received > self.limits.results:
            attempt.corrupt = True
            self.kill(attempt, f"your code sent more than {self.limits.results >> 20} MB of results", "oversized_results")
            return
        if attempt.job.raw is not None:
            attempt.job.raw += data
        try:
            for meta, value in attempt.reader.feed(data):
                attempt.on_frame(meta, value)
                problem = attempt.frame_problem(meta, attempt.reader.last_size)
                if problem:
                    attempt.corrupt = True
                    self.kill(attempt, *problem)
                    return
        except Exception as exc:  # noqa: BLE001 - a forged frame of any shape is the worker's fault
            attempt.corrupt = True
            self.kill(attempt, f"your code wrote into the grader's private result pipe ({str(exc)[:200]})", "pipe_abuse")

    def enforce_deadlines(self) -> None:
        now = time.monotonic()
        for z in self.zygotes:
            attempt = z.attempt
            if attempt is None or now <= attempt.next_deadline():
                continue
            if attempt.kill_message is not None:  # the zygote does not answer (stopped?): end it
                z.terminate()
            else:
                self.kill(attempt, *attempt.overdue(now))

    def enforce_memory(self) -> None:
        """Stop a job whose tree holds more shared or GPU memory than its budget."""
        live = [z for z in self.zygotes if z.attempt is not None and z.attempt.kill_message is None and z.proc]
        if not live or self.watch is None or not self.watch.due(time.monotonic()):
            return
        sample = self.watch.sample()
        for z in live:
            problem = self.watch.over(z.proc.pid, sample, self.limits)
            if problem:
                self.kill(z.attempt, *problem)

    def kill(self, attempt: Attempt, message: str, reason: str) -> None:
        attempt.mark_killed(message, reason)
        try:
            attempt.zygote.kill(attempt.job.name)
        except OSError:
            pass

    # ------------------------------------------------------------------ endings

    def close_pipes(self, attempt: Attempt) -> None:
        for fd in list(attempt.fds):
            try:
                self.selector.unregister(fd)
            except (KeyError, ValueError):
                pass
            os.close(fd)
        attempt.fds.clear()

    def drain(self, attempt: Attempt) -> None:
        """Read what the worker wrote before it exited. Its pipes are normally at EOF by now,
        but a process that escaped the sweep may still hold one open: stop when it runs dry,
        and after DRAIN_TIME whatever it still writes."""
        stop = time.monotonic() + DRAIN_TIME
        for fd in list(attempt.fds):
            while fd in attempt.fds and time.monotonic() < stop and self.on_pipe(fd, attempt):
                pass

    def finish_attempt(self, attempt: Attempt, on_done, relaunch: bool = True) -> None:
        """Record how the worker ended; start another for what remains, or finish the job."""
        self.drain(attempt)
        self.close_pipes(attempt)
        job, zygote = attempt.job, attempt.zygote
        zygote.attempt = None
        if not attempt.done:
            record_failure(attempt)
        if relaunch and job.remaining() and attempt.number < self.limits.restarts and not self.out_of_time(job):
            self.launch(job, zygote, attempt.number + 1)
            return
        give_up(attempt)
        job.finished = time.monotonic()
        on_done(job)

    def out_of_time(self, job: Job) -> bool:
        return time.monotonic() > job.started + self.limits.submission_timeout

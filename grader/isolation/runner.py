"""The judge's side of running code: zygotes, workers, deadlines, and what came back.

One event loop (``selectors``) drives every worker of every zygote: it reads result frames,
captures stdout/stderr with a cap, enforces per-check and per-submission deadlines, and when
a worker dies (timeout, crash, ``os._exit``, output flood) records why for the check in
flight and starts a fresh worker for the checks that remain. Nothing here compares values.
"""

from __future__ import annotations

import functools
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from grader import wire
from grader.errors import GraderError
from grader.paths import PACKAGE_ROOT
from grader.isolation import scratch
from grader.isolation.zygote import WORKER_FAILED, kill_tagged

@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's workers."""

    check_timeout: float | None = None  # overrides every check's own timeout when set
    import_timeout: float = 20.0
    submission_timeout: float = 120.0
    memory: int = 2 << 30  # bytes of address space beyond what the zygote already maps
    cpu: int = 300  # CPU seconds per worker
    fsize: int = 64 << 20
    nofile: int = 256
    nproc: int = 256  # processes and threads a worker may add to what its user already runs
    output: int = 16 << 20  # bytes of stdout+stderr after which the worker is stopped
    results: int = 256 << 20  # bytes of result frames after which the worker is stopped
    keep_output: int = 32 << 10  # bytes of each stream shown in the feedback
    restarts: int = 20

    def for_worker(self) -> dict:
        return {"memory": self.memory, "cpu": self.cpu, "fsize": self.fsize, "nofile": self.nofile,
                "nproc": user_tasks(int(time.monotonic())) + self.nproc}


@functools.lru_cache(maxsize=1)
def user_tasks(second: int) -> int:
    """Processes and threads of this user, which is what RLIMIT_NPROC counts. Read here, in
    the judge, which sees every one (a sandboxed zygote sees only its own namespace).

    Counting walks all of /proc (milliseconds on a busy laptop), so a batch reuses the count
    for the rest of the second it was taken in: ``user_tasks(int(time.monotonic()))``."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass  # gone while we counted
    return count


#: Seconds a worker has to exit after "done", and a zygote to answer a kill, before the
#: judge stops waiting (a submission can SIGSTOP its zygote: the judge must not hang).
EXIT_GRACE = 5.0


#: The zygote relies on Linux: fork without exec, prctl (subreaper, parent-death signal),
#: pidfd, /proc, SOCK_SEQPACKET. Said plainly rather than failed at in the zygote.
UNSUPPORTED_PLATFORM = ("the grader runs submissions with Linux facilities (fork server, /proc, pidfd) and cannot "
                        "run them on {platform}: use Linux, or WSL 2 on Windows")


class Stream:
    """A capped capture of a worker's stdout or stderr: the first bytes, and a count."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.keep - len(self.head)
        if room > 0:
            self.head += data[:room]

    def text(self) -> str:
        text = self.head.decode("utf-8", "replace")
        if self.total > len(self.head):
            text += f"\n[... {self.total - len(self.head)} more bytes not shown]"
        return text


@dataclass
class CheckOutcome:
    """What came back for one case of one check: an outcome record and maybe a value."""

    outcome: str
    message: str = ""
    value: Any = None
    output: str = ""
    traceback: str = ""
    where: str = ""
    duration: float = 0.0  # seconds between the worker's start and result frames


@dataclass
class Job:
    """One submission (or the reference) to run: what to load and which checks to run."""

    name: str
    root: str  # folder holding the module files
    modules: list[str]
    checks: list[dict] | None  # catalogue entries in order; None: all (the reference run)
    seeds: list[int]
    variant: str = "public"
    device: str = "cpu"
    reference: bool = False
    catalogue: bool = False
    namespaces: dict = field(default_factory=dict)
    copy: bool = True  # run on a scratch copy of ``files`` rather than on ``root`` itself
    files: dict = field(default_factory=dict)  # relative path -> source path
    # results
    module_status: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)  # check id -> {case: CheckOutcome}
    stdout: Stream | None = None
    stderr: Stream | None = None
    catalogue_data: list | None = None
    started: float = 0.0
    finished: float = 0.0
    leftovers: int = 0
    raw: bytearray | None = None  # the reference's frames, kept for the cache
    cases: dict | None = None  # check id -> number of cases asked for (built on first use)

    def remaining(self) -> list[dict]:
        """Checks with no result yet whose module loaded (or has not been tried)."""
        if self.checks is None:
            return []
        return [c for c in self.checks if c["id"] not in self.results
                and self.module_status.get(c["module"], {}).get("status", "ok") == "ok"]

    def expects(self, check_id: Any, case: Any) -> bool:
        """Whether (check, case) is one this job asked for; anything else a worker sends is ignored."""
        if type(case) is not int or case < 0:
            return False
        if self.checks is None:  # the reference run: trusted, takes every check it reports
            return type(check_id) is str
        if self.cases is None:
            self.cases = {c["id"]: c["cases"] for c in self.checks}
        return type(check_id) is str and case < self.cases.get(check_id, 0)

    def apply(self, meta: dict, value: Any) -> None:
        """Record one frame's facts (the runner handles its timing).

        A worker is untrusted: only modules and (check, case) pairs this job asked for are
        recorded, the first report of each wins, and every text is a capped string.
        """
        event = meta.get("event")
        if event == "catalogue" and self.reference:
            self.catalogue_data = value
        elif event == "module":
            module = meta.get("module")
            if module in self.modules and module not in self.module_status and meta.get("status") in MODULE_STATES:
                self.module_status[module] = {k: text(meta.get(k)) for k in ("status", "kind", "message", "traceback")}
        elif event == "result":
            check_id, case = meta.get("check"), meta.get("case")
            if self.expects(check_id, case) and case not in self.results.get(check_id, {}):
                self.results.setdefault(check_id, {})[case] = CheckOutcome(
                    outcome=text(meta.get("outcome", "error")), message=text(meta.get("message")), value=value,
                    output=text(meta.get("output")), traceback=text(meta.get("traceback")),
                    where=text(meta.get("where")),
                )


MODULE_STATES = ("ok", "missing", "error")


def text(value: Any, limit: int = 8000) -> str:
    """A worker's text field as a capped string, whatever type it came as."""
    return value[:limit] if type(value) is str else ""


class Zygote:
    """A zygote process and the one job it runs at a time."""

    def __init__(self, sandbox, preload: Iterable[str] = (), trusted: bool = False, huge_pages: bool = False) -> None:
        self.sandbox = sandbox
        self.preload = ",".join(preload)
        self.trusted = trusted
        self.huge_pages = huge_pages  # see grader.isolation.zygote.collapse_to_huge_pages
        self.scratch = scratch.make()
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.ready = False
        self.attempt: Attempt | None = None
        self.log = None
        self.failed_starts = 0
        # in the environment of everything a process-mode zygote starts (bwrap clears it: there
        # the PID namespace ends every process of the sandbox with the zygote)
        self.tag = f"GRADER_ZYGOTE={uuid.uuid4().hex}"

    def start(self) -> None:
        if not sys.platform.startswith("linux"):
            raise GraderError(UNSUPPORTED_PLATFORM.format(platform=sys.platform))
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [sys.executable, "-m", "grader.isolation.zygote", "--fd", str(child.fileno()), "--preload", self.preload]
        if self.huge_pages:
            argv.append("--huge-pages")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        env.setdefault("MPLBACKEND", "Agg")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update([self.tag.split("=", 1)])
        command = self.sandbox.command(argv, self.scratch, trusted=self.trusted, env=env)
        debug = os.environ.get("GRADER_DEBUG")
        self.log = None if debug else tempfile.TemporaryFile()  # why a start failed, if it does
        self.proc = subprocess.Popen(
            command, pass_fds=[child.fileno()], env=env, cwd=str(self.scratch),
            stdin=subprocess.DEVNULL, stdout=None if debug else subprocess.DEVNULL,
            stderr=self.log, start_new_session=True,
        )
        child.close()
        parent.setblocking(True)
        self.sock = parent
        self.ready = False

    def log_tail(self) -> str:
        if self.log is None:
            return "(see the output above)"
        self.log.seek(0)
        return self.log.read()[-2000:].decode("utf-8", "replace").strip() or "(it printed nothing)"

    def send(self, msg: dict, fds: list[int] = ()) -> None:
        socket.send_fds(self.sock, [json.dumps(msg).encode()], list(fds))

    def receive(self) -> dict | None:
        try:
            data = self.sock.recv(1 << 16)
        except OSError:
            return None
        return json.loads(data) if data else None

    def terminate(self) -> None:
        """Kill the zygote and its whole session now; the judge then sees its socket close."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self) -> None:
        if self.sock:
            try:
                self.send({"op": "exit"})
            except OSError:
                pass
            self.sock.close()
            self.sock = None
        if self.proc:
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            self.proc = None
            kill_tagged(self.tag)  # what a submission that killed the zygote left running
        if self.log is not None:
            self.log.close()
            self.log = None
        scratch.remove(self.scratch)


class Attempt:
    """One worker process running (part of) a job."""

    def __init__(self, job: Job, zygote: Zygote, limits: Limits, number: int) -> None:
        self.job = job
        self.zygote = zygote
        self.limits = limits
        self.number = number
        self.reader = wire.FrameReader()
        self.fds: dict[int, str] = {}
        self.current: tuple[str, int] | None = None
        self.case_started = 0.0
        self.cell: int | None = None  # the notebook cell the worker is running, if any
        self.deadline = float("inf")
        self.kill_reason: str | None = None
        self.exit_status: int | None = None
        self.done = False
        self.corrupt: str | None = None
        self.received = 0  # bytes of result frames so far
        self.kill_sent = 0.0

    def spec(self, root: str, workdir: str) -> dict:
        """What the worker needs: modules are imported from ``root``, files are written in ``workdir``."""
        job = self.job
        return {
            "root": root, "cwd": workdir, "modules": job.modules,
            "checks": None if job.checks is None else [c["id"] for c in job.remaining()], "seeds": job.seeds, "variant": job.variant,
            "device": job.device, "reference": job.reference, "catalogue": job.catalogue and self.number == 0,
            "namespaces": job.namespaces, "limits": self.limits.for_worker(),
        }

    def timeout_for(self, check_id: str) -> float:
        if self.limits.check_timeout is not None:
            return self.limits.check_timeout
        for entry in self.job.checks or ():
            if entry["id"] == check_id:
                return float(entry.get("timeout", 10.0))
        return 10.0


class Runner:
    """Runs jobs on a set of zygotes, ``len(zygotes)`` at a time."""

    def __init__(self, zygotes: list[Zygote], limits: Limits = Limits()) -> None:
        self.zygotes = zygotes
        self.limits = limits
        self.selector = selectors.DefaultSelector()
        for z in zygotes:
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
        job.started = job.started or time.monotonic()
        job.stdout = job.stdout or Stream(self.limits.keep_output)
        job.stderr = job.stderr or Stream(self.limits.keep_output)
        self.launch(job, zygote, 0)

    def launch(self, job: Job, zygote: Zygote, number: int) -> None:
        attempt = Attempt(job, zygote, self.limits, number)
        workdir = zygote.scratch / "work"
        shutil.rmtree(workdir, ignore_errors=True)
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
            zygote.send({"op": "run", "job": job.name, "spec": attempt.spec(root, str(workdir))}, [w for _, w in pipes])
        except OSError:
            pass  # the zygote died while idle: its socket reads as closed next, and zygote_died ends this
        finally:
            for _, w in pipes:
                os.close(w)

    # ------------------------------------------------------------------ events

    def poll(self, on_done: Callable[[Job], None]) -> None:
        deadlines = [self.deadline(z.attempt) for z in self.zygotes if z.attempt]
        timeout = max(0.0, min(deadlines, default=time.monotonic() + 1.0) - time.monotonic())
        for key, _ in self.selector.select(min(timeout, 1.0)):
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

    def on_zygote(self, zygote: Zygote, on_done) -> None:
        msg = zygote.receive()
        if msg is None:
            self.zygote_died(zygote, on_done)
            return
        if msg["op"] == "ready":
            zygote.ready, zygote.failed_starts = True, 0
        elif msg["op"] == "exited":
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
        zygote.stop()
        zygote.scratch = scratch.make()
        zygote.start()
        self.selector.register(zygote.sock, selectors.EVENT_READ, ("zygote", zygote))
        if attempt is not None:
            attempt.kill_reason = attempt.kill_reason or "your code killed the grader's process that runs it"
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
            self.kill(attempt, f"your code printed more than {self.limits.output >> 20} MB of output")
        return True

    def on_results(self, attempt: Attempt, data: bytes) -> None:
        """Frames from the private result pipe; whatever does not decode stops the worker."""
        if attempt.corrupt:
            return
        attempt.received += len(data)
        if attempt.received > self.limits.results:
            attempt.corrupt = f"your code sent more than {self.limits.results >> 20} MB of results"
            self.kill(attempt, attempt.corrupt)
            return
        if attempt.job.raw is not None:
            attempt.job.raw += data
        try:
            for meta, value in attempt.reader.feed(data):
                self.on_frame(attempt, meta, value)
        except Exception as exc:  # noqa: BLE001 - a forged frame of any shape is the worker's fault
            attempt.corrupt = f"your code wrote into the grader's private result pipe ({str(exc)[:200]})"
            self.kill(attempt, attempt.corrupt)

    def on_frame(self, attempt: Attempt, meta: dict, value: Any) -> None:
        """Re-arm the deadline the next step of the worker must meet."""
        job = attempt.job
        job.apply(meta, value)
        event, now = meta.get("event"), time.monotonic()
        if event == "start":
            if not job.expects(meta.get("check"), meta.get("case")):
                return  # a start for a check nobody asked for buys no time
            attempt.current = (meta["check"], meta["case"])
            attempt.case_started = now
            attempt.deadline = now + attempt.timeout_for(attempt.current[0])
        elif event == "done":
            attempt.done = True
            attempt.deadline = now + EXIT_GRACE  # it should exit now; no more waiting than that
        elif not attempt.done:  # hello, module, cell, result: the next import, cell or check should begin soon
            if event == "cell":
                attempt.cell = meta.get("cell") if type(meta.get("cell")) is int else None
            if event == "result" and attempt.current:
                outcome = job.results.get(attempt.current[0], {}).get(attempt.current[1])
                if outcome is not None:
                    outcome.duration = now - attempt.case_started
                attempt.current = None
            attempt.deadline = now + self.limits.import_timeout

    def deadline(self, attempt: Attempt) -> float:
        """When the judge must next act on this attempt."""
        if attempt.kill_reason is not None:
            return attempt.kill_sent + EXIT_GRACE
        return min(attempt.deadline, attempt.job.started + self.limits.submission_timeout)

    def enforce_deadlines(self) -> None:
        now = time.monotonic()
        for z in self.zygotes:
            attempt = z.attempt
            if attempt is None or now <= self.deadline(attempt):
                continue
            if attempt.kill_reason is not None:  # the zygote does not answer (stopped?): end it
                z.terminate()
            elif now > attempt.job.started + self.limits.submission_timeout:
                self.kill(attempt, f"the submission ran longer than {self.limits.submission_timeout:g} s in total")
            elif attempt.done:
                self.kill(attempt, "your code kept running after its checks were done")
            elif attempt.current:
                self.kill(attempt, f"your code timed out after {attempt.timeout_for(attempt.current[0]):g} s")
            else:
                self.kill(attempt, f"your code did not finish loading within {self.limits.import_timeout:g} s")

    def kill(self, attempt: Attempt, reason: str) -> None:
        if attempt.kill_reason is None:
            attempt.kill_reason = reason
            attempt.kill_sent = time.monotonic()
        try:
            attempt.zygote.send({"op": "kill", "job": attempt.job.name})
        except OSError:
            pass

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
        but a process that escaped the sweep may still hold one open: stop when it runs dry."""
        for fd in list(attempt.fds):
            while fd in attempt.fds and self.on_pipe(fd, attempt):
                pass

    def finish_attempt(self, attempt: Attempt, on_done, relaunch: bool = True) -> None:
        """Record how the worker ended; start another for what remains, or finish the job."""
        self.drain(attempt)
        self.close_pipes(attempt)
        job, zygote = attempt.job, attempt.zygote
        zygote.attempt = None
        if not attempt.done:
            self.record_failure(attempt)
        if relaunch and job.remaining() and attempt.number < self.limits.restarts and not self.out_of_time(job):
            self.launch(job, zygote, attempt.number + 1)
            return
        for entry in job.remaining():
            reason = "not run: " + (attempt.kill_reason or "the worker stopped before reaching this check")
            job.results[entry["id"]] = {0: CheckOutcome("killed", reason)}
        job.finished = time.monotonic()
        on_done(job)

    def out_of_time(self, job: Job) -> bool:
        return time.monotonic() > job.started + self.limits.submission_timeout

    def record_failure(self, attempt: Attempt) -> None:
        """Say why the worker stopped, against the check or module it was busy with."""
        reason = attempt.kill_reason or exit_reason(attempt.exit_status)
        job = attempt.job
        if attempt.current is not None:
            check_id, case = attempt.current
            job.results.setdefault(check_id, {})[case] = CheckOutcome("killed", reason)
            return
        pending = job.remaining()
        if not pending:
            return
        module = pending[0]["module"]
        if module not in job.module_status:
            where = f" (code cell {attempt.cell})" if attempt.cell is not None else ""
            status = {"status": "error", "kind": "killed", "message": f"{module} could not be loaded{where}: {reason}"}
            # modules read from the same file (a notebook) failed with it: no point running it again
            source = job.namespaces.get(module)
            for other in job.modules:
                if other == module or (source and job.namespaces.get(other) == source):
                    job.module_status.setdefault(other, status)
        else:
            job.results.setdefault(pending[0]["id"], {})[0] = CheckOutcome("killed", reason)


SIGNAL_REASONS = {
    signal.SIGSEGV: "your code crashed (segmentation fault)",
    signal.SIGKILL: "your code was killed (over the memory or CPU limit?)",
    signal.SIGXCPU: "your code used up its CPU time",
    signal.SIGABRT: "your code aborted the process",
    signal.SIGBUS: "your code crashed (bus error)",
    signal.SIGFPE: "your code crashed (floating-point exception)",
}


def exit_reason(status: int | None) -> str:
    """A worker's wait status, in words for the student."""
    if status is None or status < 0:
        return "the grader lost the process running your code"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:  # real-time signals have no name
            name = f"signal {sig}"
        return SIGNAL_REASONS.get(sig, f"your code was killed by {name}")
    code = os.WEXITSTATUS(status)
    if code == WORKER_FAILED:
        return "the grader could not report what your code did (an exception that cannot be printed?)"
    return f"your code exited the process (status {code}) instead of returning"

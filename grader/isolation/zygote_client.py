"""The judge's end of a zygote: start it (in its sandbox), talk to it, stop it.

The server is :mod:`grader.isolation.zygote`; both sides name their messages with its
:class:`~grader.isolation.zygote.Op` table.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from typing import TYPE_CHECKING, Iterable

from grader.isolation import scratch
from grader.isolation.zygote import Op, kill_tagged
from grader.manifest import child_env
from grader.paths import PACKAGE_ROOT

if TYPE_CHECKING:
    from grader.isolation.attempt import Attempt

class Zygote:
    """A zygote process and the one job it runs at a time (Linux only: see grader.isolation.platform)."""

    name = "zygote"
    server = "grader.isolation.zygote"  # the module the sandbox runs

    def __init__(self, sandbox, preload: Iterable[str] = (), trusted: bool = False, huge_pages: bool = False,
                 device: str = "cpu") -> None:
        self.sandbox = sandbox
        self.preload = ",".join(preload)
        self.trusted = trusted
        self.huge_pages = huge_pages  # see grader.isolation.zygote.collapse_to_huge_pages
        self.device = device  # what its spare workers warm up for (grader.isolation.spare)
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
        parent, child = self.socketpair()
        argv = [sys.executable, "-m", self.server, "--fd", str(child.fileno()), "--preload", self.preload]
        argv += self.server_options()
        env = self.environment()
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

    def socketpair(self) -> tuple[socket.socket, socket.socket]:
        return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

    def server_options(self) -> list[str]:
        """The zygote's own: huge pages, the spares' device; none for the trusted reference's one job."""
        options = ["--huge-pages"] if self.huge_pages else []
        return options + (["--no-spares"] if self.trusted else ["--device", self.device])

    def environment(self) -> dict:
        env = child_env()  # the course's checks are what the workers run
        env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        env.setdefault("MPLBACKEND", "Agg")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        # torch.cuda.is_available() then asks NVML instead of creating a CUDA context: a process
        # that forks workers must never hold one (a forked child cannot use it)
        env["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"
        env.update([self.tag.split("=", 1)])
        return env

    def restart(self) -> None:
        """A fresh zygote (and scratch folder) in place of one that died."""
        self.stop()
        self.scratch = scratch.make()
        self.start()

    def log_tail(self) -> str:
        if self.log is None:
            return "(see the output above)"
        self.log.seek(0)
        return self.log.read()[-2000:].decode("utf-8", "replace").strip() or "(it printed nothing)"

    def send(self, msg: dict, fds: list[int] = ()) -> None:
        socket.send_fds(self.sock, [json.dumps(msg).encode()], list(fds))

    def run(self, job_name: str, spec: dict, fds: list[int]) -> None:
        self.send({"op": Op.RUN, "job": job_name, "spec": spec}, fds)

    def kill(self, job_name: str) -> None:
        self.send({"op": Op.KILL, "job": job_name})

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
                self.send({"op": Op.EXIT})
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
            self.kill_tagged()  # what a submission that killed the zygote left running
        if self.log is not None:
            self.log.close()
            self.log = None
        scratch.remove(self.scratch)

    def kill_tagged(self) -> None:
        kill_tagged(self.tag)

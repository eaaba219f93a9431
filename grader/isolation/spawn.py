"""The judge's end of the portable runner: the :class:`~grader.isolation.zygote_client.Zygote`
surface (start, run, kill, receive, stop), driven by the same :class:`~grader.isolation.runner.Runner`.

Its server (:mod:`grader.isolation.spawn_server`) answers with the zygote's messages over a
Unix stream socket (macOS has no ``SOCK_SEQPACKET``), one JSON object a line, and starts a
fresh Python process per worker instead of forking. Same wire format, same judge, same
verdicts; the limits are those ``resource`` offers where the worker runs (Linux enforces
the memory limit, macOS does not), and every process tree is killed with psutil. On Linux
the bwrap sandbox, when chosen, wraps the server and so every worker it starts.
"""

from __future__ import annotations

import json
import socket
import time

from grader.isolation import processes
from grader.isolation.spawn_server import STARTED
from grader.isolation.zygote_client import Zygote

#: Seconds a fresh worker may take to import torch before its job's clock starts (STARTED)
WARM_UP = 120.0


class SpawnZygote(Zygote):
    """A spawn server and the one job it runs at a time."""

    name = "spawn"
    server = "grader.isolation.spawn_server"

    def __init__(self, sandbox, preload=(), trusted: bool = False, huge_pages: bool = False, device: str = "cpu") -> None:
        super().__init__(sandbox, preload, trusted)  # no fork, so huge pages would save nothing
        self.buffer = b""
        self.queued: list[dict] = []
        self.sent = 0.0  # when the last RUN went out

    def socketpair(self) -> tuple[socket.socket, socket.socket]:
        return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

    def start(self) -> None:
        self.buffer, self.queued = b"", []
        super().start()

    def server_options(self) -> list[str]:
        return []  # the server starts each worker ahead already (grader.isolation.spawn_server)

    def send(self, msg: dict, fds: list[int] = ()) -> None:
        data = json.dumps(msg).encode() + b"\n"
        sent = socket.send_fds(self.sock, [data], list(fds))
        self.sock.sendall(data[sent:])

    def run(self, job_name: str, spec: dict, fds: list[int]) -> None:
        # the clocks (this worker's and the submission's) start with STARTED: see start_clock
        self.sent = time.monotonic()
        self.attempt.deadline = self.sent + WARM_UP
        self.attempt.job.started += WARM_UP
        super().run(job_name, spec, fds)

    def receive(self) -> dict | None:
        """The next message (None once the server is gone). The server sends one at a time
        (READY, then STARTED and EXITED for each RUN): only a STARTED can come before another
        in one read, and it is handled here, so the runner never misses an EXITED."""
        while not self.queued:
            try:
                data = self.sock.recv(1 << 16)
            except OSError:
                return None
            if not data:
                return None
            self.buffer += data
            *lines, self.buffer = self.buffer.split(b"\n")
            self.queued += [json.loads(line) for line in lines if line]
        while self.queued[0].get("op") == STARTED:  # ours alone: handled here, not by the runner
            started = self.queued.pop(0)
            if self.attempt is not None:
                self.start_clock(self.attempt)
            if not self.queued:
                return started  # an op the runner ignores
        return self.queued.pop(0)

    @staticmethod
    def start_clock(attempt) -> None:
        """The worker has its job: its deadlines, and the submission's, leave out the wait for it."""
        now = time.monotonic()
        attempt.job.started += now - attempt.zygote.sent - WARM_UP
        attempt.deadline = now + attempt.limits.import_timeout

    def kill_tagged(self) -> None:
        processes.kill_all(lambda: processes.tagged(self.tag), deadline=2.0)

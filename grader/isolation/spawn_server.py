"""The portable runner's server: the zygote's protocol, with a fresh process per worker.

Started by :class:`grader.isolation.spawn.SpawnZygote` (inside the sandbox when there is
one) with one end of a Unix stream socket as ``--fd``. It speaks the zygote's messages
(:class:`~grader.isolation.zygote.Op`, one JSON object a line): READY once, then EXITED
with the worker's wait status for each RUN. It never imports torch.

Each worker (:mod:`grader.isolation.spawn_worker`) is started one job ahead: it imports
torch while the previous job runs. The job's pipes are handed to it over a socket once it
is ready, and STARTED (a message of this runner only) tells the judge's client, which then
starts the job's clock: no student's deadline pays for ``import torch``. After each job the worker's tree and every process
carrying its tag are killed (psutil) and the files it left in the scratch folder deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass

from grader.isolation import confine, processes
from grader.isolation.zygote import Op, wipe

TAG = "GRADER_SPAWN"
STARTED = "started"


@dataclass
class Worker:
    proc: subprocess.Popen
    ctl: socket.socket  # where its job is handed over
    tag: str  # in the environment of everything it starts (set here: bwrap clears the judge's)
    ready: bool = False


class Server:
    def __init__(self, sock: socket.socket, preload: str, confinement: list[str]) -> None:
        self.sock = sock
        self.preload = preload
        self.confinement = confinement  # the options each worker confines itself with
        self.buffer = b""
        self.warm: Worker | None = None

    def start_worker(self) -> Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        tag = uuid.uuid4().hex
        proc = subprocess.Popen(
            [sys.executable, "-m", "grader.isolation.spawn_worker", "--fd", str(theirs.fileno()),
             "--preload", self.preload, *self.confinement],
            pass_fds=[theirs.fileno()], env={**os.environ, TAG: tag}, stdin=subprocess.DEVNULL,
            start_new_session=True)
        theirs.close()
        return Worker(proc, ours, f"{TAG}={tag}")

    def await_ready(self, worker: Worker) -> bool:
        """Wait until ``worker`` has imported what it needs (False: it died, or the judge killed the job)."""
        while not worker.ready:
            ready, _, _ = select.select([self.sock, worker.ctl], [], [])
            if worker.ctl in ready:
                worker.ready = worker.ctl.recv(16) == b"ready"
                if not worker.ready:
                    return False
                continue
            batch = self.messages()
            if batch is None:
                self.shutdown()
            for msg, fds in batch:
                for fd in fds:
                    os.close(fd)
                if msg.get("op") in (Op.KILL, Op.EXIT):
                    processes.kill_tree(worker.proc.pid)
                    return False
        return True

    def messages(self) -> list[tuple[dict, list[int]]] | None:
        """What the judge sent (None once it closed the socket); passed fds go with the RUN."""
        data, fds, _, _ = socket.recv_fds(self.sock, 1 << 20, 4)
        if not data:
            for fd in fds:
                os.close(fd)
            return None
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        out = []
        for line in filter(None, lines):
            msg = json.loads(line)
            out.append((msg, fds if msg.get("op") == Op.RUN else []))
        return out

    def send(self, msg: dict) -> None:
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def serve(self) -> None:
        self.warm = self.start_worker()
        if not self.await_ready(self.warm):  # it cannot import torch: the judge reports our log
            os._exit(1)
        self.send({"op": Op.READY, "pid": os.getpid()})
        # what a job leaves in the scratch folder (our cwd) and a private /tmp goes before the next
        folders = [os.getcwd()] + (["/tmp"] if os.environ.get("GRADER_PRIVATE_TMP") else [])
        baseline = {folder: set(os.listdir(folder)) for folder in folders}
        while True:
            batch = self.messages()
            if batch is None:
                self.shutdown()
            for msg, fds in batch:
                if msg.get("op") == Op.EXIT:
                    self.shutdown()
                if msg.get("op") != Op.RUN:
                    for fd in fds:
                        os.close(fd)
                    continue
                worker, self.warm = self.warm, self.start_worker()
                status = self.run(worker, msg["spec"], fds)
                killed = processes.kill_all(lambda: self.leftovers(worker))
                for folder, keep in baseline.items():
                    wipe(folder, keep)
                self.send({"op": Op.EXITED, "job": msg["job"], "status": status, "leftovers": killed})

    def leftovers(self, worker: Worker | None) -> list:
        """What ``worker`` left (None: every worker): our descendants but the next worker, and its tagged processes."""
        spare = {self.warm.proc.pid} if worker is not None and self.warm is not None else set()
        found = [p for p in processes.below(os.getpid()) if p.pid not in spare]
        return found + (processes.tagged(worker.tag) if worker is not None else [])

    def run(self, worker: Worker, spec: dict, fds: list[int]) -> int:
        data = json.dumps(spec).encode() + b"\n"
        try:
            if self.await_ready(worker):
                sent = socket.send_fds(worker.ctl, [data], fds)
                worker.ctl.sendall(data[sent:])
                self.send({"op": STARTED})
        except OSError:
            pass  # it died while warming up: its exit status says so
        finally:
            worker.ctl.close()
            for fd in fds:
                os.close(fd)
        if not worker.ready:
            processes.kill_tree(worker.proc.pid)
            return processes.wait_status(worker.proc.wait())
        return self.supervise(worker.proc)

    def supervise(self, proc: subprocess.Popen) -> int:
        """Wait for the worker to exit, or kill its tree when the judge says so."""
        exited_r, exited_w = os.pipe()
        threading.Thread(target=lambda: (proc.wait(), os.write(exited_w, b"x")), daemon=True).start()
        try:
            while True:
                ready, _, _ = select.select([self.sock, exited_r], [], [])
                if exited_r in ready:
                    return processes.wait_status(proc.returncode)
                batch = self.messages()
                for _, fds in batch or ():
                    for fd in fds:
                        os.close(fd)
                if batch is None or any(m.get("op") in (Op.KILL, Op.EXIT) for m, _ in batch):
                    processes.kill_tree(proc.pid)
                if batch is None:
                    self.shutdown()
        finally:
            os.close(exited_r)
            os.close(exited_w)

    def shutdown(self) -> None:
        if self.warm is not None:
            self.warm.ctl.close()
        processes.kill_all(lambda: self.leftovers(None))
        os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.isolation.spawn_server")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--preload", default="", help="comma-separated modules each worker imports first")
    confine.add_options(parser)
    args = parser.parse_args(argv)
    Server(socket.socket(fileno=args.fd), args.preload, confine.as_options(confine.from_options(args))).serve()


if __name__ == "__main__":
    main(sys.argv[1:])

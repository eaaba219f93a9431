"""The next worker, forked ahead while the current one runs: confined, and on a GPU with its
CUDA context already made, waiting on a socket of its own for its job.

A worker's own start (fork, confinement and, on CUDA, creating a context and a cuBLAS handle,
0.2 to 0.4 s on an H200) then overlaps the job before it instead of adding to it. The spare
is forked from the zygote, never from a student's process, before that job's files exist:
it confines itself with what is known ahead (the mount namespace, the uid, seccomp: all
while it is single-threaded, before CUDA starts threads) and the zygote hands it the job's
folder (as root, in process mode) and the job.

A student's code runs beside the spare and, as the same uid, may signal it. So the spare
blocks every signal it can while it waits, and the zygote hands a job only to a spare that
is alive, not stopped and has no signal pending; any other is killed and the job gets a
freshly forked worker instead. Nothing else of the spare is reachable: it is not dumpable
(no ptrace, no /proc/PID/mem), and the sweep after each job spares only it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys

from grader.isolation import confine


def warm_up(device: str) -> None:
    """What a worker's first CUDA operation would pay: the context, a kernel, a cuBLAS handle."""
    if not device.startswith("cuda"):
        return
    try:
        import torch

        square = torch.ones(8, 8, device=device)
        (square @ square).sum().item()
    except Exception:  # noqa: BLE001 - the job then meets the same error itself, as it would have
        pass


class Spare:
    """The zygote's handle on a spare worker: its pid and the socket its job goes down."""

    def __init__(self, pid: int, ctl: socket.socket) -> None:
        self.pid = pid
        self.ctl = ctl
        self.pidfd = os.pidfd_open(pid)  # this process, even once reaped and its pid reused

    @classmethod
    def fork(cls, sock: socket.socket, confinement: confine.Confinement, device: str) -> "Spare":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            ours.close()
            wait_for_job(theirs, sock, confinement, device)
        theirs.close()
        return cls(pid, ours)

    def untouched(self) -> bool:
        """Alive, not stopped, nothing pending: as it was forked (see the module docstring)."""
        if select.select([self.pidfd], [], [], 0)[0]:
            return False  # it exited (the sweep's reaping may have waited for it already)
        try:
            with open(f"/proc/{self.pid}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            return False
        state = fields.get("State", "").split()[:1]
        pending = [int(fields.get(key, "1").strip(), 16) for key in ("SigPnd", "ShdPnd")]
        return state in (["S"], ["R"]) and not any(pending)

    def take(self, spec: dict, fds: list[int], confinement: confine.Confinement) -> int | None:
        """Hand the job to the spare; its pid, or None (killed) when it cannot take it."""
        if not self.untouched():
            self.discard()
            return None
        try:
            if confinement.drop:  # the spare left root before this job's files were there
                confine.hand_over(spec["cwd"], confine.UID_BASE + os.getpid())
            socket.send_fds(self.ctl, [json.dumps(spec).encode()], fds)
        except OSError:
            self.discard()
            return None
        self.ctl.close()
        os.close(self.pidfd)
        return self.pid

    def discard(self) -> None:
        self.ctl.close()
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.pidfd)


def wait_for_job(ctl: socket.socket, sock: socket.socket, confinement: confine.Confinement, device: str) -> None:
    """In the spare: detach, block signals, confine, warm up, wait; then run the job (never returns)."""
    from grader.isolation.zygote import WORKER_FAILED, detach, receive, run_worker

    try:
        detach(sock)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        import torch

        torch.set_num_threads(1)
        if sys.platform.startswith("linux"):
            confine.apply(confinement, None, confine.UID_BASE + os.getppid())
        warm_up(device)
        spec, fds = receive(ctl)
        ctl.close()
    except BaseException:  # noqa: BLE001 - the zygote finds it dead and forks a worker instead
        os._exit(WORKER_FAILED)
    if spec is None or len(fds) != 3:
        os._exit(0)  # the zygote went away, or discarded us
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    run_worker(spec, fds, confinement, confined=True)

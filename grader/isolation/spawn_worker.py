"""One worker of the portable runner: a fresh Python process that imports torch, then runs one job.

Started by :mod:`grader.isolation.spawn_server` ahead of its job, with a socket as ``--fd``:
it imports what every worker needs (:func:`~grader.isolation.zygote.import_once`), says
``ready``, then receives the job's spec and its three pipes (results, stdout, stderr) and
does what a forked zygote worker does (:func:`~grader.isolation.zygote.become_worker`),
minus what only Linux has (the parent-death signal: the server's sweep covers it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys

from grader.isolation import confine
from grader.isolation.zygote import WORKER_FAILED, apply_limits, import_once


def receive_job(ctl: socket.socket) -> tuple[dict, list[int]] | None:
    data, fds, _, _ = socket.recv_fds(ctl, 1 << 20, 3)
    while data and not data.endswith(b"\n"):
        more = ctl.recv(1 << 20)
        if not more:
            return None
        data += more
    return (json.loads(data), fds) if data and len(fds) == 3 else None


def run(spec: dict, fds: list[int], confinement: confine.Confinement) -> int:
    result_fd, out_fd, err_fd = fds
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.close(out_fd)
    os.close(err_fd)
    for stream in (sys.stdout, sys.stderr):  # a crash or os._exit must not lose buffered prints
        stream.reconfigure(line_buffering=True)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    import torch

    torch.set_num_threads(1)  # -j workers share the cores; one thread each
    from grader.isolation.worker import Channel, run_job

    if sys.platform.startswith("linux"):  # seccomp, mount namespaces and the drop are Linux's
        # the server's pid makes the uid unique among live servers (see grader.isolation.confine)
        confine.apply(confinement, spec["cwd"], confine.UID_BASE + os.getppid())
    apply_limits(spec.get("limits", {}))  # after the drop: RLIMIT_NPROC binds the new uid

    run_job(spec, Channel(result_fd))
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.isolation.spawn_worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--preload", default="")
    confine.add_options(parser)
    args = parser.parse_args(argv)
    ctl = socket.socket(fileno=args.fd)
    import_once(filter(None, args.preload.split(",")))
    ctl.sendall(b"ready")
    job = receive_job(ctl)
    ctl.close()
    if job is None:
        os._exit(0)  # the server stopped before there was a job for us
    status = 0
    try:
        status = run(*job, confine.from_options(args))
    except BaseException:  # noqa: BLE001 - the judge sees the exit status and missing frames
        status = WORKER_FAILED
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a closed or replaced stream
                pass
        os._exit(status)


if __name__ == "__main__":
    main(sys.argv[1:])

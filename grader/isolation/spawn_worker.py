"""One worker of the portable runner: a fresh Python process that imports torch, then runs one job.

Started by :mod:`grader.isolation.spawn_server` ahead of its job, with a socket as ``--fd``:
it imports what every worker needs (:func:`~grader.isolation.zygote.import_once`), says
``ready``, then receives the job's spec and its three pipes (results, stdout, stderr) and
runs it as a forked zygote worker does (:func:`~grader.isolation.zygote.run_worker`),
minus what only Linux has (the parent-death signal: the server's sweep covers it).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys

from grader.isolation import confine
from grader.isolation.zygote import import_once, run_worker


def receive_job(ctl: socket.socket) -> tuple[dict, list[int]] | None:
    data, fds, _, _ = socket.recv_fds(ctl, 1 << 20, 3)
    while data and not data.endswith(b"\n"):
        more = ctl.recv(1 << 20)
        if not more:
            return None
        data += more
    return (json.loads(data), fds) if data and len(fds) == 3 else None


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
    run_worker(*job, confine.from_options(args))


if __name__ == "__main__":
    main(sys.argv[1:])

"""The zygote: a process that pays for ``import torch`` once and forks a worker per job.

Started by the judge (inside the sandbox when there is one) with one end of a Unix
SEQPACKET socket as file descriptor ``--fd``. Messages are JSON; the pipes a worker writes
to travel with the ``run`` message as passed file descriptors, so the worker's results go
straight to the judge and never through this process.

The zygote runs one job at a time and is a child subreaper: whatever a worker starts
(double forks, ``setsid`` daemons) is re-parented here when its parent dies, and is killed
before the job is reported finished, zombie leaders included (a process whose main thread
exited while another thread runs: state Z, yet alive). It never runs a torch operation
itself, so forked workers start with clean thread pools and no CUDA context. Each worker is
confined (grader.isolation.confine) after the imports and before the student's code.

Not done: a PID namespace or cgroup per worker. The sweep walks the tree this subreaper
holds, and a process that escapes it (its zygote killed) is found by ``kill_tagged``; inside
bubblewrap the sandbox's PID namespace ends everything with the zygote.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import importlib
import json
import os
import resource
import select
import signal
import socket
import sys
import time
from typing import Iterable

from grader.isolation import confine
from grader.isolation.procfs import environment, sweep
from grader.isolation.spare import Spare
from grader.isolation.scratch import remove_tree

#: The exit status of a worker whose own machinery failed, not the student's code (grader.isolation.runner words it).
WORKER_FAILED = 70
#: The exit status of a worker whose GPU context a case broke (its result already sent): the rest needs a fresh one.
DEVICE_LOST = 71
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36


class Op:
    """The messages of the zygote's socket: the judge sends RUN, KILL and EXIT; the zygote
    answers READY once, then EXITED for each job it ran."""

    RUN, KILL, EXIT = "run", "kill", "exit"
    READY, EXITED = "ready", "exited"


_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    _libc.prctl(option, value, 0, 0, 0)


def kill_tagged(tag: str, deadline: float = 2.0) -> int:
    """Kill every process whose environment holds ``tag`` (``NAME=value``); the judge's last resort.

    A submission that kills its zygote leaves its own children (setsid daemons included)
    re-parented to init, outside any tree the judge could walk. They still carry the
    zygote's environment, unless they went out of their way to exec with another one.
    """
    needle = b"\0" + tag.encode() + b"\0"
    killed: set[int] = set()
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid() and needle in b"\0" + environment(int(entry)):
                found.append(int(entry))
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        if not found:
            break
        time.sleep(0.01)
    return len(killed)


def apply_limits(limits: dict) -> None:
    """Resource limits for one worker (memory, CPU, file size, open files, no core dumps)."""
    def set_limit(kind: int, value: int, grace: int = 0) -> None:
        try:
            _, hard = resource.getrlimit(kind)
            ceiling = value + grace if hard == resource.RLIM_INFINITY else min(value + grace, hard)
            resource.setrlimit(kind, (min(value, ceiling), ceiling))
        except (ValueError, OSError):
            pass

    set_limit(resource.RLIMIT_CORE, 0)
    if limits.get("memory"):
        set_limit(resource.RLIMIT_DATA, data_size() + int(limits["memory"]))
    if limits.get("cpu"):
        # SIGXCPU at the limit (reported as "used up its CPU time"), SIGKILL a second later if ignored
        set_limit(resource.RLIMIT_CPU, int(limits["cpu"]), grace=1)
    if limits.get("fsize"):
        set_limit(resource.RLIMIT_FSIZE, int(limits["fsize"]))
    if limits.get("nofile"):
        set_limit(resource.RLIMIT_NOFILE, int(limits["nofile"]))
    if limits.get("nproc") and os.getuid() != 0:  # root is not bound by it; the sweep covers root
        set_limit(resource.RLIMIT_NPROC, int(limits["nproc"]))


def data_size() -> int:
    """Bytes of private writable memory this process maps now: what ``RLIMIT_DATA`` counts.

    The memory limit bounds that, not the address space (``RLIMIT_AS``): a CUDA context
    reserves hundreds of GB of addresses (``PROT_NONE``, never backed by memory), which an
    address-space limit refuses and a data limit does not count, while every heap,
    ``malloc`` and anonymous private ``mmap`` (numpy, torch's CPU allocator) counts. Shared
    memory escapes it: the judge watches that (grader.isolation.memory_watch).
    """
    import psutil  # here: the spawn runner's workers call this off Linux, where /proc is missing

    info = psutil.Process().memory_info()
    return getattr(info, "data", info.vms)  # macOS reports no data size (and enforces neither limit)


def detach(sock: socket.socket) -> None:
    """In a child forked to be a worker (now or as a spare): a session of its own, dead with
    the zygote, and not holding the judge's socket."""
    os.setsid()
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    sock.close()


def become_worker(spec: dict, fds: list[int], sock: socket.socket, confinement: confine.Confinement) -> None:
    """In the forked child: detach from the zygote's session and socket, then run the job."""
    try:
        detach(sock)
    except BaseException:  # noqa: BLE001 - the judge sees the exit status and missing frames
        os._exit(WORKER_FAILED)
    run_worker(spec, fds, confinement)


def run_worker(spec: dict, fds: list[int], confinement: confine.Confinement, confined: bool = False) -> None:
    """A worker of either runner: wire the pipes, confine (unless a spare that is already),
    limit, run the job, never return."""
    status = 0
    try:
        result_fd, out_fd, err_fd = fds
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.close(out_fd)
        os.close(err_fd)
        os.set_inheritable(result_fd, False)
        for stream in (sys.stdout, sys.stderr):  # a crash or os._exit must not lose buffered prints
            stream.reconfigure(line_buffering=True)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        import torch

        torch.set_num_threads(1)  # -j workers share the cores; one thread each
        from grader.isolation.worker import Channel, DeviceLost, run_job

        if sys.platform.startswith("linux") and not confined:  # seccomp, mount namespaces and the drop are Linux's
            # the server's pid makes the uid unique among live servers (see grader.isolation.confine)
            confine.apply(confinement, spec["cwd"], confine.UID_BASE + os.getppid())
        apply_limits(spec.get("limits", {}))  # after the drop: RLIMIT_NPROC binds the new uid

        try:
            run_job(spec, Channel(result_fd))
        except DeviceLost:
            status = DEVICE_LOST
    except BaseException:  # noqa: BLE001 - the judge sees the exit status and missing frames
        status = WORKER_FAILED
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a closed or replaced stream
                pass
        os._exit(status)


def serve(sock: socket.socket, confinement: confine.Confinement, device: str = "cpu", spares: bool = True) -> None:
    """Run jobs one at a time; with ``spares``, each on a worker forked ahead (grader.isolation.spare)
    and warmed up for the device the last job used (``device`` before the first)."""
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_DUMPABLE, 0)
    # What a job may leave behind is removed before the next one starts: its files in the
    # scratch folder (our cwd) and, when the sandbox gave us private ones, in /tmp, /dev
    # and /dev/shm (bwrap's /dev is a writable tmpfs).
    private = ["/tmp", "/dev", "/dev/shm"] if os.environ.get("GRADER_PRIVATE_TMP") else []
    folders = [os.getcwd()] + private
    baseline = {folder: set(os.listdir(folder)) for folder in folders}
    send(sock, {"op": Op.READY, "pid": os.getpid()})
    spare = Spare.fork(sock, confinement, device) if spares else None
    while True:
        msg, fds = receive(sock)
        if msg is None or msg.get("op") == Op.EXIT:
            sweep()
            os._exit(0)  # nothing to flush; tearing torch down properly costs a second
        if msg.get("op") != Op.RUN:
            continue
        spec = msg["spec"]
        pid = spare.take(spec, fds, confinement) if spare else None
        if pid is None:
            pid = os.fork()
            if pid == 0:
                become_worker(spec, fds, sock, confinement)
        for fd in fds:
            os.close(fd)
        spare = Spare.fork(sock, confinement, spec.get("device", device)) if spares else None
        status = supervise(sock, pid)
        killed = sweep(keep=spare.pid if spare else None)
        for folder, keep in baseline.items():
            wipe(folder, keep)
        send(sock, {"op": Op.EXITED, "job": msg["job"], "status": status, "leftovers": killed})


def wipe(folder: str, keep: set[str]) -> None:
    """Delete what appeared in ``folder`` since the zygote became ready."""
    for name in set(os.listdir(folder)) - keep:
        path = os.path.join(folder, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                remove_tree(path)  # iterative: a job may leave folders nested 1,500 deep
            else:
                os.unlink(path)
        except OSError:
            pass


def supervise(sock: socket.socket, pid: int) -> int:
    """Wait for the worker to exit, or kill its whole session when the judge says so."""
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            ready, _, _ = select.select([pidfd, sock], [], [])
            if sock in ready:
                msg, fds = receive(sock)
                for fd in fds:
                    os.close(fd)
                if msg is None or msg.get("op") in (Op.KILL, Op.EXIT):
                    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                        try:
                            target()
                        except (ProcessLookupError, PermissionError):
                            pass
                if msg is None:
                    sweep()
                    os._exit(0)
            if pidfd in ready:
                _, status = os.waitpid(pid, 0)
                return status
    finally:
        os.close(pidfd)


def send(sock: socket.socket, msg: dict) -> None:
    sock.send(json.dumps(msg).encode())


def receive(sock: socket.socket) -> tuple[dict | None, list[int]]:
    data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 4)
    if not data:
        return None, fds
    return json.loads(data), fds


MADV_COLLAPSE = 25  # Linux >= 6.1
HUGE_PAGE = 2 << 20


def collapse_to_huge_pages(min_bytes: int = 8 << 20) -> None:
    """Back this process's large anonymous regions (torch's heap: 300 MB) with 2 MB pages.

    Forking copies, and a worker's exit tears down, one page-table entry per page the zygote
    has written: with 4 KB pages that was a tenth of a class's CPU time (perf). With 2 MB
    pages there are 512 times fewer, and forking, running and ending a small worker costs
    8 ms instead of 24 (scripts/bench_fork.py). Collapsing costs 0.4 to 0.8 s once, so the
    judge asks for it only when a zygote has enough jobs ahead (grader.session.HUGE_PAGES_FROM).
    Where the kernel cannot (no THP, older than 6.1) madvise fails and nothing changes; the
    judge starts zygotes on Linux only (grader.isolation.platform).
    """
    _libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    with open("/proc/self/maps") as fh:
        regions = [line.split() for line in fh]
    for fields in regions:
        low, high = (int(x, 16) for x in fields[0].split("-"))
        anonymous = len(fields) < 6 or fields[5] == "[heap]"
        start, end = -(-low // HUGE_PAGE) * HUGE_PAGE, high // HUGE_PAGE * HUGE_PAGE
        if fields[1].startswith("rw") and anonymous and high - low >= min_bytes and end > start:
            _libc.madvise(start, end - start, MADV_COLLAPSE)


def import_once(preload: Iterable[str] = ()) -> None:
    """Pay here, once, for what every worker needs: torch, the worker code, the checks and
    what they prepare (grader.manifest.checks.prepare), and ``preload`` (torchvision...).

    The documented recipe for a process that forks without exec: no collections while the
    imports build their millions of objects (a fifth of `import torch, torchvision` went on
    full collections of a heap that only grows), then a freeze, so that the workers' garbage
    collections never touch (and so never copy) the pages they share with this process.
    """
    gc.disable()
    import numpy  # noqa: F401
    import torch  # noqa: F401

    from grader.isolation import worker  # noqa: F401 - 11 ms a job when each worker imported it itself
    from grader.manifest import active
    from grader.manifest.checks import load_checks, prepare

    course = active()
    load_checks(course)
    prepare(course)
    for name in preload:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    gc.freeze()
    gc.enable()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.isolation.zygote")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--preload", default="", help="comma-separated modules to import once")
    parser.add_argument("--huge-pages", action="store_true", help="worth it when many jobs follow (see collapse_to_huge_pages)")
    parser.add_argument("--device", default="cpu", help="what the first spare worker warms up for (cuda: its context)")
    parser.add_argument("--no-spares", action="store_true", help="fork each worker when its job comes (the trusted reference)")
    confine.add_options(parser)
    args = parser.parse_args(argv)
    confinement = confine.from_options(args)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    sock = socket.socket(fileno=args.fd)
    import_once(filter(None, args.preload.split(",")))
    if args.huge_pages:
        collapse_to_huge_pages()
    serve(sock, confinement, args.device, spares=not args.no_spares)


if __name__ == "__main__":
    main(sys.argv[1:])

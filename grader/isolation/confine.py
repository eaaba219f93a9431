"""What a forked worker gives up after the zygote's imports and before any student code.

Every untrusted worker, in both sandbox modes, takes the seccomp filter
(grader.isolation.seccomp). A process-mode worker of a grader running as root (Gradescope,
Docker) also leaves root behind: first, in a mount namespace of its own, the reference
solutions and the reference cache are covered by empty read-only folders (they may be
world-readable on disk); then its scratch folder is handed to a uid of its own, and it
becomes that uid with no groups, so it can neither write the grader's files nor signal the
zygote or the judge (both root). The uid is ``UID_BASE`` plus the zygote's pid: unique
among the zygotes alive at once, so the workers of parallel zygotes cannot signal each
other either (the zygote passes it). Where the mount namespace is refused (a container without CAP_SYS_ADMIN)
the folders stay as readable as their permissions make them.

Python may be installed where the new uid cannot pass (``/root`` is 0700): in the same
mount namespace, such a folder is covered by an empty tmpfs with only Python's own folders
bound back, so modules not imported yet (a student's ``import socket``) still load.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from dataclasses import dataclass

from grader.isolation import seccomp

UID_BASE = 0x10000000  # far above any uid or gid a system hands out
CLONE_NEWNS = 0x20000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 0x1000, 0x4000, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Confinement:
    """How a zygote's workers are confined (from its command line)."""

    seccomp: bool = False
    drop: bool = False  # become an unprivileged uid (process mode as root)
    hide: tuple[str, ...] = ()  # folders covered before the drop


def add_options(parser) -> None:
    """The command-line options a worker's server (zygote or spawn server) takes for this."""
    parser.add_argument("--confine", action="store_true", help="seccomp filter in every worker")
    parser.add_argument("--drop-privileges", action="store_true", help="workers leave root (process mode as root)")
    parser.add_argument("--hide", action="append", default=[], help="a folder workers must not see (with --drop-privileges)")


def from_options(args) -> Confinement:
    return Confinement(args.confine, args.drop_privileges, tuple(args.hide))


def as_options(confinement: Confinement) -> list[str]:
    """The same options again, for a process that starts workers of its own."""
    return ((["--confine"] if confinement.seccomp else []) + (["--drop-privileges"] if confinement.drop else [])
            + [f"--hide={folder}" for folder in confinement.hide])


def apply(confinement: Confinement, workdir: str | None, uid: int) -> None:
    """Confine the calling (forked, single-threaded) worker for good. ``workdir`` None: a spare
    worker, whose job's folder does not exist yet (the zygote hands it over later, as root)."""
    if confinement.drop:
        hide(confinement.hide)
        if workdir is not None:
            hand_over(workdir, uid)
        drop_to(uid)
    if confinement.seccomp:
        seccomp.install()


def hide(folders: tuple[str, ...]) -> None:
    """In a private mount namespace (where allowed): Python reachable, ``folders`` covered."""
    if _libc.unshare(CLONE_NEWNS) != 0:
        return
    # private first: a mount in a namespace whose mounts are shared would reach the host's
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    for blocked, inside in python_behind_closed_doors().items():
        keep = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in inside}
        mount("tmpfs", blocked, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k")
        for path, fd in keep.items():
            os.makedirs(path, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            os.close(fd)
    for folder in folders:
        if os.path.isdir(folder):
            mount("tmpfs", folder, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000,size=4k")


def mount(source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(kind), flags, encode(data)) != 0:
        raise OSError(ctypes.get_errno(), f"could not mount over {target}")


def python_behind_closed_doors() -> dict[str, list[str]]:
    """Python's folders (prefixes, sys.path) below a folder others cannot pass: closed folder -> them."""
    wanted = {os.path.realpath(p) for p in [sys.prefix, sys.base_prefix, *sys.path] if p and os.path.isdir(p)}
    outermost = sorted(p for p in wanted if not any(p.startswith(q + os.sep) for q in wanted))
    closed: dict[str, list[str]] = {}
    for path in outermost:
        parts = path.split(os.sep)
        for depth in range(2, len(parts)):
            ancestor = os.sep.join(parts[:depth])
            if not os.stat(ancestor).st_mode & 0o001:
                closed.setdefault(ancestor, []).append(path)
                break
    return closed


def hand_over(workdir: str, uid: int) -> None:
    """Let ``uid`` write the job's folder and pass through the scratch folder above it."""
    os.chmod(os.path.dirname(workdir), 0o711)
    folders = [workdir]  # a stack, not recursion: a submission's folders may be deep
    while folders:
        folder = folders.pop()
        os.chown(folder, uid, uid, follow_symlinks=False)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    os.chown(entry.path, uid, uid, follow_symlinks=False)


def drop_to(uid: int) -> None:
    """Become ``uid`` (and gid ``uid``) with no supplementary groups and no way back."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # a change of credentials clears it
    if os.getppid() == 1:  # the zygote died before the line above: nobody would end us
        os._exit(1)

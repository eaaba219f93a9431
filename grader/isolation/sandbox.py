"""How a zygote is started: as a plain process, or inside a bubblewrap sandbox.

A sandbox turns the zygote's command line (and environment) into one that runs it
confined. ``process`` is the portable fallback: separate processes, resource limits and a
private result pipe, but no filesystem or network isolation. ``bwrap`` runs the zygote in
bubblewrap namespaces: no network, a read-only system, a private ``/tmp``, only the
``grader`` package of the repository and the course's manifest and checks visible (not
``solutions/``, the reference cache or any report), its own PID namespace, so student code cannot see or signal the grader, and
its own user namespace with every capability dropped, so running the grader as root gives
student code no privilege. In both modes every worker takes a seccomp filter, and in
process mode as root the workers leave root (grader.isolation.confine).
Trusted zygotes (the reference run, which must read ``solutions/``) are never confined.

Neither mode puts a quota on the scratch folder's disk, or hides the CPU and memory
figures of the machine; both rely on the zygote's rlimits and its sweep of leftover
processes (grader/isolation/zygote.py), which work the same inside and outside bubblewrap.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import site
import subprocess
import sys
import threading
from pathlib import Path

from grader.manifest import active
from grader.paths import PACKAGE_ROOT, cache_dir, solution_folders

#: Environment variables a sandboxed zygote keeps; everything else (tokens, CI secrets) is dropped.
KEPT_ENV = ("PATH", "LANG", "LANGUAGE", "TZ", "PYTHONPATH", "GRADER_COURSE", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE",
            "MPLBACKEND", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "GRADER_DEBUG",
            "PYTORCH_NVML_BASED_CUDA_CHECK")


#: Files of the bound system a student must not read (printing them would put them in a report).
SECRETS = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
           "/etc/ssh", "/etc/ssl/private")

TMP_BYTES = 512 << 20  # the sandbox's private /tmp lives in RAM


class SandboxUnavailable(ValueError):
    """``--sandbox bwrap`` was asked for but bubblewrap cannot run here (the message says why)."""


class ProcessSandbox:
    """No confinement beyond separate processes and resource limits (any OS with fork)."""

    name = "process"

    def command(self, argv: list[str], scratch: Path, trusted: bool = False, env: dict | None = None) -> list[str]:
        if trusted:
            return argv
        if os.geteuid() != 0:
            return argv + ["--confine"]
        hidden = [str(folder) for folder in solution_folders()] + [str(cache_dir().resolve())]
        return argv + ["--confine", "--drop-privileges"] + [f"--hide={folder}" for folder in hidden]


class BwrapSandbox:
    """The zygote inside bubblewrap: see the module docstring for what it can and cannot see."""

    name = "bwrap"

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def command(self, argv: list[str], scratch: Path, trusted: bool = False, env: dict | None = None,
                course: bool = True) -> list[str]:
        """``course=False``: without the course's binds (the probe, which must not depend on a course)."""
        if trusted:
            return argv
        scratch = str(Path(scratch).resolve())
        grader_dir = str(PACKAGE_ROOT / "grader")
        options = [self.executable, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                   "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
        # no capabilities inside, even when the grader runs as root: a user namespace of its
        # own (root inside is no one outside), every capability dropped, no nested namespaces
        options += ["--unshare-user", "--cap-drop", "ALL"]
        if "--disable-userns" in bwrap_help(self.executable):  # bubblewrap >= 0.8
            options += ["--disable-userns"]
        if "--size" in bwrap_help(self.executable):  # bubblewrap >= 0.7: cap the RAM /tmp may take
            options += ["--size", str(TMP_BYTES)]
        options += ["--tmpfs", "/tmp"]
        options += system_binds() + python_binds()
        options += ["--ro-bind", grader_dir, grader_dir] + (course_binds() if course else [])
        options += ["--bind", scratch, scratch, "--chdir", scratch, "--remount-ro", "/"]
        options += ["--clearenv"]
        for key, value in sorted((env or os.environ).items()):
            if key in KEPT_ENV or key.startswith(("LC_", "NVIDIA_")):
                options += ["--setenv", key, value]
        options += ["--setenv", "HOME", scratch, "--setenv", "TMPDIR", "/tmp", "--setenv", "GRADER_PRIVATE_TMP", "1",
                    "--setenv", "MPLCONFIGDIR", os.path.join(scratch, ".matplotlib")]
        return options + ["--"] + argv + ["--confine"]


def course_binds() -> list[str]:
    """The course's manifest and checks, read-only, wherever they live; never its solutions."""
    course = active()
    binds = ["--ro-bind", str(course.manifest), str(course.manifest)]
    checks = course.checks.resolve()
    if not checks.is_relative_to(PACKAGE_ROOT / "grader"):  # at the path the workers import from (a link followed)
        binds += ["--ro-bind", str(course.checks), str(course.checks)]
    for solutions in solution_folders():  # solutions kept among the checks (or in grader/) are covered
        inside_bound = solutions.is_relative_to(checks) or solutions.is_relative_to(PACKAGE_ROOT / "grader")
        if inside_bound and solutions.is_dir():
            binds += ["--tmpfs", str(solutions)]
    return binds


def system_binds() -> list[str]:
    """The system, read-only: /usr, /etc and the top-level links or folders into /usr; GPUs if any."""
    binds: list[str] = []
    for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"):
        if os.path.islink(top):
            binds += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            binds += ["--ro-bind", top, top]
    for secret in SECRETS:  # readable by uid 0, and we may well run as root
        if os.path.isdir(secret) and not os.path.islink(secret):
            binds += ["--tmpfs", secret]
        elif os.path.isfile(secret):
            binds += ["--ro-bind", "/dev/null", secret]
    for device in sorted(glob.glob("/dev/nvidia*")):
        binds += ["--dev-bind", device, device]
    if glob.glob("/dev/nvidia*"):  # the CUDA driver reads its topology from /sys
        binds += ["--ro-bind", "/sys", "/sys"]
    return binds


def python_binds() -> list[str]:
    """Python's prefixes and site folders, read-only, at their own paths (a venv may live in the repo)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(sys.executable)}
    paths.update(site.getsitepackages())
    paths.add(site.getusersitepackages())
    binds: list[str] = []
    seen: set[str] = set()
    for path in sorted(paths):
        for target in dict.fromkeys((path, os.path.realpath(path))):
            inside_bound = any(target == s or target.startswith(s + os.sep) for s in seen)
            if not os.path.isdir(target) or inside_bound or Path(target).resolve() == PACKAGE_ROOT:
                continue
            seen.add(target)
            binds += ["--ro-bind", os.path.realpath(target), target]
    return binds


@functools.lru_cache(maxsize=None)
def bwrap_help(executable: str) -> str:
    """``bwrap --help``: which options this version has."""
    try:
        return subprocess.run([executable, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


_probing = threading.Lock()


def bwrap_problem() -> str:
    """Why bubblewrap cannot confine a zygote here ("" when it can); probed once per process."""
    with _probing:  # one probe, whichever thread asks first (see probe_in_background)
        return probe_bwrap()


def probe_in_background() -> None:
    """Start the probe now on a thread of its own: a student's run does so first thing, so that
    its two processes (``bwrap --help``, then Python inside bwrap: 50 ms, far more on a loaded
    machine) overlap parsing and resolving the submission instead of delaying the zygote."""
    threading.Thread(target=bwrap_problem, daemon=True).start()


@functools.lru_cache(maxsize=None)
def probe_bwrap() -> str:
    """The probe itself (once per process; call bwrap_problem, which a thread may already be running)."""
    executable = shutil.which("bwrap")
    if executable is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = BwrapSandbox(executable).command([sys.executable, "-c", "pass"], Path("/tmp"), course=False)
    try:
        result = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not be started ({exc})"
    if result.returncode != 0:
        return f"bwrap does not work here: {result.stderr.strip()[-300:] or f'exit status {result.returncode}'}"
    return ""


def choose(mode: str = "auto"):
    """The sandbox for ``--sandbox MODE``: ``auto`` is bwrap when it works, else process."""
    if mode == "process":
        return ProcessSandbox()
    if mode not in ("auto", "bwrap"):
        raise ValueError(f"unknown sandbox {mode!r}")
    problem = bwrap_problem()
    if not problem:
        return BwrapSandbox(shutil.which("bwrap"))
    if mode == "bwrap":
        raise SandboxUnavailable(f"--sandbox bwrap: {problem}")
    return ProcessSandbox()

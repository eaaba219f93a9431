"""What a sandboxed zygote can see and do, and the resource limits every worker gets."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from conftest import grade_all, run_cli
from grader.isolation import procfs, sandbox, seccomp, zygote
from grader.judging.selection import Selection
from grader.submissions.resolve import resolve
from grader.cli import main
from grader.paths import PACKAGE_ROOT
from grader.isolation.sandbox import BwrapSandbox, ProcessSandbox, SandboxUnavailable, bwrap_problem, choose

needs_bwrap = pytest.mark.skipif(bool(bwrap_problem()), reason=f"bubblewrap sandbox unavailable: {bwrap_problem()}")

# What a zygote inside the sandbox sees, as JSON on stdout.
PROBE = textwrap.dedent("""
    import json, os, socket, sys
    import torch, torchvision, matplotlib.pyplot
    def writable(path):
        try:
            with open(os.path.join(path, "probe.txt"), "w"):
                return True
        except OSError:
            return False
    def readable(path):
        try:
            return bool(open(path).read())
        except OSError:
            return False
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()
        network = "connected"
    except OSError as exc:
        network = type(exc).__name__
    print(json.dumps({
        "repo": sorted(os.listdir(sys.argv[2])), "tmp": [name for _, dirs, files in os.walk("/tmp") for name in dirs + files], "pid": os.getpid(),
        "judge_visible": os.path.exists(f"/proc/{sys.argv[3]}"), "home": os.environ.get("HOME"),
        "secret": os.environ.get("GRADER_TEST_SECRET"), "shadow": readable("/etc/shadow"), "network": network, "cwd": os.getcwd(),
        "writable": {p: writable(p) for p in (os.getcwd(), sys.argv[2], os.path.join(sys.argv[2], "grader"), "/tmp", "/usr")},
    }))
""")


@needs_bwrap
@pytest.mark.timeout(120)
def test_bwrap_zygote_sees_only_grader_and_scratch(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_TEST_SECRET", "token")
    host_file = tmp_path.parent / f"host{uuid.uuid4().hex[:12]}"  # under the host's /tmp
    host_file.write_text("the host's /tmp")
    listener = __import__("socket").create_server(("127.0.0.1", 0))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    argv = [sys.executable, "-c", PROBE, str(listener.getsockname()[1]), str(PACKAGE_ROOT), str(os.getpid())]
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    command = choose("bwrap").command(argv, scratch, env=env)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=100)
    listener.close()
    host_file.unlink()
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    # no solutions/, .grader-cache/, reports; a virtual environment inside the repo (as CI
    # makes one in .venv) must stay visible, or Python could not start in the sandbox
    venvs = {Path(p).relative_to(PACKAGE_ROOT).parts[0] for p in (sys.prefix, sys.exec_prefix)
             if Path(p).resolve().is_relative_to(PACKAGE_ROOT.resolve())}
    assert sorted(seen["repo"]) == sorted({"grader", "course.toml"} | venvs)  # the manifest, read-only
    assert host_file.name not in seen["tmp"] and not seen["judge_visible"] and seen["pid"] < 10
    assert seen["home"] == seen["cwd"] == str(scratch.resolve())
    assert seen["secret"] is None and not seen["shadow"] and seen["network"] != "connected"
    # a repo under /tmp sits on the sandbox's private tmpfs: writable there, but no write
    # reaches the host (the probe.txt assertion below is what matters)
    repo_on_private_tmp = PACKAGE_ROOT.resolve().is_relative_to("/tmp")
    assert seen["writable"] == {str(scratch.resolve()): True, str(PACKAGE_ROOT): repo_on_private_tmp,
                                str(PACKAGE_ROOT / "grader"): False, "/tmp": True, "/usr": False}
    assert not (PACKAGE_ROOT / "probe.txt").exists()


# A judge that starts one sandboxed zygote (named by a marker in its preload list) and waits.
JUDGE = textwrap.dedent("""
    import sys, time
    from grader.isolation.zygote_client import Zygote
    from grader.isolation.sandbox import choose
    zygote = Zygote(choose("bwrap"), preload=[sys.argv[1]])
    zygote.start()
    print(zygote.receive()["op"], flush=True)
    time.sleep(1000)
""")


@needs_bwrap
@pytest.mark.timeout(120)
def test_sandboxed_zygote_goes_away_when_the_grader_is_killed():
    marker = f"sandboxed{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    judge = subprocess.Popen([sys.executable, "-c", JUDGE, marker], env=env, stdout=subprocess.PIPE, text=True)
    assert judge.stdout.readline().strip() == "ready"
    assert marked(marker)
    judge.kill()
    judge.wait()
    deadline = time.monotonic() + 10
    while marked(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not marked(marker)


def marked(marker: str) -> bool:
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and marker.encode() in open(f"/proc/{entry}/cmdline", "rb").read():
                return True
        except OSError:
            pass
    return False


def test_trusted_zygotes_run_unconfined_and_others_confined(tmp_path, monkeypatch):
    argv = [sys.executable, "-m", "grader.isolation.zygote"]
    assert ProcessSandbox().command(argv, tmp_path, trusted=True) == argv
    assert BwrapSandbox("/usr/bin/bwrap").command(argv, tmp_path, trusted=True) == argv
    bwrap = BwrapSandbox("/usr/bin/bwrap").command(argv, tmp_path)
    assert bwrap[-1] == "--confine" and {"--unshare-user", "--cap-drop"} <= set(bwrap)
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    assert ProcessSandbox().command(argv, tmp_path) == argv + ["--confine"]
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 0)
    as_root = ProcessSandbox().command(argv, tmp_path)
    assert as_root[len(argv):len(argv) + 2] == ["--confine", "--drop-privileges"]
    assert f"--hide={(PACKAGE_ROOT / 'solutions').resolve()}" in as_root


def test_auto_falls_back_to_process_and_bwrap_says_why(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.probe_bwrap.cache_clear()
    try:
        assert choose("auto").name == "process"
        with pytest.raises(SandboxUnavailable, match="bwrap is not installed"):
            choose("bwrap")
    finally:
        sandbox.probe_bwrap.cache_clear()
    assert choose("process").name == "process"


@needs_bwrap
@pytest.mark.timeout(120)
def test_terminal_report_names_the_sandbox(capsys):
    assert main([str(PACKAGE_ROOT / "solutions"), "-k", "tensors.add_inplace", "--no-color"]) == 0
    assert "sandbox: bwrap" in capsys.readouterr().out


LIMITED = textwrap.dedent("""
    import os, sys
    from grader.isolation.zygote import apply_limits
    apply_limits({"memory": 64 << 20, "fsize": 1 << 20, "nofile": 32})
    outcome = {}
    try:
        bytearray(256 << 20)
        outcome["memory"] = "allocated"
    except MemoryError:
        outcome["memory"] = "MemoryError"
    try:
        with open(sys.argv[1], "wb") as fh:
            fh.write(b"x" * (2 << 20))
        outcome["fsize"] = "written"
    except OSError as exc:
        outcome["fsize"] = exc.strerror
    try:
        [open(os.devnull) for _ in range(64)]
        outcome["nofile"] = "opened"
    except OSError as exc:
        outcome["nofile"] = exc.strerror
    print(outcome)
""")


@pytest.mark.timeout(60)
def test_worker_limits_stop_memory_file_size_and_open_files(tmp_path):
    code = "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n" + LIMITED
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "big")], env=env, capture_output=True,
                            text=True, timeout=50)
    assert result.stdout.strip() == str({"memory": "MemoryError", "fsize": "File too large",
                                         "nofile": "Too many open files"}), result.stderr


@pytest.mark.timeout(60)
def test_cpu_limit_stops_a_busy_worker():
    code = "from grader.isolation.zygote import apply_limits\napply_limits({'cpu': 1})\nwhile True: pass"
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], env=env, timeout=50)
    assert result.returncode == -signal.SIGXCPU and time.monotonic() - started < 20


# ---------------------------------------------------------------- issue 17: a sandbox that holds as root

ESCAPES = textwrap.dedent("""
    import ctypes, os, struct
    libc = ctypes.CDLL(None, use_errno=True)
    caps = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0]
    handle = struct.pack("II", 8, 1) + struct.pack("<II", 2, 0)  # the root inode of an ext4 filesystem
    opened = libc.open_by_handle_at(os.open("/", os.O_RDONLY), ctypes.c_char_p(handle), os.O_RDONLY)
    handle_errno = ctypes.get_errno()
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0, as the zygote does
    if os.fork() == 0:  # like a worker, copy a descriptor out of its parent
        copied = libc.syscall(438, os.pidfd_open(os.getppid()), 0, 0)
        print(caps, opened, handle_errno, copied, ctypes.get_errno(), flush=True)
        os._exit(0)
    os.wait()
""")


@needs_bwrap
@pytest.mark.timeout(60)
def test_bwrap_leaves_no_capability_even_to_root(tmp_path):
    """Without seccomp: the user namespace alone makes open_by_handle_at and pidfd_getfd fail."""
    command = BwrapSandbox(sandbox.shutil.which("bwrap")).command([sys.executable, "-c", ESCAPES], tmp_path)
    result = subprocess.run(command, capture_output=True, text=True, timeout=50)
    caps, opened, handle_errno, copied, copy_errno = result.stdout.split()
    assert (caps, opened, copied) == ("0000000000000000", "-1", "-1"), result.stderr
    assert int(handle_errno) == errno.EPERM and int(copy_errno) == errno.EPERM


SECCOMP = textwrap.dedent("""
    import ctypes, errno, json, os, platform, subprocess, threading
    from grader.isolation import seccomp
    seccomp.install()
    libc = ctypes.CDLL(None, use_errno=True)
    numbers = seccomp.TABLES[platform.machine()][1]
    results = {}
    for name in seccomp.DENIED + ("clone3",):
        if name in numbers and name != "vhangup":  # -1 everywhere: harmless should the filter fail
            result = libc.syscall(numbers[name], *[ctypes.c_long(-1)] * 6)
            results[name] = errno.errorcode.get(ctypes.get_errno(), "?") if result == -1 else result
    child = libc.syscall(numbers["clone"], ctypes.c_long(0x10000000 | 17), 0, 0, 0, 0)  # CLONE_NEWUSER
    if child == 0:
        os._exit(0)
    results["clone(CLONE_NEWUSER)"] = errno.errorcode.get(ctypes.get_errno(), "?") if child == -1 else child
    thread = threading.Thread(target=lambda: results.setdefault("thread", "ran"))
    thread.start(); thread.join()
    results["subprocess"] = subprocess.run(["true"]).returncode
    print(json.dumps(results))
""")


@pytest.mark.timeout(60)
def test_seccomp_denies_what_a_submission_has_no_use_for_and_keeps_the_rest():
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    result = subprocess.run([sys.executable, "-c", SECCOMP], capture_output=True, text=True, env=env, timeout=50)
    results = json.loads(result.stdout)
    assert results.pop("clone3") == "ENOSYS"  # libc falls back to clone, whose flags the filter sees
    assert results.pop("thread") == "ran" and results.pop("subprocess") == 0
    assert {name: outcome for name, outcome in results.items() if outcome != "EPERM"} == {}
    assert len(results) > 45


@pytest.mark.parametrize("machine", sorted(seccomp.TABLES))
def test_seccomp_program_checks_the_architecture_first(machine):
    code = seccomp.program(machine)
    assert code[0] == (seccomp.LD_ABS, 0, 0, seccomp.ARCH) and code[1][3] == seccomp.TABLES[machine][0]
    assert code[-1] == (seccomp.RET, 0, 0, seccomp.RET_ALLOW)
    assert all(insn[1] < len(code) - i and insn[2] < len(code) - i for i, insn in enumerate(code))
    with pytest.raises(seccomp.SeccompUnavailable):
        seccomp.program("pdp11")


ZOMBIE_LEADER = textwrap.dedent("""
    import ctypes, os, threading, time
    threading.Thread(target=time.sleep, args=(60,)).start()
    time.sleep(0.1)
    ctypes.CDLL(None).syscall(60 if os.uname().machine == "x86_64" else 93, 0)  # exit, not exit_group
""")


def start_zombie_leader(env: dict) -> int:
    """A process whose main thread has exited while another thread lives (state Z); its pid."""
    proc = subprocess.Popen([sys.executable, "-c", ZOMBIE_LEADER], env=env, start_new_session=True)
    for _ in range(500):
        if procfs.threads_alive(proc.pid) and state(proc.pid) == "Z":
            return proc.pid
        time.sleep(0.01)
    raise AssertionError("the zombie leader never appeared")


def state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


@pytest.mark.timeout(60)
def test_kill_tagged_finds_a_zombie_leader_by_its_threads_environment():
    tag = f"GRADER_TEST_TAG={uuid.uuid4().hex}"
    pid = start_zombie_leader({**os.environ, tag.split("=")[0]: tag.split("=")[1]})
    assert tag.encode() in procfs.environment(pid)
    with pytest.raises(OSError):  # what kill_tagged read before: the leader's own environ
        Path(f"/proc/{pid}/environ").read_bytes()
    assert zygote.kill_tagged(tag) == 1
    os.waitpid(pid, 0)  # it was our child: once killed it is reaped here
    assert state(pid) == "gone"


SWEEP = textwrap.dedent("""
    import os, subprocess, sys, time
    from grader.isolation import procfs, zygote
    zygote.prctl(zygote.PR_SET_CHILD_SUBREAPER, 1)
    code = sys.argv[1]
    # a grandchild: its parent exits, so it is re-parented here like a worker's leftovers
    middle = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {code!r}])"])
    middle.wait()
    for _ in range(500):
        found = procfs.descendants()
        if any(s == "Z" and procfs.threads_alive(p) for p, s in found.items()):
            break
        time.sleep(0.01)
    print(sorted(found.values()), procfs.sweep(), procfs.descendants())
""")


@pytest.mark.timeout(60)
def test_sweep_kills_a_zombie_leader():
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    result = subprocess.run([sys.executable, "-c", SWEEP, ZOMBIE_LEADER], capture_output=True, text=True, env=env, timeout=50)
    assert result.stdout.strip() == "['Z'] 1 {}", result.stderr


PRIVILEGES = textwrap.dedent("""
    import os
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    judge = int(open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()[1])
    try:
        os.kill(judge, 0)
        signal_judge = "allowed"
    except PermissionError:
        signal_judge = "denied"
    try:
        os.listdir(CACHE)
        cache = "listed"
    except OSError as exc:
        cache = type(exc).__name__
    print("uid", os.getuid(), "groups", os.getgroups(), "caps", status["CapEff"].strip(),
          "seccomp", status["Seccomp"].strip(), "judge", signal_judge, "cache", cache, "cwd writable", os.access(".", os.W_OK))
""")


@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader running as root drops its workers' privileges")
@pytest.mark.timeout(120)
def test_process_mode_workers_of_a_root_grader_leave_root(tmp_path):
    from grader.isolation.confine import UID_BASE
    from grader.paths import cache_dir

    (tmp_path / "tensors.py").write_text(PRIVILEGES.replace("CACHE", repr(str(cache_dir()))))
    [report] = grade_all([resolve(tmp_path / "tensors.py")], sandbox="process", selection=Selection("tensors.add_inplace"))
    fields = report.stdout.split()
    facts = dict(zip(fields[::2], fields[1::2]))
    assert int(facts["uid"]) > UID_BASE and facts["groups"] == "[]" and facts["caps"] == "0000000000000000"
    assert facts["seccomp"] == "2" and facts["judge"] == "denied" and facts["cache"] in ("PermissionError", "FileNotFoundError")


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader running as root drops its workers' privileges")
@pytest.mark.timeout(600)
def test_every_module_and_a_notebook_grade_the_same_after_the_drop(tmp_path):
    """What a worker imports after leaving root (torchvision, IPython, matplotlib) still loads."""
    result = run_cli(str(PACKAGE_ROOT / "solutions"), "--sandbox", "process")
    assert "Total: 99/99 (100%)" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
    notebook = Path(__file__).parent / "fixtures" / "practical2_student.ipynb"
    totals = {}
    for mode in ("process", "bwrap") if not bwrap_problem() else ("process",):
        output = run_cli(str(notebook), "--sandbox", mode, "--no-color").stdout
        totals[mode] = [line.split("graded in")[0] for line in output.splitlines() if line.startswith("Total:")]
    assert totals["process"] and len(set(map(tuple, totals.values()))) == 1, totals

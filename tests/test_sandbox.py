"""What a sandboxed zygote can see and do, and the resource limits every worker gets."""

from __future__ import annotations

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

from grader.isolation import sandbox
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
    assert sorted(seen["repo"]) == sorted({"grader"} | venvs)
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
    from grader.isolation.runner import Zygote
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
    sandbox.bwrap_problem.cache_clear()
    try:
        assert choose("auto").name == "process"
        with pytest.raises(SandboxUnavailable, match="bwrap is not installed"):
            choose("bwrap")
    finally:
        sandbox.bwrap_problem.cache_clear()
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

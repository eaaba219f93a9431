# A plain child left behind and a double-forked setsid daemon: both must be killed.
import os
import subprocess

SLEEPER = ["bash", "-c", "exec -a HOSTILE_MARKER sleep 1000"]
subprocess.Popen(SLEEPER, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            os.execvp("bash", SLEEPER)
    finally:
        os._exit(0)
os.wait()

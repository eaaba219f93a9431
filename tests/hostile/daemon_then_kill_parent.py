# Start a setsid daemon, then kill the zygote so that no subreaper is left to collect it.
import os
import signal
import subprocess
import time

subprocess.Popen(["bash", "-c", "exec -a HOSTILE_MARKER sleep 1000"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(10)

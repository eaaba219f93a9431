# SIGSTOP the worker's grandparent (the judge, in process mode), then let it go again at
# once: only whether the stop took is reported, so a failure here cannot hang the tests.
import os
import signal
import time


def parent_of(pid):
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


def state_of(pid):
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0]


judge = parent_of(os.getppid())
try:
    os.kill(judge, signal.SIGSTOP)
    time.sleep(0.2)
    stopped = state_of(judge) in "tT"
    os.kill(judge, signal.SIGCONT)
    print("stopped the judge" if stopped else "the judge did not stop")
except OSError as exc:
    print(f"could not stop the judge: {exc}")

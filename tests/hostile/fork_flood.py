# 50 forks, each forking once more before becoming a sleeper (100 processes).
import os

for _ in range(50):
    if os.fork() == 0:
        try:
            os.fork()
            os.execvp("bash", ["bash", "-c", "exec -a HOSTILE_MARKER sleep 1000"])
        finally:
            os._exit(1)

# Kill the zygote (the worker's parent), then wait to be killed in turn.
def add_inplace_(x, y):
    import os
    import signal
    import time

    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(10)
    return x.add_(y)

# Freeze the zygote (the worker's parent) with SIGSTOP, then loop: nobody is left to answer
# the judge's kill, so the judge must end the zygote itself and carry on.
def add_inplace_(x, y):
    import os
    import signal

    os.kill(os.getppid(), signal.SIGSTOP)
    while True:
        pass

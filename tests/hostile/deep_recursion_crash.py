# Lift the recursion limit, then recurse through C (a __repr__ calling repr): the C stack
# overflows and the worker dies with SIGSEGV.
import sys


class Deep:
    def __repr__(self):
        return repr(self)


def add_inplace_(x, y):
    sys.setrecursionlimit(10**6)
    return repr(Deep())

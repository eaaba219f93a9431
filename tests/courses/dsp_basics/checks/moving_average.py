"""Checks of moving_average.py (10 points)."""

from grader.authoring.check import check, raises


@check(points=4)
def correlate_valid(sub, case):
    "correlate gives the 'valid' cross-correlation of a signal with a kernel."
    return sub.correlate(case.randn(8), case.randn(3))


@check(points=4, cases=2)
def moving_average_windows(sub, case):
    "moving_average averages every window of k values, for k = 1, 2, 5 and the whole signal."
    x = case.randn(7)
    return [sub.moving_average(x, k) for k in (1, 2, 5, 7)]


@check(points=2)
def moving_average_bad_window(sub, case):
    "moving_average raises ValueError for a window of 0 or longer than the signal."
    x = case.randn(4)
    return [raises(sub.moving_average, x, 0), raises(sub.moving_average, x, 5)]

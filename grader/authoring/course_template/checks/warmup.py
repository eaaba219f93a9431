"""Checks of exercises/warmup.py: 10 points, the ``points`` of its [[assignment]] in course.toml.

A check is a function ``(sub, case)`` decorated with ``@check(points=...)``. ``sub`` is the
module being graded: a student's ``warmup.py``, or ``solutions/warmup.py`` for the expected
answer. ``case`` draws seeded inputs (``case.randn``, ``case.rand``, ``case.randint``, and
``case.np``, a numpy generator), the same for the student and the solution. A check returns
plain data (tensors, numbers, strings, dtypes, and lists, tuples and dicts of them); the
grader runs it on both modules and compares the two results. The first line of its docstring
is what the report says it checks. ``cases=N`` runs it with the first N seeds of the
variant (course.toml's [seeds]); it passes when every case passes.

A check file is imported on its own, next to student code: keep it free of solutions.
"""

from grader.authoring.check import check, raises


@check(points=6)
def standardize_values(sub, case):
    "standardize gives every column of x mean 0 and standard deviation 1."
    x = case.randn(8, 3) * 5 + 2  # columns far from mean 0 and std 1: returning x scores nothing
    return sub.standardize(x)


@check(points=4, cases=2)
def scale_rows_and_mismatch(sub, case):
    "scale_rows multiplies row i by weights[i], and raises ValueError when there is not one weight per row."
    x = case.randn(4, 3)
    # raises(f, ...) returns f's result, or what it raised: the student must raise the same type (or a
    # subclass). The matching weights come first: raising for everything is not knowing when to raise.
    return {
        "scaled": raises(sub.scale_rows, x, case.randn(4)),
        "three_weights": raises(sub.scale_rows, x, case.randn(3)),
    }

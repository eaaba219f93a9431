"""A grading harness for PyTorch practicals: any course with a ``course.toml`` (Module 2 is bundled).

Student code runs in sandboxed worker processes and sends back plain data; this package's
trusted side (the judge) compares that data with the reference solutions' and reports.
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """``%load_ext grader``: adds ``%grade MODULE`` (see grader.notebook_check)."""
    from grader.notebook_check import load_ipython_extension as load

    load(ipython)

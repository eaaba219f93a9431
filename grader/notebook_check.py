"""Checking one's work from inside a notebook: ``%load_ext grader`` then ``%grade tensors``.

The cells the student has run so far, in the kernel's history order, are written as a
notebook in a temporary folder and graded by ``python -m grader`` in a child process: the
usual workers and judge, never the kernel, so nothing a cell patches there (the grader's
functions, ``torch.allclose``) reaches the verdict. The report is the terminal's, shown as
HTML. No notebook file on disk is needed (in Colab there is none).
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from pathlib import Path


from grader.manifest import active, child_env
from grader.paths import PACKAGE_ROOT

#: the check's own magics: graded from the file on disk too, they are blank lines (no "uses magics" note)
CHECK_MAGICS = ("%load_ext grader", "%grade")
#: lines of the check itself, left out of the program graded from the kernel's history
OWN_LINES = CHECK_MAGICS + ("grader.check(", "import grader")


def without_check(source: str) -> str:
    """``source`` with the check's magics blanked (line numbers kept)."""
    return "\n".join("" if line.strip().startswith(CHECK_MAGICS) else line for line in source.split("\n"))


def cells_so_far(ipython) -> list[str]:
    """The raw source of every cell run so far, this one (the check) excepted."""
    history = list(ipython.history_manager.input_hist_raw[1:-1])
    return ["\n".join(line for line in cell.splitlines() if not line.strip().startswith(OWN_LINES))
            for cell in history]


def grade_cells(module: str, cells: list[str], timeout: float = 600) -> str:
    """The terminal report of ``cells`` graded as notebook ``module``.ipynb (that module's checks), in a child process."""
    import nbformat  # here, not at import: the judge imports this module for without_check

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells if c.strip()])
    # the kernel's history: a cell run again after a fix is a later cell, and the kernel holds
    # what was run last, so that is what is graded (not where each name first stood)
    notebook.metadata["grader"] = {"state": "last"}
    with tempfile.TemporaryDirectory(prefix="grader-check-") as folder:
        path = Path(folder) / f"{module}.ipynb"
        nbformat.write(notebook, path)
        course = active()
        which = ["--assignment", module] if module in {a.name for a in course.assignments} else ["-k", f"{module}."]
        done = subprocess.run([sys.executable, "-m", "grader", str(path), "--no-color", *which], cwd=PACKAGE_ROOT,
                              env=child_env(), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return (done.stdout + done.stderr).replace(str(path), f"{module}.ipynb (the cells run so far)")


def check(module: str, ipython=None):
    """Grade the cells run so far as ``module`` and show the report (what ``%grade`` does)."""
    from IPython import get_ipython
    from IPython.display import HTML

    text = grade_cells(module, cells_so_far(ipython or get_ipython()))
    return HTML(f"<pre>{html.escape(text)}</pre>")


def load_ipython_extension(ipython) -> None:
    from IPython.display import display

    def grade(line: str) -> None:
        module = line.strip()
        if not module:
            print(f"usage: %grade MODULE ({', '.join(active().modules)})")
            return
        display(check(module, ipython))

    ipython.register_magic_function(grade, "line", "grade")

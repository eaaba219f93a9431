"""``%grade`` in a real IPython kernel (nbclient): the cells run so far are graded outside the kernel."""

from __future__ import annotations

import os

import nbformat
import pytest

from conftest import EXERCISES, ROOT, SOLUTIONS

PATCH = """import torch, grader.judging.compare, grader.session
torch.allclose = lambda *a, **k: True
grader.judging.compare.compare = lambda *a, **k: None
grader.session.judge = None"""


@pytest.mark.timeout(600)
def test_grade_magic_in_a_kernel_grades_the_cells_run_so_far_and_ignores_patches(tmp_path):
    from nbclient import NotebookClient

    cells = [(EXERCISES / "tensors.py").read_text(), PATCH, "%load_ext grader\n%grade tensors",
             (SOLUTIONS / "tensors.py").read_text(), "%grade tensors"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"] = env_path  # the kernel inherits it (restored by the next line's finally)
    try:
        NotebookClient(notebook, timeout=500, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path.rstrip(os.pathsep)

    def shown(index: int) -> str:
        return "".join(o.get("data", {}).get("text/html", "") for o in notebook.cells[index].outputs)

    stubs, solutions = shown(2), shown(4)
    assert "<pre>" in stubs and "Total: 0/" in stubs, stubs[-1500:]
    assert "NotImplementedError" in stubs or "not implemented" in stubs.lower(), stubs[-1500:]
    assert "Total: 19/19" in solutions, solutions[-1500:]


def test_the_check_cell_graded_from_the_file_is_no_magic_to_note():
    from grader.authoring.notebooks_build import GRADE_CELL
    from grader.submissions.notebook import program

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                               nbformat.v4.new_code_cell(GRADE_CELL.format(name="tensors"))])
    _, names, notes, _ = program(notebook)
    assert names == {"x"} and notes == []
    notebook.cells.append(nbformat.v4.new_code_cell("%matplotlib inline"))
    assert any("IPython magics" in note for note in program(notebook)[2])

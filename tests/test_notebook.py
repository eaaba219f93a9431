"""Notebook submissions: graded like modules, cell by cell, with no shell ever run.

Every notebook below is graded in one session (module fixture ``reports``); the notebooks
are built from the solutions and stubs with the course's own notebook builder, so they
follow the course as it changes. The process sandbox is used on purpose: its workers see
the real /tmp, so a shell command that ran would leave its marker file where the test
looks.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import nbformat
import pytest

import course_notebooks as cn
from conftest import ROOT, SOLUTIONS, grade_all, run_cli
from grader.manifest import BUNDLED, load

from grader.submissions.resolve import resolve
from grader.authoring.material import stub_source
from grader.authoring.notebooks_build import build_notebook, build_notebooks

MODULES = load(BUNDLED).modules

FIXTURES = Path(__file__).parent / "fixtures"
PRACTICAL2 = FIXTURES / "practical2_student.ipynb"


def solution(module: str) -> str:
    return (SOLUTIONS / f"{module}.py").read_text()


def notebook_of(*sources: tuple[str, str]) -> nbformat.NotebookNode:
    """One notebook holding the built notebooks of several (module, source) pairs, in order."""
    notebook = nbformat.v4.new_notebook()
    for module, source in sources:
        notebook.cells += build_notebook(source, module).cells
    return notebook


def code_cell_number(notebook: nbformat.NotebookNode, cell: nbformat.NotebookNode) -> int:
    return [c for c in notebook.cells if c.cell_type == "code"].index(cell) + 1


def class_cell(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(f"class {name}"))


def save(notebook: nbformat.NotebookNode, path: Path) -> Path:
    nbformat.write(notebook, str(path))
    return path


class Case:
    """One notebook to grade, and what the assertions need to know about it."""

    def __init__(self, path: Path, **facts) -> None:
        self.path = path
        self.facts = facts


def build_cases(folder: Path) -> dict[str, Case]:
    cases = {}
    everything = notebook_of(*[(m, solution(m)) for m in MODULES])
    cases["solutions"] = Case(save(everything, folder / "solutions.ipynb"))
    stubs = notebook_of(*[(m, stub_source(solution(m))) for m in MODULES])
    cases["stubs"] = Case(save(stubs, folder / "stubs.ipynb"))

    raising = notebook_of(("backprop", solution("backprop")))
    bad = nbformat.v4.new_code_cell("print('before')\nvalues = [1, 2]\nvalues[5]")
    raising.cells.insert(2, bad)
    cases["raises"] = Case(save(raising, folder / "raises.ipynb"), number=code_cell_number(raising, bad))

    # the course's empty practical: method bodies with only a comment do not parse
    empty = notebook_of(("backprop", solution("backprop")))
    cell = class_cell(empty, "my_exp")
    cell.source = ("class my_exp(object):\n    def forward(self, x):\n        # your code here\n\n"
                   "    def backward(self, grad):\n        # your code here\n")
    cases["unparsable"] = Case(save(empty, folder / "unparsable.ipynb"), number=code_cell_number(empty, cell))

    markers = {kind: Path(f"/tmp/grader-shell-{kind}-{uuid.uuid4().hex}") for kind in ("bang", "getoutput", "bash", "sh", "python")}
    magics = notebook_of(("backprop", solution("backprop")))
    magics.cells[1:1] = [nbformat.v4.new_code_cell(text) for text in (
        f"%matplotlib inline\n%load_ext autoreload\n!touch {markers['bang']}\nlisting = !touch {markers['getoutput']}",
        f"%%bash\ntouch {markers['bash']}",
        f"%%sh\ntouch {markers['sh']}",
        "%time timed = 1 + 1\n%timeit -n 1 -r 1 repeated = 3\nfor k in range(2):\n    !echo inside a loop",
        "%%time\ncell_timed = 4",
        "%%capture\ncaptured = 5",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nplt.show()",
        f"open({str(markers['python'])!r}, 'w').close()  # the same path is writable from a cell",
        "assert (timed, repeated, cell_timed, captured, listing) == (2, 3, 4, 5, [])",
    )]
    cases["magics"] = Case(save(magics, folder / "magics.ipynb"), markers=markers)

    cases.update(course_cases(folder))
    return cases


BUGGY_BACKWARD = cn.MULTIPLICATION.replace("self.g = grad * self.x_seen", "self.g = grad * self.w")


def course_cases(folder: Path) -> dict[str, Case]:
    """Notebooks in the course's own style (tests/course_notebooks.py)."""
    cases = {"practical2": Case(PRACTICAL2), "practical2_empty": Case(None, cells=cn.practical2(blank=True)),
             "practical2_bug": Case(None, cells=cn.practical2(BUGGY_BACKWARD)),
             "practical2_late_fix": Case(None, cells=cn.practical2(BUGGY_BACKWARD, later=[cn.MULTIPLICATION])),
             "functional": Case(None, cells=cn.functional()),
             "functional_empty": Case(None, cells=cn.functional(blank=True))}
    for name, case in cases.items():
        if case.path is None:
            case.path = save(cn.notebook(case.facts["cells"]), folder / f"{name}.ipynb")
    pinned = cn.notebook(cn.practical2())
    next(c for c in pinned.cells if c.source == cn.FROZEN_BIAS).metadata["tags"] = ["grade:training_exp"]
    cases["practical2_pinned"] = Case(save(pinned, folder / "practical2_pinned.ipynb"))
    last = cn.notebook(cn.practical2())
    last.metadata["grader"] = {"state": "last"}
    cases["practical2_last"] = Case(save(last, folder / "practical2_last.ipynb"))
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    cases = build_cases(tmp_path_factory.mktemp("notebooks"))
    submissions = [resolve(case.path) for case in cases.values()]
    reports = grade_all(submissions, sandbox="process")
    yield {name: (case, report) for (name, case), report in zip(cases.items(), reports)}
    for marker in cases["magics"].facts["markers"].values():
        marker.unlink(missing_ok=True)


def module(report, name):
    return next(m for m in report.modules if m.name == name)


def check(report, check_id):
    return next(c for c in report.checks if c.id == check_id)


@pytest.mark.timeout(300)
def test_notebook_of_the_solutions_scores_full_marks(graded):
    _, report = graded["solutions"]
    assert report.score == report.max_score == 99, [c.message for c in report.checks if c.status == "failed"]
    assert any(n.startswith("the notebook covers tensors, broadcasting, cifar, autograd, backprop") for n in report.notes)


def test_notebook_of_the_stubs_scores_zero(graded):
    _, report = graded["stubs"]
    assert report.score == 0
    assert "not implemented yet" in check(report, "backprop.training_exp").message


def test_a_cell_that_raises_is_named_and_later_cells_still_run(graded):
    case, report = graded["raises"]
    assert module(report, "backprop").points == 10
    note = next(n for n in report.notes if "raised" in n)
    assert f"code cell {case.facts['number']} (`print('before')`) raised IndexError: list index out of range (line 3)" in note
    assert "before" in report.stdout


def test_a_cell_that_does_not_parse_scores_zero_for_what_it_defines(graded):
    case, report = graded["unparsable"]
    note = next(n for n in report.notes if "does not parse" in n)
    assert f"code cell {case.facts['number']} (`class my_exp(object):`) does not parse" in note
    assert "IndentationError" in note and "line " in note and "(my_exp) scores 0" in note
    assert check(report, "backprop.my_exp_layer").points == 0
    assert "does not define my_exp" in check(report, "backprop.my_exp_layer").message
    # the cells before and after it ran
    assert check(report, "backprop.multiplication_weight_step").status == "passed"


def test_magics_are_emulated_and_no_shell_ever_runs(graded):
    case, report = graded["magics"]
    markers = case.facts["markers"]
    assert markers["python"].exists(), "the control marker: a cell could write where a shell would have"
    assert [kind for kind, path in markers.items() if kind != "python" and path.exists()] == []
    assert not any("raised" in n for n in report.notes), report.notes  # %time, %%capture... ran their Python
    assert module(report, "backprop").points == 10
    assert any("shell commands and cell magics such as %%bash are never run" in n for n in report.notes)


def passed(report, name):
    return {c.name for c in module(report, name).checks if c.status == "passed"}


def all_checks(report, name):
    return {c.name for c in module(report, name).checks}


def test_course_style_solution_notebook_scores_full_marks_and_names_the_redefinition(graded):
    _, report = graded["practical2"]
    assert module(report, "backprop").points == 10, [c.message for c in report.checks if c.status == "failed"]
    assert "2500 steps" in report.stdout  # the top-level training loop ran
    assert not any("raised" in n for n in report.notes), report.notes
    code = [c.source for c in cn.notebook(cn.practical2()).cells if c.cell_type == "code"]
    redefined, graded_at = code.index(cn.FROZEN_BIAS) + 1, code.index(cn.ADD_BIAS) + 1
    note = next(n for n in report.notes if "redefined" in n)
    assert f"add_bias is redefined in code cell {redefined}; graded the definition of code cell {graded_at}" in note
    assert "training_exp" in note and "composition_backward_step" not in note  # it drives layers of its own
    assert module(report, "tensors").status == "missing" and "defines none of" in module(report, "tensors").message
    assert any(n.startswith("the notebook covers backprop;") for n in report.notes)


def test_course_empty_notebook_scores_zero_with_the_cells_named(graded):
    _, report = graded["practical2_empty"]
    assert module(report, "backprop").points == 0
    unparsable = [n for n in report.notes if "does not parse" in n]
    for name in ("multiplication_weight", "my_exp", "my_composition", "my_cos"):
        assert any(f"(`class {name}(object):`) does not parse" in n and f"({name}) scores 0" in n for n in unparsable)


def test_a_bug_in_multiplication_backward_loses_exactly_the_checks_that_use_it(graded):
    _, report = graded["practical2_bug"]
    lost = {"multiplication_weight_step", "training_exp"}
    assert passed(report, "backprop") == all_checks(report, "backprop") - lost


def test_a_fix_in_a_later_cell_is_not_graded_but_noted(graded):
    _, report = graded["practical2_late_fix"]
    assert "multiplication_weight_step" not in passed(report, "backprop")
    code = [c.source for c in cn.notebook(cn.practical2(BUGGY_BACKWARD, later=[cn.MULTIPLICATION])).cells
            if c.cell_type == "code"]
    note = next(n for n in report.notes if "multiplication_weight is redefined" in n)
    assert (f"multiplication_weight is redefined in code cell {len(code)}; graded the definition of code cell "
            f"{code.index(BUGGY_BACKWARD) + 1}") in note


def test_a_tag_pins_a_check_and_metadata_chooses_last_state_grading(graded):
    _, pinned = graded["practical2_pinned"]
    assert all_checks(pinned, "backprop") - passed(pinned, "backprop") == {"training_exp"}
    _, last = graded["practical2_last"]
    assert all_checks(last, "backprop") - passed(last, "backprop") == {"training_exp"}
    assert not any("redefined" in n for n in last.notes)


def test_functional_practical_grades_with_a_failing_jax_cell(graded):
    _, report = graded["functional"]
    assert module(report, "autodiff_functional").points == 10, [c.message for c in report.checks if c.status == "failed"]
    code = [c.source for c in cn.notebook(cn.functional()).cells if c.cell_type == "code"]
    assert any(f"code cell {code.index(cn.JAX) + 1} (`import jax`) raised ModuleNotFoundError" in n for n in report.notes)
    assert "progress: epoch: 9" in report.stdout
    _, empty = graded["functional_empty"]
    assert module(empty, "autodiff_functional").points == 0
    assert any("(`def dot(x, W):`) does not parse" in n for n in empty.notes)


@pytest.mark.parametrize("content", [b"", b"not json at all", b'{"cells": 3}', b"\x89PNG\r\n\x1a\n\x00\x00", b"[1, 2]"])
def test_corrupt_notebooks_are_a_clear_error(tmp_path, content):
    path = tmp_path / "homework.ipynb"
    path.write_bytes(content)
    submission = resolve(path)
    assert "homework.ipynb is not a readable Jupyter notebook" in submission.error
    assert "Traceback" not in submission.error


@pytest.mark.timeout(120)
def test_corrupt_notebook_through_the_cli_scores_zero_and_exits_0(tmp_path):
    path = tmp_path / "homework.ipynb"
    path.write_text('{"cells": [{"cell_type": "code", "sour')
    result = run_cli(str(path), "-k", "backprop", "--sandbox", "process", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "is not a readable Jupyter notebook" in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0


@pytest.mark.timeout(120)
def test_feedback_notebook_and_html(tmp_path):
    original = nbformat.read(str(PRACTICAL2), as_version=4)
    hostile = nbformat.v4.new_output("display_data", data={"text/html": "<script>alert('x')</script>"})
    original.cells[1].outputs.append(hostile)  # HTML a student's notebook may carry
    submitted = save(original, tmp_path / "practical2.ipynb")
    result = run_cli(str(submitted), "-k", "backprop", "--sandbox", "process", "--feedback-notebook",
                     str(tmp_path / "fb.ipynb"), "--feedback-html", str(tmp_path / "fb.html"))
    assert result.returncode == 0, result.stderr
    feedback = nbformat.read(str(tmp_path / "fb.ipynb"), as_version=4)
    assert [c.source for c in feedback.cells[:-1]] == [c.source for c in original.cells]
    last = feedback.cells[-1]
    assert last.cell_type == "markdown" and "10/10" in last.source
    html = (tmp_path / "fb.html").read_text()
    assert "multiplication_weight" in html and "<script>alert" not in html


def test_build_notebooks_writes_one_notebook_per_module(tmp_path):
    written = build_notebooks(SOLUTIONS, tmp_path)
    assert sorted(p.stem for p in written) == sorted(MODULES)
    notebook = nbformat.read(str(tmp_path / "backprop.ipynb"), as_version=4)
    nbformat.validate(notebook)
    kinds = [c.cell_type for c in notebook.cells]
    assert kinds[0] == "markdown" and notebook.cells[0].source.startswith("# backprop\n\nModule 2, practical 2")
    doc = next(i for i, c in enumerate(notebook.cells) if c.source.startswith("## `my_composition`"))
    assert "A model made of layers" in notebook.cells[doc].source
    code = notebook.cells[doc + 1].source
    assert code.startswith("class my_composition(") and "NotImplementedError" in code
    # the course's order: its training loop and plot follow my_composition, then the cos part
    sources = [c.source for c in notebook.cells if c.cell_type == "code"]
    following = sources[sources.index(code) + 1:]
    assert following[0].startswith("my_neuron = my_composition(") and "plt.plot(xx" in following[1]
    assert following[2].startswith("class my_cos(")
    assert notebook.cells[-1].source == "%load_ext grader\n%grade backprop"  # graded outside the kernel


@pytest.mark.timeout(60)
def test_build_command(tmp_path):
    result = run_cli("build", "notebooks", "--out", str(tmp_path / "nb"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "nb").glob("*.ipynb")) == sorted(f"{m}.ipynb" for m in MODULES)
    result = run_cli("build", "exercises", "--out", str(tmp_path / "ex"))
    assert result.returncode == 0, result.stderr
    for module in MODULES:
        assert (tmp_path / "ex" / f"{module}.py").read_text() == (ROOT / "exercises" / f"{module}.py").read_text()


@pytest.mark.timeout(120)
def test_each_cell_gets_the_load_deadline_and_a_hanging_cell_is_stopped(tmp_path):
    from grader.isolation.limits import Limits
    from grader.judging.selection import Selection

    solutions = build_notebook(solution("backprop"), "backprop")
    slow = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(1.2)") for _ in range(3)]
                                    + solutions.cells)
    hanging = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("while True:\n    pass")] + solutions.cells)
    reports = grade_all([resolve(save(slow, tmp_path / "slow.ipynb")), resolve(save(hanging, tmp_path / "hang.ipynb"))],
                        sandbox="process", selection=Selection("backprop"), limits=Limits(import_timeout=2))
    assert reports[0].score == 10  # 3.6 s of cells, none over 2 s
    backprop = module(reports[1], "backprop")
    assert backprop.points == 0 and "(code cell 1): your code did not finish loading within 2 s" in backprop.message


def test_a_notebook_without_cifar_does_not_preload_torchvision(tmp_path):
    from grader.judging.selection import Selection
    from grader.session import preload_for

    practical2 = resolve(PRACTICAL2)
    assert practical2.covers == ["backprop"]
    assert preload_for([practical2], Selection()) == ("matplotlib.pyplot",)
    everything = resolve(save(notebook_of(*[(m, solution(m)) for m in MODULES]), tmp_path / "all.ipynb"))
    assert "torchvision" in preload_for([everything], Selection())

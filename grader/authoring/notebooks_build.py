"""Course material generated from ``solutions/``: ``python -m grader build {exercises,notebooks}``.

``exercises`` writes the stub modules (:func:`grader.authoring.material.build_exercises`).
``notebooks`` writes one student notebook per module, so a course author never keeps a
notebook and a module in step by hand: the module docstring and each function's or class's
docstring become markdown cells, its stub (docstring left out) a code cell, other top-level
statements (imports) code cells of their own, the course's own cells (``NOTEBOOK_CELLS``
of the course's ``checks/<module>.py``: data, training loops, plots) follow the definition the
course puts them after, and a last cell runs the grader on the notebook. That last cell is a shell escape, which the grader itself never runs when it
grades the notebook.
"""

from __future__ import annotations

import argparse
import ast
import importlib
from pathlib import Path

import nbformat

from grader.authoring import material
from grader.cli import add_course_option
from grader.judging.reference import solutions_dir
from grader.manifest import active
from grader.manifest.checks import package

GRADE_CELL = "%load_ext grader\n%grade {name}"  # graded in a child process, never in the kernel


def docstring_lines(node: ast.AST) -> tuple[int, int] | None:
    """(first, last) 1-based lines of ``node``'s docstring, if it has one."""
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].lineno, body[0].end_lineno
    return None


def course_cells(module: str) -> dict[str, list[str]]:
    """definition name -> the course's code cells that follow it (none for a module without any)."""
    course = active()
    if module not in course.modules:
        return {}
    checks = importlib.import_module(f"{package(course)}.{module}")
    return getattr(checks, "NOTEBOOK_CELLS", {})


def build_notebook(source: str, module: str) -> nbformat.NotebookNode:
    """The student notebook of one module whose (stubbed or complete) source is ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = notebook.cells
    after = course_cells(module)
    docstring = ast.get_docstring(tree)
    if docstring:
        cells.append(nbformat.v4.new_markdown_cell(f"# {module}\n\n{docstring}"))
    pending: list[str] = []  # consecutive top-level statements that are not a def or a class

    def flush() -> None:
        if pending:
            cells.append(nbformat.v4.new_code_cell("\n".join(pending).strip("\n")))
            pending.clear()

    for node in tree.body:
        if node is tree.body[0] and docstring_lines(tree):
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = lines[first - 1: node.end_lineno]
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pending += text
            continue
        flush()
        doc = docstring_lines(node)
        if doc:
            cells.append(nbformat.v4.new_markdown_cell(f"## `{node.name}`\n\n{ast.get_docstring(node)}"))
            text = text[: doc[0] - first] + text[doc[1] - first + 1:]
        cells.append(nbformat.v4.new_code_cell("\n".join(text)))
        cells.extend(nbformat.v4.new_code_cell(cell) for cell in after.get(node.name, []))
    flush()
    cells.append(nbformat.v4.new_markdown_cell("## Check your work\n\nSave the notebook, then run the cell below: "
                                               "it grades this notebook as your instructor will."))
    cells.append(nbformat.v4.new_code_cell(GRADE_CELL.format(name=module)))
    return notebook


def build_notebooks(solutions: Path, out: Path) -> list[Path]:
    """Write ``out/<module>.ipynb`` with the stubs of every ``solutions/<module>.py``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in material.solution_files(str(solutions)):
        module = name[: -len(".py")]
        stub = material.stub_source((solutions / name).read_text(encoding="utf-8"))
        path = out / f"{module}.ipynb"
        nbformat.write(build_notebook(stub, module), str(path))
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader build",
                                     description="Generate the students' material from solutions/.")
    parser.add_argument("target", choices=("exercises", "notebooks"),
                        help="exercises: the stub modules in exercises/; notebooks: one notebook per module")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="where to write (default: the course's exercises or notebooks folder, from its manifest)")
    add_course_option(parser)
    args = parser.parse_args(argv)
    solutions = solutions_dir()
    course = active()
    out = Path(args.out) if args.out else (course.exercises if args.target == "exercises" else course.notebooks)
    if args.target == "exercises":
        written = [Path(p) for p in material.build_exercises(str(solutions), str(out))]
    else:
        written = build_notebooks(solutions, out)
    for path in written:
        print(path)
    return 0

"""Course material: turn the reference solutions into the students' exercise stubs.

A solution marks what the student must write exactly like nbgrader does::

    def f(x):
        \"\"\"docstring...\"\"\"
        ### BEGIN SOLUTION
        return x + 1
        ### END SOLUTION

:func:`stub_source` replaces each marked region, markers included, by one
``raise NotImplementedError("f: your code here")`` line at the indentation of the
``### BEGIN SOLUTION`` marker and keeps every other line verbatim. Inside a class the name
is qualified (``"my_exp.forward: your code here"``). :func:`build_exercises` applies it to
every ``solutions/<module>.py`` and writes ``exercises/<module>.py``.
"""

from __future__ import annotations

import ast
import os

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


def _enclosing_names(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function in ``text``, 1-based."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(text), "")
    return spans


def _region_name(spans: list[tuple[int, int, str]], lineno: int) -> str:
    """The innermost function containing line ``lineno`` (``"solution"`` at module level)."""
    best = None
    for first, last, name in spans:
        if first <= lineno <= last and (best is None or first >= best[0]):
            best = (first, name)
    return best[1] if best else "solution"


def stub_source(text: str) -> str:
    """Return ``text`` with every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region stubbed out.

    Raises ``ValueError`` on unbalanced or nested markers, or when the source does not parse.
    """
    spans = _enclosing_names(text)
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    inside_since: int | None = None
    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside_since is not None:
                raise ValueError(f"line {lineno}: nested {BEGIN!r} (region opened at line {inside_since})")
            inside_since = lineno
            indent = line[: len(line) - len(line.lstrip())]
            newline = "\r\n" if line.endswith("\r\n") else "\n"
            name = _region_name(spans, lineno)
            out.append(f'{indent}raise NotImplementedError("{name}: your code here"){newline}')
        elif stripped == END:
            if inside_since is None:
                raise ValueError(f"line {lineno}: {END!r} without a matching {BEGIN!r}")
            inside_since = None
        elif inside_since is None:
            out.append(line)
    if inside_since is not None:
        raise ValueError(f"line {inside_since}: {BEGIN!r} is never closed by {END!r}")
    return "".join(out)


def solution_files(solutions_dir: str) -> list[str]:
    """The module files of ``solutions_dir`` (``*.py``, not starting with ``_``), sorted."""
    return sorted(
        name for name in os.listdir(solutions_dir) if name.endswith(".py") and not name.startswith("_")
    )


def build_exercises(solutions_dir: str, exercises_dir: str) -> list[str]:
    """Write ``exercises_dir/<module>.py`` for every ``solutions_dir/<module>.py``; return the paths written.

    Other files in ``exercises_dir`` (its README) are left alone.
    """
    os.makedirs(exercises_dir, exist_ok=True)
    written = []
    for name in solution_files(solutions_dir):
        with open(os.path.join(solutions_dir, name), encoding="utf-8", newline="") as f:
            text = f.read()
        path = os.path.join(exercises_dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(stub_source(text))
        written.append(path)
    return written


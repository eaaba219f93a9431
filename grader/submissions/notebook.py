"""Notebook submissions, the judge's half: read the ``.ipynb``, translate its cells, say what it covers.

Everything here is text work in the judging process; nothing of the notebook runs here.
:func:`prepare` reads the notebook with ``nbformat`` (a corrupt file is a clear
:attr:`~grader.submissions.submission.Submission.error`, never a traceback), translates each code cell with
IPython's own input transformer (``%magic``, ``!shell``, ``x = !cmd`` become
``get_ipython()`` calls that :mod:`grader.isolation.notebook_run` makes harmless in the worker),
unwraps the cell magics that run Python (``%%time``, ``%%capture``...) and drops the ones
that do not (``%%bash``...), and checks that every cell parses. A cell that does not parse
is left out, with a note naming it, its line and what it would have defined.

The worker gets a notebook of the remaining code cells under the student's file name (so
"practical2.ipynb does not define train" reads right) and every course module is mapped
to it: the notebook runs once and all checks read its namespace. Modules the notebook
defines nothing of still get their checks (scored 0); a note says which modules it covers.
The student's own run grades only the assignments a notebook covers (:mod:`grader.submissions.coverage`).
"""

from __future__ import annotations

import ast
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader.isolation import scratch
from grader.isolation.limits import MAX_CELLS
from grader.submissions.submission import Submission, student_id
from grader.paths import solutions_dir
from grader.notebook_check import without_check
from grader.manifest import active

if TYPE_CHECKING:  # imported where a notebook is actually read (60 ms)
    import nbformat

MAX_NOTEBOOK_BYTES = 20 << 20
#: cells of any kind a notebook may have (counted in its bytes before it is parsed) and code cells
MAX_NOTEBOOK_CELLS = 5000
#: IPython's transformer re-reads a whole cell once per magic or shell line in it: the lines
#: times (magic lines + 1) of one cell it is given at most (about a second)
TRANSLATE_BUDGET = 20_000
MAX_TRANSLATED_CHARS = 500_000  # characters of a cell that needs IPython at all
#: a line IPython would translate or strip: magics, shell, help, prompts, an indented first line
IPYTHON_LINE = re.compile(r"^\s*(?:[!%?]|>>>|\.\.\.|In \[)|\?\s*$|=\s*[!%]", re.MULTILINE)
#: cell magics whose body is Python that Jupyter runs once; every other cell magic is skipped
RUNS_BODY = ("time", "timeit", "capture", "prun")
#: a line that seems to define a name, for a cell that does not parse
SEEMS_TO_DEFINE = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)|^(\w+)\s*=[^=]", re.MULTILINE)


@dataclass
class Cell:
    number: int  # 1-based among the notebook's code cells
    first_line: str
    source: str  # plain Python, IPython syntax translated
    pins: tuple[str, ...] = ()  # checks (ids, names or modules) a course author pinned to this cell


def read(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` as nbformat 4; ``ValueError`` with a student-readable reason."""
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{path.name} is {size >> 20} MB, over the {MAX_NOTEBOOK_BYTES >> 20} MB a notebook may have "
                         "(clear large outputs before handing it in)")
    if path.read_bytes().count(b'"cell_type"') > MAX_NOTEBOOK_CELLS:  # before nbformat spends minutes on it
        raise ValueError(f"{path.name} has more than {MAX_NOTEBOOK_CELLS} cells, more than a notebook may have")
    import nbformat  # 60 ms: paid only when a notebook is graded

    try:
        notebook = nbformat.read(str(path), as_version=4)
        for cell in notebook.cells:
            if not isinstance(cell.get("cell_type"), str) or not isinstance(cell.get("source"), str):
                raise ValueError("a cell has no cell_type or no source")
        code = sum(cell.cell_type == "code" for cell in notebook.cells)
        if code > MAX_CELLS:
            raise ValueError(f"it has {code} code cells, over the {MAX_CELLS} a notebook may have")
    except Exception as exc:  # noqa: BLE001 - any reason a file is not a notebook is the student's to read
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise ValueError(f"{path.name} is not a readable Jupyter notebook ({reason}); "
                         "save it again from Jupyter or Colab (File > Download > .ipynb)") from None
    return notebook


@lru_cache(maxsize=1)
def transformer():
    """IPython's cell transformer, minus the cleanup that drops leading blank lines (line numbers must hold)."""
    from IPython.core.inputtransformer2 import TransformerManager, leading_empty_lines

    manager = TransformerManager()
    manager.cleanup_transforms.remove(leading_empty_lines)
    return manager


def first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= 60 else line[:57] + "..."


def translate(source: str) -> tuple[str, bool]:
    """(plain Python, whether IPython syntax was used); a cell magic that runs no Python gives ``""``.

    Never raises: a cell IPython cannot translate, or that would cost it too much, comes back
    as code that does not parse, so it becomes a "does not parse" note like any typo."""
    head, _, body = source.lstrip("\n").partition("\n")
    if head.startswith("%%"):
        name = head[2:].split(maxsplit=1)[0] if head[2:].strip() else ""
        if name not in RUNS_BODY:
            return "", True
        leading = source[: len(source) - len(source.lstrip("\n"))]
        return leading + "\n" + ipython_python(body), True
    python = ipython_python(source)
    return python, "get_ipython()" in python and "get_ipython()" not in source


def ipython_python(source: str) -> str:
    """``source`` through IPython's transformer when it needs it and within the budget."""
    first = next((line for line in source.splitlines() if line.strip()), "")
    magic_lines = len(IPYTHON_LINE.findall(source))
    if not magic_lines and not first[:1].isspace():
        return source  # plain Python: nothing for IPython to do
    lines = source.count("\n") + 1
    if lines * (magic_lines + 1) > TRANSLATE_BUDGET or len(source) > MAX_TRANSLATED_CHARS:
        return (f"!cell not translated: {magic_lines} IPython lines in {lines} lines, over what the grader "
                "translates (split the cell or remove shell commands)\n")
    try:
        return transformer().transform_cell(source)
    except (SyntaxError, RuntimeError, ValueError, RecursionError, MemoryError) as exc:
        if isinstance(exc, SyntaxError):
            return source  # parsing it again gives Python's own message and line for the note
        return f"!cell not translated: IPython failed ({type(exc).__name__}: {str(exc)[:120]})\n"


def defined_names(tree: ast.Module) -> set[str]:
    """Names a module (or cell) binds at top level: functions, classes, assignments; not imports."""
    names: set[str] = set()
    statements = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        else:  # if/for/while/with/try at top level: their bodies bind top-level names too
            for field in ("body", "orelse", "finalbody"):
                statements += [s for s in getattr(node, field, []) if isinstance(s, ast.stmt)]
            statements += [s for h in getattr(node, "handlers", []) for s in h.body]
    return names


def course_names() -> dict[str, set[str]]:
    """module -> public names its reference solution defines (read from the exercises in a
    student release, which has no solutions: a test keeps both with the same names)."""
    return names_in(solutions_dir() if solutions_dir().is_dir() else active().exercises)


@lru_cache(maxsize=4)
def names_in(folder: Path) -> dict[str, set[str]]:
    return {path.stem: {n for n in defined_names(ast.parse(path.read_text(encoding="utf-8"))) if not n.startswith("_")}
            for path in sorted(folder.glob("*.py")) if not path.name.startswith("_")}


def program(notebook: nbformat.NotebookNode) -> tuple[list[Cell], set[str], list[str], dict[str, int]]:
    """The code cells that will run, the names they define, notes on the cells left out, and
    the names that cells which do not parse seem to define (name -> cell number)."""
    cells, names, notes, ipython, lost = [], set(), [], [], {}
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for number, raw in enumerate(code, start=1):
        source, uses_ipython = translate(without_check(raw.source))
        cell = Cell(number, first_line(raw.source), source, pins(raw))
        if uses_ipython:
            ipython.append(str(number))
        try:
            tree = ast.parse(source, filename=f"<cell {number}>")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            notes.append(unparsable(cell, raw.source, exc))
            lost.update(dict.fromkeys(seems_to_define(raw.source), number))
            continue
        names |= defined_names(tree)
        cells.append(cell)
    if ipython:
        which = f"code cells {', '.join(ipython)} use" if len(ipython) > 1 else f"code cell {ipython[0]} uses"
        notes.append(f"{which} IPython magics or shell commands: shell commands and cell magics such as %%bash "
                     "are never run while grading, %time/%timeit run their statement once, other magics are ignored")
    return cells, names, notes, lost


def seems_to_define(raw: str) -> list[str]:
    return sorted({a or b for a, b in SEEMS_TO_DEFINE.findall(raw)})


def unparsable(cell: Cell, raw: str, exc: Exception) -> str:
    """A note naming the cell, the error, its line, and what the cell would have defined."""
    if isinstance(exc, SyntaxError):
        line = f" (line {exc.lineno}: `{(exc.text or '').strip()[:80]}`)" if exc.lineno else ""
        reason = f"{type(exc).__name__}: {exc.msg}{line}"
    else:
        reason = f"{type(exc).__name__}: {exc}"[:200]
    seems = seems_to_define(raw)
    lost = f"; what it defines ({', '.join(seems)}) scores 0" if seems else ""
    return f"code cell {cell.number} (`{cell.first_line}`) does not parse, so it was not run: {reason}{lost}"


def covers(names: set[str], modules: list[str]) -> list[str]:
    """The modules some of whose public names are among ``names``."""
    graded = course_names()
    return [m for m in modules if graded.get(m, set()) & names]


def covered_modules(path: Path, modules: list[str]) -> list[str]:
    """The modules a notebook defines names of (none when it cannot be read)."""
    try:
        _, names, _, _ = program(read(path))
    except (ValueError, OSError):
        return []
    return covers(names, modules)


def coverage_note(names: set[str], modules: list[str]) -> str:
    covered = covers(names, modules)
    others = [m for m in modules if m not in covered]
    if not covered:
        return "the notebook defines none of the names the checks use, so every check scores 0"
    note = f"the notebook covers {', '.join(covered)}"
    if others:
        note += f"; it defines nothing of {', '.join(others)} (those checks score 0)"
    return note


def write_program(cells: list[Cell], modules: list[str], path: Path, lost: dict[str, int],
                  state: str = "first") -> None:
    """The worker's notebook: code cells only, each tagged with its number, first line and pins,
    the names each module's checks use (a module the notebook defines none of is "missing"),
    the names lost with cells that do not parse, and the state checks are graded at."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    graded = course_names()
    notebook.metadata["grader"] = {"names": {m: sorted(graded.get(m, ())) for m in modules},
                                   "checks": names_by_check(), "sets": globals_set_by_check(),
                                   "state": state, "lost": lost}
    for cell in cells:
        code = nbformat.v4.new_code_cell(cell.source)
        code.metadata["grader"] = {"number": cell.number, "first_line": cell.first_line, "pins": list(cell.pins)}
        notebook.cells.append(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def prepare(notebook_path: Path, modules: list[str], root: Path, name: str) -> Submission:
    """A submission whose every module is the notebook program written at ``root/name``."""
    submission = Submission(student_id(notebook_path), str(notebook_path), str(root), list(modules))
    try:
        notebook = read(notebook_path)
    except (ValueError, OSError) as exc:
        submission.error = str(exc)
        return submission
    cells, names, notes, lost = program(notebook)
    write_program(cells, modules, root / name, lost, grading_state(notebook))
    submission.namespaces = {m: name for m in modules}
    submission.covers = covers(names, modules)
    submission.notes += [coverage_note(names, modules), *notes]
    return submission


def pins(raw: nbformat.NotebookNode) -> tuple[str, ...]:
    """What a cell pins: tags ``grade:ID`` (a check id, a check name or a module) or ``metadata.grader.grade``."""
    tags = [t[len("grade:"):] for t in raw.get("metadata", {}).get("tags", []) if isinstance(t, str) and t.startswith("grade:")]
    meta = raw.get("metadata", {}).get("grader", {})
    grade = meta.get("grade", []) if isinstance(meta, dict) else []
    return tuple(tags + ([grade] if isinstance(grade, str) else [g for g in grade if isinstance(g, str)]))


def grading_state(notebook: nbformat.NotebookNode) -> str:
    """``last`` when the notebook's metadata asks for last-state grading (``{"grader": {"state": "last"}}``)."""
    meta = notebook.get("metadata", {}).get("grader", {})
    return "last" if isinstance(meta, dict) and meta.get("state") == "last" else "first"


def scenario_names(tree: ast.Module) -> dict[str, tuple[set[str], set[str]]]:
    """check id suffix -> (the ``sub.NAME`` a check's scenario uses, the globals it sets with
    ``with_globals(..., NAME=...)``), through the module's helper functions."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    def used(name: str, seen: set[str]) -> tuple[set[str], set[str]]:
        seen.add(name)
        found: set[str] = set()
        sets: set[str] = set()
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "sub":
                found.add(node.attr)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "with_globals":
                sets.update(k.arg for k in node.keywords if k.arg)
            elif isinstance(node, ast.Name) and node.id in functions and node.id not in seen:
                more, more_sets = used(node.id, seen)
                found |= more
                sets |= more_sets
        return found, sets

    checks = {}
    for fn in functions.values():
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "check":
                named = [k.value.value for k in deco.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)]
                checks[named[0] if named else fn.name] = used(fn.name, set())
    return checks


def names_by_check() -> dict[str, list[str]]:
    """check id -> the names it uses, read from the course's check files as text (nothing is imported)."""
    return {check: sorted(names) for check, (names, _) in names_used_in(active().checks).items()}


def globals_set_by_check() -> dict[str, list[str]]:
    """check id -> the globals its scenario sets itself (``with_globals``), read from the check files as text."""
    return {check: sorted(sets) for check, (_, sets) in names_used_in(active().checks).items() if sets}


@lru_cache(maxsize=4)
def names_used_in(checks: Path) -> dict[str, tuple[set[str], set[str]]]:
    out = {}
    for path in sorted(checks.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out.update({f"{path.stem}.{name}": used for name, used in scenario_names(tree).items()})
    return out


def tie(folder: Path, owner: Submission) -> Submission:
    """Remove ``folder`` once ``owner`` is gone (until then the runner copies from it, on each restart too)."""
    weakref.finalize(owner, scratch.remove, folder)
    return owner


def resolve_notebook(path: Path, modules: list[str]) -> Submission | None:
    """A ``.ipynb`` handed in on its own: the program goes in a scratch folder of its own."""
    if path.suffix != ".ipynb" or not path.is_file():
        return None
    root = scratch.make("notebook-")
    return tie(root, prepare(path, modules, root, path.name))


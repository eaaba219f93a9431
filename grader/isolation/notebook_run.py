"""Runs a notebook inside the worker: its code cells in order, in one namespace, as Jupyter would.

The judge (:mod:`grader.submissions.notebook`) has already read the student's notebook and translated
every IPython line into plain Python calling ``get_ipython()``; it ships a small notebook of
code cells only, each tagged with its number in the student's notebook. Here the cells run
one by one in a fresh ``__main__`` module, so:

* a cell that raises does not stop the later ones (nbgrader's allow-errors); the failures
  are summed up in the module status message, by cell number and first line;
* ``get_ipython()`` is :class:`Shell`: no shell command ever runs, ``%time``/``%timeit``
  run their statement once, every other magic does nothing;
* ``plt.show()`` does nothing and figures are closed after each cell (the zygote sets the
  Agg backend), like the inline backend.

The notebook runs once per worker. Each check is graded where its exercise stands (where an
inline test cell of otter-grader or nbgrader would sit): against the names as they were
right after the first code cell at which every name the check uses was defined (the judge
ships those names, read from the check files), unless a cell's tag ``grade:<check>`` pins
it, or the notebook asks for last-state grading. A name a later cell redefines differently
gets a note naming both cells. A function is graded with the globals it saw when its cell
ran: the check's functions read the namespace as it stood at the check's cell (names the
notebook defines only later still resolve, as in the final state), the way the course's own
run uses them; when a later cell rebinds a global such a function reads (``eta = 0.6``), a note
says which cell and which value was graded, except for the globals the check sets itself
(:func:`grader.authoring.check.with_globals`). A module the notebook defines none of the names
of is "missing".
"""

from __future__ import annotations

import contextlib
import json
import linecache
import os
import re
import sys
import traceback
import types
from typing import Any, Callable

from grader.authoring.check import function_parts, rebind_namespace

#: line magics whose statement runs once (timing it is not the grader's business)
RUNS_STATEMENT = ("time", "timeit", "prun")
TIMEIT_OPTIONS = re.compile(r"^\s*(?:-[nrp]\s*\d+\s*|-[tcqo]\s+)*")

_loaded: dict[str, tuple["Staged", dict, dict]] = {}
_lost: dict[str, dict[str, int]] = {}
#: bound before any notebook runs: what the staging computes next to student code stays the grader's
_FUNCTION = function_parts()
_PLAIN = (int, float, complex, bool, str, bytes, type(None))


class Bindings:
    """The names a check sees: the namespace as it stood right after one cell."""

    def __init__(self, names: dict) -> None:
        self._names = names

    def __getattr__(self, name: str) -> Any:
        try:
            return self._names[name]
        except KeyError:
            raise AttributeError(name) from None


def at_cell(snapshot: dict, final: dict) -> dict:
    """The namespace of a cell: its bindings over the final ones, its functions reading it as globals."""
    names = {**final, **snapshot}
    rebind_namespace(names, final)
    return names


def globals_read(fn: Any, namespace: dict) -> set[str]:
    """The global names a plain function reads (in nested functions and comprehensions too), and
    those the functions of ``namespace`` it calls read, and so on."""
    found: set[str] = set()
    todo = [fn]
    while todo:
        value = todo.pop()
        if type(value) is not _FUNCTION["FunctionType"]:
            continue
        codes = [_FUNCTION["code"](value)]
        while codes:
            code = codes.pop()
            todo += [namespace.get(n) for n in code.co_names if n not in found and n in namespace]
            found.update(code.co_names)
            codes += [c for c in code.co_consts if type(c) is types.CodeType]
    return found


def same_value(a: Any, b: Any) -> bool:
    """Whether a global kept its value: the same object, the same definition, or an equal plain value."""
    if a is b or same_definition(a, b):
        return True
    return type(a) is type(b) and type(a) in _PLAIN and a == b


def same_definition(a: Any, b: Any) -> bool:
    """Whether two bindings of a name are the same object or the same code (a cell run again)."""
    if a is b:
        return True
    if isinstance(a, types.FunctionType) and isinstance(b, types.FunctionType):
        return a.__code__ == b.__code__
    if isinstance(a, type) and isinstance(b, type):
        codes = [{k: v.__code__ for k, v in vars(t).items() if isinstance(v, types.FunctionType)} for t in (a, b)]
        return codes[0] == codes[1] and bool(codes[0])
    return False


class Staged:
    """A notebook's final namespace and its bindings after each code cell."""

    def __init__(self, module: Any, history: list[tuple[dict, dict]], meta: dict) -> None:
        self.module, self.history = module, history  # (cell metadata, bindings right after it)
        self.checks = meta.get("checks", {})
        self.sets = meta.get("sets", {})  # check id -> the globals its scenario sets itself
        self.last = meta.get("state") == "last"
        self._views: dict[int, Bindings] = {}

    def stage(self, check_id: str) -> int | None:
        """Index in ``history`` the check is graded at; ``None`` for the final state."""
        module, _, name = check_id.partition(".")
        for index, (cell, _) in enumerate(self.history):
            if {check_id, name, module} & set(cell.get("pins", ())):
                return index
        names = self.checks.get(check_id)
        if self.last or not names:
            return None
        firsts = [next((i for i, (_, b) in enumerate(self.history) if n in b), None) for n in names]
        return None if None in firsts else max(firsts)

    def view(self, check_id: str) -> Any:
        index = self.stage(check_id)
        if index is None:
            return self.module
        if index not in self._views:
            self._views[index] = Bindings(at_cell(self.history[index][1], self.module.__dict__))
        return self._views[index]

    def since(self, index: int, name: str) -> dict:
        """The cell whose binding of ``name`` is the one it has at ``index``."""
        value = self.history[index][1].get(name)
        while index > 0 and self.history[index - 1][1].get(name) is value:
            index -= 1
        return self.history[index][0]

    def later(self, index: int, name: str, same: Callable[[Any, Any], bool]) -> dict | None:
        """The first cell after ``index`` that binds ``name`` to something else."""
        value = self.history[index][1].get(name)
        return next((c for c, b in self.history[index + 1:] if not same(b.get(name), value)), None)

    def rebound_globals(self, check_id: str) -> list[str]:
        """``eta (read by momentum_2d) is rebound in code cell 8; graded with the eta of code cell 6``."""
        index = self.stage(check_id)
        if index is None:
            return []
        snapshot, notes = self.history[index][1], []
        for name in self.checks.get(check_id, ()):
            reads = globals_read(snapshot.get(name), snapshot) & set(snapshot) - set(self.sets.get(check_id, ()))
            for read in sorted(reads - {name}):
                later = self.later(index, read, same_value)
                if later is not None and type(snapshot[read]) is not types.ModuleType:
                    notes.append(f"{read} (read by {name}) is rebound in code cell {later['number']}; "
                                 f"graded with the {read} of code cell {self.since(index, read)['number']}")
        return notes

    def redefinitions(self, check_id: str) -> list[str]:
        """``add_bias is redefined in code cell 23; graded the definition of code cell 5``, per name."""
        index = self.stage(check_id)
        if index is None:
            return []
        notes = []
        for name in self.checks.get(check_id, ()):
            later = self.later(index, name, same_definition)
            if later is not None:
                notes.append(f"{name} is redefined in code cell {later['number']}; "
                             f"graded the definition of code cell {self.since(index, name)['number']}")
        return notes + self.rebound_globals(check_id)

    def notes(self, modules: list[str]) -> str:
        """One sentence per redefinition, with the checks it concerns."""
        by_note: dict[str, list[str]] = {}
        for check_id in self.checks:
            if check_id.partition(".")[0] in modules:
                for note in self.redefinitions(check_id):
                    by_note.setdefault(note, []).append(check_id.partition(".")[2])
        return "; ".join(f"{note} (for {', '.join(checks)})" for note, checks in by_note.items())


class Shell:
    """What ``get_ipython()`` returns while a notebook is graded."""

    def __init__(self, namespace: dict) -> None:
        self.user_ns = namespace

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        if name in RUNS_STATEMENT:
            statement = TIMEIT_OPTIONS.sub("", line, count=1) if name != "time" else line
            exec(compile(statement, f"<%{name}>", "exec"), self.user_ns)  # noqa: S102 - the worker runs student code

    def magic(self, line: str) -> None:  # the pre-IPython-5 spelling: get_ipython().magic("matplotlib inline")
        name, _, rest = line.lstrip("%").partition(" ")
        self.run_line_magic(name, rest)

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        """Cell magics that run Python were unwrapped by the judge; the others (%%bash...) never run."""

    def system(self, command: str) -> None:
        """``!command``: not run."""

    def getoutput(self, command: str, split: bool = True) -> list:
        """``x = !command``: not run, so no output."""
        return []

    def show_usage(self) -> None:
        """A lone ``?``."""


def display(*objects: Any, **_: Any) -> None:
    """IPython's ``display`` as plain printing."""
    for obj in objects:
        print(repr(obj))


def quiet_pyplot(close: bool) -> None:
    """``plt.show()`` does nothing; ``close`` ends the cell's figures like the inline backend."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.show = lambda *args, **kwargs: None
        if close:
            pyplot.close("all")


def failure(cell: dict, exc: BaseException) -> str:
    """``code cell 5 (`for i in range(n):`) raised ValueError: ... (line 3)``."""
    filename = cell_filename(cell)
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    where = f" (line {lines[-1]})" if lines else ""
    text = f"{type(exc).__name__}: {exc}"[:300]
    return f"code cell {cell['number']} (`{cell['first_line']}`) raised {text}{where}"


def cell_filename(cell: dict) -> str:
    return f"<cell {cell['number']}>"


def load(name: str, path: str, progress: Callable[[int], None] = lambda number: None) -> tuple[Any, dict]:
    """Module ``name`` as the notebook at ``path`` sees it: its namespace, or "missing" when the
    notebook defines none of the names the module's checks use."""
    namespace, status, names = run(path, progress)
    wanted = names.get(name, [])
    if wanted and not any(n in namespace.module.__dict__ for n in wanted):
        reason = "notebook_unparsable" if set(wanted) & set(lost_names(path)) else "missing_name"
        return None, {"status": "missing", "reason": reason, "message": f"{os.path.basename(path)} defines none of {', '.join(wanted)}, "
                                                      f"so there is nothing of {name} to grade"}
    return namespace, status


def lost_names(path: str) -> dict[str, int]:
    """Names that cells which do not parse seemed to define (name -> code cell number)."""
    return _lost.get(path, {})


def run(path: str, progress: Callable[[int], None]) -> tuple[Staged, dict, dict]:
    """Run the notebook program at ``path`` once per worker: its namespace, status record and graded names."""
    if path in _loaded:
        return _loaded[path]
    with open(path, encoding="utf-8") as fh:
        program = json.load(fh)
    cells = [c for c in program["cells"] if c.get("cell_type") == "code"]
    module = types.ModuleType("__main__")
    module.__dict__.update(get_ipython=lambda: shell, display=display)
    shell = Shell(module.__dict__)
    sys.modules["__main__"] = module  # a throwaway process: classes defined in cells pickle as in Jupyter
    failures, history = [], []
    for cell in cells:
        meta = cell["metadata"]["grader"]
        source = "".join(cell["source"])
        filename = cell_filename(meta)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        progress(meta["number"])
        quiet_pyplot(close=False)
        try:
            exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - the worker runs student code
        except BaseException as exc:  # noqa: BLE001 - nbgrader's allow-errors: the next cell runs anyway
            failures.append(failure(meta, exc))
        quiet_pyplot(close=True)
        history.append((meta, dict(module.__dict__)))
        for stream in (sys.__stdout__, sys.__stderr__):  # the worker ends with os._exit, which flushes nothing
            with contextlib.suppress(ValueError, OSError):
                stream.flush()
    meta = program["metadata"]["grader"]
    staged = Staged(module, history, meta)
    status = {"status": "ok"}
    message = "; ".join(failures + [n for n in [staged.notes(list(meta["names"]))] if n])
    if message:
        status["message"] = message
    _loaded[path] = staged, status, meta["names"]
    _lost[path] = meta.get("lost", {})
    return _loaded[path]

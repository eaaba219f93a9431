"""Check strength: mutate the solutions and list every mutant that keeps full marks.

The mutations are cosmic-ray's operators (replace ``+`` by ``-``, ``<`` by ``<=``, a
number by another, a loop by no loop...), applied one at a time to the code between a
module's ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers. Every mutant is one
single-module submission; all of them are graded in one :class:`~grader.session.Grader`
session, as a batch is. A mutant that keeps every point is either a weak check (make the
check see it) or an equivalent mutant (the same behaviour written another way), which the
course marks, next to the solutions it mutates (never shipped to students, since it quotes
them), in ``solutions/equivalent_mutants.toml`` with its reason::

    [[equivalent]]
    module = "broadcasting"
    before = "if sa == sb or sb == 1:"
    after = "if sa == sb or sb <= 1:"
    reason = "sizes are never negative, and a size 0 against 0 is equal anyway"

(``before`` and ``after`` are the changed line, stripped, as the survivors list shows it.)
Needs the ``author`` extra: ``pip install -e .[author]``.
"""

from __future__ import annotations

import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

#: The file, in the solutions folder, that marks equivalent mutants.
EQUIVALENTS = "equivalent_mutants.toml"


@dataclass(frozen=True)
class Mutant:
    """One mutation of one solution module."""

    module: str
    operator: str
    occurrence: int
    line: int
    before: str  # the changed line, stripped, before and after the mutation
    after: str
    source: str  # the whole mutated module

    @property
    def key(self) -> tuple[str, str, str]:
        return self.module, self.before, self.after


@dataclass(frozen=True)
class Outcome:
    """A mutant's grade: killed when it lost a point; ``reason`` when marked equivalent."""

    mutant: Mutant
    killed: bool
    reason: str = ""


def solution_lines(source: str) -> set[int]:
    """Line numbers (1-based) strictly between the solution markers."""
    inside, lines = False, set()
    for number, text in enumerate(source.splitlines(), 1):
        if "### BEGIN SOLUTION" in text:
            inside = True
        elif "### END SOLUTION" in text:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def operators():
    """cosmic-ray's operators that need no arguments, by name."""
    try:
        from cosmic_ray import plugins
    except ImportError as exc:
        raise SystemExit("selfcheck --mutants needs cosmic-ray: pip install -e .[author]") from exc
    for name in plugins.operator_names():
        cls = plugins.get_operator(name)
        if not cls.arguments():
            yield name, cls()


def mutants_of(module: str, source: str) -> list[Mutant]:
    """Every single mutation of the module's solution code."""
    from cosmic_ray.ast import ast_nodes, get_ast
    from cosmic_ray.mutating import mutate_code

    inside, original = solution_lines(source), source.splitlines()
    found = []
    for name, operator in operators():
        positions = [start for node in ast_nodes(get_ast(source)) for start, _ in operator.mutation_positions(node)]
        for occurrence, (line, _) in enumerate(positions):
            if line not in inside:
                continue
            mutated = mutate_code(source, operator, occurrence)
            if mutated is None or mutated == source:
                continue
            changed = mutated.splitlines()
            after = changed[line - 1].strip() if len(changed) == len(original) else "(several lines)"
            found.append(Mutant(module, name, occurrence, line, original[line - 1].strip(), after, mutated))
    return found


def load_equivalents(path: Path) -> dict[tuple[str, str, str], str]:
    """(module, before, after) -> the reason the mutant is equivalent."""
    if not path.is_file():
        return {}
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    marks = {}
    for entry in entries:
        if not entry.get("reason", "").strip():
            raise ValueError(f"{path}: the equivalent mutant {entry} has no reason")
        marks[entry["module"], entry["before"].strip(), entry["after"].strip()] = entry["reason"]
    return marks


def grade_mutants(mutants: list[Mutant], solutions: Path, sandbox: str = "auto", jobs: int = 2) -> list[Outcome]:
    """Grade every mutant in one session; a mutant survives when it keeps every point."""
    from grader.session import Grader, Options
    from grader.submissions.resolve import resolve

    with tempfile.TemporaryDirectory(prefix="grader-mutants-") as tmp:
        submissions = []
        for number, mutant in enumerate(mutants):
            folder = Path(tmp) / f"m{number:04d}"
            folder.mkdir()
            path = folder / f"{mutant.module}.py"
            path.write_text(mutant.source, encoding="utf-8")
            submissions.append(resolve(path))
        scores = {}
        options = Options(sandbox=sandbox, jobs=jobs, submission_count=len(submissions))
        with Grader(options) as grader:
            grader.grade(submissions, lambda sub, report: scores.__setitem__(sub.path, report))
    outcomes = []
    for mutant, submission in zip(mutants, submissions):
        report = scores[submission.path]
        killed = report.status != "graded" or report.score < report.max_score
        outcomes.append(Outcome(mutant, killed))
    return outcomes


def apply_marks(outcomes: list[Outcome], marks: dict[tuple[str, str, str], str]) -> list[Outcome]:
    """The survivors that ``marks`` (from :func:`load_equivalents`) calls equivalent get its reason."""
    return [o if o.killed else Outcome(o.mutant, False, marks.get(o.mutant.key, "")) for o in outcomes]


def score_line(outcomes: list[Outcome]) -> str:
    killed = sum(o.killed for o in outcomes)
    equivalent = sum(bool(o.reason) for o in outcomes)
    relevant = len(outcomes) - equivalent
    percent = 100.0 * killed / relevant if relevant else 100.0
    return (f"mutation score: {killed}/{relevant} killed ({percent:.1f}%), {equivalent} marked equivalent, "
            f"{len(outcomes)} mutants")


def survivors(outcomes: list[Outcome]) -> list[Outcome]:
    """Mutants that kept full marks and are not marked equivalent: weak checks to fix."""
    return [o for o in outcomes if not o.killed and not o.reason]


def describe(outcome: Outcome) -> str:
    m = outcome.mutant
    return f"{m.module}.py line {m.line} ({m.operator}): {m.before}  ->  {m.after}"

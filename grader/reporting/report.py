"""The one result object every reporter consumes.

A :class:`Report` is plain data (dataclasses of strings and numbers): the terminal, JSON,
Markdown, JUnit and Gradescope reporters and the batch gradebook all read it and none of
them re-judges anything. ``to_dict`` is the versioned JSON schema documented in README.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

SCHEMA = "grader-report/1"

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"


@dataclass
class CheckResult:
    id: str
    module: str
    name: str
    description: str
    max_points: float
    points: float
    status: str  # passed | failed | skipped | error (a grader or course fault, not the student's)
    message: str = ""
    hint: str = ""  # the tolerance used, a traceback of the student's frames...
    output: str = ""  # what the student's code printed during this check
    duration: float = 0.0
    reason: str = ""  # why no points: a code of grader.reasons ("" when passed or skipped)
    mismatch: dict | None = None  # what differed, as data (grader.judging.compare.mismatch_facts)


@dataclass
class ModuleResult:
    name: str
    status: str  # ok | missing | error
    message: str = ""
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_points(self) -> float:
        return sum(c.max_points for c in self.checks if c.status != SKIPPED)


@dataclass
class AssignmentResult:
    """One assignment of the course the report grades: its modules' points add up to its score."""

    name: str
    title: str
    modules: list[str]

    @property
    def groups(self) -> bool:
        """More than one module of its own name: its total says something its modules' do not."""
        return self.modules != [self.name]


@dataclass
class Report:
    submission: str
    student: str
    modules: list[ModuleResult]
    variant: str = "public"
    device: str = "cpu"
    sandbox: str = "process"
    runner: str = "zygote"  # how workers started: zygote (fork server) | spawn (a process each)
    notes: list[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    grader_version: str = ""
    status: str = "graded"  # graded | error (the submission could not be graded at all)
    course: str = ""  # the course's name (its manifest)
    assignments: list[AssignmentResult] = field(default_factory=list)  # those graded, in the course's order

    @property
    def checks(self) -> list[CheckResult]:
        return [c for m in self.modules for c in m.checks]

    @property
    def score(self) -> float:
        return round(sum(m.points for m in self.modules), 6)

    @property
    def max_score(self) -> float:
        return round(sum(m.max_points for m in self.modules), 6)

    @property
    def skipped_points(self) -> float:
        return round(sum(c.max_points for c in self.checks if c.status == SKIPPED), 6)

    @property
    def percent(self) -> float:
        """Score out of 100 over the checks that could run (skipped ones do not count)."""
        return round(100.0 * self.score / self.max_score, 2) if self.max_score else 0.0

    @property
    def assignment_lines(self) -> list[AssignmentResult]:
        """The assignments a report shows a line each for: several graded, not all plain modules."""
        return self.assignments if len(self.assignments) > 1 and any(a.groups for a in self.assignments) else []

    def assignment_score(self, assignment: AssignmentResult) -> tuple[float, float]:
        """(points, max points over the checks that ran) of one assignment."""
        modules = [m for m in self.modules if m.name in assignment.modules]
        return round(sum(m.points for m in modules), 6), round(sum(m.max_points for m in modules), 6)

    def to_dict(self) -> dict:
        # by hand rather than dataclasses.asdict, whose deep copies took 2 ms a report
        data = {**shallow(self), "notes": list(self.notes), "schema": SCHEMA, "score": self.score,
                "max_score": self.max_score, "skipped_points": self.skipped_points, "percent": self.percent}
        data["modules"] = [{**shallow(m), "checks": [shallow(c) for c in m.checks], "points": m.points,
                            "max_points": m.max_points} for m in self.modules]
        data["assignments"] = []
        for assignment in self.assignments:
            points, most = self.assignment_score(assignment)
            data["assignments"].append({**shallow(assignment), "modules": list(assignment.modules), "points": points,
                                        "max_points": most})
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        modules = [
            ModuleResult(m["name"], m["status"], m.get("message", ""), [CheckResult(**c) for c in m["checks"]])
            for m in data["modules"]
        ]
        fields = {k: data[k] for k in ("submission", "student", "variant", "device", "sandbox", "runner", "notes", "stdout",
                                      "stderr", "duration", "grader_version", "status", "course") if k in data}
        assignments = [AssignmentResult(a["name"], a["title"], list(a["modules"])) for a in data.get("assignments", [])]
        return cls(modules=modules, assignments=assignments, **fields)


def shallow(record) -> dict:
    """A dataclass's fields as a dict, without copying what they hold (strings and numbers)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}

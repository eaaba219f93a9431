"""What one job is and what came back for it: typed records the runner fills and the judge reads.

A worker is untrusted: :meth:`Job.apply` records only modules and (check, case) pairs this
job asked for, the first report of each wins, every text is a capped string, and a reason
code is kept only if it is one a worker may claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.isolation.limits import MAX_CELLS
from grader.reasons import WORKER_CLAIMS

MODULE_STATES = ("ok", "missing", "error")


class Stream:
    """A capped capture of a worker's stdout or stderr: the first bytes, and a count."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.keep - len(self.head)
        if room > 0:
            self.head += data[:room]

    def text(self) -> str:
        text = self.head.decode("utf-8", "replace")
        if self.total > len(self.head):
            text += f"\n[... {self.total - len(self.head)} more bytes not shown]"
        return text


@dataclass
class CheckOutcome:
    """What came back for one case of one check: an outcome record and maybe a value."""

    outcome: str
    message: str = ""
    value: Any = None
    output: str = ""
    traceback: str = ""
    where: str = ""
    duration: float = 0.0  # seconds between the worker's start and result frames
    reason: str = ""  # a code of grader.reasons, set where the cause was known
    exception: str = ""  # the type of what student code raised, as the worker named it


@dataclass
class ModuleStatus:
    """How loading one module of the submission went."""

    status: str = "ok"  # ok | missing | error
    message: str = ""
    traceback: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Job:
    """One submission (or the reference) to run: what to load and which checks to run."""

    name: str
    root: str  # folder holding the module files
    modules: list[str]
    checks: list[dict] | None  # catalogue entries in order; None: all (the reference run)
    seeds: dict[str, list[int]]  # module -> the seed of each case of its checks
    variant: str = "public"
    device: str = "cpu"
    trusted: bool = False  # the reference solutions: every check it reports is taken
    wants_catalogue: bool = False  # the worker also reports the catalogue of every check
    namespaces: dict = field(default_factory=dict)
    copy: bool = True  # run on a scratch copy of ``files`` rather than on ``root`` itself
    files: dict = field(default_factory=dict)  # relative path -> source path
    # results
    module_status: dict[str, ModuleStatus] = field(default_factory=dict)
    results: dict = field(default_factory=dict)  # check id -> {case: CheckOutcome}
    stdout: Stream | None = None
    stderr: Stream | None = None
    catalogue: list | None = None
    started: float = 0.0
    finished: float = 0.0
    leftovers: int = 0
    raw: bytearray | None = None  # the reference's frames, kept for the cache
    cases: dict | None = None  # check id -> number of cases asked for (built on first use)
    frames: int = 0  # result frames received, over all attempts

    @property
    def cells(self) -> int:
        """How many notebook cells its worker may report progress through (none for modules)."""
        return MAX_CELLS if any(str(f).endswith(".ipynb") for f in self.namespaces.values()) else 0

    def status_of(self, module: str) -> ModuleStatus:
        return self.module_status.get(module) or ModuleStatus()

    def remaining(self) -> list[dict]:
        """Checks with no result yet whose module loaded (or has not been tried)."""
        if self.checks is None:
            return []
        return [c for c in self.checks if c["id"] not in self.results and self.status_of(c["module"]).ok]

    def expects(self, check_id: Any, case: Any) -> bool:
        """Whether (check, case) is one this job asked for; anything else a worker sends is ignored."""
        if type(case) is not int or case < 0:
            return False
        if self.checks is None:  # the reference run: trusted, takes every check it reports
            return type(check_id) is str
        if self.cases is None:
            self.cases = {c["id"]: c["cases"] for c in self.checks}
        return type(check_id) is str and case < self.cases.get(check_id, 0)

    def apply(self, meta: dict, value: Any, claims: tuple[str, ...] = WORKER_CLAIMS) -> None:
        """Record one frame's facts (the runner handles its timing); a reason code outside
        ``claims`` reads as "raised"."""
        event = meta.get("event")
        if event == "catalogue" and self.trusted:
            self.catalogue = value
        elif event == "module":
            module = meta.get("module")
            if module in self.modules and module not in self.module_status and meta.get("status") in MODULE_STATES:
                self.module_status[module] = ModuleStatus(meta["status"], text(meta.get("message")),
                                                          text(meta.get("traceback")), claimed(meta, claims))
        elif event == "result":
            check_id, case = meta.get("check"), meta.get("case")
            if self.expects(check_id, case) and case not in self.results.get(check_id, {}):
                self.results.setdefault(check_id, {})[case] = CheckOutcome(
                    outcome=text(meta.get("outcome", "error")), message=text(meta.get("message")), value=value,
                    output=text(meta.get("output")), traceback=text(meta.get("traceback")),
                    where=text(meta.get("where")), reason=claimed(meta, claims), exception=text(meta.get("type"), 200),
                )


def text(value: Any, limit: int = 8000) -> str:
    """A worker's text field as a capped string, whatever type it came as."""
    return value[:limit] if type(value) is str else ""


def claimed(meta: dict, claims: tuple[str, ...] = WORKER_CLAIMS) -> str:
    """The reason code a worker gave, if it is one of ``claims`` ("" for none)."""
    reason = meta.get("reason")
    if type(reason) is not str or not reason:
        return ""
    return reason if reason in claims else "raised"

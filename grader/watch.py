"""``python -m grader --watch [PATH]``: grade once, then again on every save, the session kept warm.

The zygotes and the reference stay up between grades (:class:`grader.session.Grader`), so a
re-grade is one fork and the checks of the assignment whose file was saved. Files are
polled (``stat`` every :data:`POLL` seconds: portable, no dependency): a save through a
temporary file and a rename (Jupyter's, most editors') shows as a new inode like any other
write shows a new size or mtime. A change is graded once the files stood still for one more
poll, so a burst of writes is one grade, and only when their content differs from what was
graded last (an autosave of the same notebook is no change). After the first, normal report
only what changed is printed: the checks now passing or failing and the new total.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, NoReturn, TextIO

from grader.manifest import active
from grader.reporting.report import SKIPPED, CheckResult, ModuleResult, Report
from grader.submissions.locate import walk

POLL = 0.05  # seconds between two looks at the files: a save is graded 0.05 to 0.1 s after it
WATCHED_SUFFIXES = (".py", ".ipynb")


def snapshot(path: Path) -> dict[str, tuple[int, int, int]]:
    """file -> (inode, size, mtime) of what a save can change: PATH itself, or the modules and
    notebooks in its folder (where :func:`~grader.submissions.locate.locate` looks), hidden
    files (editors' and Jupyter's temporaries) left out."""
    if path.is_dir():
        files = [folder / name for folder, names in walk(path) for name in names
                 if name.endswith(WATCHED_SUFFIXES) and not name.startswith((".", "~"))]
    else:
        files = [path]
    found = {}
    for file in files:
        try:
            st = os.stat(file)
        except OSError:
            continue  # removed meanwhile (or between the unlink and the rename of a save)
        found[str(file)] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def digest(file: str) -> str:
    try:
        return hashlib.sha256(Path(file).read_bytes()).hexdigest()
    except OSError:
        return ""  # gone: a change as well


def saves(path: Path, poll: float = POLL, sleep: Callable[[float], None] = time.sleep) -> Iterator[list[str]]:
    """The files of each save under ``path`` whose content changed, once they stand still.
    What the files hold now is the baseline: a save made from now on is seen, even one made
    while the first grade runs."""
    seen = snapshot(path)
    return changes(path, seen, {file: digest(file) for file in seen}, poll, sleep)


def changes(path: Path, seen: dict, contents: dict[str, str], poll: float, sleep) -> Iterator[list[str]]:
    while True:
        sleep(poll)
        now = snapshot(path)
        if now == seen:
            continue
        while True:  # until a poll finds nothing new: a burst of writes is one save
            sleep(poll)
            later = snapshot(path)
            if later == now:
                break
            now = later
        touched = [f for f in sorted(set(now) | set(seen)) if now.get(f) != seen.get(f)]
        seen = now
        changed = [f for f in touched if digest(f) != contents.get(f)]
        contents.update((f, digest(f)) for f in changed)
        if changed:
            yield changed


def when_saved(files: list[str]) -> float:
    """The time of a save: its files' newest mtime, unless that is over a second old (a copy
    that kept the file's old mtime): then now, when the save was seen."""
    now = time.time()
    times = []
    for file in files:
        try:
            times.append(os.stat(file).st_mtime)
        except OSError:
            pass  # removed: that save has no time of its own
    newest = max(times, default=now)
    return newest if now - newest < 1.0 else now


def modules_saved(files: list[str]) -> list[str] | None:
    """The modules of the assignments these saved files belong to; None when one of them is not
    a module file (a notebook, a helper): then the submission decides, as on a first run."""
    course = active()
    stems = [Path(f).stem for f in files]
    if not all(f.endswith(".py") and s in course.modules for f, s in zip(files, stems)):
        return None
    return [m for a in course.covering(stems) for m in a.modules]


@dataclass
class Change:
    check: CheckResult
    before: CheckResult | None  # None: graded for the first time


@dataclass
class Progress:
    """The latest result of every check graded so far in this watch, and what a grade changed."""

    checks: dict[str, CheckResult] = field(default_factory=dict)
    module_messages: dict[str, str] = field(default_factory=dict)

    def update(self, report: Report, whole: bool = True) -> tuple[list[Change], list[ModuleResult]]:
        """Record ``report``; return the checks whose verdict changed and the modules whose
        problem (a syntax error...) is new. ``whole``: the report grades all there is (a
        notebook that no longer covers an assignment takes its checks out of the total)."""
        if whole:
            graded = {c.id for c in report.checks}
            self.checks = {i: c for i, c in self.checks.items() if i in graded}
        changes = []
        for check in report.checks:
            before = self.checks.get(check.id)
            if before is None or (before.status, before.points, before.reason) != (check.status, check.points, check.reason):
                changes.append(Change(check, before))
            self.checks[check.id] = check
        broken = []
        for module in report.modules:
            message = module.message if module.status != "ok" else ""
            if message and self.module_messages.get(module.name) != message:
                broken.append(module)
            self.module_messages[module.name] = message
        return changes, broken

    def total(self) -> tuple[float, float]:
        checks = self.checks.values()
        return (round(sum(c.points for c in checks), 6),
                round(sum(c.max_points for c in checks if c.status != SKIPPED), 6))


def watch(path: Path, grade: Callable[[list[str] | None], Report | str], stream: TextIO = sys.stdout,
          colour: bool | None = None, verbose: bool = False, poll: float = POLL) -> NoReturn:
    """Grade ``path`` now and after every save, until interrupted (KeyboardInterrupt).

    ``grade(modules)`` grades the submission on ``modules`` (None: what it covers) and
    returns the report, or the reason it cannot be graded (a message for the student)."""
    from grader.reporting import terminal

    progress = Progress()
    found = saves(path, poll)  # before the first grade: a save made while it runs is graded next
    first = grade(None)
    if isinstance(first, str):
        stream.write(f"cannot grade {terminal.one_line(path)}: {terminal.one_line(first)}\n")
    else:
        progress.update(first)
        terminal.write(first, stream, colour=colour, verbose=verbose)
    stream.write(f"\nwatching {terminal.one_line(path)} (Ctrl-C to stop)\n")
    stream.flush()
    for changed in found:
        saved = when_saved(changed)
        modules = modules_saved(changed)
        report = grade(modules)
        names = ", ".join(Path(f).name for f in changed)
        if isinstance(report, str):
            stream.write(f"\n{terminal.one_line(names)} saved: cannot grade it: {terminal.one_line(report)}\n")
        else:
            changes, broken = progress.update(report, whole=modules is None)
            terminal.write_changes(names, changes, broken, progress.total(), time.time() - saved, stream, colour)
        stream.flush()


def interrupt(signum, frame) -> NoReturn:
    raise KeyboardInterrupt


def watch_main(args, parser, options, assignment, note: str | None) -> NoReturn:
    """``python -m grader --watch``: one session (zygotes, reference) for every grade; Ctrl-C
    ends it as it ends any run (KeyboardInterrupt: the session stops its zygotes and removes
    its scratch folders on the way out; exit code 130). So do SIGTERM and SIGHUP (the
    terminal or the editor that ran it closed), which would otherwise leave the scratch
    folders to the next grader; where they are ignored (``nohup``) they stay ignored."""
    for number in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, interrupt)
    from grader.cli import default_path, prepared, require_selected, UsageError
    from grader.reporting import FILE_REPORTERS
    from grader.session import Grader, full_preload, preload_for
    from grader.submissions.submission import SubmissionError

    if args.quiet or args.fail_under is not None or any(
            getattr(args, option.lstrip("-").replace("-", "_")) for option in FILE_REPORTERS):
        parser.error("--watch prints to the terminal only: it takes no -q, --fail-under or report files")
    path = Path(args.path or default_path())
    if not path.exists():
        parser.error(f"no such file or folder: {path}")

    def submission(modules: list[str] | None):
        try:
            return prepared(path, assignment, note, modules)
        except (FileNotFoundError, SubmissionError) as exc:
            return str(exc)

    pending = [submission(None)]  # the first grade's, resolved before the session for its preload
    first = pending[0]
    options.preload = full_preload() if isinstance(first, str) else preload_for([first], options.selection)
    with Grader(options) as grader:
        if not isinstance(first, str):
            try:
                require_selected(grader, first.modules, args.select)
            except UsageError as exc:
                parser.error(str(exc))

        def grade(modules: list[str] | None) -> Report | str:
            chosen = pending.pop() if pending else submission(modules)
            if isinstance(chosen, str):
                return chosen
            reports = []
            grader.grade([chosen], lambda sub, report: reports.append(report))
            return reports[0]

        watch(path, grade, colour=False if args.no_color else None, verbose=args.verbose)

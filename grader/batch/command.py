"""``python -m grader batch SUBMISSIONS -o OUT``: grade a whole class, resumably.

Every entry of the SUBMISSIONS folder is one student: a folder mirroring exercises/, a
module file, a notebook or an archive. One :class:`~grader.session.Grader` session grades
them all: ``-j N`` zygotes import torch once each and fork one worker per submission, so a
class costs a fork per student, not a Python start and a torch import.

Each report goes into the gradebook (``OUT/gradebook.sqlite``) as soon as it is final; a
run that is killed resumes where it stopped, and a student whose files and checks have not
changed since is not graded again (``--regrade`` forces it). The exports (grades.csv,
feedback, summary.json, plots) are then rebuilt from the gradebook.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from grader import cli
from grader.manifest import active
from grader.reporting.terminal import one_line
from grader.submissions.resolve import resolve
from grader.submissions.submission import Submission, SubmissionError, collect_files, safe_id, student_id

PROCESS_WARNING = ("warning: the process sandbox does not isolate students from each other, from solutions/ "
                   "or from the network; install bubblewrap for a class")
#: Never students: what editors, file managers and archivers leave next to submissions.
IGNORED = {"__MACOSX", "__pycache__", "Thumbs.db", "desktop.ini"}


@dataclass
class Student:
    """One entry of the SUBMISSIONS folder, before it is graded."""

    id: str
    path: Path
    content_hash: str = ""
    problem: str = ""  # why it cannot be graded at all (still gets a row and a report)


def content_hash(path: Path) -> str:
    """sha256 over what is graded: a folder's files (relative path and bytes, as the
    worker gets them), or the single file handed in."""
    digest = hashlib.sha256()
    if path.is_dir():
        files = collect_files(Submission("", str(path), str(path), []))
        if not files:
            raise SubmissionError("the submission folder is empty")
        for relative in sorted(files):
            digest.update(relative.encode() + b"\0" + Path(files[relative]).read_bytes() + b"\0")
    else:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def roster(folder: Path) -> tuple[list[Student], list[str]]:
    """The students of ``folder``, and notes on what was odd about it (for the summary).

    Two entries with the same id (alice/ and alice.zip) are both graded, each under its full
    file name, so neither overwrites the other and a TA sees both.
    """
    notes, by_id = [], defaultdict(list)
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name in IGNORED:
            notes.append(f"ignored {path.name} (hidden or system file)")
            continue
        by_id[student_id(path)].append(path)
    students, taken = [], set()
    for sid, paths in sorted(by_id.items()):
        names = [sid] if len(paths) == 1 else [safe_id(p.name) for p in paths]
        for name, path in zip(names, paths):
            unique, n = name, 1
            while unique in taken:  # "bob smith" and "bob_smith" must not share a gradebook row
                n += 1
                unique = f"{name}-{n}"
            taken.add(unique)
            students.append(Student(unique, path))
        if len(paths) > 1:
            notes.append(f"duplicate student id {sid!r}: {', '.join(p.name for p in paths)} are graded separately "
                         f"as {', '.join(s.id for s in students[-len(paths):])}")
    for student in students:
        try:
            student.content_hash = content_hash(student.path)
        except (SubmissionError, OSError) as exc:
            student.problem = str(exc)
            student.content_hash = "unreadable:" + hashlib.sha256(student.problem.encode()).hexdigest()
    return students, notes


def submission_for(student: Student, modules: list[str]) -> Submission:
    """Resolved as late as possible (archives unpack here), or an error the report carries."""
    try:
        if student.problem:
            raise SubmissionError(student.problem)
        submission = resolve(student.path, modules)
        submission.modules = list(modules)  # dave.py answering one module: the class's total all the same
    except (SubmissionError, OSError) as exc:
        submission = Submission(student.id, str(student.path), str(student.path), list(modules), error=str(exc))
    submission.student = student.id
    return submission


def checks_version(options, select: str, modules: list[str], cluster: bool = False) -> str:
    """What a stored grade depends on besides the submission: grader, course, solutions,
    variant, device, torch (the reference's cache key), which modules and checks were
    selected, the limits and the sandbox (a student who timed out is graded again with more time).
    A cluster's workers use bwrap unless ``--sandbox process`` says otherwise (they refuse to fall back)."""
    from grader.judging.reference import cache_key, solutions_dir
    from grader.isolation.sandbox import choose

    key = cache_key(solutions_dir(), options.variant, options.device)
    sandbox = ("process" if options.sandbox == "process" else "bwrap") if cluster else choose(options.sandbox).name
    return f"{key}|{','.join(modules)}|{select.strip()}|{options.limits}|{sandbox}"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader batch",
        description="Grade every submission in a folder (one entry per student: a folder, a .py module, a notebook "
                    "or an archive) into a resumable gradebook, then write grades.csv, feedback, summary.json and "
                    "plots to OUT.",
        epilog=cli.EXIT_CODES.replace("graded (whatever the score, unless --fail-under says otherwise)",
                                      "the batch completed (whatever the students scored)"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", help="folder whose every entry is one student's submission")
    parser.add_argument("-o", "--out", required=True,
                        help="output folder (gradebook, grades.csv, feedback/...); with --assignment NAME, "
                             "its sub-folder NAME/")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser.add_argument("-j", "--jobs", type=int, default=cores, metavar="N",
                        help="submissions graded in parallel (default: the cores, %(default)s here)")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every submission again, even those unchanged since the last run")
    parser.add_argument("--similarity", action="store_true",
                        help="rank pairs of submissions whose code is alike (starter code excluded) in report.html "
                             "and summary.json; never changes a grade")
    parser.add_argument("--roster", type=Path, metavar="CSV",
                        help="CSV with a 'submission' column (the batch's ids) and the LMS's columns; writes "
                             "grades-LMS.csv for import")
    parser.add_argument("--lms", choices=("canvas", "moodle"), default="canvas",
                        help="import format written with --roster (default: %(default)s)")
    parser.add_argument("--lms-column", default=None, metavar="NAME",
                        help="the LMS's grade column; for Canvas 'Name (ID)' updates an existing assignment "
                             "(default: the assignment's title, or the course's name)")
    parser.add_argument("--cluster", metavar="ADDRESS", default=None,
                        help="grade on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786); this "
                             "machine judges and keeps the gradebook (needs the 'cluster' extra: distributed)")
    parser.add_argument("--chunk", type=int, default=None, metavar="N",
                        help="with --cluster: submissions per task (default: about four tasks per worker, "
                             "at most 25 submissions each)")
    cli.add_grading_options(parser)
    return parser


def extras_from(args, students: list[Student], assignment):
    """The opt-in exports asked for; a bad roster is a usage error (raises RosterError)."""
    from grader.batch.class_report import Extras
    from grader.batch.lms import read_roster

    column = args.lms_column or (assignment.title if assignment else active().name)
    return Extras(sources={s.id: s.path for s in students} if args.similarity else None,
                  roster=read_roster(args.roster) if args.roster else None, lms=args.lms, lms_column=column)


def main(argv: list[str]) -> int:
    from grader.batch.gradebook import Gradebook

    parser_ = parser()
    args = parser_.parse_args(argv)
    folder, out = Path(args.submissions), Path(args.out)
    if not folder.is_dir():
        parser_.error(f"{one_line(folder)} is not a folder of submissions")
    if args.jobs < 1:
        parser_.error("-j must be at least 1")
    if args.chunk is not None and (args.chunk < 1 or not args.cluster):
        parser_.error("--chunk needs --cluster and at least 1")
    if args.cluster and importlib.util.find_spec("distributed") is None:
        parser_.error("--cluster needs Dask distributed: pip install -e \".[cluster]\"")
    try:
        options, note = cli.options_from(args, jobs=args.jobs, local=not args.cluster)
        assignment = cli.chosen_assignment(args.assignment)
    except cli.UsageError as exc:
        parser_.error(str(exc))
    modules = list(assignment.modules if assignment else active().modules)
    if assignment:
        out = out / assignment.name  # each assignment's gradebook and exports apart
    blocking = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        parser_.error(f"{one_line(blocking)} is a file: -o needs a folder (a new one, or a batch's)")
    students, notes = roster(folder)
    from grader.batch.lms import RosterError

    try:
        extras = extras_from(args, students, assignment)
    except RosterError as exc:
        parser_.error(str(exc))
    if note:
        notes.append(note)
    if assignment:
        notes.append(f"assignment {assignment.name} ({assignment.title}) only")
    version = checks_version(options, args.select, modules, cluster=bool(args.cluster))
    started = time.monotonic()
    with Gradebook(out / "gradebook.sqlite") as book:
        todo = [s for s in students if args.regrade or not book.is_current(s.id, s.content_hash, version)]
        print(f"{len(students)} submissions in {one_line(folder)}: {len(todo)} to grade, "
              f"{len(students) - len(todo)} unchanged since the last run", file=sys.stderr)
        try:
            grader_errors = grade(todo, options, version, book, modules, args.select, args.cluster, args.chunk)
        except cli.UsageError as exc:
            parser_.error(str(exc))
        except KeyboardInterrupt:
            print(f"\ninterrupted: every result so far is in {book.path}; run the same command again to "
                  "grade the rest", file=sys.stderr)
            return cli.EXIT_INTERRUPTED
        entries = book.entries([s.id for s in students])
    from grader.batch import exports

    summary = exports.write_all(entries, out, notes, extras)
    print_summary(summary, out, len(todo), time.monotonic() - started)
    if grader_errors:
        print(f"grader error: {grader_errors} submission(s) were not graded (the reference solutions failed some "
              "checks, or a cluster chunk failed); they will be graded again on the next run", file=sys.stderr)
        return cli.EXIT_INTERNAL
    return cli.EXIT_OK


def grade(todo: list[Student], options, version: str, book, modules: list[str], select: str = "",
          cluster: str | None = None, chunk: int | None = None) -> int:
    """Grade ``todo`` in one session (here, or on the Dask cluster at ``cluster``), committing
    each report as it comes; returns how many reports hold a grader error or were not graded.
    A ``select`` that matches no check raises cli.UsageError."""
    if not todo:
        return 0
    from grader.batch.gradebook import GRADER_ERROR, row_status
    from grader.session import Grader, preload_for
    from grader.batch.progress import Progress

    by_id = {s.id: s for s in todo}
    options.submission_count = len(todo)
    options.preload = preload_for([Submission(s.id, str(s.path), str(s.path), modules) for s in todo],
                                  options.selection)
    progress = Progress(len(todo))
    errors = 0

    def on_report(submission: Submission, report) -> None:
        nonlocal errors
        student = by_id[submission.student]
        report.student = student.id
        book.record(student.id, str(student.path), student.content_hash, version, report)
        errors += row_status(report) == GRADER_ERROR
        progress.advance(f"{student.id}: {report.score:g}/{report.max_score:g}"
                         + (f" ({report.status})" if report.status != "graded" else ""))

    try:
        if cluster:
            from grader.cluster import dispatch

            errors += dispatch.grade(cluster, [submission_for(s, modules) for s in todo], options, modules, select,
                                     on_report, chunk)
            return errors
        with Grader(options) as grader:
            cli.require_selected(grader, modules, select)
            if grader.sandbox.name == "process":
                print(PROCESS_WARNING, file=sys.stderr)
            grader.grade((submission_for(s, modules) for s in todo), on_report)
    finally:
        progress.close()
    return errors


def print_summary(summary: dict, out: Path, graded_now: int, elapsed: float) -> None:
    from grader.reporting.terminal import fmt

    students = [{**s, "id": one_line(s["id"]), "reason": one_line(s["reason"])} for s in summary["students"]]
    if not students:
        print("no submissions: the folder holds no student entries")
    elif len(students) <= 40:
        width = max([7] + [len(s["id"]) for s in students])
        print(f"{'student':<{width}}  {'score':>11}  {'percent':>7}  status")
        for s in students:
            print(f"{s['id']:<{width}}  {fmt(s['score']) + '/' + fmt(s['max_score']):>11}  "
                  f"{s['percent']:>6g}%  {s['status']}")
        print()
    p = summary["percent"]
    if summary["count"]:
        print(f"{summary['count']} students: mean {p['mean']:g}%, median {p['median']:g}%, "
              f"quartiles {p['q1']:g}% / {p['q3']:g}%, min {p['min']:g}%, max {p['max']:g}%")
    if summary["not_gradable"]:
        print(f"not gradable, left out of the statistics: {', '.join(s['id'] for s in summary['not_gradable'])}")
    trouble = [s for s in students if s["status"] != "graded"]
    for s in trouble[:20]:
        print(f"{s['status']}: {s['id']}: {s['reason']}")
    if len(trouble) > 20:
        print(f"... and {len(trouble) - 20} more (see grades.csv)")
    for reason, count in summary["failures_by_reason"].items():
        print(f"  {one_line(reason):<20} {count['students']:>5} student(s), {count['checks']} check(s)")
    for note in summary["notes"]:
        print(f"note: {one_line(note)}")
    print_class(summary)
    print(f"graded {graded_now} now in {elapsed:.1f} s; wrote {out}/grades.csv, feedback/, summary.json, "
          "plots/scores.png, plots/checks.png, report.html" + (f", {summary['lms']['file']}" if "lms" in summary else ""))


def print_class(summary: dict) -> None:
    """Flagged checks, the most alike pair and the roster's misses, a line each."""
    for item in summary["analysis"]["items"]:
        if item["flags"]:
            print(f"check {item['check']}: {'; '.join(item['flags'])}")
    if summary.get("similarity"):
        top = summary["similarity"][0]
        print(f"most alike: {top['a']} and {top['b']} ({100 * top['score']:.0f}% shared; see report.html)")
    lms = summary.get("lms")
    if lms and lms["without_submission"]:
        print(f"in the roster without a submission: {', '.join(lms['without_submission'])}")
    if lms and lms["not_in_roster"]:
        print(f"submissions not in the roster (kept, with no LMS id): {', '.join(lms['not_in_roster'])}")

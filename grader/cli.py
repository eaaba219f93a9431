"""``python -m grader``: grade a submission (default), or run a sub-command.

Sub-commands (:data:`COMMANDS`): ``selfcheck``, ``build``, ``release`` and ``batch`` work on a
course (``--course DIR``, else found from the current folder); ``new-course DIR`` writes a new one.

Exit codes (also in README and ``--help``):
  0  graded (whatever the score, unless --fail-under says otherwise)
  1  graded, but the score is below --fail-under
  2  usage error: bad option, no such file, a course.toml that cannot be used
  3  grader error: the grader or the course itself is broken (not the student's fault)
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from grader.errors import GraderError

EXIT_OK, EXIT_BELOW, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

EXIT_CODES = """exit codes:
  0    graded (whatever the score, unless --fail-under says otherwise)
  1    graded, but the score is below --fail-under
  2    usage error: bad option, no such file, a course.toml that cannot be used
  3    grader error: the grader or the course itself is broken
  130  interrupted (Ctrl-C)"""

#: sub-command -> "module:function" taking argv, returning an exit code
COMMANDS = {
    "selfcheck": "grader.authoring.selfcheck:main",
    "build": "grader.authoring.notebooks_build:main",
    "release": "grader.authoring.release:main",
    "batch": "grader.batch.command:main",
    "new-course": "grader.authoring.new_course:main",
}
#: sub-commands that need no course: they run even where the current folder's course.toml is broken
COURSELESS = ("new-course",)


class UsageError(Exception):
    pass


def add_course_option(parser: argparse.ArgumentParser) -> None:
    """``--course DIR``, which every command takes (:func:`main` applies it before any parser runs)."""
    parser.add_argument("--course", metavar="DIR", default=None,
                        help="the course folder (its course.toml); default: $GRADER_COURSE, else the nearest "
                             "course.toml in this folder or above, else the bundled Module 2 course")


def course_from(argv: list[str]) -> None:
    """Apply ``--course DIR`` (or ``--course=DIR``) of ``argv``: the course this run works on."""
    from grader.manifest import use

    chosen = None
    for index, arg in enumerate(argv):  # the last one counts, as argparse reads it
        if arg == "--course" and index + 1 < len(argv):
            chosen = argv[index + 1]
        elif arg.startswith("--course="):
            chosen = arg.split("=", 1)[1]
    use(chosen)


def chosen_assignment(name: str | None):
    """The course's assignment ``--assignment NAME`` names (None when not given)."""
    from grader.manifest import ManifestError, active

    if name is None:
        return None
    try:
        return active().assignment(name)
    except ManifestError as exc:
        raise UsageError(str(exc)) from None


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that grades (the student run, batch, CI)."""
    add_course_option(parser)
    parser.add_argument("--assignment", default=None, metavar="NAME",
                        help="grade this assignment of the course only (default: the assignments the submission "
                             "covers; a batch: the whole course)")
    parser.add_argument("-k", dest="select", default="", metavar="EXPR",
                        help="only checks whose id matches EXPR (substrings with and/or/not, like pytest)")
    parser.add_argument("--hidden", action="store_true", help="run the hidden variants (other seeds) for final grading")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"),
                        help="device the submission's inputs are put on (default: cpu)")
    parser.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "process"),
                        help="how submissions are confined (default: auto = bubblewrap when it works)")
    parser.add_argument("--runner", default="auto", choices=("auto", "zygote", "spawn"),
                        help="how workers start (default: auto = the fork server (zygote) on Linux, "
                             "a fresh process per worker (spawn) elsewhere)")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="seconds allowed per check (default: each check's own, usually 10)")
    parser.add_argument("--total-timeout", type=float, default=120.0, metavar="S",
                        help="seconds allowed per submission in total (default: 120)")
    parser.add_argument("--memory", type=int, default=2048, metavar="MB",
                        help="memory a submission may allocate, private and shared (default: 2048 MB)")
    parser.add_argument("--gpu-memory", type=int, default=None, metavar="MB",
                        help="GPU memory a submission may hold on --device cuda (default: 90%% of the card "
                             "shared equally by the -j workers)")
    parser.add_argument("--refresh-reference", action="store_true",
                        help="recompute the reference results instead of using the cache")


def options_from(args: argparse.Namespace, jobs: int = 1, local: bool = True):
    """The session's options; ``local=False`` (a cluster's workers sandbox the code) skips
    probing this machine's sandbox."""
    from grader.isolation.device import resolve_device
    from grader.session import Options
    from grader.isolation.limits import Limits
    from grader.judging.selection import Selection, SelectionError

    try:
        selection = Selection(args.select)
    except SelectionError as exc:
        raise UsageError(str(exc)) from None
    from grader.isolation.sandbox import SandboxUnavailable, choose

    try:
        if local:
            choose(args.sandbox)  # probed once and cached: the Grader gets the same answer
    except SandboxUnavailable as exc:
        raise UsageError(str(exc)) from None
    from grader.isolation.platform import choose_runner

    try:
        choose_runner(args.runner)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    device, note = resolve_device(args.device)
    for name in ("memory", "gpu_memory"):
        if getattr(args, name) is not None and getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} takes a number of MB above 0")
    limits = Limits(check_timeout=args.timeout, submission_timeout=args.total_timeout, memory=args.memory << 20,
                    gpu_memory=None if args.gpu_memory is None else args.gpu_memory << 20)
    options = Options(variant="hidden" if args.hidden else "public", device=device, sandbox=args.sandbox,
                      runner=args.runner, jobs=jobs, selection=selection, limits=limits, refresh_reference=args.refresh_reference)
    return options, note


def require_selected(grader, modules: list[str], expression: str) -> None:
    """A ``-k`` that selects no check is a typo, not a pass: raise :class:`UsageError`."""
    if expression.strip() and not grader.selected(modules):
        from grader.reporting.terminal import one_line

        example = next((e["id"] for e in grader.reference.catalogue if e["module"] in modules), f"{modules[0]}.NAME")
        raise UsageError(f"-k {one_line(expression)!r} selects no check of {', '.join(modules)} "
                         f"(check ids look like {example})")


def grade_parser() -> argparse.ArgumentParser:
    from grader.manifest import active
    from grader.reporting import FILE_REPORTERS

    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description=f"Grade exercises of {active().name} against the reference solutions. "
                    f"Sub-commands: {', '.join(sorted(COMMANDS))} (python -m grader COMMAND --help); "
                    "new-course DIR starts a course of your own.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", default=None,
                        help="a folder mirroring exercises/, one module file, a notebook or an archive "
                             "(default: the current folder if it holds exercise files, else the course's exercises/)")
    add_grading_options(parser)
    for option, (_, text) in FILE_REPORTERS.items():
        parser.add_argument(option, metavar="FILE", default=None, help=text)
    parser.add_argument("--fail-under", type=float, default=None, metavar="N",
                        help="exit 1 when the score (percent) is below N")
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal")
    parser.add_argument("-v", "--verbose", action="store_true", help="show messages and output of passed checks too")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the total")
    parser.add_argument("--watch", action="store_true",
                        help="grade, then grade again on every save of PATH (the saved module's assignment), "
                             "printing what changed; Ctrl-C stops it (exit code 130)")
    return parser


def default_path() -> Path:
    """The current folder when it holds exercise modules or a notebook, else its exercises/,
    else the course's exercises."""
    from grader.manifest import active

    course = active()
    here = Path.cwd()
    if any((here / f"{m}.py").is_file() for m in course.modules):
        return here
    if (here / course.exercises.name).is_dir():
        return here / course.exercises.name
    if any(here.glob("*.ipynb")):
        return here
    return course.exercises


def prepared(path, assignment, note: str | None, modules: list[str] | None = None):
    """The submission at ``path``, graded on ``assignment``, else on ``modules``, else on what it covers."""
    from grader.submissions.resolve import resolve

    submission = resolve(path, assignment.modules if assignment else modules)
    if note:
        submission.notes.append(note)
    if assignment is None and modules is None:
        from grader.submissions.coverage import narrow

        narrow(submission)
    return submission


def grade_main(argv: list[str]) -> int:
    from grader.reporting import FILE_REPORTERS, load
    from grader.reporting import terminal

    parser = grade_parser()
    args = parser.parse_args(argv)
    if args.sandbox != "process":
        from grader.isolation.sandbox import probe_in_background

        probe_in_background()
    from grader.session import Grader
    from grader.submissions.submission import SubmissionError

    try:
        options, note = options_from(args)
        assignment = chosen_assignment(args.assignment)
        if args.watch:
            from grader.watch import watch_main

            return watch_main(args, parser, options, assignment, note)
        submission = prepared(args.path or default_path(), assignment, note)
    except (UsageError, FileNotFoundError, SubmissionError) as exc:
        parser.error(terminal.one_line(exc))
    from grader.session import preload_for

    options.preload = preload_for([submission], options.selection)
    reports = []
    with Grader(options) as grader:
        try:
            require_selected(grader, submission.modules, args.select)
        except UsageError as exc:
            parser.error(str(exc))
        grader.grade([submission], lambda sub, report: reports.append(report))
    report = reports[0]
    if args.quiet:
        print(f"{report.score:g}/{report.max_score:g}")
    else:
        terminal.write(report, sys.stdout, colour=False if args.no_color else None, verbose=args.verbose)
    for option, (target, _) in FILE_REPORTERS.items():
        path = getattr(args, option.lstrip("-").replace("-", "_"))
        if path:
            load(target)(report, path)
    if any(c.status == "error" for c in report.checks):
        print("grader error: the reference solutions failed some checks; tell your instructor", file=sys.stderr)
        return EXIT_INTERNAL
    if args.fail_under is not None and report.percent < args.fail_under:
        return EXIT_BELOW
    return EXIT_OK


def command_first(argv: list[str]) -> list[str]:
    """``--course DIR COMMAND ...`` as ``COMMAND --course DIR ...``: the option may come first."""
    width = 1 if argv[:1] and argv[0].startswith("--course=") else 2 if argv[:1] == ["--course"] else 0
    if width and len(argv) > width and argv[width] in COMMANDS:
        return [argv[width], *argv[:width], *argv[width + 1:]]
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = command_first(list(sys.argv[1:] if argv is None else argv))
    from grader.manifest import ManifestError, use

    if argv and argv[0] in COURSELESS:
        return run(argv)
    try:
        course_from(argv)
    except ManifestError as exc:
        from grader.reporting.terminal import one_line

        print(f"python -m grader: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return run(argv)
    finally:
        use(None)  # a caller in the same process (a test, a notebook) finds its own course again


def run(argv: list[str]) -> int:
    try:
        if argv and argv[0] in COMMANDS:
            module, _, function = COMMANDS[argv[0]].partition(":")
            return getattr(importlib.import_module(module), function)(argv[1:])
        return grade_main(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except GraderError as exc:
        from grader.reporting.terminal import one_line

        print(f"grader error: {one_line(exc)}", file=sys.stderr)
        return EXIT_INTERNAL
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - a grader bug: say so, with the trace for us
        import traceback

        traceback.print_exc()
        print(f"grader error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL

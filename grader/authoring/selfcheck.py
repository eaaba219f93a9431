"""``python -m grader selfcheck``: is the course material sound, before a release?

A maintainer runs it after touching solutions, stubs or checks. It asserts that

* stubs and solutions expose the same public names with the same signatures (read with
  ``ast``: the judge never imports course code, which imports torch);
* every check has points and a description of its own (a docstring);
* the checks of each module add up to the course's points (in a subprocess, since the
  checks import torch; it overlaps with the grading);
* for the public and the hidden variant, the solutions score full marks and the untouched
  stubs score zero (a stub that scores means a check that tests nothing).

Each variant is one :class:`~grader.session.Grader` session grading both folders, so the
reference is computed once per variant. With ``--mutants`` it also mutates the solutions
(:mod:`grader.authoring.mutants`) and lists every mutant that keeps full marks and is not
marked equivalent. Exit 0 when all holds, 1 with the list of problems.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path

from grader.manifest import active, child_env

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

POINTS_SCRIPT = """
import sys
from grader.manifest import active
from grader.manifest.checks import load_checks, points_problems
course = active()
sys.exit("\\n".join(points_problems(course, load_checks(course))) or None)
"""


def signatures(path: Path) -> dict[str, str]:
    """Public top-level functions and classes (with their public methods) -> signature text."""
    found: dict[str, str] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                found[prefix + node.name] = f"({ast.unparse(node.args)})"
            elif isinstance(node, ast.FunctionDef) and node.name == "__init__" and prefix:
                found[prefix + node.name] = f"({ast.unparse(node.args)})"
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                found[prefix + node.name] = "class(" + ", ".join(ast.unparse(b) for b in node.bases) + ")"
                visit(node.body, f"{prefix}{node.name}.")

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)).body, "")
    return found


def compare_signatures(solutions: Path, exercises: Path) -> list[str]:
    problems = []
    for module in active().modules:
        solution, stub = solutions / f"{module}.py", exercises / f"{module}.py"
        missing = [p for p in (solution, stub) if not p.is_file()]
        if missing:
            problems += [f"{module}: {p} does not exist" for p in missing]
            continue
        try:
            want, got = signatures(solution), signatures(stub)
        except SyntaxError as exc:
            problems.append(f"{module}: {exc.filename} does not parse: {exc.msg} (line {exc.lineno})")
            continue
        for name in sorted(want.keys() - got.keys()):
            problems.append(f"{module}.{name}: in solutions but not in the stub")
        for name in sorted(got.keys() - want.keys()):
            problems.append(f"{module}.{name}: in the stub but not in solutions")
        for name in sorted(want.keys() & got.keys()):
            if want[name] != got[name]:
                problems.append(f"{module}.{name}: the stub has {name.rsplit('.', 1)[-1]}{got[name]}, "
                                f"the solution {name.rsplit('.', 1)[-1]}{want[name]}")
    return problems


def catalogue_problems(catalogue: list[dict]) -> list[str]:
    problems = []
    for entry in catalogue:
        if not entry["points"] > 0:
            problems.append(f"{entry['id']}: has {entry['points']} points")
        if not entry["description"] or entry["description"] == entry["name"].replace("_", " "):
            problems.append(f"{entry['id']}: no description (give the check function a docstring)")
    return problems


def score_problems(variant: str, label: str, report, want_full: bool) -> list[str]:
    """Solutions must get every point they can; stubs none."""
    where = f"{variant}: {label}"
    if report.status != "graded":
        return [f"{where}: could not be graded: {report.modules[0].message if report.modules else ''}"]
    if want_full:
        return [f"{where}: {c.id} {c.status} ({c.points:g}/{c.max_points:g}): {c.message}"
                for c in report.checks if c.status not in ("passed", "skipped")]
    return [f"{where}: {c.id} scores {c.points:g}/{c.max_points:g} on the stub: "
            "the stub gives the answer away, or the check tests nothing" for c in report.checks if c.points > 0]


def grade_variant(variant: str, solutions: Path, exercises: Path, args) -> tuple[list[str], list[str]]:
    """Grade both folders in one session; (summary lines, problems)."""
    from grader.session import Grader, Options
    from grader.submissions.resolve import resolve

    options = Options(variant=variant, sandbox=args.sandbox)
    reports = {}
    with Grader(options) as grader:
        grader.grade([resolve(solutions), resolve(exercises)],
                     lambda sub, report: reports.__setitem__(sub.path, report))
        catalogue = grader.reference.catalogue
    solved, stubbed = reports[str(solutions)], reports[str(exercises)]
    problems = score_problems(variant, "solutions", solved, True) + score_problems(variant, "stubs", stubbed, False)
    seeds = ", ".join(map(str, active().seeds[variant]))
    summary = [f"{variant} (seeds {seeds}): solutions {solved.score:g}/{solved.max_score:g}, "
               f"stubs {stubbed.score:g}/{stubbed.max_score:g}"]
    if not catalogue:
        problems.append(f"{variant}: the reference run listed no checks (the course checks do not load?)")
    if variant == "public":
        found = catalogue_problems(catalogue)
        problems += found
        summary.append(f"checks: {len(catalogue)}, "
                       + ("some without points or a description" if found else "each with points and a description"))
    return summary, problems


def parser() -> argparse.ArgumentParser:
    from grader.cli import add_course_option

    course = active()
    p = argparse.ArgumentParser(prog="python -m grader selfcheck",
                                description="Check the course material before a release: solutions score full "
                                            "marks, stubs score zero, stubs match the solutions' signatures, "
                                            "every check has points and a description, hidden variants run.",
                                epilog="exit codes: 0 all sound, 1 problems (listed), 2 usage error")
    add_course_option(p)
    p.add_argument("--solutions", type=Path, default=course.solutions, metavar="DIR",
                   help="reference solutions (default: the course's solutions/); also the reference the checks "
                        "compare with")
    p.add_argument("--exercises", type=Path, default=course.exercises, metavar="DIR",
                   help="the untouched student stubs (default: the course's exercises/)")
    p.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "process"),
                   help="how the folders are confined while graded (default: auto)")
    p.add_argument("--mutants", action="store_true",
                   help="also grade every mutant of the solutions (cosmic-ray's operators) and list those that "
                        "keep full marks: weak checks, or equivalent mutants to mark in "
                        "SOLUTIONS/equivalent_mutants.toml")
    p.add_argument("--module", action="append", choices=course.modules, metavar="NAME",
                   help="with --mutants: mutate only this module (repeatable; default: all)")
    p.add_argument("-j", "--jobs", type=int, default=2, metavar="N", help="with --mutants: mutants graded in parallel")
    return p


def mutation_problems(solutions: Path, args) -> list[str]:
    """Grade every mutant of the chosen modules in one session; survivors are problems."""
    from grader.authoring import mutants

    modules = args.module or active().modules
    found = [m for module in modules
             for m in mutants.mutants_of(module, (solutions / f"{module}.py").read_text(encoding="utf-8"))]
    print(f"  mutants: grading {len(found)} mutants of {', '.join(modules)}")
    outcomes = mutants.grade_mutants(found, solutions, sandbox=args.sandbox, jobs=max(1, args.jobs))
    outcomes = mutants.apply_marks(outcomes, mutants.load_equivalents(solutions / mutants.EQUIVALENTS))
    print("  " + mutants.score_line(outcomes))
    return [f"mutant keeps full marks: {mutants.describe(o)}" for o in mutants.survivors(outcomes)]


def main(argv: list[str]) -> int:
    from grader.paths import PACKAGE_ROOT

    p = parser()
    args = p.parse_args(argv)
    solutions, exercises = args.solutions.resolve(), args.exercises.resolve()
    for folder in (solutions, exercises):
        if not folder.is_dir():
            p.error(f"no such folder: {folder}")
    # The reference is what the checks compare with: it must be these solutions.
    os.environ["GRADER_SOLUTIONS"] = str(solutions)
    print(f"selfcheck: {solutions} against {exercises}")
    points = subprocess.Popen([sys.executable, "-c", POINTS_SCRIPT], cwd=PACKAGE_ROOT, env=child_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    problems = compare_signatures(solutions, exercises)
    print(f"  signatures: {'differ' if problems else 'stubs match the solutions'}")
    for variant in ("public", "hidden"):
        summary, found = grade_variant(variant, solutions, exercises, args)
        problems += found
        print("\n".join("  " + line for line in summary))
    if args.mutants:
        problems += mutation_problems(solutions, args)
    _, err = points.communicate()
    if points.returncode:
        lines = (line.strip() for line in err.splitlines())
        problems += [line for line in lines if line]
    else:
        print("  points: each assignment's checks add up to the points its manifest states")
    if problems:
        print(f"\nselfcheck FAILED, {len(problems)} problem(s):")
        print("\n".join(f"  - {problem}" for problem in problems))
        return EXIT_PROBLEMS
    print("selfcheck passed")
    return EXIT_OK

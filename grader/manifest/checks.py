"""A course's checks, imported (worker side: check files import torch; the judge reads them as text).

Each module's checks are ``<course.checks>/<module>.py``. The folder is imported as a package
of its own, so check files may share helpers (``from .data import ...``) and never clash
with a student's module of the same name: a folder that is a package under the grader's
root (the bundled ``grader/course``) keeps its dotted name, any other gets a name made from
its path.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

from grader.manifest.schema import Course
from grader.paths import PACKAGE_ROOT


def package_name(folder: Path) -> str:
    folder = folder.resolve()
    if folder.is_relative_to(PACKAGE_ROOT) and folder != PACKAGE_ROOT:
        parts = folder.relative_to(PACKAGE_ROOT).parts
        if all((PACKAGE_ROOT.joinpath(*parts[: i + 1]) / "__init__.py").is_file() for i in range(len(parts))):
            return ".".join(parts)
    return "grader_course_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]


def package(course: Course) -> str:
    """Import the course's checks folder as a package (once) and return its name."""
    name = package_name(course.checks)
    if name in sys.modules or not name.startswith("grader_course_"):
        importlib.import_module(name)
        return name
    init = course.checks / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(course.checks)])
    else:  # a folder of check files only: a package with no code of its own (spec_from_file_location needs a file)
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(course.checks)]
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if spec.loader is not None:
        spec.loader.exec_module(module)
    return name


def load_checks(course: Course) -> dict:
    """Import every module's check file; return the course's part of
    :data:`grader.authoring.check.REGISTRY` (module -> checks): another course loaded in the
    same process (a test, a notebook) may have a module of the same name."""
    from grader.authoring import check

    name = package(course)
    for module in course.modules:
        importlib.import_module(f"{name}.{module}")
    return {module: [c for c in checks if c.scenario.__module__.startswith(name + ".")]
            for module, checks in check.REGISTRY.items()}


def prepare(course: Course) -> None:
    """Compute what every worker would otherwise rebuild: a check file may define
    ``prepare(seeds)``, called here (by a zygote, before it forks) with every variant's seeds."""
    seeds = sorted({seed for variant in course.seeds for seeds in course.seeds_for(variant).values() for seed in seeds})
    name = package(course)
    for module in course.modules:
        hook = getattr(importlib.import_module(f"{name}.{module}"), "prepare", None)
        if hook is not None:
            hook(seeds)


def points_problems(course: Course, registry: dict) -> list[str]:
    """What is wrong with the points: an assignment whose checks do not add up to what the
    manifest says, a module with no checks, a check with more cases than seeds."""
    problems = []
    for assignment in course.assignments:
        max_cases = min(len(seeds) for seeds in (assignment.seeds or course.seeds).values())
        checks = []
        for module in assignment.modules:
            found = registry.get(module, [])
            if not found:
                problems.append(f"module {module!r} has no checks (expected {course.checks / (module + '.py')})")
            checks += found
        got = sum(c.points for c in checks)
        if assignment.points is not None and checks and abs(got - assignment.points) > 1e-9:
            detail = ", ".join(f"{c.id}={c.points:g}" for c in checks)
            problems.append(f"assignment {assignment.name!r}: its checks add up to {got:g} points, "
                            f"the manifest says {assignment.points:g} ({detail})")
        problems += [f"check {c.id} asks for {c.cases} cases, only {max_cases} seeds per variant"
                     for c in checks if c.cases > max_cases]
    total = sum(c.points for m in course.modules for c in registry.get(m, []))
    if course.total is not None and abs(total - course.total) > 1e-9:
        problems.append(f"the checks add up to {total:g} points, the manifest's total is {course.total:g}")
    return problems

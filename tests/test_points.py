"""Points and registry of the bundled course's checks, against its manifest (course.toml)."""

import dataclasses
import inspect

import pytest

from grader.manifest import BUNDLED, load
from grader.manifest.checks import load_checks, points_problems

COURSE = load(BUNDLED)


def course_registry():
    registry = load_checks(COURSE)
    return {m: registry[m] for m in COURSE.modules}


def test_points_total_100():
    assert COURSE.total == 100
    assert sum(a.points for a in COURSE.assignments) == 100


def test_seeds():
    assert len(COURSE.seeds["public"]) == len(COURSE.seeds["hidden"]) == 3
    assert not set(COURSE.seeds["public"]) & set(COURSE.seeds["hidden"])


@pytest.mark.parametrize("assignment", COURSE.assignments, ids=lambda a: a.name)
def test_assignment_checks_sum_to_points(assignment):
    checks = [c for m in assignment.modules for c in course_registry()[m]]
    assert checks, assignment.name
    assert sum(c.points for c in checks) == assignment.points


def test_points_problems_accepts_the_course():
    assert points_problems(COURSE, course_registry()) == []


def test_every_check_is_described_and_bounded():
    for module, checks in course_registry().items():
        for c in checks:
            assert c.module == module
            doc = inspect.getdoc(c.scenario)
            assert doc and c.description == doc.splitlines()[0], c.id
            assert c.description.endswith("."), c.id
            assert c.points > 0 and 1 <= c.cases <= len(COURSE.seeds["public"]), c.id
            assert c.scenario.__name__ == c.name


def test_points_problems_name_a_wrong_sum():
    registry = course_registry()
    broken = dict(registry)
    first = registry["cifar"][0]
    broken["cifar"] = [dataclasses.replace(first, points=first.points + 1)] + registry["cifar"][1:]
    problems = points_problems(COURSE, broken)
    assert any("assignment 'cifar'" in p and "21 points" in p for p in problems), problems
    assert any("manifest's total is 100" in p for p in problems), problems


def test_points_problems_name_a_missing_module_and_too_many_cases():
    registry = course_registry()
    missing = {m: c for m, c in registry.items() if m != "autograd"}
    assert any("'autograd' has no checks" in p for p in points_problems(COURSE, missing))
    many = dict(registry)
    many["tensors"] = [dataclasses.replace(registry["tensors"][0], cases=4)] + registry["tensors"][1:]
    assert any("asks for 4 cases" in p for p in points_problems(COURSE, many))

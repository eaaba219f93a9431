"""Points and registry of the course checks."""

import dataclasses
import inspect

import pytest

from grader.course import MODULES, POINTS, SEEDS, load_checks, validate_points


def course_registry():
    registry = load_checks()
    return {m: registry[m] for m in MODULES}


def test_points_total_100():
    assert set(POINTS) == set(MODULES)
    assert sum(POINTS.values()) == 100


def test_seeds():
    assert len(SEEDS["public"]) == len(SEEDS["hidden"]) == 3
    assert not set(SEEDS["public"]) & set(SEEDS["hidden"])


@pytest.mark.parametrize("module", MODULES)
def test_module_checks_sum_to_points(module):
    checks = course_registry()[module]
    assert checks, module
    assert sum(c.points for c in checks) == POINTS[module]


def test_validate_points_accepts_the_course():
    validate_points(course_registry())


def test_every_check_is_described_and_bounded():
    for module, checks in course_registry().items():
        for c in checks:
            assert c.module == module
            doc = inspect.getdoc(c.scenario)
            assert doc and c.description == doc.splitlines()[0], c.id
            assert c.description.endswith("."), c.id
            assert c.points > 0 and 1 <= c.cases <= len(SEEDS["public"]), c.id
            assert c.scenario.__name__ == c.name


def test_validate_points_rejects_wrong_sum():
    registry = course_registry()
    broken = dict(registry)
    first = registry["cifar"][0]
    broken["cifar"] = [dataclasses.replace(first, points=first.points + 1)] + registry["cifar"][1:]
    with pytest.raises(ValueError, match="cifar"):
        validate_points(broken)


def test_validate_points_rejects_missing_module_and_too_many_cases():
    registry = course_registry()
    missing = {m: c for m, c in registry.items() if m != "autograd"}
    with pytest.raises(ValueError, match="autograd"):
        validate_points(missing)
    many = dict(registry)
    many["tensors"] = [dataclasses.replace(registry["tensors"][0], cases=4)] + registry["tensors"][1:]
    with pytest.raises(ValueError, match="cases"):
        validate_points(many)

"""The portable runner (``--runner spawn``: a fresh process per worker) on Linux, against the zygote.

macOS and Windows are not at hand, so the spawn path is tested here: the same submissions
graded under both runners must get the same scores, statuses and messages, and the
hostile cases (process sandbox) their verdicts with nothing left running.
"""

from __future__ import annotations

import functools

import pytest

import test_hostile
import test_notebook
from conftest import EXERCISES, SOLUTIONS, grade_all
from grader.session import Options
from grader.submissions.resolve import resolve
from mutants import ALTERNATIVES, MUTANTS
from test_grading import submission_with

#: a representative few: a wrong value, a wrong view, an exception, a correct variant
SAMPLE = [MUTANTS[0], MUTANTS[len(MUTANTS) // 2], ALTERNATIVES[0]]
NOTEBOOKS = ("solutions", "raises")
#: Each worker of the spawn runner imports torch afresh (in the background, but a crash's
#: next worker may have to wait for it), so the default run takes a representative few.
HOSTILE = ["segfault", "os_exit_in_call", "memory_bomb", "output_flood", "orphans"]
SLOW_HOSTILE = [c for c in test_hostile.EXPECT["process"] if c not in HOSTILE]


def verdicts(report) -> list[tuple]:
    return [(c.id, c.status, c.points, c.message, c.reason) for c in report.checks]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same submissions graded under each runner: {runner: {name: report}}."""
    tmp = tmp_path_factory.mktemp("spawn")
    notebooks = test_notebook.build_cases(tmp_path_factory.mktemp("notebooks"))
    named = {"solutions": resolve(SOLUTIONS), "stubs": resolve(EXERCISES)}
    named.update({e["name"]: submission_with(tmp, e) for e in SAMPLE})
    named.update({f"notebook-{n}": resolve(notebooks[n].path) for n in NOTEBOOKS})
    out = {}
    for runner in ("zygote", "spawn"):
        reports = grade_all(list(named.values()), runner=runner, jobs=2, sandbox="process")
        out[runner] = dict(zip(named, reports))
    return out


@pytest.mark.timeout(600)
def test_spawn_grades_exactly_as_the_zygote(both):
    zygote, spawn = both["zygote"], both["spawn"]
    assert spawn["solutions"].score == spawn["solutions"].max_score > 0
    assert spawn["stubs"].score == 0
    assert spawn["notebook-solutions"].score == spawn["notebook-solutions"].max_score
    for name, report in spawn.items():
        assert report.runner == "spawn" and zygote[name].runner == "zygote"
        assert verdicts(report) == verdicts(zygote[name]), name
        assert [(m.name, m.status, m.message) for m in report.modules] == \
               [(m.name, m.status, m.message) for m in zygote[name].modules], name


@pytest.mark.timeout(600)
@pytest.mark.parametrize("entry", SAMPLE, ids=lambda e: e["name"])
def test_spawn_mutants_lose_exactly_their_checks(entry, both):
    report = both["spawn"][entry["name"]]
    assert {c.name for c in report.checks if c.status == "failed"} == set(entry["lost"])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The representative hostile cases and their honest controls, one spawn session (process sandbox)."""
    cases = HOSTILE
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(test_hostile, "Options", functools.partial(Options, runner="spawn"))
        return test_hostile.grade_batch("process", cases, tmp_path_factory.mktemp("hostile-spawn"))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", HOSTILE)
def test_spawn_hostile_case_gets_its_verdict(hostile, case):
    report = test_hostile.report_of(hostile, case)
    assert report.runner == "spawn"
    test_hostile.assert_verdict(report, test_hostile.EXPECT["process"][case])


@pytest.mark.timeout(600)
def test_spawn_honest_submissions_grade_as_alone_and_nothing_is_left_running(hostile):
    controls = [r for student, r in hostile.reports.items() if student.endswith("-control")]
    assert controls[0].score == test_hostile.FULL
    for report in controls[1:]:
        assert verdicts(report) == verdicts(controls[0]), report.student
    assert hostile.left_running == []


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", SLOW_HOSTILE)
def test_spawn_slow_hostile_case_gets_its_verdict(tmp_path, case):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(test_hostile, "Options", functools.partial(Options, runner="spawn"))
        batch = test_hostile.grade_batch("process", [case], tmp_path)
    test_hostile.assert_verdict(test_hostile.report_of(batch, case), test_hostile.EXPECT["process"][case])
    assert batch.left_running == []

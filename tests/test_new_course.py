"""``python -m grader new-course DIR``: a new course that passes selfcheck and grades from inside its folder."""

from __future__ import annotations

import json
import tomllib

import pytest

from conftest import run_cli
from grader.authoring import material
from grader.authoring.new_course import TEMPLATE, toml_string
from grader.manifest import load

pytestmark = pytest.mark.timeout(300)

NAME = 'Intro to "tensors" \\ autumn'  # quotes and a backslash: the manifest must still parse


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authoring") / "my-course"
    made = run_cli("new-course", str(folder), "--name", NAME)
    assert made.returncode == 0, made.stdout + made.stderr
    return folder


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return {"GRADER_CACHE": str(tmp_path_factory.mktemp("cache"))}


def test_writes_the_course_with_its_name(course):
    assert {str(p.relative_to(course)) for p in course.rglob("*") if p.is_file()} == {
        "course.toml", "README.md", "solutions/warmup.py", "exercises/warmup.py", "checks/warmup.py"}
    loaded = load(course.resolve())
    assert loaded.name == NAME and loaded.modules == ("warmup",)
    assert loaded.checks == course.resolve() / "checks" and loaded.total == 10
    assert [a.points for a in loaded.assignments] == [10]
    assert (course / "README.md").read_text().startswith(f"# {NAME}\n")
    readme = (course / "README.md").read_text()
    for command in ("python -m grader selfcheck", "python -m grader build notebooks", "python -m grader release OUT"):
        assert command in readme
    solution = (course / "solutions/warmup.py").read_text()
    assert material.BEGIN in solution and (course / "exercises/warmup.py").read_text() == material.stub_source(solution)


def test_selfcheck_passes_inside_the_new_course(course, env):
    result = run_cli("selfcheck", cwd=course, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"selfcheck: {course.resolve() / 'solutions'}" in result.stdout  # the new course, not the bundled one
    assert "solutions 10/10, stubs 0/10" in result.stdout and "selfcheck passed" in result.stdout


def test_grades_the_stubs_at_zero_and_the_solutions_at_full_marks(course, env, tmp_path):
    stubs = run_cli("-q", cwd=course, env=env)
    assert stubs.returncode == 0 and stubs.stdout.strip() == "0/10", stubs.stdout + stubs.stderr
    solved = run_cli(str(course / "solutions"), "--json", str(tmp_path / "r.json"), cwd=course, env=env)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["percent"] == 100.0 and report["score"] == 10


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run_cli("new-course", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is not empty (it holds notes.txt)" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written


def test_runs_where_the_current_course_is_broken(tmp_path):
    (tmp_path / "course.toml").write_text("[course]\n")  # new-course needs no course of its own
    result = run_cli("new-course", "fresh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert load((tmp_path / "fresh").resolve()).name == "fresh"  # the folder's name by default


@pytest.mark.parametrize("name", ["plain", 'a "quoted" \\ name', "tab\there", "caf\u00e9 \u2014 d\u00e9j\u00e0", "del\x7f"])
def test_toml_string_round_trips(name):
    assert tomllib.loads(f"name = {toml_string(name)}")["name"] == name


def test_template_is_not_part_of_the_bundled_course():
    from grader.judging.reference import result_sources
    from grader.manifest import BUNDLED

    bundled = load(BUNDLED)
    assert not TEMPLATE.resolve().is_relative_to(bundled.checks.resolve())
    assert not [p for p in result_sources() if p.resolve().is_relative_to(TEMPLATE.resolve())]
    assert "warmup" not in bundled.modules

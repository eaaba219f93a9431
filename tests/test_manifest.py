"""The course manifest: typed and validated, found like pytest's rootdir, and assignments as the unit."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from conftest import EXERCISES, ROOT, SOLUTIONS, run_cli
from grader.manifest import BUNDLED, ManifestError, active, find_upward, load, use
from grader.manifest.schema import parse

MINIMAL = """
[course]
name = "Tiny"

[seeds]
public = [0]
hidden = [1]

[[assignment]]
name = "first"
modules = ["alpha"]
"""


def manifest_error(text: str) -> str:
    with pytest.raises(ManifestError) as caught:
        parse(text, Path("/course"), "course.toml")
    return str(caught.value)


def test_the_bundled_manifest_describes_module_2():
    course = load(BUNDLED)
    assert course.modules == ("tensors", "broadcasting", "cifar", "autograd", "backprop", "autodiff_functional")
    assert course.checks == ROOT / "grader" / "course" and course.solutions == SOLUTIONS
    assert course.assignment("cifar").preload == ("torchvision",)
    assert "data" in course.ignore and "__MACOSX" in course.ignore


def test_an_assignment_may_have_seeds_of_its_own():
    course = parse(MINIMAL.replace('modules = ["alpha"]', 'modules = ["alpha"]\nseeds = { public = [5], hidden = [6] }')
                   + '\n[[assignment]]\nname = "second"\nmodules = ["beta"]\n', Path("/course"))
    assert course.seeds_for("public") == {"alpha": [5], "beta": [0]}
    assert course.seeds_for("hidden") == {"alpha": [6], "beta": [1]}


def test_defaults_fill_what_a_minimal_manifest_leaves_out():
    course = parse(MINIMAL, Path("/course"))
    assert course.checks == Path("/course/checks") and course.exercises == Path("/course/exercises")
    assert course.assignments[0].title == "first" and course.assignments[0].points is None
    assert course.seeds == {"public": (0,), "hidden": (1,)}


@pytest.mark.parametrize("change, named", [
    (("name = \"Tiny\"", "name = \"Tiny\"\npoint = 3"), "[course]: unknown key 'point'"),
    (("modules = [\"alpha\"]", "modules = [\"alpha\"]\npoints = \"ten\""),
     "[[assignment]] 1 (first): 'points' must be a number, not a string"),
    (("public = [0]", "public = 0"), "[seeds]: 'public' must be a list of integers, not a number"),
    (("modules = [\"alpha\"]", "modules = [\"alpha\", 3]"), "'modules' must be a list of strings"),
    (("hidden = [1]\n", ""), "[seeds]: missing key 'hidden'"),
    (("name = \"first\"", "name = \"first one\""), "assignment name 'first one' is not a valid name"),
    (("[seeds]", "[seed]"), "unknown table 'seed'"),
    (("modules = [\"alpha\"]", "modules = [\"alpha\"]\nseeds = { public = [5] }"),
     "[[assignment]] 1 (first): seeds: missing key 'hidden'"),
    (("modules = [\"alpha\"]", "modules = [\"alpha\"]\nseeds = [5]"), "'seeds' must be a table, not a list"),
    (("name = \"Tiny\"", "name = \"Tiny"), "is not valid TOML"),
])
def test_a_wrong_manifest_is_an_error_naming_the_key(change, named):
    message = manifest_error(MINIMAL.replace(*change))
    assert named in message and message.startswith("course.toml"), message


def test_a_module_in_two_assignments_is_refused():
    twice = MINIMAL + '\n[[assignment]]\nname = "second"\nmodules = ["alpha"]\n'
    assert "module 'alpha' is already in assignment 'first'" in manifest_error(twice)


def test_the_course_is_found_from_the_current_folder_upward(tmp_path, monkeypatch):
    tiny_course(tmp_path, "Tiny")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_upward(deep) == tmp_path.resolve()
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    monkeypatch.chdir(deep)
    assert active().name == "Tiny"
    monkeypatch.chdir(tmp_path.parent)
    assert find_upward(tmp_path.parent) is None or active().name != "Tiny"


def test_use_and_the_environment_choose_a_course(tmp_path, monkeypatch):
    tiny_course(tmp_path, "Tiny")
    monkeypatch.setenv("GRADER_COURSE", str(tmp_path))
    assert active().name == "Tiny"
    monkeypatch.delenv("GRADER_COURSE")
    try:
        assert use(tmp_path / "course.toml").name == "Tiny" and active().name == "Tiny"
    finally:
        use(None)
    assert active().root == BUNDLED.resolve()
    with pytest.raises(ManifestError, match="has no course.toml"):
        use(tmp_path / "a")


@pytest.mark.timeout(120)
def test_the_cli_names_a_broken_manifest_and_exits_2(tmp_path):
    (tmp_path / "course.toml").write_text(MINIMAL.replace("name = \"Tiny\"", "name = \"Tiny\"\nchecks = 3"))
    for how in ({"cwd": tmp_path}, {"env": {"GRADER_COURSE": str(tmp_path)}}):
        done = run_cli("-q", **how)
        assert done.returncode == 2, done.stderr
        assert "[course]: 'checks' must be a string, not a number" in done.stderr and "Traceback" not in done.stderr
    done = run_cli("--course", str(tmp_path / "nowhere"), "-q")
    assert done.returncode == 2 and "has no course.toml" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.timeout(120)
def test_help_names_the_course_found_upward(tmp_path):
    tiny_course(tmp_path, "Tiny")
    (tmp_path / "sub").mkdir()
    assert "Grade exercises of Tiny" in run_cli("--help", cwd=tmp_path / "sub").stdout
    assert "Grade exercises of Module 2" in run_cli("--help", "--course", str(ROOT), cwd=tmp_path / "sub").stdout


@pytest.mark.timeout(300)
def test_assignment_option_grades_that_assignment_only(tmp_path):
    done = run_cli(str(SOLUTIONS), "--assignment", "backprop", "--json", str(tmp_path / "r.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert [m["name"] for m in report["modules"]] == ["backprop"] and report["max_score"] == 10
    assert report["assignments"] == [{"name": "backprop", "title": "Practical 2: backpropagation",
                                      "modules": ["backprop"], "points": 10, "max_points": 10}]
    assert "assignment backprop: Practical 2" in done.stdout
    wrong = run_cli(str(SOLUTIONS), "--assignment", "backprops", cwd=tmp_path)
    assert wrong.returncode == 2 and "no assignment 'backprops'" in wrong.stderr and "autograd" in wrong.stderr


@pytest.mark.timeout(300)
def test_a_folder_is_graded_on_the_assignments_whose_modules_it_holds(tmp_path):
    folder = tmp_path / "hw"
    folder.mkdir()
    for module in ("tensors", "backprop"):
        shutil.copy(SOLUTIONS / f"{module}.py", folder)
    done = run_cli(str(folder), "--json", str(tmp_path / "r.json"), "--no-color", cwd=tmp_path)
    report = json.loads((tmp_path / "r.json").read_text())
    assert [m["name"] for m in report["modules"]] == ["tensors", "backprop"]
    assert report["percent"] == 100 and "broadcasting" not in done.stdout
    assert "the submission covers tensors, backprop: graded on assignments tensors, backprop only" in report["notes"]
    assert [(a["name"], a["points"]) for a in report["assignments"]] == [("tensors", 19), ("backprop", 10)]


@pytest.mark.timeout(300)
def test_batch_for_one_assignment_writes_its_own_gradebook_and_exports(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(SOLUTIONS, subs / "alice")
    shutil.copytree(EXERCISES, subs / "bob")
    (subs / "junk.txt").write_text("not a submission")
    out = tmp_path / "grades"
    done = run_cli("batch", str(subs), "-o", str(out), "--assignment", "backprop", "-j", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (out / "backprop" / "gradebook.sqlite").is_file() and not (out / "grades.csv").exists()
    rows = {r["id"]: r for r in csv.DictReader((out / "backprop" / "grades.csv").open())}
    assert set(rows) == {"alice", "bob", "junk.txt"} and "backprop" in rows["alice"] and "tensors" not in rows["alice"]
    assert (float(rows["alice"]["total"]), float(rows["alice"]["max"])) == (10, 10)
    assert (float(rows["bob"]["total"]), float(rows["bob"]["max"])) == (0, 10)
    summary = json.loads((out / "backprop" / "summary.json").read_text())
    assert summary["count"] == 2 and [s["id"] for s in summary["not_gradable"]] == ["junk.txt"]
    assert summary["course"].startswith("Module 2") and summary["assignments"] == ["backprop"]
    assert "assignment backprop (Practical 2: backpropagation) only" in summary["notes"]


def test_course_may_come_before_the_sub_command():
    from grader.cli import command_first

    assert command_first(["--course", "c", "batch", "subs"]) == ["batch", "--course", "c", "subs"]
    assert command_first(["--course=c", "selfcheck"]) == ["selfcheck", "--course=c"]
    assert command_first(["--course", "c", "hw"]) == ["--course", "c", "hw"]  # a path to grade, not a command
    assert command_first(["batch", "--course", "c"]) == ["batch", "--course", "c"]


@pytest.mark.parametrize("change, named", [
    (("[[assignment]]", "[assignment]"), "write each assignment as [[assignment]] (two brackets"),
    (("name = \"Tiny\"", "name = \" \""), "[course]: 'name' is empty"),
    (("name = \"Tiny\"", "name = \"Tiny\"\nrelease = [\"../elsewhere\"]"), "release entry '../elsewhere' is outside"),
])
def test_more_wrong_manifests_are_named(change, named):
    assert named in manifest_error(MINIMAL.replace(*change))


def tiny_course(folder: Path, name: str) -> Path:
    """A course of one module ``alpha`` whose one check needs no torch."""
    (folder / "checks").mkdir(parents=True)
    (folder / "course.toml").write_text(MINIMAL.replace("Tiny", name))
    (folder / "checks" / "alpha.py").write_text(
        "from grader.authoring.check import check\n\n\n@check(points=1)\ndef answer(sub, case):\n"
        '    "The answer."\n    return sub.answer()\n')
    return folder


def test_a_course_whose_check_files_are_missing_is_named_before_anything_runs(tmp_path):
    folder = tiny_course(tmp_path, "Tiny")
    (folder / "checks" / "alpha.py").unlink()
    with pytest.raises(ManifestError, match=r"the checks of 1 module\(s\) are missing: .*checks/alpha.py"):
        load(folder)
    done = run_cli("--course", str(folder), "-q")
    assert done.returncode == 2 and "checks/alpha.py" in done.stderr and "Traceback" not in done.stderr


def test_two_courses_with_a_module_of_the_same_name_load_in_one_process(tmp_path):
    from grader.manifest.checks import load_checks

    first, second = (load(tiny_course(tmp_path / n, n)) for n in ("One", "Two"))
    for course in (first, second, first):
        [answer] = load_checks(course)["alpha"]
        assert answer.scenario.__module__.endswith(".alpha") and answer.id == "alpha.answer"
    assert load_checks(first)["alpha"][0] is not load_checks(second)["alpha"][0]


@pytest.mark.timeout(120)
def test_batch_into_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "grades").write_text("a file")
    for extra in ([], ["--assignment", "backprop"]):
        done = run_cli("batch", str(tmp_path / "subs"), "-o", str(tmp_path / "grades"), *extra, cwd=tmp_path)
        assert done.returncode == 2 and "is a file: -o needs a folder" in done.stderr and "Traceback" not in done.stderr

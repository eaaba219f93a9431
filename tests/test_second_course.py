"""A second course, ``tests/courses/dsp_basics``, graded end to end with no line of grader/ knowing it.

Two assignments on topics Module 2 does not have: ``norms`` (module ``vector_norms``, handed in
as a module) and ``smoothing`` (module ``moving_average``, handed in as a notebook). Every test
drives the grader as its users do, in subprocesses: the student CLI found from the folder it
runs in, ``--course DIR`` or ``$GRADER_COURSE``; a batch; selfcheck; a student release graded
offline; Gradescope's ``run_autograder``. The course is tiny (a few CPU tensors of a few
elements), so this stays in the default suite: it is issue 13's acceptance. Its ``checks/`` folder
has no ``__init__.py`` on purpose: a course's check files need not be a package.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, run_cli

COURSE = Path(__file__).resolve().parent / "courses" / "dsp_basics"
SOLUTIONS, EXERCISES = COURSE / "solutions", COURSE / "exercises"
NOTEBOOK = Path(__file__).resolve().parent / "fixtures" / "dsp_smoothing_student.ipynb"  # solves smoothing only
MODULES = ("vector_norms", "moving_average")
ASSIGNMENTS = ("norms", "smoothing")
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope_results.schema.json").read_text())


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    """The environment of every run: this checkout's grader, one reference cache for the module
    (the reference is computed once per variant), and no course chosen from outside."""
    return {"PYTHONPATH": str(ROOT), "GRADER_CACHE": str(tmp_path_factory.mktemp("cache")), "GRADER_COURSE": ""}


def report_of(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.timeout(300)
def test_the_student_cli_inside_the_course_folder_grades_its_exercises_and_solutions(tmp_path, env):
    stubs = run_cli("--json", str(tmp_path / "stubs.json"), cwd=COURSE, env=env)
    assert stubs.returncode == 0, stubs.stderr
    report = report_of(tmp_path / "stubs.json")
    assert report["submission"] == str(EXERCISES)
    assert report["course"] == "DSP basics: norms and smoothing with torch"
    assert [m["name"] for m in report["modules"]] == list(MODULES)
    assert (report["score"], report["max_score"]) == (0, 20)
    assert "Total: 0/20" in stubs.stdout
    full = run_cli(str(SOLUTIONS), "-q", cwd=COURSE, env=env)
    assert full.returncode == 0 and full.stdout.strip() == "20/20", full.stderr


@pytest.mark.timeout(300)
def test_a_notebook_is_graded_against_the_assignment_it_covers_only(tmp_path, env):
    result = run_cli(str(NOTEBOOK), "--json", str(tmp_path / "r.json"), cwd=COURSE, env=env)
    assert result.returncode == 0, result.stderr
    report = report_of(tmp_path / "r.json")
    assert [m["name"] for m in report["modules"]] == ["moving_average"]
    assert (report["score"], report["max_score"]) == (10, 10)
    assert "the notebook covers moving_average: graded on assignment smoothing only" in report["notes"]
    assert "Total: 10/10" in result.stdout
    assert "vector_norms" not in result.stdout and "norms" not in result.stdout


@pytest.mark.timeout(300)
def test_the_course_is_found_from_elsewhere_with_course_or_grader_course(tmp_path, env):
    given = run_cli("--course", str(COURSE), str(SOLUTIONS), "-q", cwd=tmp_path, env=env)
    assert given.returncode == 0 and given.stdout.strip() == "20/20", given.stderr
    one = run_cli(f"--course={COURSE / 'course.toml'}", "--assignment", "norms", str(SOLUTIONS), "-q",
                  cwd=tmp_path, env=env)
    assert one.returncode == 0 and one.stdout.strip() == "10/10", one.stderr
    from_env = run_cli(str(NOTEBOOK), "-q", cwd=tmp_path, env={**env, "GRADER_COURSE": str(COURSE)})
    assert from_env.returncode == 0 and from_env.stdout.strip() == "10/10", from_env.stderr
    unknown = run_cli("--course", str(COURSE), "--assignment", "tensors", str(SOLUTIONS), cwd=tmp_path, env=env)
    assert unknown.returncode == 2 and "has no assignment 'tensors' (its assignments: norms, smoothing)" in unknown.stderr


# -- a class graded in a batch ----------------------------------------------------------------

@pytest.fixture(scope="module")
def batch(tmp_path_factory, env):
    """One class, graded for the whole course into OUT, then for one assignment into OUT/smoothing."""
    base = tmp_path_factory.mktemp("batch")
    klass, out = base / "class", base / "out"
    klass.mkdir()
    shutil.copytree(SOLUTIONS, klass / "alice")
    shutil.copytree(EXERCISES, klass / "bob")
    shutil.copy(SOLUTIONS / "vector_norms.py", klass / "dave.py")  # a file named after him: the norms assignment
    shutil.copy(NOTEBOOK, klass / "erin.ipynb")
    (klass / "notes.txt").write_text("not a submission\n")
    runs = {}
    for name, extra in (("course", []), ("smoothing", ["--assignment", "smoothing"])):
        runs[name] = run_cli("batch", str(klass), "-o", str(out), "-j", "2", "--course", str(COURSE), *extra,
                             cwd=base, env=env)
    return out, runs


def students_of(summary: dict) -> dict:
    return {s["id"]: s for s in summary["students"]}


@pytest.mark.timeout(300)
def test_a_batch_grades_a_class_on_the_whole_course(batch):
    out, runs = batch
    assert runs["course"].returncode == 0, runs["course"].stderr
    summary = report_of(out / "summary.json")
    students = students_of(summary)
    assert summary["count"] == 4 and summary["max_score"] == 20
    assert [s["id"] for s in summary["not_gradable"]] == ["notes.txt"]
    assert (students["alice"]["score"], students["alice"]["max_score"]) == (20, 20)
    assert (students["bob"]["score"], students["bob"]["max_score"]) == (0, 20)
    assert (students["erin"]["score"], students["erin"]["max_score"]) == (10, 20)  # her notebook is smoothing only
    assert (students["dave"]["score"], students["dave"]["max_score"]) == (10, 20)  # dave.py: norms, out of the class's total
    header = (out / "grades.csv").read_text().splitlines()[0].split(",")
    assert "vector_norms.lp_norms" in header and "moving_average.moving_average_windows" in header
    rows = {r["id"]: r for r in csv.DictReader((out / "grades.csv").open())}  # a column per assignment too
    assert (float(rows["erin"]["assignment norms"]), float(rows["erin"]["assignment smoothing"])) == (0, 10)
    feedback = (out / "feedback" / "erin.md").read_text()
    assert "| norms: " in feedback and "| 0/10 |" in feedback and "| 10/10 |" in feedback


@pytest.mark.timeout(300)
def test_a_batch_for_one_assignment_writes_into_its_own_folder_out_of_its_total(batch):
    out, runs = batch
    assert runs["smoothing"].returncode == 0, runs["smoothing"].stderr
    folder = out / "smoothing"
    summary = report_of(folder / "summary.json")
    students = students_of(summary)
    gradable = {i for i, s in students.items() if s["status"] == "graded"}
    assert gradable == {"alice", "bob", "erin"}
    assert summary["count"] == 3 and summary["max_score"] == 10
    assert sorted(s["id"] for s in summary["not_gradable"]) == ["dave", "notes.txt"]  # dave.py is the other assignment
    assert {i: (students[i]["score"], students[i]["max_score"]) for i in gradable} == {
        "alice": (10, 10), "bob": (0, 10), "erin": (10, 10)}
    assert "assignment smoothing (Moving averages and 1-D convolution (a notebook)) only" in summary["notes"]
    rows = (folder / "grades.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert not [c for c in header if c.startswith("vector_norms")]
    assert {r.split(",")[0]: r.split(",")[1:3] for r in rows[1:]}["erin"] == ["10.0", "10.0"]


# -- the course author's commands -------------------------------------------------------------

@pytest.mark.timeout(300)
def test_selfcheck_passes_on_the_course(tmp_path, env):
    result = run_cli("selfcheck", "--course", str(COURSE), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "public (seeds 0, 1): solutions 20/20, stubs 0/20" in result.stdout
    assert "hidden (seeds 100, 101): solutions 20/20, stubs 0/20" in result.stdout


@pytest.mark.timeout(300)
def test_selfcheck_names_the_assignment_whose_points_the_manifest_misstates(tmp_path, env):
    copy = tmp_path / "dsp_basics"
    shutil.copytree(COURSE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = copy / "course.toml"
    text = manifest.read_text()
    wrong = re.sub(r'(name = "norms"\n(?:.*\n)*?points = )10', r"\g<1>12", text, count=1)
    assert wrong != text
    manifest.write_text(wrong)
    result = run_cli("selfcheck", "--course", str(copy), cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert ("assignment 'norms': its checks add up to 10 points, the manifest says 12 "
            "(vector_norms.lp_norms=4, vector_norms.frobenius_norm=3, vector_norms.rows_normalized=3)") in result.stdout
    assert "selfcheck FAILED, 1 problem(s)" in result.stdout  # the other assignment's points are right


@pytest.mark.timeout(300)
def test_a_release_has_no_solutions_and_grades_offline_with_its_shipped_reference(tmp_path, env):
    out = tmp_path / "release"
    built = run_cli("release", str(out), "--course", str(COURSE), cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    assert not (out / "solutions").exists()
    assert (out / "checks" / "reference" / "public-cpu.bin").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["checks", "course.toml", "exercises", "notebooks"]
    assert not list(out.rglob("__pycache__"))
    offline = {**env, "GRADER_CACHE": str(tmp_path / "fresh-cache")}
    stubs = run_cli("-q", cwd=out, env=offline)
    assert stubs.returncode == 0 and stubs.stdout.strip() == "0/20", stubs.stderr
    full = run_cli(str(SOLUTIONS), "--json", str(tmp_path / "r.json"), cwd=out, env=offline)
    assert full.returncode == 0, full.stderr
    assert report_of(tmp_path / "r.json")["percent"] == 100.0
    notebook = run_cli(str(NOTEBOOK), "-q", cwd=out, env=offline)
    assert notebook.returncode == 0 and notebook.stdout.strip() == "10/10", notebook.stderr
    assert not (tmp_path / "fresh-cache").exists()  # nothing computed: there are no solutions to compute from


@pytest.mark.timeout(300)
def test_gradescope_run_autograder_grades_one_assignment_of_the_course(tmp_path, env):
    shutil.copytree(SOLUTIONS, tmp_path / "submission")  # covers both assignments; graded on norms only
    results = tmp_path / "results" / "results.json"
    run_env = {**os.environ, **env, "AUTOGRADER_SOURCE": str(COURSE), "AUTOGRADER_SUBMISSION": str(tmp_path / "submission"),
               "AUTOGRADER_RESULTS": str(results), "AUTOGRADER_PYTHON": sys.executable, "GRADER_ARGS": "--assignment norms"}
    result = subprocess.run(["bash", str(ROOT / "autograder" / "run_autograder")], env=run_env, capture_output=True,
                            text=True, timeout=280)
    assert result.returncode == 0, result.stderr
    data = report_of(results)
    jsonschema.validate(data, SCHEMA)
    assert (data["score"], data["extra_data"]["max_score"]) == (10, 10), data["output"]
    assert sorted(t["max_score"] for t in data["tests"]) == [3, 3, 4]


# -- the grader knows nothing of this course ---------------------------------------------------

def test_no_file_of_the_grader_names_the_second_course():
    names = [COURSE.name, *MODULES, *ASSIGNMENTS, "dsp_smoothing_student"]
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}"
             for path in sorted((ROOT / "grader").rglob("*")) if path.is_file() and path.suffix != ".pyc"
             for match in [pattern.search(path.read_text(encoding="utf-8", errors="replace"))] if match]
    assert found == []


PRYING = '''
import pathlib as _pathlib

def _attempt(action):
    try:
        return repr(action())[:60]
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__

print("read:", _attempt(lambda: _pathlib.Path({solution!r}).read_text()[:20]))
print("write:", _attempt(lambda: _pathlib.Path({planted!r}).write_text("x = 1")))
'''


@pytest.mark.timeout(300)
@pytest.mark.parametrize("sandbox", ["bwrap", "process"])
def test_a_submission_cannot_read_the_course_solutions_or_write_its_checks(tmp_path, env, sandbox):
    """The sandbox binds this course's manifest and checks read-only where they live, and never
    its solutions, as it does for the bundled course."""
    from grader.isolation.sandbox import bwrap_problem

    if sandbox == "bwrap" and bwrap_problem():
        pytest.skip(bwrap_problem())
    if sandbox == "process" and os.geteuid() != 0:
        pytest.skip("process-mode workers hide the solutions only when the grader runs as root")
    planted = COURSE / "checks" / f"planted_{sandbox}.py"
    work = tmp_path / "hw"
    work.mkdir()
    (work / "vector_norms.py").write_text((SOLUTIONS / "vector_norms.py").read_text() + PRYING.format(
        solution=str(SOLUTIONS / "vector_norms.py"), planted=str(planted)))
    done = run_cli(str(work), "--sandbox", sandbox, "--json", str(tmp_path / "r.json"), cwd=COURSE, env=env)
    assert done.returncode == 0, done.stderr
    printed = report_of(tmp_path / "r.json")["stdout"]
    assert re.search(r"read: (FileNotFoundError|PermissionError)", printed), printed
    assert re.search(r"write: (FileNotFoundError|PermissionError|OSError)", printed), printed
    assert not planted.exists()
    assert report_of(tmp_path / "r.json")["score"] == 10  # the work itself is still graded


@pytest.mark.timeout(300)
def test_an_assignment_runs_its_own_public_and_hidden_seeds(tmp_path, env):
    """smoothing states its own seeds in the manifest: its cases run on them, norms on the course's."""
    work = tmp_path / "hw"
    work.mkdir()
    wrong = (SOLUTIONS / "moving_average.py").read_text().replace("1.0 / k", "1.0 / (k + 1)")
    (work / "moving_average.py").write_text(wrong)
    for variant, seed in (("public", 7), ("hidden", 70)):
        flags = ["--hidden"] if variant == "hidden" else []
        done = run_cli(str(work), *flags, "--json", str(tmp_path / f"{variant}.json"), cwd=COURSE, env=env)
        assert done.returncode == 0, done.stderr
        checks = {c["name"]: c for m in report_of(tmp_path / f"{variant}.json")["modules"] for c in m["checks"]}
        assert checks["moving_average_windows"]["message"].startswith(f"case 1 (seed {seed}): "), checks


@pytest.mark.timeout(300)
def test_a_release_leaves_out_solutions_kept_anywhere_in_the_course(tmp_path, env):
    """Solutions in a sub-folder (and a link to them) are found at any depth, never shipped."""
    course = tmp_path / "course"
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns("solutions", "reference", "__pycache__"))
    shutil.copytree(SOLUTIONS, course / "private" / "solutions")
    (course / "notes").mkdir()
    (course / "notes" / "answers").symlink_to(course / "private" / "solutions")
    manifest = course / "course.toml"
    manifest.write_text(manifest.read_text().replace('solutions = "solutions"', 'solutions = "private/solutions"'))
    out = tmp_path / "release"
    built = run_cli("release", str(out), "--course", str(course), cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    shipped = {p.relative_to(out).as_posix() for p in out.rglob("*")}
    assert "checks/reference/public-cpu.bin" in shipped and "notes" in shipped
    assert not [p for p in shipped if "solutions" in p or "answers" in p], shipped


@pytest.mark.timeout(300)
def test_a_course_whose_checks_folder_is_a_link_grades_in_bwrap(tmp_path, env):
    from grader.isolation.sandbox import bwrap_problem

    if bwrap_problem():
        pytest.skip(bwrap_problem())
    course = tmp_path / "course"
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns("checks", "__pycache__"))
    shutil.copytree(COURSE / "checks", tmp_path / "kept-elsewhere", ignore=shutil.ignore_patterns("__pycache__"))
    (course / "checks").symlink_to(tmp_path / "kept-elsewhere")
    done = run_cli(str(course / "solutions"), "--sandbox", "bwrap", "-q", cwd=course, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "20/20", done.stderr

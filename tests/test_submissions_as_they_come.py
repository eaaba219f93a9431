"""Submissions as students really send them: a Gradescope folder holding a notebook, the
modules inside ``exercises/``, ``dave.py`` and ``dave.ipynb`` in a batch, ``python -m grader``
run inside a student's folder; two candidates for one module get a message naming both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import EXERCISES, ROOT, SOLUTIONS, grade_all, run_cli
from grader import cli
from grader.manifest import BUNDLED, load

from grader.judging.selection import Selection
from grader.submissions.resolve import resolve
from grader.submissions.submission import SubmissionError

MODULES = load(BUNDLED).modules

PRACTICAL2 = Path(__file__).parent / "fixtures" / "practical2_student.ipynb"  # a whole Practical 2 notebook: 10/10 on backprop


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def backprop(report):
    return next(m for m in report.modules if m.name == "backprop")


def test_exercises_subfolder_is_looked_through(tmp_path):
    alice = tmp_path / "alice"
    shutil.copytree(SOLUTIONS, alice / "exercises")
    (alice / "README.txt").write_text("my homework")
    submission = resolve(alice)
    assert Path(submission.root) == alice / "exercises" and not submission.error
    assert "graded the modules in exercises/" in submission.notes


def test_modules_at_the_top_win_over_a_copy_deeper(tmp_path):
    shutil.copytree(SOLUTIONS, tmp_path / "bob")
    shutil.copytree(EXERCISES, tmp_path / "bob" / "old")
    submission = resolve(tmp_path / "bob")
    assert Path(submission.root) == tmp_path / "bob" and not submission.error and not submission.notes


def test_two_copies_of_a_module_are_named_never_chosen(tmp_path):
    for part in ("v1", "v2"):
        (tmp_path / "carol" / part).mkdir(parents=True)
        shutil.copy(SOLUTIONS / "tensors.py", tmp_path / "carol" / part)
    error = resolve(tmp_path / "carol").error
    assert error.startswith("carol holds two candidates for tensors: v1/tensors.py and v2/tensors.py")


def test_two_notebooks_for_the_same_practical_give_a_clear_message(tmp_path):
    folder = tmp_path / "upload"
    (folder / "old").mkdir(parents=True)
    shutil.copy(PRACTICAL2, folder / "practical2.ipynb")
    shutil.copy(PRACTICAL2, folder / "old" / "practical2_v1.ipynb")
    error = resolve(folder).error
    assert error.startswith("upload holds two candidates for backprop: practical2.ipynb and old/practical2_v1.ipynb")
    assert "hand in one of them" in error


def test_a_notebook_that_defines_nothing_does_not_hide_the_real_one(tmp_path):
    import nbformat

    folder = tmp_path / "upload"
    folder.mkdir()
    shutil.copy(PRACTICAL2, folder / "practical2.ipynb")
    scratch = nbformat.v4.new_notebook()
    scratch.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nbformat.write(scratch, str(folder / "Untitled.ipynb"))
    submission = resolve(folder)
    assert not submission.error and set(submission.namespaces.values()) == {"practical2.ipynb"}
    assert any(n.startswith("graded practical2.ipynb; Untitled.ipynb define(s) nothing") for n in submission.notes)


def test_a_python_file_is_matched_by_what_it_defines(tmp_path):
    shutil.copy(SOLUTIONS / "backprop.py", tmp_path / "dave.py")
    submission = resolve(tmp_path / "dave.py")
    assert (submission.student, submission.modules, submission.namespaces) == ("dave", ["backprop"],
                                                                               {"backprop": "dave.py"})
    (tmp_path / "notes.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="notes.py is not an exercise module: it defines none of the names"):
        resolve(tmp_path / "notes.py")
    (tmp_path / "broken.py").write_text("def f(:\n")
    with pytest.raises(SubmissionError, match=r"broken.py does not parse \(SyntaxError, line 1\)"):
        resolve(tmp_path / "broken.py")


@pytest.mark.timeout(300)
def test_a_python_file_that_fails_to_import_is_named_as_handed_in(tmp_path):
    (tmp_path / "dave.py").write_text((SOLUTIONS / "backprop.py").read_text() + "\nraise RuntimeError('oops')\n")
    [report] = grade_all([resolve(tmp_path / "dave.py")], sandbox="process")
    [module] = report.modules
    assert module.status == "error" and module.message.startswith("importing dave.py failed: RuntimeError"), module


def test_default_path_is_the_current_folder_when_it_holds_exercise_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.default_path() == ROOT / "exercises"  # nothing here: the package's own stubs
    (tmp_path / "exercises").mkdir()
    assert cli.default_path() == tmp_path / "exercises"
    shutil.copy(PRACTICAL2, tmp_path / "practical2.ipynb")
    assert cli.default_path() == tmp_path / "exercises"
    shutil.copy(SOLUTIONS / "tensors.py", tmp_path)
    assert cli.default_path() == tmp_path
    shutil.rmtree(tmp_path / "exercises")
    (tmp_path / "tensors.py").unlink()
    assert cli.default_path() == tmp_path


@pytest.mark.timeout(300)
def test_gradescope_folder_and_exercises_subfolder_grade_like_what_they_hold(tmp_path):
    upload = tmp_path / "submission"
    (upload / "work").mkdir(parents=True)
    shutil.copy(PRACTICAL2, upload / "work" / "practical2.ipynb")
    (upload / "readme.md").write_text("see the notebook")
    before = files_of(upload)
    nested = tmp_path / "erin"
    shutil.copytree(SOLUTIONS, nested / "exercises")
    notebook_report, nested_report, folder_report = grade_all(
        [resolve(upload), resolve(nested), resolve(SOLUTIONS)], sandbox="process", selection=Selection("backprop"))
    assert backprop(notebook_report).points == 10
    assert any("add_bias is redefined in code cell 10" in n for n in notebook_report.notes)
    assert files_of(upload) == before, "the student's folder is never written to"
    assert [(c.id, c.points) for c in nested_report.checks] == [(c.id, c.points) for c in folder_report.checks]
    assert backprop(nested_report).points == 10


@pytest.mark.timeout(300)
def test_dave_py_and_dave_ipynb_in_a_batch_are_graded(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    shutil.copy(SOLUTIONS / "backprop.py", subs / "dave.py")
    shutil.copy(PRACTICAL2, subs / "erin.ipynb")
    (subs / "frank").mkdir()
    shutil.copy(PRACTICAL2, subs / "frank" / "a.ipynb")
    shutil.copy(PRACTICAL2, subs / "frank" / "b.ipynb")
    result = run_cli("batch", str(subs), "-o", str(out), "-j", "1", "--sandbox", "process", "-k", "backprop")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    students = {s["id"]: s for s in summary["students"]}
    assert (students["dave"]["score"], students["dave"]["max_score"]) == (10, 10)
    assert students["erin"]["score"] == 10 and students["erin"]["status"] == "graded"
    assert students["frank"]["status"] == "error"
    assert "two candidates for backprop: a.ipynb and b.ipynb" in students["frank"]["reason"]
    assert summary["count"] == 2 and [s["id"] for s in summary["not_gradable"]] == ["frank"]


@pytest.mark.timeout(300)
def test_the_student_cli_grades_the_folder_it_runs_in(tmp_path):
    shutil.copy(SOLUTIONS / "backprop.py", tmp_path)
    result = run_cli("-k", "backprop", "--sandbox", "process", "--json", str(tmp_path / "r.json"), cwd=tmp_path,
                     env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["submission"] == str(tmp_path) and report["score"] == 10


@pytest.mark.timeout(300)
def test_gradescope_upload_of_a_notebook_is_graded_by_run_autograder(tmp_path):
    (tmp_path / "submission" / "Practical 2").mkdir(parents=True)
    shutil.copy(PRACTICAL2, tmp_path / "submission" / "Practical 2" / "practical2.ipynb")
    env = {**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "AUTOGRADER_SOURCE": str(ROOT),
           "AUTOGRADER_PYTHON": sys.executable, "GRADER_ARGS": "-k backprop --sandbox process"}
    result = subprocess.run(["bash", str(ROOT / "autograder" / "run_autograder")], env=env, capture_output=True,
                            text=True, timeout=280)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == 10, data.get("output")


def test_modules_spread_over_folders_and_nested_archives(tmp_path):
    (tmp_path / "gina" / "a").mkdir(parents=True)
    (tmp_path / "gina" / "b").mkdir()
    shutil.copy(SOLUTIONS / "tensors.py", tmp_path / "gina" / "a")
    shutil.copy(SOLUTIONS / "backprop.py", tmp_path / "gina" / "b")
    assert resolve(tmp_path / "gina").error == ("gina has the exercise modules spread over several folders (a, b); "
                                                "put them in one folder")
    shutil.make_archive(str(tmp_path / "hal"), "zip", tmp_path / "gina", "a")
    with zipfile.ZipFile(tmp_path / "hal.zip", "a") as z:
        z.writestr("README.md", "my work is in a/")
    submission = resolve(tmp_path / "hal.zip")
    assert not submission.error and Path(submission.root).name == "a" and submission.notes == ["graded the modules in a/"]


@pytest.mark.timeout(300)
def test_a_one_practical_notebook_is_graded_against_that_practical_only(tmp_path):
    shutil.copy(PRACTICAL2, tmp_path / "practical2.ipynb")
    result = run_cli(str(tmp_path / "practical2.ipynb"), "--sandbox", "process", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert [m["name"] for m in report["modules"]] == ["backprop"]
    assert (report["score"], report["max_score"]) == (10, 10)
    assert "Total: 10/10" in result.stdout and "defines none of" not in result.stdout
    assert "the notebook covers backprop: graded on assignment backprop only" in report["notes"]
    # a batch (resolve alone) still grades every module: a class is scored out of one total
    everything = resolve(tmp_path / "practical2.ipynb")
    assert everything.modules == list(MODULES) and everything.covers == ["backprop"]

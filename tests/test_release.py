"""The students' copy of the course: no solutions inside, and it still grades offline."""

from __future__ import annotations

import json

import pytest

from conftest import SOLUTIONS, run_cli
from grader.manifest import BUNDLED, load

from test_notebook import notebook_of, save, solution

MODULES = load(BUNDLED).modules


@pytest.mark.timeout(300)
def test_release_has_no_solutions_and_grades_with_the_shipped_reference(tmp_path):
    out = tmp_path / "release"
    built = run_cli("release", str(out))
    assert built.returncode == 0, built.stderr
    assert not (out / "solutions").exists() and not (out / "tests").exists()
    assert (out / "grader/course/reference/public-cpu.bin").is_file()
    assert not list(out.rglob("__pycache__"))
    env = {"GRADER_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(out)}
    stubs = run_cli("-q", cwd=out, env=env)
    assert stubs.returncode == 0 and stubs.stdout.strip() == "0/99", stubs.stderr
    full = run_cli(str(SOLUTIONS), "--json", str(tmp_path / "r.json"), cwd=out, env=env)
    assert full.returncode == 0, full.stderr
    assert json.loads((tmp_path / "r.json").read_text())["percent"] == 100.0
    assert not (tmp_path / "cache").exists()  # nothing was computed: there is nothing to compute from
    notebook = save(notebook_of(*((m, solution(m)) for m in MODULES)), tmp_path / "mine.ipynb")
    graded_notebook = run_cli(str(notebook), "-q", cwd=out, env=env)
    assert graded_notebook.returncode == 0 and graded_notebook.stdout.strip() == "99/99", graded_notebook.stderr
    hidden = run_cli("--hidden", cwd=out, env=env)
    assert hidden.returncode == 3 and "no shipped reference for the hidden checks" in hidden.stderr
    assert "Traceback" not in hidden.stderr


def test_release_refuses_an_existing_folder(tmp_path):
    result = run_cli("release", str(tmp_path))
    assert result.returncode == 2 and "already exists" in result.stderr

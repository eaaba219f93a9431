"""``python -m grader selfcheck`` passes on the course and names each defect of a broken copy."""

from __future__ import annotations

import shutil

import pytest

from conftest import EXERCISES, SOLUTIONS, run_cli

pytestmark = pytest.mark.timeout(300)


def test_selfcheck_passes_on_the_course():
    result = run_cli("selfcheck")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "solutions 99/99, stubs 0/99" in result.stdout  # public and hidden (no GPU: 1 point skipped)
    assert "hidden (seeds" in result.stdout and "selfcheck passed" in result.stdout


def edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_selfcheck_lists_each_defect_of_a_broken_copy(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(SOLUTIONS, solutions, ignore=ignore)
    shutil.copytree(EXERCISES, exercises, ignore=ignore)
    # A solution that no longer scores full marks: the maintainer broke it.
    edit(solutions / "tensors.py", "    return torch.promote_types(dtype_a, dtype_b)\n",
         "    raise RuntimeError('half-finished edit')\n")
    # A stub that drifted from its solution's signature.
    edit(exercises / "tensors.py", "def mixed_sums(xr, b, c):", "def mixed_sums(xr, b):")
    # A stub that gives the answer away.
    shutil.copy(solutions / "broadcasting.py", exercises / "broadcasting.py")

    result = run_cli("selfcheck", "--solutions", str(solutions), "--exercises", str(exercises),
                     env={"GRADER_CACHE": str(tmp_path / "cache")})
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "selfcheck FAILED" in out
    assert "tensors.mixed_sums: the stub has mixed_sums(xr, b), the solution mixed_sums(xr, b, c)" in out
    for variant in ("public", "hidden"):
        assert f"{variant}: solutions: tensors.promoted_dtype_table error" in out
        assert "RuntimeError: half-finished edit" in out
        assert f"{variant}: stubs: broadcasting.broadcast_shape_compatible scores 5/5" in out
    assert "tensors.mixed_sums_dtypes" not in out  # a sound check is not reported


def test_selfcheck_rejects_a_missing_folder(tmp_path):
    result = run_cli("selfcheck", "--solutions", str(tmp_path / "nope"))
    assert result.returncode == 2 and "no such folder" in result.stderr


def test_selfcheck_flags_checks_without_points_or_docstring():
    from grader.authoring.selfcheck import catalogue_problems

    entries = [{"id": "tensors.sound", "name": "sound", "points": 2, "description": "does one thing"},
               {"id": "tensors.free_lunch", "name": "free_lunch", "points": 0, "description": "free lunch"}]
    assert catalogue_problems(entries) == [
        "tensors.free_lunch: has 0 points",
        "tensors.free_lunch: no description (give the check function a docstring)",
    ]

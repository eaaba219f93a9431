"""The core promise: full marks for the solutions, zero for the stubs, and each bug loses
exactly the checks it should, with a message that names the problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import EXERCISES, SOLUTIONS, grade_all, run_cli
from grader.submissions.resolve import resolve
from mutants import ALTERNATIVES, MUTANTS


@pytest.mark.timeout(300)
def test_solutions_score_full_marks_through_the_cli(tmp_path):
    result = run_cli(str(SOLUTIONS), "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["schema"] == "grader-report/1"
    assert report["percent"] == 100.0 and report["score"] == report["max_score"]
    # only the check that needs a GPU is skipped on a CPU machine
    skipped = [c["id"] for m in report["modules"] for c in m["checks"] if c["status"] == "skipped"]
    assert skipped == ["tensors.to_device_cuda"]
    assert report["score"] + report["skipped_points"] == 100
    assert "Total: 99/99 (100%)" in result.stdout


@pytest.mark.timeout(300)
def test_untouched_stubs_score_zero_by_default():
    result = run_cli("--fail-under", "50", cwd=EXERCISES.parent)
    assert result.returncode == 1, result.stderr
    assert "Total: 0/99" in result.stdout
    assert "not implemented yet" in result.stdout
    assert "\033[" not in result.stdout  # NO_COLOR and a pipe: no colour


def submission_with(tmp_path, entry) -> "object":
    source = (SOLUTIONS / f"{entry['module']}.py").read_text()
    assert source.count(entry["old"]) == 1, entry["name"]
    folder = tmp_path / entry["name"]
    folder.mkdir()
    path = folder / f"{entry['module']}.py"
    path.write_text(source.replace(entry["old"], entry["new"]))
    return resolve(path)


@pytest.fixture(scope="module")
def mutant_reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mutants")
    entries = MUTANTS + ALTERNATIVES
    reports = grade_all([submission_with(tmp, e) for e in entries], jobs=2)
    return dict(zip((e["name"] for e in entries), reports))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("entry", MUTANTS + ALTERNATIVES, ids=lambda e: e["name"])
def test_each_mutant_loses_exactly_its_checks(entry, mutant_reports):
    report = mutant_reports[entry["name"]]
    failed = {c.name for c in report.checks if c.status == "failed"}
    assert failed == set(entry["lost"]), [(c.name, c.message) for c in report.checks if c.status == "failed"]
    for check in report.checks:
        if check.status == "failed":
            assert check.message, check.name
    if entry.get("says"):
        messages = " ".join(c.message for c in report.checks)
        assert entry["says"] in messages, messages


@pytest.mark.timeout(300)
def test_single_module_file_and_selection(tmp_path):
    result = run_cli(str(SOLUTIONS / "broadcasting.py"), "-k", "broadcast_shape and not incompatible", "--json",
                     str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert [m["name"] for m in report["modules"]] == ["broadcasting"]
    assert [c["name"] for c in report["modules"][0]["checks"]] == ["broadcast_shape_compatible"]


def test_usage_errors_exit_2(tmp_path):
    assert run_cli(str(tmp_path / "nope")).returncode == 2
    (tmp_path / "notes.txt").write_text("hi")
    result = run_cli(str(tmp_path / "notes.txt"))
    assert result.returncode == 2 and "cannot grade notes.txt" in result.stderr
    assert run_cli("-k", "tensors and (").returncode == 2


@pytest.mark.timeout(300)
def test_broken_modules_get_clear_verdicts_not_tracebacks(tmp_path):
    """Syntax errors, import-time exceptions and missing names each become a verdict."""
    folder = tmp_path / "student"
    shutil.copytree(SOLUTIONS, folder)
    (folder / "tensors.py").write_text("def mixed_sums(xr, b, c)\n    return xr\n")
    (folder / "broadcasting.py").write_text("raise RuntimeError('boom at import')\n")
    (folder / "cifar.py").unlink()
    autograd = (folder / "autograd.py").read_text()
    autograd = autograd.replace("def zero_grads_(", "def zero_grads_renamed(")
    autograd = autograd.replace("def accumulated_grads(w, b, x, ystar, times):", "def accumulated_grads(w, b, x, ystar):")
    (folder / "autograd.py").write_text(autograd)
    (report,) = grade_all([resolve(folder)])
    by_module = {m.name: m for m in report.modules}
    assert "does not parse" in by_module["tensors"].message and "line 1" in by_module["tensors"].message
    assert "boom at import" in by_module["broadcasting"].message
    assert by_module["cifar"].status == "missing" and "cifar.py was not found" in by_module["cifar"].message
    zero = next(c for c in by_module["autograd"].checks if c.name == "zero_grads_in_place")
    assert zero.points == 0 and "does not define zero_grads_" in zero.message
    loss = next(c for c in by_module["autograd"].checks if c.name == "accumulated_grads_times")
    assert loss.points == 0 and "signature differs" in loss.message and "accumulated_grads()" in loss.message
    assert by_module["autograd"].points == by_module["autograd"].max_points - zero.max_points - loss.max_points
    assert by_module["backprop"].points == by_module["backprop"].max_points


@pytest.mark.timeout(300)
def test_cuda_requested_without_a_gpu_grades_on_the_cpu_and_says_so(tmp_path):
    from grader.isolation.device import cuda_present

    if cuda_present():
        pytest.skip("this machine has a GPU; tests/test_cuda.py covers it")
    result = run_cli(str(SOLUTIONS / "tensors.py"), "--device", "cuda", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["device"] == "cpu" and any("CUDA is not available" in n for n in report["notes"])
    assert report["skipped_points"] == 1 and report["percent"] == 100.0


def test_bwrap_asked_for_but_missing_is_a_usage_error_with_the_reason():
    result = run_cli("--sandbox", "bwrap", env={"PATH": "/nonexistent"})
    assert result.returncode == 2 and "bwrap is not installed" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.timeout(300)
def test_the_judge_process_never_imports_torch_or_student_code():
    """What a submission patches in torch cannot reach the verdict: the judge has no torch."""
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", str(SOLUTIONS), "-q"],
                            capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0 and result.stdout.strip() == "99/99", result.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "numpy" in imported
    assert not {"torch", "torchvision", "tensors", "broadcasting", "grader.course.tensors"} & imported


def test_an_ungradable_submission_scores_zero_with_its_reason_and_the_usual_skips(tmp_path):
    corrupt = tmp_path / "alice.ipynb"
    corrupt.write_text("{ this is not a notebook")
    (report,) = grade_all([resolve(corrupt)])
    assert report.status == "error" and report.score == 0
    assert report.max_score == 99 and report.skipped_points == 1  # the GPU check is skipped, not failed
    assert all(c.message for c in report.checks if c.status == "failed")


def anon_huge_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("AnonHugePages:"))


@pytest.mark.timeout(300)
def test_a_class_sized_session_forks_from_huge_pages_and_grades_the_same(tmp_path):
    from grader.session import HUGE_PAGES_FROM, Grader, Options

    mutant = MUTANTS[0]
    submissions = [resolve(SOLUTIONS), submission_with(tmp_path, mutant)]
    reports = {}
    with Grader(Options(sandbox="process", jobs=1, submission_count=HUGE_PAGES_FROM)) as grader:
        grader.grade(submissions, lambda sub, report: reports.__setitem__(sub.path, report))
        zygote = grader.runner.zygotes[0]
        assert zygote.huge_pages
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
        if thp.exists() and "[never]" not in thp.read_text():
            assert anon_huge_kb(zygote.proc.pid) > 100 << 10  # torch's heap, in 2 MB pages
    full, buggy = (reports[s.path] for s in submissions)
    assert full.score == full.max_score == 99
    assert {c.name for c in buggy.checks if c.status == "failed"} == set(mutant["lost"])
    with Grader(Options(sandbox="process", jobs=2, submission_count=2 * HUGE_PAGES_FROM - 1)) as grader:
        assert not any(z.huge_pages for z in grader.runner.zygotes)  # a student's run never pays for it

"""Module 4 of the course ("gradient descent optimization algorithms") as a course folder, and the
two grader features it needs: globals as they stood at a function's cell, and tolerances derived
from the reference's own sensitivity.

The course lives in ``examples/courses/module4_optim`` (nothing in grader/ knows it). Its checks
replay the course's runs of each optimiser (``train_2d``/``train_adam_2d`` from (-5, -2), with the
course's ``eta``/``gamma`` for each run) and judge the trajectories at ``spread=``: 20 times the
reference's float32-versus-float64 spread. The notebooks are the course's empty notebook rebuilt
cell for cell (tests/module4_notebooks.py) and filled in several ways; one batch grades them all.
"""

from __future__ import annotations

import csv
import json
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, run_cli

sys.path.insert(0, str(Path(__file__).parent))
import module4_notebooks as m4  # noqa: E402

COURSE = ROOT / "examples" / "courses" / "module4_optim"
CORRECT = ("plain", "float32", "other")  # the course's formulation, float32 with np.sqrt, another correct one


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    return {"PYTHONPATH": str(ROOT), "GRADER_CACHE": str(tmp_path_factory.mktemp("cache")), "GRADER_COURSE": ""}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, env) -> dict[str, dict]:
    """One batch over every notebook: student id -> its JSON report."""
    base = tmp_path_factory.mktemp("module4")
    klass, out = base / "class", base / "out"
    for kind in CORRECT + ("empty",):
        m4.write(klass / f"{kind}.ipynb", m4.kinds(kind))
    for method in m4.METHODS:
        m4.write(klass / f"broken_{method}.ipynb", m4.kinds("plain", **{method: "broken"}))
    m4.write(klass / "mixed.ipynb", {"momentum": "float32", "nesterov": "other", "adagrad": "float32",
                                     "rmsprop": "other", "adam": "float32", "amsgrad": "other"})
    done = run_cli("batch", str(klass), "-o", str(out), "-j", "2", "--course", str(COURSE), env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "grades.csv", newline="") as fh:
        assert {row["id"] for row in csv.DictReader(fh)} == {p.stem for p in klass.glob("*.ipynb")}
    return {p.stem: json.loads(p.read_text()) for p in (out / "feedback").glob("*.json")}


def checks_of(report: dict) -> dict[str, dict]:
    return {c["name"]: c for mod in report["modules"] for c in mod["checks"]}


@pytest.mark.timeout(300)
def test_the_course_passes_selfcheck_and_its_stubs_score_zero(tmp_path, env):
    done = run_cli("selfcheck", "--course", str(COURSE), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "solutions 12/12, stubs 0/12" in done.stdout
    stubs = run_cli(str(COURSE / "exercises"), "--course", str(COURSE), "--json", str(tmp_path / "r.json"), env=env)
    report = json.loads((tmp_path / "r.json").read_text())
    assert stubs.returncode == 0 and (report["score"], report["max_score"]) == (0, 12)
    assert {c["reason"] for c in checks_of(report).values()} == {"not_implemented"}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", CORRECT + ("mixed",))
def test_a_correct_notebook_scores_full_marks_however_it_rounds(graded, kind):
    report = graded[kind]
    failed = {n: c["message"] for n, c in checks_of(report).items() if c["status"] != "passed"}
    assert (report["score"], report["max_score"]) == (12, 12), failed
    # every check sets the globals it runs with, so no note about later cells rebinding eta or gamma
    assert not any("rebound" in n for n in report["notes"]), report["notes"]


@pytest.mark.timeout(600)
def test_the_unfilled_notebook_scores_zero(graded):
    report = graded["empty"]
    checks = checks_of(report)
    assert report["score"] == 0 and report["max_score"] == 12
    assert checks["momentum_runs"]["reason"] == checks["nesterov_run"]["reason"] == "notebook_unparsable"
    assert all(checks[n]["reason"] == "wrong_answer" for n in ("adagrad_runs", "rmsprop_run", "adam_runs", "amsgrad_run"))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("method", m4.METHODS)
def test_a_broken_method_loses_exactly_its_check_at_the_derived_tolerance(graded, method):
    report = graded[f"broken_{method}"]
    failed = {n: c for n, c in checks_of(report).items() if c["status"] != "passed"}
    assert list(failed) == [m4.CHECK[method]] and report["score"] == 10
    facts = failed[m4.CHECK[method]]
    assert facts["reason"] == "wrong_answer"
    assert "tolerance: derived from the reference: 20 x its low-precision spread" in facts["message"]
    assert facts["mismatch"]["max_abs"] > 1e-4  # a wrong rule is off by far more than the 1e-5 allowed


# -- the tolerance a check derives from the reference ---------------------------------------------


def test_a_spread_check_is_judged_at_safety_times_the_references_spread_plus_the_floor():
    from grader.authoring.check import Policy, sensitive
    from grader.judging.compare import compare

    policy = Policy(spread=(10, 1e-9))
    expected = sensitive([1.0, 2.0, (3.0, 4.0)], [1.0, 2.0 + 1e-7, (3.0, 4.0 - 2e-7)])  # spread 2e-7: atol 2e-6 + 1e-9
    close, far = sensitive([1.0, 2.0 + 1.5e-6, (3.0, 4.0)]), sensitive([1.0, 2.0, (3.0, 4.0 + 3e-6)])
    assert compare(expected, close, policy).passed
    verdict = compare(expected, far, policy)
    assert not verdict.passed and "derived from the reference: 10 x its low-precision spread 2e-07" in str(verdict.tolerances[-1])
    assert verdict.tolerances[-1].atol == pytest.approx(2e-6 + 1e-9)
    # a submission's own low-precision run is never used, and a reference without one is not judged at all
    assert compare(expected, sensitive(close["value"], [9.0, 9.0, (9.0, 9.0)]), policy).passed
    broken = compare(sensitive([1.0]), sensitive([1.0]), policy)
    assert not broken.passed and "no low-precision run" in broken.message


def test_a_spread_policy_is_validated_and_survives_the_catalogue():
    from grader.authoring.check import Policy

    assert Policy.from_data(json.loads(json.dumps(Policy(spread=(20, 1e-9)).to_data()))).spread == (20, 1e-9)
    for bad in [dict(spread=(20,)), dict(spread=(-1, 0)), dict(spread=(20, 0), rtol=1e-3, atol=1e-3)]:
        with pytest.raises(ValueError):
            Policy(**bad)


# -- globals as they stood at a function's cell ----------------------------------------------------


def stepper_course(root: Path) -> Path:
    """A one-function course whose function reads the global ``eta``; one check sets it, one does not."""
    (root / "solutions").mkdir(parents=True)
    (root / "checks").mkdir()
    (root / "course.toml").write_text(textwrap.dedent("""\
        [course]
        name = "Stepping"
        total = 2
        [seeds]
        public = [0]
        hidden = [1]
        [[assignment]]
        name = "stepping"
        modules = ["stepper"]
        points = 2
        """))
    (root / "solutions" / "stepper.py").write_text(textwrap.dedent('''\
        eta = 0.5


        def step(x):
            "x moved by eta times its gradient (x)."
            ### BEGIN SOLUTION
            return x - eta * x
            ### END SOLUTION
        '''))
    (root / "checks" / "stepper.py").write_text(textwrap.dedent('''\
        from grader.authoring.check import check, with_globals


        @check(points=1)
        def step_as_its_cell_runs_it(sub, case):
            "step(2.0) with the notebook's eta."
            return sub.step(2.0)


        @check(points=1)
        def step_with_eta_a_quarter(sub, case):
            "step(2.0) with eta = 0.25, set by the check."
            return with_globals(sub.step, eta=0.25)(2.0)
        '''))
    return root


def notebook(path: Path, *sources: str, last: bool = False) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if last:
        nb.metadata["grader"] = {"state": "last"}
    nbformat.write(nb, str(path))
    return path


@pytest.mark.timeout(300)
def test_a_function_reads_the_globals_of_its_cell_and_a_later_rebinding_is_noted(tmp_path, env):
    course = stepper_course(tmp_path / "course")
    helper = "def step(x):\n    return x - rate(x)\n\ndef rate(x):\n    return eta * x"
    books = {"own_cell": notebook(tmp_path / "own_cell.ipynb", "eta = 0.5\n\ndef step(x):\n    return x - eta * x",
                                  "print(step(2.0))", "eta = 3"),
             "earlier_cell": notebook(tmp_path / "earlier_cell.ipynb", "eta = 0.5", "def step(x):\n    return x - eta * x",
                                      "eta = 0.6\nprint(step(2.0))", "eta = 3"),
             "helper": notebook(tmp_path / "helper.ipynb", "eta = 0.5", helper, "eta = 3"),
             "last_state": notebook(tmp_path / "last_state.ipynb", "eta = 0.5\n\ndef step(x):\n    return x - eta * x",
                                    "eta = 3", last=True)}
    reports = {}
    for name, path in books.items():
        done = run_cli(str(path), "--course", str(course), "--json", str(tmp_path / f"{name}.json"), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        reports[name] = json.loads((tmp_path / f"{name}.json").read_text())
    for name in ("own_cell", "earlier_cell", "helper"):
        assert reports[name]["score"] == 2, (name, [c["message"] for c in checks_of(reports[name]).values()])
    notes = {name: [n for n in r["notes"] if "rebound" in n] for name, r in reports.items()}
    assert notes["own_cell"] == ["eta (read by step) is rebound in code cell 3; graded with the eta of code cell 1 "
                                 "(for step_as_its_cell_runs_it)"]
    assert notes["earlier_cell"] == ["eta (read by step) is rebound in code cell 3; graded with the eta of code cell 1 "
                                     "(for step_as_its_cell_runs_it)"]
    # step reads eta through its helper: both are graded with the eta of their cell, and the note says so
    assert notes["helper"] == notes["own_cell"]
    # last-state grading (the notebook asks for it) reads the last eta, and says nothing
    last = checks_of(reports["last_state"])
    assert last["step_as_its_cell_runs_it"]["status"] == "failed" and last["step_with_eta_a_quarter"]["status"] == "passed"
    assert not notes["last_state"]


def test_with_globals_keeps_the_function_and_its_helpers_reading_the_values_it_sets():
    from grader.authoring.check import with_globals

    namespace = {"eta": 0.5}
    exec("def rate(x):\n    return eta * x\n\ndef step(x):\n    return x - rate(x)\nstep.note = 'kept'", namespace)
    stepped = with_globals(namespace["step"], eta=0.25)
    assert stepped(2.0) == 1.5 and namespace["step"](2.0) == 1.0  # the original still reads 0.5
    assert (stepped.note, stepped.__name__, stepped.__qualname__) == ("kept", "step", "step")
    with pytest.raises(TypeError, match="not a plain function"):
        with_globals(print, eta=1)

"""The machine-read formats, produced from real grading runs and read by real consumers.

One grading session (solutions, untouched stubs, a mutant that also prints hostile text)
feeds every format; each file is then loaded with the library or schema its consumer uses:
junitparser for JUnit XML, a JSON Schema written from Gradescope's specification for
results.json, and structural checks for the Markdown a GitHub step summary renders.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Properties, Skipped

from conftest import EXERCISES, ROOT, SOLUTIONS, grade_all, run_cli
from grader.submissions.resolve import resolve
from grader.reporting.report import ERROR, FAILED, PASSED, SKIPPED
from grader.reporting import gradescope, junit, markdown
from mutants import MUTANTS

pytestmark = pytest.mark.timeout(300)

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope_results.schema.json").read_text())
MUTANT = next(m for m in MUTANTS if m["name"] == "mixed_sums_downcast")
HOSTILE = 'debug \x1b[31m| <b> & \x00 ``` </system-out>'


def make_mutant(folder: Path) -> Path:
    """All solutions, with one classic bug that also prints text hostile to every format."""
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / f"{MUTANT['module']}.py"
    source = path.read_text()
    assert source.count(MUTANT["old"]) == 1
    path.write_text(source.replace(MUTANT["old"], f"    print({HOSTILE!r})\n" + MUTANT["new"]))
    return folder


@pytest.fixture(scope="module")
def mutant_dir(tmp_path_factory) -> Path:
    return make_mutant(tmp_path_factory.mktemp("mutant") / "student")


@pytest.fixture(scope="module")
def reports(mutant_dir):
    solved, stubbed, mutant = grade_all([resolve(SOLUTIONS), resolve(EXERCISES), resolve(mutant_dir)])
    assert solved.percent == 100 and stubbed.score == 0 and 0 < mutant.percent < 100
    return {"solutions": solved, "stubs": stubbed, "mutant": mutant}


def with_error(report):
    """The mutant's report with one check the grader could not judge (the reference failed)."""
    report = dataclasses.replace(report, modules=[dataclasses.replace(m, checks=list(m.checks))
                                                  for m in report.modules])
    module = report.modules[1]
    module.checks[0] = dataclasses.replace(module.checks[0], status=ERROR, points=0.0,
                                           message="the reference solution failed this check")
    return report


KINDS = ["solutions", "stubs", "mutant", "error"]


@pytest.fixture(params=KINDS)
def report(request, reports):
    return with_error(reports["mutant"]) if request.param == "error" else reports[request.param]


def test_junit_loads_in_junitparser_with_one_testcase_per_check(report, tmp_path):
    path = tmp_path / "report.xml"
    junit.write(report, path)
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert [s.name for s in suites] == [m.name for m in report.modules]
    for suite, module in zip(suites, report.modules):
        cases = list(suite)
        assert [(c.classname, c.name) for c in cases] == [(module.name, c.name) for c in module.checks]
        assert suite.tests == len(module.checks)
        assert suite.failures == sum(c.status == FAILED for c in module.checks)
        assert suite.errors == sum(c.status == ERROR for c in module.checks)
        assert suite.skipped == sum(c.status == SKIPPED for c in module.checks)
        for case, check in zip(cases, module.checks):
            kinds = [type(r) for r in case.result]
            assert kinds == {PASSED: [], FAILED: [Failure], ERROR: [Error], SKIPPED: [Skipped]}[check.status]
            if check.status in (FAILED, ERROR):
                assert case.result[0].message == check.message and check.message
            points = {p.name: p.value for p in case.child(Properties)}
            assert float(points["points"]) == check.points and float(points["max_points"]) == check.max_points


def test_junit_carries_student_output_as_clean_system_out(reports, tmp_path):
    path = tmp_path / "report.xml"
    junit.write(reports["mutant"], path)
    ET.parse(path)  # the strict stdlib parser too: no control character survived
    case = next(c for s in JUnitXml.fromfile(str(path)) for c in s if c.name == "mixed_sums_dtypes")
    assert "debug | <b> & \ufffd ``` </system-out>" in case.system_out
    assert "dtype differs" in case.result[0].message


def test_gradescope_results_match_gradescopes_schema(report, tmp_path):
    path = tmp_path / "results.json"
    gradescope.write(report, path)
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == report.score
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(report.score)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(report.max_score)
    assert data["extra_data"]["max_score"] == report.max_score
    statuses = {t["name"].split(":")[0]: t.get("status") for t in data["tests"]}
    expected = {PASSED: "passed", FAILED: "failed", ERROR: "failed", SKIPPED: None}
    assert statuses == {c.id: expected[c.status] for c in report.checks}


def test_gradescope_tells_the_student_what_to_fix_and_hides_hidden_variant(reports):
    data = gradescope.results(reports["mutant"])
    failed = next(t for t in data["tests"] if t["name"].startswith("tensors.mixed_sums_dtypes"))
    assert "dtype differs" in failed["output"] and "debug | <b>" in failed["output"] and "\x00" not in failed["output"]
    assert {t["visibility"] for t in data["tests"]} == {"visible"}
    hidden = gradescope.results(dataclasses.replace(reports["mutant"], variant="hidden"))
    assert {t["visibility"] for t in hidden["tests"]} == {"after_published"}


@pytest.mark.parametrize("broken", [
    {"tests": [{"name": "no score anywhere"}]},
    {"score": 1, "tests": [{"score": 1, "status": "skipped"}]},
    {"score": 1, "visibility": "public"},
    {"score": "1"},
])
def test_gradescope_schema_rejects_what_gradescope_rejects(broken):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_markdown_has_a_table_per_module_the_total_and_the_failures(report):
    text = markdown.render(report)
    assert f"{report.score:g}/{report.max_score:g}" in text.splitlines()[0]
    for module in report.modules:
        assert f"### {module.name}: {module.points:g}/{module.max_points:g}" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == len(report.checks) + len(report.modules)  # one header per module
    assert all(len(UNESCAPED_PIPE.findall(row)) == 5 for row in rows)  # 4 cells, whatever the text
    problems = [c for c in report.checks if c.status in (FAILED, ERROR)]
    assert ("### What to fix" in text) == bool(problems)
    for check in problems:
        assert markdown.cell(check.message) in text


def test_markdown_escapes_pipes_and_fences_student_output(reports):
    report = reports["mutant"]
    check = report.modules[0].checks[0]
    report.modules[0].checks[0] = dataclasses.replace(check, description="a | b", message="x | y")
    try:
        text = markdown.render(report)
    finally:
        report.modules[0].checks[0] = check
    assert "a \\| b" in text and "x \\| y" in text
    block = text[text.index("Your code printed"):]
    assert "````text" in block  # longer than the ``` the student printed, so it cannot close the block
    assert "\x00" not in text and "\x1b" not in text


def test_cli_writes_every_format_and_fails_under_the_threshold(mutant_dir, reports, tmp_path):
    files = {"--junit": tmp_path / "r.xml", "--gradescope": tmp_path / "results.json",
             "--markdown": tmp_path / "summary.md", "--json": tmp_path / "r.json"}
    result = run_cli(str(mutant_dir), "--fail-under", "100", *[str(x) for kv in files.items() for x in kv])
    assert result.returncode == 1, result.stderr
    jsonschema.validate(json.loads(files["--gradescope"].read_text()), SCHEMA)
    assert len([c for s in JUnitXml.fromfile(str(files["--junit"])) for c in s]) == len(reports["mutant"].checks)
    assert files["--markdown"].read_text().startswith("## Grading")
    assert json.loads(files["--json"].read_text())["score"] == reports["mutant"].score


def run_autograder(root: Path, python: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_SOURCE": str(ROOT), "AUTOGRADER_PYTHON": python}
    return subprocess.run(["bash", str(ROOT / "autograder" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=280)


def test_gradescope_run_autograder_end_to_end(tmp_path, reports):
    make_mutant(tmp_path / "submission")
    result = run_autograder(tmp_path, sys.executable)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == reports["mutant"].score


def test_run_autograder_still_writes_results_when_the_grader_cannot_start(tmp_path):
    (tmp_path / "submission").mkdir()
    result = run_autograder(tmp_path, str(tmp_path / "no-python"))
    assert result.returncode == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 0 and "tell your instructor" in data["output"]

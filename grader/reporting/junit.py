"""JUnit XML, the format CI systems (GitHub, GitLab, Jenkins) show as test results.

One ``<testsuite>`` per module and one ``<testcase>`` per check (classname = the module):
a failed check carries ``<failure>`` with the verdict message, a check the grader could not
judge (status ``error``) ``<error>``, a skipped one ``<skipped>``. Points are properties of
each testcase (and module totals of each suite); what the student's code printed during a
check is its ``<system-out>``. All text goes through
:func:`grader.reporting.text.printable`, since XML 1.0 forbids control characters.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from grader.reporting.report import ERROR, FAILED, SKIPPED, CheckResult, ModuleResult, Report
from grader.reporting.terminal import fmt
from grader.reporting.text import printable as clean

VERDICT_ELEMENT = {FAILED: "failure", ERROR: "error", SKIPPED: "skipped"}


def properties(parent: ET.Element, values: dict) -> None:
    element = ET.SubElement(parent, "properties")
    for name, value in values.items():
        if value != "":
            ET.SubElement(element, "property", name=name, value=clean(value))


def testcase(check: CheckResult) -> ET.Element:
    element = ET.Element("testcase", name=clean(check.name), classname=clean(check.module),
                         time=f"{check.duration:.3f}")
    properties(element, {"points": fmt(check.points), "max_points": fmt(check.max_points),
                         "description": check.description})
    kind = VERDICT_ELEMENT.get(check.status)
    if kind:
        verdict = ET.SubElement(element, kind, message=clean(check.message))
        if kind != "skipped":
            verdict.set("type", check.status)
            verdict.text = clean("\n".join(filter(None, (check.message, check.hint))))
    if check.output:
        ET.SubElement(element, "system-out").text = clean(check.output)
    return element


def counts(checks: list[CheckResult]) -> dict:
    statuses = [c.status for c in checks]
    return {"tests": str(len(checks)), "failures": str(statuses.count(FAILED)),
            "errors": str(statuses.count(ERROR)), "skipped": str(statuses.count(SKIPPED)),
            "time": f"{sum(c.duration for c in checks):.3f}"}


def testsuite(module: ModuleResult) -> ET.Element:
    element = ET.Element("testsuite", name=clean(module.name), **counts(module.checks))
    properties(element, {"points": fmt(module.points), "max_points": fmt(module.max_points),
                         "status": module.status, "message": module.message})
    element.extend(testcase(c) for c in module.checks)
    return element


def render(report: Report) -> ET.ElementTree:
    root = ET.Element("testsuites", name=clean(f"grader: {report.student}"), **counts(report.checks))
    root.set("time", f"{report.duration:.3f}")
    suites = [testsuite(m) for m in report.modules]
    # What the code printed outside any check (at import, mostly) belongs to no one check:
    # it goes to the first suite, since the root element has no system-out in the schema.
    if suites:
        for tag, text in (("system-out", report.stdout), ("system-err", report.stderr)):
            if text:
                ET.SubElement(suites[0], tag).text = clean(text)
    root.extend(suites)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree


def write(report: Report, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    render(report).write(path, encoding="utf-8", xml_declaration=True)

"""Generated classes of reports for the class analysis tests and the benchmark.

Mismatch facts come from the real judge (``compare`` on real arrays, ``outcome_facts`` on a
real outcome record), so the tests see what a batch would record.
"""

from __future__ import annotations

import random

import numpy as np

from grader.batch.gradebook import Entry
from grader.isolation.job import CheckOutcome
from grader.judging.compare import compare
from grader.judging.verdicts import outcome_facts
from grader.reporting.report import FAILED, PASSED, CheckResult, ModuleResult, Report
from grader.wire import TensorValue

EXPECTED = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)


def tensor(array: np.ndarray) -> TensorValue:
    return TensorValue("float32", "cpu", False, array)


def verdict_for(actual: np.ndarray) -> tuple[str, dict]:
    verdict = compare(tensor(EXPECTED), tensor(actual))
    assert not verdict.passed
    return verdict.message, {**verdict.facts, "case": 0}


def wrong(kind: str, rng: np.random.Generator) -> tuple[str, dict]:
    """One wrong answer of ``kind``: permuted, off_by_one, raises, or noise (unique values)."""
    if kind == "permuted":
        return verdict_for(EXPECTED.transpose(0, 2, 3, 1).copy())
    if kind == "off_by_one":
        return verdict_for(EXPECTED + 1)
    if kind == "raises":
        outcome = CheckOutcome("error", "IndexError: index 5 is out of bounds", where="student", reason="raised",
                               exception="IndexError")
        return "your code raised IndexError: index 5 is out of bounds", outcome_facts(outcome, 0)
    return verdict_for(rng.standard_normal(EXPECTED.shape).astype(np.float32))


def check(cid: str, passed: bool, message: str = "", mismatch: dict | None = None) -> CheckResult:
    module, name = cid.split(".")
    return CheckResult(cid, module, name, "", 1.0, 1.0 if passed else 0.0, PASSED if passed else FAILED,
                       "" if passed else message, mismatch=None if passed else mismatch)


def report(student: str, checks: list[CheckResult]) -> Report:
    modules: dict[str, list[CheckResult]] = {}
    for c in checks:
        modules.setdefault(c.module, []).append(c)
    return Report(student, student, [ModuleResult(m, "ok", "", cs) for m, cs in modules.items()])


def planted_class(n: int = 60, seed: int = 0, checks: int = 10) -> tuple[list[Report], dict[str, str]]:
    """``n`` students of varied ability on ``checks`` ordinary checks, plus:
    ``plant.perm``: failed by 7 permuted, 4 off by one, 2 raising, 1 noisy student;
    ``plant.broken``: passed exactly by the weaker half (a broken check);
    ``plant.easy`` passed by all, ``plant.impossible`` by none.
    Returns the reports and student -> planted kind on plant.perm."""
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    ability = sorted((rng.random() for _ in range(n)), reverse=True)
    kinds = ["permuted"] * 7 + ["off_by_one"] * 4 + ["raises"] * 2 + ["noise"]
    kinds += ["correct"] * (n - len(kinds))
    rng.shuffle(kinds)
    reports, planted = [], {}
    for i, level in enumerate(ability):
        sid = f"s{i:04d}"
        results = [check(f"basic.c{j}", rng.random() < level) for j in range(checks)]
        results.append(check("plant.perm", True) if kinds[i] == "correct" else check("plant.perm", False, *wrong(kinds[i], np_rng)))
        results.append(check("plant.broken", i >= n // 2, "values differ", {"kind": "values", "what": "values"}))
        results.append(check("plant.easy", True))
        results.append(check("plant.impossible", False, "values differ", {"kind": "values", "what": "values"}))
        reports.append(report(sid, results))
        planted[sid] = kinds[i]
    return reports, planted


def entries(reports: list[Report]) -> list[Entry]:
    return [Entry(r.student, f"subs/{r.student}", "", "", "graded", 0.0, 1, r) for r in reports]

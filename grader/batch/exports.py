"""What a TA takes away from a batch, rebuilt from the gradebook alone.

``grades.csv`` (one row per student, per-module and per-check points), ``feedback/<id>.md``
and ``feedback/<id>.json`` (the report each student gets), ``summary.json`` (statistics and
failures by reason) and two plots: the score histogram and the pass rate of every check.
Reasons are the codes the runner, the worker and the judge set where each cause was known
(:mod:`grader.reasons`), so a TA sees at once whether a low score is the class's or the harness's.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path
from typing import Callable

from grader.files import write_atomic
from grader.reasons import label
from grader.batch.gradebook import GRADER_ERROR, Entry
from grader.batch.spreadsheet import csv_text
from grader.reporting.report import FAILED, PASSED, SKIPPED, Report
from grader.reporting import jsonfile, markdown

def failure_codes(report: Report) -> Counter:
    """Failed checks of one report counted by the reason code the judge recorded for each (a
    submission that could not be graded at all counts all its checks as not gradable)."""
    if report.status == "error":
        return Counter({"not_gradable": len(report.checks)})
    codes = Counter()
    for check in report.checks:
        if check.status == FAILED:
            codes[check.reason or "wrong_answer"] += 1
        elif check.status not in (PASSED, SKIPPED):
            codes["reference_failed"] += 1
    return codes


def failure_reasons(report: Report) -> Counter:
    """The same, by the label a TA reads (several codes may share one)."""
    reasons = Counter()
    for code, count in failure_codes(report).items():
        reasons[label(code)] += count
    return reasons


def tally(entries: list[Entry], count: Callable[[Report], Counter]) -> dict:
    """Students and checks per reason, the reason most students share first."""
    found: dict[str, dict] = {}
    for entry in entries:
        for reason, checks in count(entry.report).items():
            slot = found.setdefault(reason, {"students": 0, "checks": 0})
            slot["students"] += 1
            slot["checks"] += checks
    return dict(sorted(found.items(), key=lambda kv: -kv[1]["students"]))


def quartiles(values: list[float]) -> list[float]:
    if len(values) < 2:
        return values * 3
    return [round(q, 2) for q in statistics.quantiles(values, n=4, method="inclusive")]


def gradable(entries: list[Entry]) -> list[Entry]:
    """The entries a score means something for: not a stray file, an empty folder or a corrupt archive."""
    return [e for e in entries if e.report.status != "error"]


def summary(entries: list[Entry], notes: list[str]) -> dict:
    """Statistics over the gradable entries; the others are listed apart (``not_gradable``)."""
    graded = gradable(entries)
    percents = [e.report.percent for e in graded]
    q1, median, q3 = quartiles(percents) if percents else (None, None, None)
    return {
        "course": next((e.report.course for e in entries if e.report.course), ""),
        "assignments": list(dict.fromkeys(a.name for e in entries for a in e.report.assignments)),
        "count": len(graded),
        "not_gradable": [{"id": e.student, "source": e.source, "reason": status_reason(e)}
                         for e in entries if e not in graded],
        "statuses": dict(Counter(e.status for e in entries)),
        "max_score": max((e.report.max_score for e in entries), default=0),
        "percent": {"mean": round(statistics.fmean(percents), 2) if percents else None, "median": median,
                    "q1": q1, "q3": q3, "min": min(percents, default=None), "max": max(percents, default=None)},
        "failures_by_reason": tally(entries, failure_reasons),
        "failures_by_code": tally(entries, failure_codes),
        "notes": notes,
        "students": [{"id": e.student, "source": e.source, "status": e.status, "score": e.report.score,
                      "max_score": e.report.max_score, "percent": e.report.percent, "attempts": e.attempts,
                      "reason": status_reason(e)}
                     for e in entries],
    }


def check_ids(entries: list[Entry]) -> list[str]:
    return list(dict.fromkeys(c.id for e in entries for c in e.report.checks))


def module_names(entries: list[Entry]) -> list[str]:
    return list(dict.fromkeys(m.name for e in entries for m in e.report.modules))


def status_reason(entry: Entry) -> str:
    """Why the student's row needs a look, in a few words ("" when graded normally)."""
    report = entry.report
    if report.status == "error" or entry.status == GRADER_ERROR:
        return next((c.message for c in report.checks if c.message), "") or "; ".join(report.notes)
    return ", ".join(sorted(failure_reasons(report)))


def grouping_assignments(entries: list[Entry]) -> list:
    """The assignments worth a column of their own: those that are not one module of the same name."""
    found = {a.name: a for e in entries for a in e.report.assignments}
    return [a for a in found.values() if a.groups]


def write_csv(entries: list[Entry], path: Path) -> None:
    modules, checks, assignments = module_names(entries), check_ids(entries), grouping_assignments(entries)
    rows = [["id", "total", "max", "percent", *(f"assignment {a.name}" for a in assignments), *modules,
             "status", "reason", *checks]]
    for entry in entries:
        report = entry.report
        points = {c.id: c.points for c in report.checks if c.status != SKIPPED}
        per_module = {m.name: m.points for m in report.modules}
        rows.append([entry.student, report.score, report.max_score, report.percent,
                     *(report.assignment_score(a)[0] for a in assignments),
                     *(per_module.get(m, "") for m in modules), entry.status, status_reason(entry),
                     *(points.get(c, "") for c in checks)])
    write_atomic(path, csv_text(rows))  # cells a spreadsheet would run as formulas are quoted


def write_feedback(entries: list[Entry], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        markdown.write(entry.report, folder / f"{entry.student}.md")
        jsonfile.write(entry.report, folder / f"{entry.student}.json")


def write_plots(entries: list[Entry], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    scores, checks = folder / "scores.png", folder / "checks.png"
    figure, axes = plt.subplots(figsize=(7, 4))
    graded = gradable(entries)  # a submission that could not be graded has no score to plot
    left_out = f" ({len(entries) - len(graded)} not gradable left out)" if len(graded) < len(entries) else ""
    axes.hist([e.report.percent for e in graded], bins=range(0, 105, 5), color="#4878a8", edgecolor="white")
    axes.set(xlabel="score (%)", ylabel="students", xlim=(0, 100),
             title=f"Scores of {len(graded)} students{left_out}")
    figure.tight_layout()
    figure.savefig(scores, dpi=100)
    plt.close(figure)

    # A submission that could not be graded says nothing about any check: it is left out here too.
    ids = check_ids(graded)
    rates = []
    for check_id in ids:
        verdicts = [c.status for e in graded for c in e.report.checks if c.id == check_id and c.status != SKIPPED]
        rates.append(100.0 * verdicts.count(PASSED) / len(verdicts) if verdicts else 0.0)
    figure, axes = plt.subplots(figsize=(8, 1.5 + 0.22 * max(1, len(ids))))
    axes.barh(range(len(ids)), rates, color=["#c44e52" if r < 50 else "#55a868" for r in rates])
    axes.set_yticks(range(len(ids)), ids, fontsize=7)
    axes.invert_yaxis()
    axes.set(xlabel="students who passed (%)", xlim=(0, 100), title=f"Pass rate of every check ({len(graded)} gradable submissions)")
    figure.tight_layout()
    figure.savefig(checks, dpi=100)
    plt.close(figure)
    return [scores, checks]


def write_all(entries: list[Entry], out: Path, notes: list[str], extras=None) -> dict:
    """Every export into ``out``; returns the summary written to summary.json.
    ``extras``: a :class:`grader.batch.class_report.Extras` (similarity, LMS export)."""
    from grader.batch import class_report

    out.mkdir(parents=True, exist_ok=True)
    write_csv(entries, out / "grades.csv")
    write_feedback(entries, out / "feedback")
    data = summary(entries, notes)
    plots = write_plots(entries, out / "plots")
    data.update(class_report.write(entries, out, data, plots, extras))
    jsonfile.write_json(data, out / "summary.json")
    return data

"""What a class's reports say about the class: common wrong answers and check quality.

Both work on a list of :class:`~grader.reporting.report.Report` (one assignment's, one
batch's) and read only structured data: a check's ``reason`` and ``mismatch`` facts, never
its message text. Submissions that could not be graded at all say nothing about any check
and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from grader.reporting.report import FAILED, PASSED, SKIPPED, Report

#: Mismatch facts that make two wrong answers "the same kind"; the fingerprint of the
#: wrong values, when there is one, makes them the same answer.
GROUP_FACTS = ("kind", "what", "path", "expected", "actual", "exception", "permutation", "fingerprint")


@dataclass
class WrongAnswer:
    """Students who failed one check the same way."""

    check: str
    label: str  # what they have in common, for a TA
    example: str  # one of their messages
    students: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.students)


@dataclass
class ItemStats:
    """How one check behaves across the class."""

    check: str
    students: int  # who were graded on it
    pass_rate: float  # 0..1
    point_biserial: float | None  # correlation of passing it with the rest of the score
    discrimination: float | None  # pass rate of the top 27% minus that of the bottom 27%
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def gradable(reports: list[Report]) -> list[Report]:
    return [r for r in reports if r.status != "error"]


def group_key(check) -> tuple:
    facts = check.mismatch or {}
    reason = getattr(check, "reason", "")
    return (reason, *(repr(facts.get(k)) for k in GROUP_FACTS))


def label_of(check) -> str:
    """A few words for what a group has in common, from its facts."""
    facts = check.mismatch or {}
    reason = getattr(check, "reason", "")
    kind = facts.get("kind") or reason or "failed"
    where = f" at {facts['path']}" if facts.get("path") else ""
    parts = [f"{kind}{where}"]
    if kind == "exception" and facts.get("exception"):
        parts.append(f"raises {facts['exception']}")
    if facts.get("expected") is not None or facts.get("actual") is not None:
        parts.append(f"expected {facts.get('expected')}, got {facts.get('actual')}")
    if facts.get("count") is not None:
        parts.append(f"{facts['count']} of {facts['total']} elements wrong")
    if facts.get("permutation"):
        parts.append(f"result is the expected one permuted {tuple(facts['permutation'])}")
    if facts.get("fingerprint"):
        parts.append("same wrong values")
    return "; ".join(parts)


def wrong_answers(reports: list[Report], largest: int = 5) -> dict[str, list[WrongAnswer]]:
    """check id -> its largest groups of failing students, largest first."""
    groups: dict[str, dict[tuple, WrongAnswer]] = defaultdict(dict)
    for report in gradable(reports):
        for check in report.checks:
            if check.status != FAILED:
                continue
            slot = groups[check.id].setdefault(group_key(check), WrongAnswer(check.id, label_of(check), check.message))
            slot.students.append(report.student)
    return {cid: sorted(by_key.values(), key=lambda g: -g.size)[:largest] for cid, by_key in groups.items()}


def item_analysis(reports: list[Report], negative: float = -0.1) -> list[ItemStats]:
    """Pass rate, point-biserial correlation with the rest of the score and the 27%
    discrimination index of every check; flags the ones a TA should look at."""
    graded = gradable(reports)
    ids = list(dict.fromkeys(c.id for r in graded for c in r.checks))
    # one matrix of (student, check): points and max points, -1 where not graded on it
    points, maxima = np.zeros((len(graded), len(ids))), np.full((len(graded), len(ids)), -1.0)
    column = {cid: j for j, cid in enumerate(ids)}
    for i, report in enumerate(graded):
        for check in report.checks:
            if check.status != SKIPPED:
                j = column[check.id]
                points[i, j], maxima[i, j] = (check.max_points if check.status == PASSED else 0.0), check.max_points
    counted = maxima >= 0
    total_points, total_max = (points * counted).sum(1), np.where(counted, maxima, 0).sum(1)
    return [item_stats(cid, points[:, j], maxima[:, j], counted[:, j], total_points, total_max, negative)
            for cid, j in column.items()]


def item_stats(cid, points, maxima, counted, total_points, total_max, negative: float) -> ItemStats:
    passed = (points[counted] > 0) | (maxima[counted] == 0)
    rest_max = (total_max - maxima)[counted]
    rest = np.divide((total_points - points)[counted], rest_max, out=np.zeros_like(rest_max), where=rest_max > 0)
    n = int(counted.sum())
    rate = float(passed.mean()) if n else 0.0
    stats = ItemStats(cid, n, round(rate, 4), correlation(passed, rest), discrimination(passed, rest))
    if n and rate == 1.0:
        stats.flags.append("everyone passes")
    if n and rate == 0.0:
        stats.flags.append("nobody passes")
    if stats.point_biserial is not None and stats.point_biserial < negative:
        stats.flags.append("passing it goes with a lower score on the rest")
    return stats


def correlation(passed: np.ndarray, rest: np.ndarray) -> float | None:
    """Point-biserial correlation (Pearson's r of a 0/1 variable); None when either side is constant."""
    if len(passed) < 3 or passed.all() or not passed.any() or np.ptp(rest) == 0:
        return None
    return round(float(np.corrcoef(passed.astype(float), rest)[0, 1]), 3)


def discrimination(passed: np.ndarray, rest: np.ndarray, share: float = 0.27) -> float | None:
    """Pass rate among the best ``share`` of the class (by the rest of the score) minus
    the pass rate among the worst."""
    size = int(round(len(rest) * share))
    if size < 1 or np.ptp(rest) == 0:
        return None
    order = np.argsort(rest, kind="stable")
    return round(float(passed[order[-size:]].mean() - passed[order[:size]].mean()), 3)


def analysis(reports: list[Report]) -> dict:
    """Both analyses as JSON data (summary.json's ``analysis``)."""
    return {"wrong_answers": {cid: [{"label": g.label, "size": g.size, "example": g.example,
                                     "students": g.students} for g in groups]
                              for cid, groups in wrong_answers(reports).items()},
            "items": [s.to_dict() for s in item_analysis(reports)]}

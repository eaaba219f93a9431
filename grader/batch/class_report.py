"""What the batch writes about the class beyond grades: analysis, similarity, LMS, HTML.

:func:`write` runs after the other exports and returns what it adds to summary.json.
Everything takes the list of entries it is given (one batch today, one assignment later).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.batch import analysis, html_report, lms, similarity
from grader.batch.gradebook import Entry


@dataclass
class Extras:
    """The batch's opt-in exports."""

    sources: dict[str, Path] | None = None  # submission id -> what was handed in (--similarity)
    roster: lms.Roster | None = None  # --roster
    lms: str = "canvas"  # --lms canvas | moodle
    lms_column: str = ""  # the LMS's grade column (Canvas: "Name (ID)"): the batch gives the assignment's title


def similar(sources: dict[str, Path]) -> list[similarity.Pair]:
    code = {sid: similarity.source_of(path) for sid, path in sources.items()}
    return similarity.similar_pairs(code, similarity.starter_code())


def write(entries: list[Entry], out: Path, summary: dict, plots: list[Path], extras: Extras | None = None) -> dict:
    extras = extras or Extras()
    added: dict = {"analysis": analysis.analysis([e.report for e in entries])}
    pairs = similar(extras.sources) if extras.sources is not None else None
    if pairs is not None:
        added["similarity"] = [similarity.to_dict(p) for p in pairs]
    if extras.roster is not None:
        grades = [lms.Grade(e.student, e.report.score, e.report.max_score) for e in entries]
        name = f"grades-{extras.lms}.csv"
        added["lms"] = {"file": name, "lms": extras.lms,
                        **lms.write(extras.lms, extras.roster, grades, extras.lms_column, out / name)}
    html_report.write(out / "report.html", {**summary, **added}, added["analysis"], plots, pairs)
    return added

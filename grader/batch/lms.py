"""Grades in the import formats of an LMS, matched to students through a roster.

A roster is a CSV a TA exports from the LMS and adds one column to: ``submission``, the id
the batch gives a submission (its file or folder name). Every other column is copied as
the LMS wants it (Canvas: Student, ID, SIS User ID, SIS Login ID, Section; Moodle: an
identifier such as email or idnumber). A roster student without a submission gets an empty
grade and a submission without a roster row gets a row of its own: both are listed in the
summary, neither is dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.spreadsheet import csv_text
from grader.files import write_atomic

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: Moodle matches a grade import's rows on one user field; the first the roster has wins.
MOODLE_IDENTIFIERS = ("email", "idnumber", "username")
class RosterError(ValueError):
    """A roster that cannot be used: the message says why (a usage error, not a crash)."""


@dataclass
class Roster:
    columns: list[str]
    rows: dict[str, dict[str, str]]  # submission id -> the roster's row
    order: list[str] = field(default_factory=list)


def read_roster(path: Path) -> Roster:
    """The roster at ``path``; a :class:`RosterError` says what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"cannot read the roster {path}: {exc}") from None
    try:
        columns, rows = roster_rows(text, path)
    except csv.Error as exc:
        raise RosterError(f"the roster {path} is not a readable CSV: {exc}") from None
    return Roster([c for c in columns if c != "submission"], rows, list(rows))


def roster_rows(text: str, path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text), strict=True)
    columns = [c.strip() for c in reader.fieldnames or []]
    if "submission" not in columns:
        raise RosterError(f"the roster {path} has no 'submission' column (the id the batch gives each "
                          f"submission); its columns are {columns}")
    rows: dict[str, dict[str, str]] = {}
    for number, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        sid = row["submission"]
        if not sid:
            continue
        if sid in rows:
            raise RosterError(f"the roster {path} lists submission {sid!r} twice (line {number})")
        rows[sid] = row
    return columns, rows


@dataclass
class Grade:
    submission: str
    score: float
    max_score: float


def matching(roster: Roster, grades: list[Grade]) -> dict:
    """Who is in the roster without a submission and who handed in without a roster row."""
    handed = {g.submission for g in grades}
    return {"without_submission": [s for s in roster.order if s not in handed],
            "not_in_roster": sorted(handed - set(roster.rows))}


def canvas_rows(roster: Roster, grades: list[Grade], assignment: str) -> list[list]:
    """Canvas's gradebook import: identity columns, then ``Assignment Name (ID)``, with a
    "Points Possible" row under the header. Unmatched submissions come last with their id
    as the name and empty Canvas ids, so Canvas reports them instead of a TA missing them."""
    by_id = {g.submission: g for g in grades}
    maximum = max((g.max_score for g in grades), default=0)
    rows = [[*CANVAS_COLUMNS, assignment], ["Points Possible", "", "", "", "", maximum]]
    for sid in roster.order:
        row, grade = roster.rows[sid], by_id.get(sid)
        rows.append([row.get(c, "") for c in CANVAS_COLUMNS] + [grade.score if grade else ""])
    for sid in matching(roster, grades)["not_in_roster"]:
        rows.append([sid, "", "", "", "", by_id[sid].score])
    return rows


def moodle_rows(roster: Roster, grades: list[Grade], assignment: str) -> list[list]:
    """Moodle's "Import grades from CSV": an identifier column mapped to a user field, and a
    grade column mapped to the grade item."""
    key = next((c for c in MOODLE_IDENTIFIERS if c in roster.columns), None)
    if key is None:
        raise RosterError(f"a Moodle export needs one of the roster columns {', '.join(MOODLE_IDENTIFIERS)}; "
                          f"the roster has {roster.columns}")
    by_id = {g.submission: g for g in grades}
    rows = [[key, assignment]]
    rows += [[roster.rows[s].get(key, ""), by_id[s].score if s in by_id else ""] for s in roster.order]
    rows += [[sid, by_id[sid].score] for sid in matching(roster, grades)["not_in_roster"]]
    return rows


def write(lms: str, roster: Roster, grades: list[Grade], assignment: str, path: Path) -> dict:
    """Write ``path`` for ``lms`` (canvas | moodle); returns :func:`matching`'s lists."""
    rows = (canvas_rows if lms == "canvas" else moodle_rows)(roster, grades, assignment)
    write_atomic(path, csv_text(rows))
    return matching(roster, grades)

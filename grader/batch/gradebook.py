"""The batch gradebook: one SQLite file holding every student's latest report.

A row is written and committed the moment a submission's report is final, so a crash, a
kill or Ctrl-C loses nothing already graded. Each row is keyed by the student and carries
the content hash of what was handed in and the version of the checks it was graded with:
the next run skips a student whose submission and checks are both unchanged. ``attempts``
counts how many times the student was graded (``--regrade`` and changed submissions add
one), which is how a resumed batch proves it graded nobody twice.

WAL mode, a busy timeout and one transaction per write make two batch runs on the same
folder safe (the later write wins; neither corrupts the file). The full report is stored as
JSON (schema ``grader-report/1``), so every export can be rebuilt from this file alone.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from grader.reporting.report import ERROR, Report

SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    student TEXT PRIMARY KEY,
    source TEXT NOT NULL,            -- what was handed in, as given
    content_hash TEXT NOT NULL,      -- sha256 of the submission's files
    checks_version TEXT NOT NULL,    -- reference cache key + the -k expression
    status TEXT NOT NULL,            -- graded | error (could not be graded) | grader-error
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    percent REAL NOT NULL,
    report TEXT NOT NULL,            -- Report.to_dict() as JSON
    graded_at REAL NOT NULL,         -- unix time of the last grading
    attempts INTEGER NOT NULL        -- how many times this student was graded
)
"""

#: A report holding a check the reference itself failed: the grader's fault, never kept as final.
GRADER_ERROR = "grader-error"


@dataclass
class Entry:
    student: str
    source: str
    content_hash: str
    checks_version: str
    status: str
    graded_at: float
    attempts: int
    report: Report


def row_status(report: Report) -> str:
    if any(c.status == ERROR for c in report.checks):
        return GRADER_ERROR
    return report.status


class Gradebook:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit mode: every write below opens and commits its own transaction
        self.db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
        self.db.execute("PRAGMA busy_timeout = 60000")
        self.db.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process loses no commit
        # Switching a new file to WAL takes an exclusive lock that SQLite does not wait for
        # (no busy handler there): two writers opening it at once retry instead of failing.
        for attempt in range(100):
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute(SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def is_current(self, student: str, content_hash: str, checks_version: str) -> bool:
        """Already graded from these very files with these very checks (and not a grader error)."""
        row = self.db.execute("SELECT 1 FROM grades WHERE student = ? AND content_hash = ? AND checks_version = ?"
                              " AND status != ?", (student, content_hash, checks_version, GRADER_ERROR)).fetchone()
        return row is not None

    def record(self, student: str, source: str, content_hash: str, checks_version: str, report: Report) -> None:
        """Store one final report and commit it before returning."""
        values = (student, source, content_hash, checks_version, row_status(report), report.score,
                  report.max_score, report.percent, json.dumps(report.to_dict(), ensure_ascii=False), time.time())
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT INTO grades (student, source, content_hash, checks_version, status, score, max_score,"
                " percent, report, graded_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
                " ON CONFLICT (student) DO UPDATE SET source = excluded.source,"
                " content_hash = excluded.content_hash, checks_version = excluded.checks_version,"
                " status = excluded.status, score = excluded.score, max_score = excluded.max_score,"
                " percent = excluded.percent, report = excluded.report, graded_at = excluded.graded_at,"
                " attempts = grades.attempts + 1", values)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def entries(self, students: list[str] | None = None) -> list[Entry]:
        """Rows (all, or those of ``students``) in student order, reports rebuilt from JSON."""
        rows = self.db.execute("SELECT student, source, content_hash, checks_version, status, graded_at, attempts,"
                               " report FROM grades ORDER BY student").fetchall()
        wanted = None if students is None else set(students)
        return [Entry(*row[:7], Report.from_dict(json.loads(row[7]))) for row in rows
                if wanted is None or row[0] in wanted]

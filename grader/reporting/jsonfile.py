"""The report as JSON, schema ``grader-report/1`` (documented in README)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.files import write_atomic
from grader.reporting.report import Report


def write(report: Report, path: str | Path) -> None:
    write_json(report.to_dict(), path)


def write_json(data, path: str | Path) -> None:
    """Write atomically, so a reader never sees half a file."""
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

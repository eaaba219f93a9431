"""The report as JSON, schema ``grader-report/1`` (documented in README)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from grader.report import Report


def write(report: Report, path: str | Path) -> None:
    write_json(report.to_dict(), path)


def write_json(data, path: str | Path) -> None:
    """Write atomically, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)

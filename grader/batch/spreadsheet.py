"""CSV that a spreadsheet opens as data: no cell of ours, or of a student's, runs as a formula."""

from __future__ import annotations

import csv
import io

#: What a spreadsheet reads as the start of a formula (OWASP's rule for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | float | int:
    """A CSV cell a spreadsheet shows as text: a leading formula character gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: list[list]) -> str:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return text.getvalue()

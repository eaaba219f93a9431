"""Feedback where a notebook student reads it: their own notebook, the report appended as a last cell.

``--feedback-notebook OUT.ipynb`` writes the student's notebook (cells and outputs as handed
in) with the Markdown report (:func:`grader.reporting.markdown.render`) as a last markdown
cell; ``--feedback-html OUT.html`` is the same exported by ``nbconvert``, with the student's
HTML outputs sanitized (a notebook can carry scripts). When what was handed in is not a
notebook (a folder, an archive), the feedback notebook holds the report cell alone.
Nothing of the notebook is executed: both are conversions of text.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader.files import write_atomic
from grader.submissions.notebook import read
from grader.reporting.report import Report
from grader.reporting import markdown


def feedback_notebook(report: Report) -> nbformat.NotebookNode:
    """The graded notebook (or an empty one) with the report as its last cell."""
    source = Path(report.submission)
    try:
        notebook = read(source) if source.suffix == ".ipynb" and source.is_file() else nbformat.v4.new_notebook()
    except (ValueError, OSError):  # the corrupt notebook the report is about
        notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell(markdown.render(report))
    cell.metadata["grader"] = {"feedback": True, "score": report.score, "max_score": report.max_score}
    notebook.cells.append(cell)
    return notebook


def write_notebook(report: Report, path: str | Path) -> None:
    write_atomic(path, nbformat.writes(feedback_notebook(report)))


def write_html(report: Report, path: str | Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(sanitize_html=True).from_notebook_node(feedback_notebook(report))
    write_atomic(path, body)

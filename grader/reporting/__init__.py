"""Reporters: independent consumers of one :class:`~grader.reporting.report.Report`.

Each reporter is a function ``write(report, path)`` (or ``write(report, stream)`` for the
terminal). The CLI lists them in :data:`FILE_REPORTERS` so a new format is one entry here
and one module, with nothing else to change.
"""

from __future__ import annotations

import importlib

#: option -> (module:function, help)
FILE_REPORTERS = {
    "--json": ("grader.reporting.jsonfile:write", "write the report as JSON (schema grader-report/1) to FILE"),
    "--junit": ("grader.reporting.junit:write", "write JUnit XML (one testcase per check) to FILE, for CI"),
    "--gradescope": ("grader.reporting.gradescope:write", "write Gradescope's results.json to FILE"),
    "--markdown": ("grader.reporting.markdown:write", "write a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)"),
    "--feedback-notebook": ("grader.reporting.feedback:write_notebook",
                            "write the graded notebook with the feedback as its last cell to FILE (.ipynb)"),
    "--feedback-html": ("grader.reporting.feedback:write_html", "write that feedback notebook as HTML to FILE"),
}


def load(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)

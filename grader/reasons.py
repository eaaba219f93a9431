"""Why a check earned no points, as codes set where the cause is known.

The runner sets the codes of the kills it makes, the worker those of what student code did
while loading or during a scenario, the notebook reader those of cells that do not parse,
and the judge those of its comparisons. Exports, plots and summaries read the code; none
of them looks at message text.
"""

from __future__ import annotations

#: code -> the few words a TA reads in grades.csv and summary.json
LABELS = {
    "timeout": "timeout",
    "crash": "crash",
    "exit": "crash",  # os._exit or sys.exit: the run ended without returning
    "killed": "killed the grader's process",
    "pipe_abuse": "result pipe abuse",
    "oversized_results": "oversized results",
    "memory": "memory",
    "device_error": "GPU error",
    "output_flood": "output flood",
    "syntax_error": "syntax error",
    "import_error": "import error",
    "missing_module": "missing module",
    "missing_name": "missing name",
    "not_implemented": "not implemented",
    "raised": "raised an exception",
    "signature": "signature differs",
    "wrong_answer": "wrong answer",
    "notebook_unparsable": "notebook cell does not parse",
    "not_gradable": "not gradable",
    "reference_failed": "grader error",
}

#: the codes a worker may claim for itself; anything else it sends reads as "raised"
WORKER_CLAIMS = ("exit", "memory", "device_error", "syntax_error", "import_error", "missing_module", "missing_name",
                 "not_implemented", "raised", "signature", "wrong_answer", "notebook_unparsable",
                 "oversized_results")
#: what a cluster worker's runner may also report (its kills and exits): the codes the judge's
#: own runner sets; the judge's own codes (not_gradable, reference_failed) never come from a worker
RUNNER_CLAIMS = WORKER_CLAIMS + ("timeout", "crash", "killed", "pipe_abuse", "output_flood")


def label(code: str) -> str:
    return LABELS.get(code, code)

"""Errors that are the grader's fault, not a submission's."""


class GraderError(RuntimeError):
    """The grader itself cannot work (not a submission's fault): exit code 3."""

"""What was handed in: a folder, a module, a notebook or an archive, resolved into a
:class:`~grader.submissions.submission.Submission` the worker will see as files."""

"""Batch grading on Dask distributed workers (``python -m grader batch ... --cluster ADDRESS``).

``dispatch`` runs on the TA's machine: it keeps the reference and the judge, and sends
chunks of submissions to the workers. ``worker`` runs in each Dask worker: one grading
session (zygote and sandbox) warm across chunks. ``records`` is what crosses back (a
finished job as wire frames, read by the judge like any worker's output), ``shipping``
what crosses out (the course and submissions, by content hash). Only ``dispatch`` and the
workers import Dask.
"""

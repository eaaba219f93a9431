"""The checks of the bundled course, Module 2 ("PyTorch tensors and automatic differentiation").

One file per exercise module (``grader/course/<module>.py``) registers its checks with
:func:`grader.authoring.check.check`. What the course is made of (its assignments, their
points, the seeds of the public and hidden variants) is in ``course.toml`` at the root of
the repository (:mod:`grader.manifest`).
"""

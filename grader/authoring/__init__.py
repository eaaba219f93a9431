"""What a course author uses: the check API (``@check``), the builds of stubs and notebooks
from the solutions, ``selfcheck`` and ``release``.
"""

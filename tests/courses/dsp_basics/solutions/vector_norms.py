"""Norms: how long a vector is, how big a matrix is, and making rows unit length.

Fill in every ``raise NotImplementedError`` below. Check your work with
``python -m grader vector_norms.py``.
"""

import torch


def lp_norm(x, p):
    """Return the p-norm of the 1-D float tensor ``x`` as a 0-dimensional tensor.

    ``p`` is a positive number or ``float("inf")`` (the largest absolute value).

    Hint: ``torch.linalg.vector_norm(x, ord=p)``, or ``(x.abs() ** p).sum() ** (1 / p)``.
    """
    ### BEGIN SOLUTION
    return torch.linalg.vector_norm(x, ord=p)
    ### END SOLUTION


def frobenius(m):
    """Return the Frobenius norm of the 2-D tensor ``m`` (the square root of the sum of squares)."""
    ### BEGIN SOLUTION
    return torch.linalg.matrix_norm(m, ord="fro")
    ### END SOLUTION


def normalize_rows(m):
    """Return ``m`` with each row divided by its L2 norm, so that every row has norm 1.

    Raise ``ValueError`` when ``m`` is not 2-D.
    """
    ### BEGIN SOLUTION
    if m.dim() != 2:
        raise ValueError(f"normalize_rows needs a 2-D tensor, not {m.dim()}-D")
    return m / torch.linalg.vector_norm(m, dim=1, keepdim=True)
    ### END SOLUTION

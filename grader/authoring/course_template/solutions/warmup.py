"""Warm-up: two small tensor functions.

Fill in every ``raise NotImplementedError`` below. Check your work with
``python -m grader exercises/warmup.py``.
"""

import torch


def standardize(x):
    """Return the 2-D float tensor ``x`` with every column shifted and scaled to mean 0 and standard deviation 1.

    Use the population standard deviation (``correction=0``).

    Hint: ``x.mean(dim=0)`` and ``x.std(dim=0, correction=0)`` hold one value per column;
    broadcasting does the rest.
    """
    ### BEGIN SOLUTION
    # Between the markers: what the stub replaces by one `raise NotImplementedError` line.
    return (x - x.mean(dim=0)) / x.std(dim=0, correction=0)
    ### END SOLUTION


def scale_rows(x, weights):
    """Return ``x`` (shape ``(n, m)``) with row ``i`` multiplied by ``weights[i]`` (shape ``(n,)``).

    Raise ``ValueError`` when ``weights`` does not hold exactly one weight per row.

    Pitfall: ``x * weights`` lines ``weights`` up with the columns, not the rows.
    """
    ### BEGIN SOLUTION
    if tuple(weights.shape) != (x.shape[0],):
        raise ValueError(f"expected {x.shape[0]} weights, one per row, not shape {tuple(weights.shape)}")
    return x * torch.unsqueeze(weights, 1)
    ### END SOLUTION

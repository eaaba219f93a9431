"""Module 2, part 2: broadcasting.

Broadcasting lets ``a + b`` work on tensors of different shapes without copying data.
Two shapes are compatible when, aligned from the RIGHT, every pair of sizes is equal or
one of them is 1 (a missing dimension counts as 1). The result takes the larger size
in each position.

Fill in every ``raise NotImplementedError`` below. Check your work with
``python -m grader exercises/broadcasting.py``.
"""

import torch


def broadcast_shape(shape_a, shape_b):
    """Return the broadcast shape of ``shape_a`` and ``shape_b`` (sequences of ints) as a tuple of ints.

    Raise ``ValueError`` when the shapes are incompatible.

    Examples: ``(3, 1)`` and ``(4,)`` give ``(3, 4)``; ``(5, 1, 7)`` and ``(2, 1)`` give
    ``(5, 2, 7)``; ``(3,)`` and ``(4,)`` raise ``ValueError``; ``()`` and ``(2, 3)`` give
    ``(2, 3)``.

    Hint: pad the shorter shape with 1s on the LEFT, then walk the two shapes together.

    Pitfall: align from the right, not the left: ``(3,)`` broadcasts with ``(2, 3)``
    but not with ``(3, 2)``. A size 0 behaves like any other size: ``(0,)`` with ``(1,)``
    gives ``(0,)``. Write the rule yourself (no ``torch.broadcast_shapes``).
    """
    ### BEGIN SOLUTION
    a, b = tuple(shape_a), tuple(shape_b)
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    out = []
    for sa, sb in zip(a, b):
        if sa == sb or sb == 1:
            out.append(int(sa))
        elif sa == 1:
            out.append(int(sb))
        else:
            raise ValueError(f"shapes {tuple(shape_a)} and {tuple(shape_b)} cannot be broadcast: {sa} vs {sb}")
    return tuple(out)
    ### END SOLUTION


def expand_pair(a, b):
    """Return ``(a2, b2)``: ``a`` and ``b`` expanded to their common broadcast shape, as views.

    ``a2`` and ``b2`` must share memory with ``a`` and ``b`` (no data is copied).

    Hint: compute the shape (your ``broadcast_shape`` works on ``a.shape``), then use
    ``Tensor.expand``; ``torch.broadcast_tensors`` does both at once.

    Pitfall: ``repeat`` and ``expand(...).clone()`` copy the data; ``expand`` only sets
    strides to 0 along the broadcast dimensions. Never write into an expanded tensor: many
    of its elements are the same memory.
    """
    ### BEGIN SOLUTION
    shape = broadcast_shape(a.shape, b.shape)
    return a.expand(shape), b.expand(shape)
    ### END SOLUTION


def outer_sum(col, row):
    """Return the (n, m) tensor ``out[i, j] = col[i] + row[j]``.

    ``col`` has shape ``(n,)`` or ``(n, 1)``; ``row`` has shape ``(m,)`` or ``(1, m)``.

    Hint: reshape ``col`` to ``(n, 1)`` and ``row`` to ``(1, m)`` and add: broadcasting
    does the rest (``reshape(-1, 1)`` works for both input shapes of ``col``).

    Pitfall: ``col + row`` with ``col`` of shape ``(n,)`` and ``row`` of shape ``(m,)``
    either fails or, when n == m, silently returns an element-wise sum of shape ``(n,)``.
    No Python loops.
    """
    ### BEGIN SOLUTION
    return col.reshape(-1, 1) + row.reshape(1, -1)
    ### END SOLUTION


def pairwise_sq_dists(x, y):
    """Return the (n, m) tensor of squared Euclidean distances ``out[i, j] = ||x[i] - y[j]||^2``.

    ``x`` has shape ``(n, d)`` and ``y`` shape ``(m, d)``.

    Hint: ``x[:, None, :] - y[None, :, :]`` has shape ``(n, m, d)``; square and sum over
    the last dimension. (The expansion ``||x||^2 - 2 x y^T + ||y||^2`` also works and uses
    less memory.)

    Pitfall: no Python loops, and do not take the square root: these are SQUARED
    distances.
    """
    ### BEGIN SOLUTION
    diff = x[:, None, :] - y[None, :, :]
    return (diff * diff).sum(dim=-1)
    ### END SOLUTION

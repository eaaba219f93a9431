"""Smoothing a signal: a moving average is a 1-D convolution with a flat kernel.

Fill in every ``raise NotImplementedError`` below, then run the last cell.
"""

import torch
import torch.nn.functional as F


def correlate(x, w):
    """Return the 'valid' cross-correlation of the 1-D tensors ``x`` and ``w``.

    ``out[i] = sum_j x[i + j] * w[j]``, of length ``len(x) - len(w) + 1``.

    Hint: ``F.conv1d`` wants shapes (batch, channels, length): ``x[None, None]``, ``w[None, None]``.
    """
    raise NotImplementedError("correlate: your code here")


def moving_average(x, k):
    """Return the means of every window of ``k`` consecutive values of the 1-D tensor ``x``.

    Raise ``ValueError`` unless ``1 <= k <= len(x)``.
    """
    raise NotImplementedError("moving_average: your code here")

"""Gradient descent optimisers on f(x1, x2) = 0.1 * x1**2 + 2 * x2**2, whose gradient is (0.2 * x1, 4 * x2).

Each optimiser takes the position (x1, x2) and its state and returns the next position and
state. The course runs them with ``train_2d`` (momentum to RMSProp: one state number per
coordinate) or ``train_adam_2d`` (Adam, AMSGrad: a list of three per coordinate, and the step
``t``, counted from 0), from (-5, -2), for 20 steps. The learning rate ``eta`` and the decay
``gamma`` are the notebook's globals, set by the cells that run each optimiser.
"""

import math

eta, gamma = 0.4, 0.5


def momentum_2d(x1, x2, v1, v2):
    """One step of momentum: the velocity keeps ``gamma`` of itself and adds ``eta`` times the gradient."""
    raise NotImplementedError("momentum_2d: your code here")
    return x1 - v1, x2 - v2, v1, v2


def Nesterov_2d(x1, x2, v1, v2):
    """One step of Nesterov's accelerated gradient: momentum, with the gradient taken where the velocity leads."""
    raise NotImplementedError("Nesterov_2d: your code here")
    return x1 - v1, x2 - v2, v1, v2


def adagrad_2d(x1, x2, s1, s2):
    """One step of Adagrad: each coordinate's step is ``eta`` over the root of its summed squared gradients."""
    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
    raise NotImplementedError("adagrad_2d: your code here")
    return x1, x2, s1, s2


def rmsprop_2d(x1, x2, s1, s2):
    """One step of RMSProp: Adagrad with a leaky average (decay ``gamma``) of the squared gradients."""
    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
    raise NotImplementedError("rmsprop_2d: your code here")
    return x1, x2, s1, s2


def adam_2d(x1, x2, s1, s2, t):
    """One step of Adam: leaky averages of the gradient and of its square, corrected for their start at 0 (step ``t`` from 0)."""
    beta1, beta2, eps = 0.9, 0.99, 1e-6
    g1, g2 = 0.2 * x1, 4 * x2
    raise NotImplementedError("adam_2d: your code here")
    return x1, x2, s1, s2


def amsgrad_2d(x1, x2, s1, s2, t):
    """One step of AMSGrad: Adam's averages, uncorrected, dividing by the largest average of squares seen so far."""
    beta1, beta2, eps = 0.9, 0.99, 1e-6
    g1, g2 = 0.2 * x1, 4 * x2
    raise NotImplementedError("amsgrad_2d: your code here")
    return x1, x2, s1, s2

"""Module 2, the functional reverse-mode practical (the course's ``autodiff_functional``).

Backpropagation the functional way, in numpy, as JAX does it: every function ``f(x, p)``
takes an input ``x`` and a parameter ``p`` and carries ``f.make_vjp(x, p)``, which returns
``vjp(u) -> (J_f(x)^T u, J_f(p)^T u)``. The gradient of a chain is the loss's gradient
pushed back through the vjp functions in reverse order. Gradients with respect to
parameters are kept per sample (first axis); ``optim_SGD`` sums them over the batch.

``add`` is given complete as an example. Fill in every ``raise NotImplementedError`` below.
"""

import numpy as np


def add(x, b):
    return x + b


def add_make_vjp(x, b):
    def vjp(u):
        return u, u
    return vjp


add.make_vjp = add_make_vjp


def dot(x, W):
    """Return ``x @ W`` for a batch ``x`` of shape (n, a) and ``W`` of shape (a, b)."""
    raise NotImplementedError("dot: your code here")


def dot_make_vjp(x, W):
    """Return ``vjp(u) -> (u @ W.T, per-sample gradient of W)``; the second has shape (n, a, b), ``x[k]`` outer ``u[k]``."""
    raise NotImplementedError("dot_make_vjp: your code here")


dot.make_vjp = dot_make_vjp


def squared_loss(y_pred, y):
    """Return ``np.array([sum((y - y_pred) ** 2)])``."""
    raise NotImplementedError("squared_loss: your code here")


def squared_loss_make_vjp(y_pred, y):
    """Return ``vjp(u) -> (2 * (y_pred - y), zeros like y)``: the loss starts the chain, so ``u`` is unused."""
    raise NotImplementedError("squared_loss_make_vjp: your code here")


squared_loss.make_vjp = squared_loss_make_vjp


def evaluate_chain(x, funcs, params, return_all=False):
    """Apply ``funcs[k](x, params[k])`` in order; return the last value, or (``return_all``) the list of the input and every value."""
    raise NotImplementedError("evaluate_chain: your code here")


def backward_diff_chain(x, funcs, params):
    """Reverse-mode differentiation of the chain: return ``(value, vjp_x, [vjp_param of each function])``.

    The last function is the loss: its vjp is called with ``u = None``.
    """
    raise NotImplementedError("backward_diff_chain: your code here")


def optim_SGD(grads, learning_rate=1e-2):
    """Return the update ``-learning_rate * g.sum(0)`` of each parameter (gradients summed over the batch)."""
    raise NotImplementedError("optim_SGD: your code here")


def update_params(updates, params):
    """Return the new parameters ``params[k] + updates[k]``."""
    raise NotImplementedError("update_params: your code here")

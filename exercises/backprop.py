"""Module 2, practical 2: backpropagation by hand, in numpy.

We fit ``y = exp(w * x + b)`` to data with a tiny "framework": each operation is a layer
object with

* ``forward(x)``: compute the output (and remember what ``backward`` will need);
* ``backward(grad)``: receive ``grad = dloss/doutput``, store the gradient of the
  layer's own parameter (if any) and return ``dloss/dinput``;
* ``step(learning_rate)``: update the parameter by gradient descent.

``add_bias`` is given complete as an example. Follow it for the other layers.

Fill in every ``raise NotImplementedError`` below. Check your work with
``python -m grader exercises/backprop.py``.
"""

import numpy as np


class add_bias(object):
    """The layer ``x -> x + b`` with a learnable bias ``b`` (given complete: read it as an example)."""

    def __init__(self, b):
        # the parameter, stored as self.b
        self.b = b
        self.grad_b = 0.0

    def forward(self, x):
        # y = x + b: nothing needs to be remembered for backward
        return x + self.b

    def backward(self, grad):
        # dy/db = 1: the gradient of b is the incoming gradient, summed over a batch
        self.grad_b = np.sum(grad)
        # dy/dx = 1: the gradient flows through unchanged
        return grad

    def step(self, learning_rate):
        # gradient descent on b
        self.b = self.b - learning_rate * self.grad_b


class multiplication_weight(object):
    """The layer ``x -> w * x`` with a learnable scalar weight ``w``."""

    def __init__(self, w):
        """Store the weight as ``self.w`` (the checks read ``self.w``) and start with ``self.grad_w = 0.0``."""
        raise NotImplementedError("multiplication_weight.__init__: your code here")

    def forward(self, x):
        """Return ``w * x`` and remember ``x``: the backward pass needs it.

        Pitfall: forgetting to save ``x`` here leaves ``backward`` with nothing to compute
        ``dloss/dw`` from.
        """
        raise NotImplementedError("multiplication_weight.forward: your code here")

    def backward(self, grad):
        """Store ``self.grad_w = sum(grad * x)`` (dloss/dw) and return ``grad * w`` (dloss/dx).

        Hint: for ``y = w * x``, ``dy/dw = x`` and ``dy/dx = w``; multiply each by the
        incoming ``grad`` (chain rule). Sum over the batch for ``w``, since one ``w`` is
        shared by all samples (``np.sum`` is harmless on a single number).

        Pitfall: the two are easy to swap: the gradient returned backward is multiplied by
        ``w``, the one stored for the step by ``x``.
        """
        raise NotImplementedError("multiplication_weight.backward: your code here")

    def step(self, learning_rate):
        """Update ``self.w`` by one gradient descent step: ``w <- w - learning_rate * grad_w``.

        Pitfall: ``+=`` climbs the loss instead of descending it.
        """
        raise NotImplementedError("multiplication_weight.step: your code here")


class my_exp(object):
    """The layer ``x -> exp(x)``; it has no parameter."""

    def forward(self, x):
        """Return ``np.exp(x)`` and remember what ``backward`` needs.

        Hint: the derivative of ``exp`` is ``exp`` itself, so saving the OUTPUT is enough.
        """
        raise NotImplementedError("my_exp.forward: your code here")

    def backward(self, grad):
        """Return ``grad * exp(x)`` (dloss/dx), with ``x`` the input of the last forward.

        Pitfall: ``np.exp(grad)`` is not the chain rule.
        """
        raise NotImplementedError("my_exp.backward: your code here")

    def step(self, learning_rate):
        """Do nothing (there is no parameter), but the method must exist: ``my_composition.step`` calls it on every layer."""
        raise NotImplementedError("my_exp.step: your code here")


class my_composition(object):
    """A model made of layers applied one after the other."""

    def __init__(self, layers):
        """Store the list of layers as ``self.layers`` (in the order ``forward`` applies them)."""
        raise NotImplementedError("my_composition.__init__: your code here")

    def forward(self, x):
        """Apply each layer's ``forward`` in order and return the final output."""
        raise NotImplementedError("my_composition.forward: your code here")

    def compute_loss(self, y_est, y_target):
        """Return the squared error ``(y_est - y_target) ** 2`` and save its gradient ``2 * (y_est - y_target)`` (dloss/dy_est) for ``backward``.

        Pitfall: the gradient is with respect to ``y_est`` (the model's output): the sign of
        ``2 * (y_target - y_est)`` is wrong.
        """
        raise NotImplementedError("my_composition.compute_loss: your code here")

    def backward(self):
        """Backpropagate the saved loss gradient through the layers in REVERSE order; return the gradient with respect to the model's input.

        Hint: ``for layer in reversed(self.layers): grad = layer.backward(grad)``.

        Pitfall: going through the layers in forward order multiplies the gradients in the
        wrong places.
        """
        raise NotImplementedError("my_composition.backward: your code here")

    def step(self, learning_rate):
        """Call ``step(learning_rate)`` on every layer."""
        raise NotImplementedError("my_composition.step: your code here")


def train(xx, yy, learning_rate=1e-3, n_iter=3000, seed=0):
    """Fit ``y = exp(w * x + b)`` to ``(xx, yy)`` by stochastic gradient descent; return ``(losses, ws, bs)``.

    Build ``model = my_composition([multiplication_weight(1.), add_bias(1.), my_exp()])``
    and ``rng = np.random.default_rng(seed)``. Then, ``n_iter`` times:

    1. pick ONE sample: ``i = rng.integers(len(xx))`` (a minibatch of size 1);
    2. ``y_est = model.forward(xx[i])`` and ``loss = model.compute_loss(y_est, yy[i])``;
    3. ``model.backward()`` and ``model.step(learning_rate)``;
    4. append ``float(loss)`` to ``losses`` and the CURRENT (updated) ``w`` and ``b`` as
       floats to ``ws`` and ``bs``.

    Example (the course's data)::

        xx = np.arange(0, 1, .01)
        yy = np.exp(0.5 * xx + 2)
        losses, ws, bs = train(xx, yy, learning_rate=1e-3, n_iter=3000, seed=0)
        # ws[-1] ~ 0.5 and bs[-1] ~ 2

    Pitfall: draw exactly one ``rng.integers(len(xx))`` per iteration (nothing else from
    ``rng``) so that your run is reproducible and comparable; a learning rate that is too
    large (1e-2) makes ``exp`` blow up.
    """
    raise NotImplementedError("train: your code here")

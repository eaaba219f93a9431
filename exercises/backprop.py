"""Module 2, practical 2: backpropagation by hand, in numpy (the course's ``02_backprop``).

We fit ``y = exp(w * x + b)`` to points ``(x_t, y_t)`` by stochastic gradient descent with
minibatches of size 1. Each operation is a layer object with

* ``forward(x)``: compute the output (and remember what ``backward`` will need);
* ``backward(grad)``: receive ``grad = dloss/doutput``, keep the gradient of the layer's
  own parameter (if any) for ``step`` and return ``dloss/dinput``;
* ``step(learning_rate)``: update the parameter by gradient descent.

The model is ``my_composition([multiplication_weight(w0), add_bias(b0), my_exp()])``; the
course trains it in a loop: draw one sample, ``forward``, ``compute_loss``, ``backward``,
``step``. ``add_bias`` is given complete as an example. The second part replaces ``exp``
by ``cos`` (``my_cos``). Fill in every ``raise NotImplementedError`` below.
"""

import numpy as np


class add_bias(object):
    """The layer ``x -> x + b`` with a learnable bias ``b`` (given complete: read it as an example)."""

    def __init__(self, b):
        # initialize with a bias b
        self.b = b

    def forward(self, x):
        # return the result of adding the bias
        return x + self.b

    def backward(self, grad):
        # save the gradient (to update the bias in the step method) and return it backward
        self.grad = grad
        return grad

    def step(self, learning_rate):
        # update the bias
        self.b = self.b - learning_rate * self.grad


class multiplication_weight(object):
    """The layer ``x -> w * x`` with a learnable weight ``w`` (kept as ``self.w``)."""

    def __init__(self, w):
        """Initialize with the weight ``w``, stored as ``self.w``."""
        raise NotImplementedError("multiplication_weight.__init__: your code here")

    def forward(self, x):
        """Return ``w * x`` and remember ``x``: the backward pass needs it."""
        raise NotImplementedError("multiplication_weight.forward: your code here")

    def backward(self, grad):
        """Keep ``x * grad`` (dloss/dw) for ``step`` and return ``w * grad`` (dloss/dx).

        Pitfall: the two are easy to swap.
        """
        raise NotImplementedError("multiplication_weight.backward: your code here")

    def step(self, learning_rate):
        """Update ``self.w`` by one gradient descent step with this ``learning_rate``."""
        raise NotImplementedError("multiplication_weight.step: your code here")


class my_exp(object):
    """The layer ``x -> exp(x)``; it has no parameter."""

    def forward(self, x):
        """Return ``np.exp(x)`` and remember what ``backward`` needs."""
        raise NotImplementedError("my_exp.forward: your code here")

    def backward(self, grad):
        """Return ``exp(x) * grad`` (dloss/dx), with ``x`` the input of the last forward."""
        raise NotImplementedError("my_exp.backward: your code here")

    def step(self, learning_rate):
        """Nothing to update, but the method must exist: ``my_composition.step`` calls it."""
        raise NotImplementedError("my_exp.step: your code here")


class my_composition(object):
    """A model made of layers applied one after the other."""

    def __init__(self, layers):
        """Keep the list of layers, in the order ``forward`` applies them."""
        raise NotImplementedError("my_composition.__init__: your code here")

    def forward(self, x):
        """Apply each layer's ``forward`` in order and return the final output."""
        raise NotImplementedError("my_composition.forward: your code here")

    def compute_loss(self, y_est, y_target):
        """Return the squared error ``(y_est - y_target) ** 2`` and keep its gradient with respect to ``y_est`` for ``backward``."""
        raise NotImplementedError("my_composition.compute_loss: your code here")

    def backward(self):
        """Backpropagate: hand the loss gradient to the last layer's ``backward``, what it returns to the layer before, and so on (layers in REVERSE order). Nothing to return."""
        raise NotImplementedError("my_composition.backward: your code here")

    def step(self, learning_rate):
        """Call ``step(learning_rate)`` on every layer."""
        raise NotImplementedError("my_composition.step: your code here")


class my_cos(object):
    """The layer ``x -> cos(x)`` of the practical's second part; it has no parameter."""

    def forward(self, x):
        """Return ``np.cos(x)`` and remember ``x``."""
        raise NotImplementedError("my_cos.forward: your code here")

    def backward(self, grad):
        """Return ``-sin(x) * grad``."""
        raise NotImplementedError("my_cos.backward: your code here")

    def step(self, learning_rate):
        """Nothing to update."""
        raise NotImplementedError("my_cos.step: your code here")

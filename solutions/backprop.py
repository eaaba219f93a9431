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
        ### BEGIN SOLUTION
        self.w = w
        ### END SOLUTION

    def forward(self, x):
        """Return ``w * x`` and remember ``x``: the backward pass needs it."""
        ### BEGIN SOLUTION
        self.saved_x = x
        return self.w * x
        ### END SOLUTION

    def backward(self, grad):
        """Keep ``x * grad`` (dloss/dw) for ``step`` and return ``w * grad`` (dloss/dx).

        Pitfall: the two are easy to swap.
        """
        ### BEGIN SOLUTION
        self.grad = self.saved_x * grad
        return self.w * grad
        ### END SOLUTION

    def step(self, learning_rate):
        """Update ``self.w`` by one gradient descent step with this ``learning_rate``."""
        ### BEGIN SOLUTION
        self.w = self.w - learning_rate * self.grad
        ### END SOLUTION


class my_exp(object):
    """The layer ``x -> exp(x)``; it has no parameter."""

    def forward(self, x):
        """Return ``np.exp(x)`` and remember what ``backward`` needs."""
        ### BEGIN SOLUTION
        self.saved_y = np.exp(x)
        return self.saved_y
        ### END SOLUTION

    def backward(self, grad):
        """Return ``exp(x) * grad`` (dloss/dx), with ``x`` the input of the last forward."""
        ### BEGIN SOLUTION
        return self.saved_y * grad
        ### END SOLUTION

    def step(self, learning_rate):
        """Nothing to update, but the method must exist: ``my_composition.step`` calls it."""
        ### BEGIN SOLUTION
        pass
        ### END SOLUTION


class my_composition(object):
    """A model made of layers applied one after the other."""

    def __init__(self, layers):
        """Keep the list of layers, in the order ``forward`` applies them."""
        ### BEGIN SOLUTION
        self.layers = layers
        ### END SOLUTION

    def forward(self, x):
        """Apply each layer's ``forward`` in order and return the final output."""
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer.forward(x)
        return x
        ### END SOLUTION

    def compute_loss(self, y_est, y_target):
        """Return the squared error ``(y_est - y_target) ** 2`` and keep its gradient with respect to ``y_est`` for ``backward``."""
        ### BEGIN SOLUTION
        self.loss_grad = 2 * (y_est - y_target)
        return (y_est - y_target) ** 2
        ### END SOLUTION

    def backward(self):
        """Backpropagate: hand the loss gradient to the last layer's ``backward``, what it returns to the layer before, and so on (layers in REVERSE order). Nothing to return."""
        ### BEGIN SOLUTION
        grad = self.loss_grad
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        ### END SOLUTION

    def step(self, learning_rate):
        """Call ``step(learning_rate)`` on every layer."""
        ### BEGIN SOLUTION
        for layer in self.layers:
            layer.step(learning_rate)
        ### END SOLUTION


class my_cos(object):
    """The layer ``x -> cos(x)`` of the practical's second part; it has no parameter."""

    def forward(self, x):
        """Return ``np.cos(x)`` and remember ``x``."""
        ### BEGIN SOLUTION
        self.saved_x = x
        return np.cos(x)
        ### END SOLUTION

    def backward(self, grad):
        """Return ``-sin(x) * grad``."""
        ### BEGIN SOLUTION
        return -np.sin(self.saved_x) * grad
        ### END SOLUTION

    def step(self, learning_rate):
        """Nothing to update."""
        ### BEGIN SOLUTION
        pass
        ### END SOLUTION

"""Checks of exercises/autodiff_functional.py (10 points): the course's functional reverse mode.

The chain checks use functions of their own (with their own ``make_vjp``), so a bug in the
submission's ``dot`` costs the ``dot`` check, not the chain's; training runs the course's
loop (``create_feed_forward``, ``backward_diff_chain``, ``optim_SGD``, ``update_params``)
with the submission's functions, a seeded data set and a learning rate drawn per case.
"""

import numpy as np

from grader.authoring.check import check

LEARNING_RATES = (1e-2, 5e-3, 2e-2)


def _batch(case, n=6, a=3):
    return case.np.random((n, a)), case.np.standard_normal((n, 1))


@check(points=2, dtype="promote", cases=2)
def dot_and_vjp(sub, case):
    "dot(x, W) is x @ W and its vjp returns u @ W.T and the per-sample gradients x[k] outer u[k]."
    x, _ = _batch(case)
    W, u = case.np.standard_normal((3, 2)), case.np.standard_normal((6, 2))
    grad_x, grad_w = sub.dot.make_vjp(x, W)(u)
    return [np.asarray(sub.dot(x, W)), np.asarray(grad_x), np.asarray(grad_w)]


def _no_update(grad) -> bool:
    """Whether a "gradient" leaves its parameter alone: None, or zeros of any shape."""
    if grad is None:
        return True
    try:
        return not np.any(np.asarray(grad, dtype=np.float64))
    except (TypeError, ValueError):
        return False


@check(points=2, dtype="promote", cases=2)
def squared_loss_and_vjp(sub, case):
    "squared_loss is [sum((y - y_pred)^2)]; its vjp returns 2 (y_pred - y) and nothing that would update the target y."
    y_pred, y = case.np.standard_normal((5, 1)), case.np.standard_normal((5, 1))
    grad_pred, grad_y = sub.squared_loss.make_vjp(y_pred, y)(None)
    # the course: "the target y is not a parameter and should not be updated", in whatever form
    return [np.asarray(sub.squared_loss(y_pred, y)), np.asarray(grad_pred), _no_update(grad_y)]


def _scale(x, s):
    return x * s


_scale.make_vjp = lambda x, s: (lambda u: (u * s, x * u))


def _sum_loss(x, _unused):
    return np.array([x.sum()])


_sum_loss.make_vjp = lambda x, p: (lambda u: (np.ones_like(x), np.zeros_like(p)))


def _chain(case):
    """Two or three scaling layers and a loss: chains of odd and of even length (a loop bound
    written ``len(funcs) ^ 1`` instead of ``len(funcs) - 1`` agrees on odd lengths only)."""
    layers = 2 + case.seed % 2
    funcs = [_scale] * layers + [_sum_loss]
    params = [case.np.standard_normal(3) for _ in range(layers)] + [np.zeros(1)]
    return case.np.standard_normal((4, 3)), funcs, params


@check(points=1, dtype="promote", cases=2)
def evaluate_chain_values(sub, case):
    "evaluate_chain applies the functions in order: the final value, and with return_all the input and every value."
    x, funcs, params = _chain(case)
    every = sub.evaluate_chain(x, funcs, params, return_all=True)
    return [np.asarray(sub.evaluate_chain(x, funcs, params)), [np.asarray(v) for v in every]]


@check(points=2, dtype="promote", cases=2)
def backward_diff_chain_gradients(sub, case):
    "backward_diff_chain returns the loss, the gradient for x and each function's parameter gradient, in order."
    x, funcs, params = _chain(case)
    value, grad_x, grads = sub.backward_diff_chain(x, funcs, params)
    # the loss as the chain leaves it ([l]) or as a number: the course says only "value"
    return [np.ravel(value), np.asarray(grad_x), [np.asarray(g) for g in grads]]


@check(points=1, dtype="promote", cases=3)
def sgd_update(sub, case):
    "optim_SGD returns -learning_rate * (gradient summed over the batch) and update_params adds the updates."
    grads = [case.np.standard_normal((4, 2, 1)), case.np.standard_normal((4, 1))]
    params = [case.np.standard_normal((2, 1)), case.np.standard_normal(1)]
    updates = sub.optim_SGD(grads, learning_rate=LEARNING_RATES[case.seed % 3])
    return [[np.asarray(u) for u in updates], [np.asarray(p) for p in sub.update_params(updates, params)]]


@check(points=2, dtype="promote", cases=3)
def training_loop(sub, case):
    "The course's training loop recovers the linear model: the loss and parameters after every epoch."
    x = case.np.random((30, 2))
    y = (x @ np.array([2.0, -3.0]) + 1.0)[:, None]
    params = [case.np.standard_normal((2, 1)), case.np.standard_normal(1), y]
    funcs = [sub.dot, sub.add, sub.squared_loss]
    history = []
    for _ in range(10):
        loss, _, grads = sub.backward_diff_chain(x, funcs, params)
        params = sub.update_params(sub.optim_SGD(grads, learning_rate=LEARNING_RATES[case.seed % 3]), params)
        # copies: an update_params that adds in place (as the course allows) must not rewrite the history
        history.append([np.array(loss), np.array(params[0]), np.array(params[1])])
    return history


#: the course's own top-level cells, placed by ``build notebooks`` after the definition they follow
NOTEBOOK_CELLS = {
    "squared_loss_make_vjp": [
        "rng = np.random.RandomState(0)\nx = rng.random((30, 2)).astype('float32')\n"
        "y = np.expand_dims(np.dot(x, [2., -3.]) + 1., axis=1).astype('float32')\n\n"
        "def create_feed_forward(y, seed=0):\n    rng = np.random.RandomState(seed)\n"
        "    return [dot, add, squared_loss], [rng.randn(2, 1), rng.randn(1), y]",
    ],
    "update_params": [
        "funcs, params = create_feed_forward(y=y, seed=0)\nfor epoch in range(10):\n"
        "    loss, grad_x, grads = backward_diff_chain(x, funcs, params)\n"
        "    print('epoch', epoch, 'loss', loss)\n    params = update_params(optim_SGD(grads), params)",
    ],
}

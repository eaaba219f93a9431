"""Checks of exercises/backprop.py (10 points): the course's Practical 2, one sample at a time.

The scenarios use the classes as the course does (construct, ``forward``, ``backward``,
``step``; read the public ``w`` and ``b``) and return the numbers they produce, never the
layer objects nor any private attribute. Training runs the course's own recipe (the
three-layer model, squared loss, SGD on one random sample per step) with the submission's
classes, a seeded sequence of samples and a learning rate drawn per case, so a step that
ignores its learning rate, or any answer that is always the same, fails.
"""

import numpy as np

from grader.authoring.check import check

LEARNING_RATES = (1e-3, 5e-4, 2e-3)


def _num(value):
    """numpy scalars and 0-d arrays as Python floats, arrays as float arrays."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _float(case, low=-1.0, high=1.0):
    return float(case.np.uniform(low, high))


@check(points=2, dtype="promote", cases=2)
def multiplication_weight_forward_backward(sub, case):
    "multiplication_weight.forward returns w * x, backward returns w * grad, on single samples and on arrays."
    layer = sub.multiplication_weight(_float(case, 0.5, 2.0))
    out = [(_num(layer.forward(x)), _num(layer.backward(g)))
           for x, g in ((_float(case), _float(case)), (_float(case), _float(case)))]
    xs = case.np.uniform(-1, 1, 5)
    out.append((_num(layer.forward(xs)), _num(layer.backward(np.ones(5)))))
    return out


@check(points=1, dtype="promote", cases=3)
def multiplication_weight_step(sub, case):
    "multiplication_weight.step moves w against x * grad (of the last sample), scaled by the learning rate."
    layer = sub.multiplication_weight(_float(case, 0.5, 2.0))
    trajectory = []
    for learning_rate in (0.1, LEARNING_RATES[case.seed % 3]):
        layer.forward(_float(case))
        layer.backward(_float(case))
        layer.step(learning_rate)
        trajectory.append(_num(layer.w))
    return trajectory


@check(points=1, dtype="promote", cases=2)
def my_exp_layer(sub, case):
    "my_exp.forward returns exp(x), backward returns exp(x) * grad, and step changes nothing."
    layer = sub.my_exp()
    x, grad = _float(case), _float(case)
    forward = _num(layer.forward(x))
    backward = _num(layer.backward(grad))
    layer.step(0.1)
    xs = case.np.uniform(-1, 1, 4)
    return [forward, backward, _num(layer.forward(x)), _num(layer.forward(xs))]


@check(points=1, dtype="promote", cases=2)
def my_cos_layer(sub, case):
    "my_cos.forward returns cos(x), backward returns -sin(x) * grad, and step changes nothing."
    layer = sub.my_cos()
    x, grad = _float(case, -3, 3), _float(case)
    forward = _num(layer.forward(x))
    backward = _num(layer.backward(grad))
    layer.step(0.1)
    return [forward, backward, _num(layer.forward(x)), _num(layer.forward(case.np.uniform(-3, 3, 4)))]


def _model(sub, case, last):
    weight = sub.multiplication_weight(_float(case, 0.2, 0.8))
    bias = sub.add_bias(_float(case, 0.5, 1.5))
    return sub.my_composition([weight, bias, last()]), weight, bias


@check(points=1, dtype="promote", cases=2)
def composition_forward_loss(sub, case):
    "my_composition.forward applies the layers in order and compute_loss returns (y_est - y_target)^2."
    model, _, _ = _model(sub, case, sub.my_exp)
    x, target = _float(case, 0, 1), _float(case, 5, 10)
    y_est = model.forward(x)
    return [_num(y_est), _num(model.compute_loss(y_est, target)), _num(model.forward(case.np.random(6)))]


@check(points=2, dtype="promote", cases=2)
def composition_backward_step(sub, case):
    "my_composition.backward returns dloss/dx and step takes one gradient descent step on w and b."
    model, weight, bias = _model(sub, case, sub.my_exp)
    trajectory = []
    for learning_rate in (1e-3, LEARNING_RATES[case.seed % 3]):
        x = _float(case, 0, 1)
        y_est = model.forward(x)
        model.compute_loss(y_est, float(np.exp(0.5 * x + 2)))
        grad_x = model.backward()
        model.step(learning_rate)
        trajectory.append((_num(grad_x), _num(weight.w), _num(bias.b)))
    return trajectory


def _train(sub, case, last, target, w0, b0, learning_rate, n_iter=300):
    """The course's training loop with the submission's classes: one seeded sample per step."""
    weight, bias = sub.multiplication_weight(w0), sub.add_bias(b0)
    model = sub.my_composition([weight, bias, last()])
    xx = np.arange(0, 1, 0.01)
    yy = target(xx)
    ws, bs = [], []
    for i in case.np.integers(len(xx), size=n_iter):
        y_est = model.forward(xx[i])
        model.compute_loss(y_est, yy[i])
        model.backward()
        model.step(learning_rate)
        ws.append(_num(weight.w))
        bs.append(_num(bias.b))
    return {"w": np.asarray(ws), "b": np.asarray(bs), "fit": _num(model.forward(xx))}


@check(points=2, dtype="promote", cases=3)
def training_exp(sub, case):
    "The course's SGD loop (one random sample per step) fits exp(w x + b): w, b at every step and the fitted curve."
    learning_rate = LEARNING_RATES[case.seed % 3]
    return _train(sub, case, sub.my_exp, lambda xx: np.exp(0.5 * xx + 2), 1.0, 1.0, learning_rate)



#: the course's own top-level cells, placed by ``build notebooks`` after the definition they follow
NOTEBOOK_CELLS = {
    "add_bias": ["w, b = 0.5, 2\nxx = np.arange(0, 1, .01)\nyy = np.exp(w * xx + b)"],
    "my_composition": [
        "my_neuron = my_composition([multiplication_weight(1.), add_bias(1.), my_exp()])\n"
        "learning_rate = 1e-4\nfor i in range(5000):\n    idx = np.random.randint(len(xx))\n"
        "    y_est = my_neuron.forward(xx[idx])\n    my_neuron.compute_loss(y_est, yy[idx])\n"
        "    my_neuron.backward()\n    my_neuron.step(learning_rate)",
        "import matplotlib.pyplot as plt\nplt.plot(xx, my_neuron.forward(xx))\nplt.plot(xx, yy, 'r')",
    ],
}

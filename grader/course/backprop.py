"""Checks of exercises/backprop.py (10 points): the course's Practical 2, one sample at a time.

The scenarios use the classes as the course does (construct, ``forward``, ``backward``,
``step``; read the public ``w`` and ``b``) and return the numbers they produce, never the
layer objects nor any private attribute. They demand only what the course's empty notebook
asks for: every sample is a numpy float, as ``xx[j]`` is in the course's loop (a layer need
not take arrays); ``my_composition.backward`` is judged by what the layers it drives receive,
never by a return value (the course's own returns nothing); ``compute_loss`` gets the
estimate and the target where its parameters' names put them (the empty notebook declares
``compute_loss(self, y, y_est)``, the course's solution ``compute_loss(self, y_est, y_target)``).
Training runs the course's own recipe (the three-layer model, squared loss, SGD on one random
sample per step) with the submission's classes, a seeded sequence of samples and a learning
rate drawn per case, so a step that ignores its learning rate, or any answer that is always
the same, fails.
"""

import inspect

import numpy as np

from grader.authoring.check import check

LEARNING_RATES = (1e-3, 5e-4, 2e-3)
#: what a parameter named after the model's estimate contains (``y_est``, ``y_pred``, ``y_hat``)
ESTIMATE_WORDS = ("est", "pred", "hat")
#: (scale, shift) of the check's own layers ``x -> scale * x + shift``: none commutes with another
PROBES = ((2.0, 1.0), (-0.5, 0.25), (3.0, -1.0))


def _num(value):
    """numpy scalars and 0-d arrays as Python floats, arrays as float arrays."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _sample(case, low=-1.0, high=1.0):
    """One number as the course hands it over: a numpy float64, like ``xx[j]``."""
    return np.float64(case.np.uniform(low, high))


def _each(forward, xs):
    """``forward`` on each sample in turn: the course's practical never asks a layer for arrays."""
    return np.array([_num(forward(x)) for x in xs])


def _estimate_second(compute_loss) -> bool:
    """Whether ``compute_loss`` names its second parameter, and only that one, after the estimate."""
    try:
        names = [p.name.lower() for p in inspect.signature(compute_loss).parameters.values()][:2]
    except (TypeError, ValueError):
        return False
    estimate = [any(word in name for word in ESTIMATE_WORDS) for name in names]
    return estimate == [False, True]


def _compute_loss(model, y_est, y_target):
    """``model.compute_loss`` with the estimate where its signature says; otherwise first, as the course's loop calls it."""
    if _estimate_second(model.compute_loss):
        return model.compute_loss(y_target, y_est)
    return model.compute_loss(y_est, y_target)


class _Probe:
    """A layer of the check's own, ``x -> scale * x + shift``, that keeps what a composition hands it."""

    def __init__(self, scale, shift):
        self.scale, self.shift = scale, shift
        self.grads, self.rates = [], []

    def forward(self, x):
        return self.scale * x + self.shift

    def backward(self, grad):
        self.grads.append(_num(grad))
        return self.scale * grad

    def step(self, learning_rate):
        self.rates.append(_num(learning_rate))


@check(points=2, dtype="promote", cases=2)
def multiplication_weight_forward_backward(sub, case):
    "multiplication_weight.forward returns w * x and backward returns w * grad (dloss/dx), sample after sample."
    layer = sub.multiplication_weight(_sample(case, 0.5, 2.0))
    return [(_num(layer.forward(_sample(case))), _num(layer.backward(_sample(case)))) for _ in range(4)]


@check(points=1, dtype="promote", cases=3)
def multiplication_weight_step(sub, case):
    "multiplication_weight.step moves w against x * grad (of the last sample), scaled by the learning rate."
    layer = sub.multiplication_weight(_sample(case, 0.5, 2.0))
    trajectory = []
    for learning_rate in (0.1, LEARNING_RATES[case.seed % 3]):
        layer.forward(_sample(case))
        layer.backward(_sample(case))
        layer.step(learning_rate)
        trajectory.append(_num(layer.w))
    return trajectory


@check(points=1, dtype="promote", cases=2)
def my_exp_layer(sub, case):
    "my_exp.forward returns exp(x), backward returns exp(x) * grad, and step changes nothing."
    layer = sub.my_exp()
    x, grad = _sample(case), _sample(case)
    forward = _num(layer.forward(x))
    backward = _num(layer.backward(grad))
    layer.step(0.1)
    return [forward, backward, _num(layer.forward(x)), _each(layer.forward, case.np.uniform(-1, 1, 4))]


@check(points=1, dtype="promote", cases=2,
       optional="my_cos is the Challenge of the course's solution notebook; its empty notebook does not ask for it")
def my_cos_layer(sub, case):
    "my_cos.forward returns cos(x), backward returns -sin(x) * grad, and step changes nothing."
    layer = sub.my_cos()
    x, grad = _sample(case, -3, 3), _sample(case)
    forward = _num(layer.forward(x))
    backward = _num(layer.backward(grad))
    layer.step(0.1)
    return [forward, backward, _num(layer.forward(x)), _each(layer.forward, case.np.uniform(-3, 3, 4))]


def _model(sub, case, last):
    weight = sub.multiplication_weight(_sample(case, 0.2, 0.8))
    bias = sub.add_bias(_sample(case, 0.5, 1.5))
    return sub.my_composition([weight, bias, last()])


@check(points=1, dtype="promote", cases=2)
def composition_forward_loss(sub, case):
    "my_composition.forward applies the layers in order and compute_loss returns (y_est - y_target)^2."
    model = _model(sub, case, sub.my_exp)
    x, target = _sample(case, 0, 1), _sample(case, 5, 10)
    y_est = model.forward(x)
    return [_num(y_est), _num(_compute_loss(model, y_est, target)), _each(model.forward, case.np.random(6))]


@check(points=2, dtype="promote", cases=2)
def composition_backward_step(sub, case):
    "my_composition.backward hands each layer, last to first, dloss/d(its output); step hands every layer the learning rate."
    probes = [_Probe(scale, shift) for scale, shift in PROBES]
    model = sub.my_composition(probes)
    estimates = []
    for learning_rate in (1e-3, LEARNING_RATES[case.seed % 3]):
        y_est = model.forward(_sample(case, 0, 1))
        _compute_loss(model, y_est, _sample(case, -2, 2))
        model.backward()
        model.step(learning_rate)
        estimates.append(_num(y_est))
    return {"y_est": estimates, "grads": [p.grads for p in probes], "rates": [p.rates for p in probes]}


def _train(sub, case, last, target, w0, b0, learning_rate, n_iter=300):
    """The course's training loop with the submission's classes: one seeded sample per step."""
    weight, bias = sub.multiplication_weight(w0), sub.add_bias(b0)
    model = sub.my_composition([weight, bias, last()])
    xx = np.arange(0, 1, 0.01)
    yy = target(xx)
    ws, bs = [], []
    for i in case.np.integers(len(xx), size=n_iter):
        y_est = model.forward(xx[i])
        _compute_loss(model, y_est, yy[i])
        model.backward()
        model.step(learning_rate)
        ws.append(_num(weight.w))
        bs.append(_num(bias.b))
    return {"w": np.asarray(ws), "b": np.asarray(bs), "fit": _each(model.forward, xx)}


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

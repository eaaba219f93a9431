"""Checks of exercises/backprop.py (20 points).

The layers are numpy code; the scenarios return the numbers and arrays they produce (never
the layer objects). ``add_bias`` is given complete, so it earns no points of its own, but
the composition checks use the submission's copy of it.
"""

import numpy as np

from grader.authoring.check import check


def _num(value):
    """numpy scalars and 0-d arrays as Python floats, arrays as float arrays."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _floats(case, *shape):
    return case.np.standard_normal(shape) if shape else float(case.np.standard_normal())


@check(points=3, dtype="promote", cases=2)
def multiplication_weight_forward_backward(sub, case):
    "multiplication_weight.forward returns w * x and backward returns grad * w (the gradient for the input)."
    w = 1.0 + _floats(case)
    x, grad = _floats(case, 5), _floats(case, 5)
    layer = sub.multiplication_weight(w)
    out = {"forward": _num(layer.forward(x)), "backward": _num(layer.backward(grad))}
    scalar = sub.multiplication_weight(w)
    out["forward_scalar"] = _num(scalar.forward(0.7))
    out["backward_scalar"] = _num(scalar.backward(1.5))
    return out


@check(points=2, dtype="promote", cases=2)
def multiplication_weight_step(sub, case):
    "multiplication_weight.step moves w against sum(grad * x), scaled by the learning rate."
    w = 1.0 + _floats(case)
    layer = sub.multiplication_weight(w)
    layer.forward(_floats(case, 4))
    layer.backward(_floats(case, 4))
    layer.step(0.1)
    after_one = _num(layer.w)
    layer.forward(0.5)
    layer.backward(2.0)
    layer.step(0.01)
    return {"w_after_one_step": after_one, "w_after_two_steps": _num(layer.w)}


@check(points=3, dtype="promote", cases=2)
def my_exp_layer(sub, case):
    "my_exp.forward returns exp(x), backward returns grad * exp(x), and step changes nothing."
    x, grad = _floats(case, 6), _floats(case, 6)
    layer = sub.my_exp()
    forward = _num(layer.forward(x))
    backward = _num(layer.backward(grad))
    layer.step(0.1)
    return {"forward": forward, "backward": backward, "forward_after_step": _num(layer.forward(x))}


def _model(sub, case):
    weight = sub.multiplication_weight(0.5 + 0.3 * _floats(case))
    bias = sub.add_bias(1.0 + 0.3 * _floats(case))
    return sub.my_composition([weight, bias, sub.my_exp()]), weight, bias


@check(points=3, dtype="promote", cases=2)
def composition_forward_loss(sub, case):
    "my_composition.forward applies the layers in order and compute_loss returns (y_est - y_target)^2."
    model, _, _ = _model(sub, case)
    x = case.np.random(4)
    target = np.exp(0.5 * x + 2)
    y_est = model.forward(x)
    loss = model.compute_loss(y_est, target)
    y1 = model.forward(0.25)
    return {"y_est": _num(y_est), "loss": _num(loss), "y_scalar": _num(y1),
            "loss_scalar": _num(model.compute_loss(y1, 9.0))}


@check(points=4, dtype="promote", cases=2)
def composition_backward_step(sub, case):
    "my_composition.backward and step take one gradient descent step on w and b for the squared error."
    model, weight, bias = _model(sub, case)
    trajectory = []
    for x in case.np.random(3):
        y_est = model.forward(float(x))
        model.compute_loss(y_est, float(np.exp(0.5 * x + 2)))
        model.backward()
        model.step(1e-3)
        trajectory.append((_num(weight.w), _num(bias.b)))
    return trajectory


@check(points=5, dtype="promote", cases=2)
def train_trajectory(sub, case):
    "train runs SGD with one random sample per iteration and records the loss, w and b of every step."
    xx = np.arange(0, 1, 0.01)
    yy = np.exp(0.5 * xx + 2)
    losses, ws, bs = sub.train(xx, yy, learning_rate=1e-3, n_iter=200, seed=case.seed)
    return {
        "losses": np.asarray(losses, dtype=np.float64),
        "ws": np.asarray(ws, dtype=np.float64),
        "bs": np.asarray(bs, dtype=np.float64),
    }

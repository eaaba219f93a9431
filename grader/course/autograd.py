"""Checks of exercises/autograd.py (20 points).

Inputs: 0-d ``w`` and ``b`` away from the optimum (so gradients are large), ``x`` in
[0, 1) and noisy targets ``ystar`` around ``exp(0.5 x + 2)``. Gradient checks use float64
inputs, so that any correct order of operations agrees with the reference.
"""

import torch

from grader.authoring.check import check


def _problem(case, dtype=torch.float64, n=20):
    w = (0.3 + 0.2 * case.randn(1, dtype=dtype)).reshape(())
    b = (1.5 + 0.3 * case.randn(1, dtype=dtype)).reshape(())
    x = case.rand(n, dtype=dtype)
    ystar = torch.exp(0.5 * x + 2) + 0.1 * case.randn(n, dtype=dtype)
    return w, b, x, ystar


def _plain(value):
    """Detach tensors (a graph is not data); leave anything else to the comparison."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    return value


@check(points=3, dtype="promote", cases=3)
def exp_loss_value(sub, case):
    "exp_loss returns sum((exp(w x + b) - ystar)^2) as a 0-d tensor (float32 and float64 inputs)."
    single = _problem(case, torch.float32)
    double = _problem(case, torch.float64)
    return _plain(sub.exp_loss(*single)), _plain(sub.exp_loss(*double))


@check(points=5, dtype="promote", cases=3)
def manual_grads(sub, case):
    "exp_loss_grads_manual returns (dl/dw, dl/db) from the chain rule, on tensors without requires_grad."
    return _plain(sub.exp_loss_grads_manual(*_problem(case)))


@check(points=4, dtype="promote", cases=3)
def autograd_grads(sub, case):
    "exp_loss_grads_autograd returns (dl/dw, dl/db) computed by backward()."
    return _plain(sub.exp_loss_grads_autograd(*_problem(case)))


@check(points=2)
def autograd_leaves_inputs_alone(sub, case):
    "exp_loss_grads_autograd returns the gradient and leaves no .grad on the caller's w and b, nor switches on their requires_grad."
    w, b, x, ystar = _problem(case)
    w.requires_grad_(True)
    b.requires_grad_(True)
    sub.exp_loss_grads_autograd(w, b, x, ystar)
    w2, b2, x2, ystar2 = _problem(case)
    grads = _plain(sub.exp_loss_grads_autograd(w2, b2, x2, ystar2))
    return {
        "grads": grads,  # leaving the inputs alone earns nothing without the gradient
        "w_grad_is_none": w.grad is None,
        "b_grad_is_none": b.grad is None,
        "plain_w_requires_grad": bool(w2.requires_grad),
        "plain_b_requires_grad": bool(b2.requires_grad),
        "x_requires_grad": bool(x.requires_grad or x2.requires_grad),
    }


@check(points=4, dtype="promote", cases=2)
def accumulated_grads_times(sub, case):
    "accumulated_grads returns `times` times the gradient after `times` backward passes through one graph."
    times = int(case.np.integers(2, 5))
    return _plain(sub.accumulated_grads(*_problem(case), times))


@check(points=2)
def zero_grads_in_place(sub, case):
    "zero_grads_ zeroes each existing .grad in place, skips tensors without one, and returns None."
    a = case.randn(3, dtype=torch.float64).requires_grad_(True)
    b = case.randn(2, 2, dtype=torch.float64).requires_grad_(True)
    c = case.randn(4, dtype=torch.float64).requires_grad_(True)  # no backward: c.grad is None
    ((a * a).sum() + (b ** 3).sum()).backward()
    old_a, old_b = a.grad, b.grad
    out = sub.zero_grads_(a, c, b)
    return {
        "returns_none": out is None,
        "a_grad": None if a.grad is None else a.grad.clone(),
        "b_grad": None if b.grad is None else b.grad.clone(),
        "c_grad_is_none": c.grad is None,
        "same_grad_tensors": a.grad is old_a and b.grad is old_b,
        "old_grad_tensors_zeroed": [old_a.clone(), old_b.clone()],
    }

"""Module 2, part 4: automatic differentiation.

We fit ``y = exp(w * x + b)`` to data ``(x, ystar)`` with the loss

    l(w, b) = sum_i (exp(w * x_i + b) - ystar_i) ** 2

First by computing the gradient by hand (chain rule), then with autograd, and you will
see how ``.grad`` accumulates across ``backward`` calls.

Throughout, ``w`` and ``b`` are 0-d float tensors (``torch.tensor(0.5)``), ``x`` and
``ystar`` 1-d float tensors of the same length.

Fill in every ``raise NotImplementedError`` below. Check your work with
``python -m grader exercises/autograd.py``.
"""

import torch


def exp_loss(w, b, x, ystar):
    """Return the loss ``sum((exp(w * x + b) - ystar) ** 2)`` as a 0-d tensor.

    Hint: every operation here is element-wise on ``x``, then one ``.sum()``.

    Pitfall: ``math.exp`` only works on Python numbers; use ``torch.exp`` so that the
    result stays a tensor (and autograd can follow it).
    """
    raise NotImplementedError("exp_loss: your code here")


def exp_loss_grads_manual(w, b, x, ystar):
    """Return ``(dl/dw, dl/db)`` of ``exp_loss`` as two 0-d tensors, computed by hand (no autograd).

    With ``y = exp(w * x + b)`` the chain rule gives
    ``dl/dw = sum(2 * (y - ystar) * y * x)`` and ``dl/db = sum(2 * (y - ystar) * y)``.

    Hint: compute ``y`` once and reuse it. Works on tensors without ``requires_grad``.

    Pitfall: the derivative of ``exp(u)`` is ``exp(u)`` times ``du``: do not forget the
    factor ``x`` for ``w`` (and no factor for ``b``); the sign comes from ``(y - ystar)``,
    not ``(ystar - y)``.
    """
    raise NotImplementedError("exp_loss_grads_manual: your code here")


def exp_loss_grads_autograd(w, b, x, ystar):
    """Return ``(dl/dw, dl/db)`` computed by autograd: build the loss, call ``.backward()``, read ``.grad``.

    Work on copies: ``w.detach().clone().requires_grad_()`` (same for ``b``), so that the
    caller's ``w`` and ``b`` are left exactly as they were: no ``.grad`` added, no
    ``requires_grad`` switched on.

    Hint: you may reuse your ``exp_loss``.

    Pitfall: calling ``.backward()`` on a graph built from the caller's tensors leaves
    ``.grad`` on them (and accumulates into whatever was there); ``w.requires_grad_()``
    changes the caller's tensor too.
    """
    raise NotImplementedError("exp_loss_grads_autograd: your code here")


def accumulated_grads(w, b, x, ystar, times):
    """Build the loss graph ONCE on fresh copies of ``w`` and ``b``, call ``backward`` on it ``times`` times, and return ``(w.grad, b.grad)`` of the copies.

    Because gradients accumulate in ``.grad``, the result is ``times`` times the single
    gradient. This is why training loops call ``optimizer.zero_grad()``.

    Hint: ``loss.backward(retain_graph=True)`` keeps the graph alive for the next call.

    Pitfall: without ``retain_graph=True`` the second ``backward`` raises "Trying to
    backward through the graph a second time". Do not rebuild the loss inside the loop: use
    one graph.
    """
    raise NotImplementedError("accumulated_grads: your code here")


def zero_grads_(*tensors):
    """Zero, in place, the ``.grad`` of each given tensor that has one; skip tensors whose ``.grad`` is None. Return None.

    Hint: ``t.grad.zero_()``.

    Pitfall: ``t.grad = torch.zeros_like(t)`` replaces the gradient tensor instead of
    zeroing it (code holding the old ``.grad`` would not see it), and would create a
    ``.grad`` where there was none; ``t.grad.zero_()`` on a None grad raises.
    """
    raise NotImplementedError("zero_grads_: your code here")

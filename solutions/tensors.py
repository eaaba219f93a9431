"""Module 2, part 1: tensors.

Tensors are PyTorch's n-dimensional arrays. This file practises the things that bite
people first: dtypes and type promotion, memory sharing with numpy, in-place operations,
``requires_grad`` and devices.

Fill in every ``raise NotImplementedError`` below. Check your work with
``python -m grader exercises/tensors.py``.
"""

import torch


def mixed_sums(xr, b, c):
    """Return the pair ``(xr + b, xr + c)``.

    ``xr`` is a float32 tensor, ``b`` a float64 tensor and ``c`` an int64 tensor, all of
    the same shape. Just add them: the point is to look at the dtypes you get back.

    Hint: PyTorch promotes to the "wider" *category* first (float beats int), then to the
    wider size within a category: float32 + float64 -> float64, but float32 + int64 ->
    float32 (an integer tensor never makes a float tensor wider).

    Pitfall: do not cast anything yourself (no ``.float()`` / ``.double()``): the dtypes
    PyTorch chooses are the answer.
    """
    ### BEGIN SOLUTION
    return xr + b, xr + c
    ### END SOLUTION


def promoted_dtype(dtype_a, dtype_b):
    """Return the dtype of ``a + b`` for a tensor ``a`` of ``dtype_a`` and ``b`` of ``dtype_b``.

    Example: ``promoted_dtype(torch.uint8, torch.int8)`` is ``torch.int16`` (neither
    uint8 nor int8 can hold all values of the other).

    Hint: either build two small tensors of these dtypes and add them, or look up
    ``torch.promote_types``.

    Pitfall: a Python number is not a tensor of a dtype: ``torch.ones(1, dtype=torch.int8) + 1.5``
    is float32, whatever the int dtype; use tensors (with at least one dimension) for both.
    """
    ### BEGIN SOLUTION
    return torch.promote_types(dtype_a, dtype_b)
    ### END SOLUTION


def numpy_view(t):
    """Return a numpy array that shares its memory with the CPU tensor ``t``.

    Writing ``t[0, 0] = 42`` must then be visible in the array, and the other way round.

    Hint: ``Tensor.numpy()`` returns such a view (only for CPU tensors without grad).

    Pitfall: ``np.array(t)`` and ``t.clone().numpy()`` copy the data: the values look
    right but the two objects no longer talk to each other.
    """
    ### BEGIN SOLUTION
    return t.numpy()
    ### END SOLUTION


def tensor_copy(a):
    """Return a tensor with the values and dtype of the numpy array ``a`` that does NOT share memory with it.

    Hint: ``torch.tensor(a)`` always copies.

    Pitfall: ``torch.from_numpy(a)`` (and ``torch.as_tensor(a)``) share memory with ``a``:
    changing ``a`` later would silently change your tensor.
    """
    ### BEGIN SOLUTION
    return torch.tensor(a)
    ### END SOLUTION


def add_inplace_(x, y):
    """Add ``y`` to ``x`` in place and return ``x`` itself (the same Python object).

    Hint: methods whose name ends with an underscore (``add_``, ``t_``, ``fill_``) modify
    the tensor they are called on and return it.

    Pitfall: ``x = x + y`` builds a NEW tensor and only rebinds your local name: the
    caller's ``x`` is unchanged.
    """
    ### BEGIN SOLUTION
    return x.add_(y)
    ### END SOLUTION


def transpose_inplace_(x):
    """Transpose the 2-D tensor ``x`` in place and return ``x`` itself.

    Hint: ``Tensor.t_()``.

    Pitfall: ``x.t()`` (no underscore) returns a transposed *view* and leaves ``x`` as it
    was.
    """
    ### BEGIN SOLUTION
    return x.t_()
    ### END SOLUTION


def make_trainable(t):
    """Return a float64 tensor with the values of the integer tensor ``t`` and ``requires_grad=True``.

    The result must be a leaf tensor (something an optimiser can update).

    Hint: convert first (``t.to(torch.float64)`` or ``t.double()``), then call
    ``.requires_grad_()`` on the result.

    Pitfall: only floating point (and complex) tensors can require gradients:
    ``t.requires_grad_()`` on an int64 tensor raises a RuntimeError.
    """
    ### BEGIN SOLUTION
    return t.to(torch.float64).requires_grad_(True)
    ### END SOLUTION


def to_device(x, device, dtype=None):
    """Return ``x`` moved to ``device`` (a string such as ``"cpu"`` or ``"cuda"``, or a ``torch.device``), cast to ``dtype`` when one is given.

    When ``dtype`` is None keep the dtype of ``x``.

    Hint: ``Tensor.to`` accepts both a device and a dtype in one call.

    Pitfall: ``x.to(device)`` returns a new tensor (unless nothing changes): it does not
    move ``x`` itself, so use the value it returns.
    """
    ### BEGIN SOLUTION
    return x.to(device=device, dtype=dtype if dtype is not None else x.dtype)
    ### END SOLUTION

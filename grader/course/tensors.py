"""Checks of exercises/tensors.py (20 points)."""

import torch

from grader.authoring.check import check, is_ndarray, is_tensor, shares_memory, tensor_flags, tensor_place

# dtypes whose promotion rules a student should be able to predict
_DTYPES = (
    torch.bool,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
    torch.complex64,
    torch.complex128,
)


@check(points=3, dtype="strict", cases=2)
def mixed_sums_dtypes(sub, case):
    "float32 + float64 gives float64, float32 + int64 stays float32 (values and dtypes)."
    xr = case.randn(3, 4)
    b = case.randn(3, 4, dtype=torch.float64)
    c = case.randint(-5, 5, (3, 4))
    return sub.mixed_sums(xr, b, c)


@check(points=3, cases=2)
def promoted_dtype_table(sub, case):
    "promoted_dtype gives the dtype of a + b for many pairs of dtypes."
    fixed = [(torch.float32, torch.float64), (torch.float32, torch.int64), (torch.uint8, torch.int8)]
    picks = case.np.integers(0, len(_DTYPES), size=(8, 2))
    pairs = fixed + [(_DTYPES[i], _DTYPES[j]) for i, j in picks]
    return [sub.promoted_dtype(a, b) for a, b in pairs]


@check(points=3)
def numpy_view_shares_memory(sub, case):
    "numpy_view returns a numpy array that shares memory with the tensor (a write to one shows in the other)."
    import numpy as np

    t = case.randn(3, 4).cpu()
    a = sub.numpy_view(t)
    is_array = is_ndarray(a)
    values = np.array(a, copy=True) if is_array else None
    shares = shares_memory(a, t)
    t[0, 0] = 42.0
    seen = float(a[0, 0]) if is_array else None
    return {"is_ndarray": is_array, "shares_memory": shares, "sees_tensor_write": seen, "values": values}


@check(points=3, cases=2)
def tensor_copy_independent(sub, case):
    "tensor_copy returns a tensor with the array's values and dtype (float32, float64, int64, uint8) that does not share its memory."
    arrays = [
        case.randn(3, 4).cpu().numpy(),
        case.randn(2, 5, dtype=torch.float64).cpu().numpy(),
        case.randint(-1000, 1000, (4, 3)).cpu().numpy(),
        case.randint(0, 256, (3, 3), dtype=torch.uint8).cpu().numpy(),
    ]
    results = []
    for a in arrays:
        out = sub.tensor_copy(a)
        tensor = is_tensor(out)
        shares = shares_memory(out, a)
        a.flat[0] = 42
        results.append({"is_tensor": tensor, "shares_memory": shares,
                        "values_after_array_write": out.detach().clone() if tensor else None})
    return results


@check(points=2)
def add_inplace_mutates(sub, case):
    "add_inplace_ adds into x itself and returns that same object."
    x = case.randn(2, 3)
    y = case.randn(2, 3)
    out = sub.add_inplace_(x, y)
    return {"same_object": out is x, "x_after": x.clone()}


@check(points=2)
def transpose_inplace_mutates(sub, case):
    "transpose_inplace_ transposes x itself and returns that same object."
    x = case.randn(2, 3)
    out = sub.transpose_inplace_(x)
    return {"same_object": out is x, "x_shape": tuple(x.shape), "x_after": x.contiguous().clone()}


@check(points=2, dtype="strict")
def make_trainable_leaf(sub, case):
    "make_trainable returns a float64 leaf tensor that requires grad, with the integer tensor's values."
    t = case.randint(-10, 10, (5,))
    out = sub.make_trainable(t)
    flags = tensor_flags(out) if is_tensor(out) else None
    return {"value": out.detach().clone(), "flags": flags, "input_untouched": t.clone()}


@check(points=1, device="match", reference_device="same")
def to_device_and_dtype(sub, case):
    "to_device moves to the requested device and casts only when a dtype is given."
    x = case.randn(3, 4)
    half = case.randn(2, 2, dtype=torch.float16)
    return (
        sub.to_device(x, case.device, torch.float64),
        sub.to_device(x, case.device),
        sub.to_device(x, "cpu", torch.float64),
        # the meta device exists on every machine: a to_device that never moves shows here
        tensor_place(sub.to_device(x, "meta")),
        tensor_place(sub.to_device(half, torch.device("meta"), torch.float32)),
    )


@check(points=1, device="match", reference_device="same", requires_cuda=True)
def to_device_cuda(sub, case):
    "to_device(x, 'cuda') puts a CPU tensor on the GPU."
    x = case.randn(3, 4).cpu()
    return sub.to_device(x, "cuda")

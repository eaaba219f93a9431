"""Test data for the grader: buggy and alternative versions of the reference solutions.

Each entry edits ``solutions/<module>.py`` by replacing ``old`` (which occurs exactly once
in that file) with ``new``:

* ``MUTANTS``: a classic student bug; ``lost`` is the set of check names (functions of
  ``grader/course/<module>.py``) that must FAIL, all the others of the module must still
  pass.
* ``ALTERNATIVES``: correct code written another way; ``lost`` is empty (every check passes).
"""

MUTANTS = [
    # ----------------------------------------------------------------- tensors
    {
        "module": "tensors",
        "name": "mixed_sums_downcast",
        "why": "casting b to float32 loses the float64 that PyTorch's promotion would give",
        "old": "    return xr + b, xr + c\n",
        "new": "    return xr + b.float(), xr + c\n",
        "lost": {"mixed_sums_dtypes"},
    },
    {
        "module": "tensors",
        "name": "promoted_dtype_first",
        "why": "the result dtype is not simply the left operand's",
        "old": "    return torch.promote_types(dtype_a, dtype_b)\n",
        "new": "    return dtype_a\n",
        "lost": {"promoted_dtype_table"},
    },
    {
        "module": "tensors",
        "name": "numpy_view_copies",
        "why": "a copy has the right values but no longer shares memory with the tensor",
        "old": "    return t.numpy()\n",
        "new": "    return t.numpy().copy()\n",
        "lost": {"numpy_view_shares_memory"},
    },
    {
        "module": "tensors",
        "name": "tensor_copy_shares",
        "why": "torch.from_numpy shares memory: a later write to the array changes the tensor",
        "old": "    return torch.tensor(a)\n",
        "new": "    return torch.from_numpy(a)\n",
        "lost": {"tensor_copy_independent"},
    },
    {
        "module": "tensors",
        "name": "add_not_in_place",
        "why": "x + y builds a new tensor; the caller's x is unchanged",
        "old": "    return x.add_(y)\n",
        "new": "    return x + y\n",
        "lost": {"add_inplace_mutates"},
    },
    {
        "module": "tensors",
        "name": "transpose_view",
        "why": "t() returns a transposed view and leaves x as it was",
        "old": "    return x.t_()\n",
        "new": "    return x.t()\n",
        "lost": {"transpose_inplace_mutates"},
    },
    {
        "module": "tensors",
        "name": "make_trainable_float32",
        "why": "the wrong float dtype (float32 instead of float64)",
        "old": "    return t.to(torch.float64).requires_grad_(True)\n",
        "new": "    return t.to(torch.float32).requires_grad_(True)\n",
        "lost": {"make_trainable_leaf"},
    },
    {
        "module": "tensors",
        "name": "to_device_ignores_dtype",
        "why": "the dtype argument is dropped",
        "old": "    return x.to(device=device, dtype=dtype if dtype is not None else x.dtype)\n",
        "new": "    return x.to(device=device)\n",
        "lost": {"to_device_and_dtype"},
    },
    {
        "module": "tensors",
        "name": "tensor_copy_forces_float32",
        "why": "torch.tensor(a, dtype=torch.float32) has the values of a float32 array only",
        "old": "    return torch.tensor(a)\n",
        "new": "    return torch.tensor(a, dtype=torch.float32)\n",
        "lost": {"tensor_copy_independent"},
    },
    {
        "module": "tensors",
        "name": "to_device_never_moves",
        "why": "only the dtype is applied: on a CPU run x is already where it should be, on the meta device it is not",
        "old": "    return x.to(device=device, dtype=dtype if dtype is not None else x.dtype)\n",
        "new": "    return x if dtype is None else x.to(dtype)\n",
        "lost": {"to_device_and_dtype"},
    },
    # ------------------------------------------------------------ broadcasting
    {
        "module": "broadcasting",
        "name": "broadcast_shape_no_raise",
        "why": "incompatible sizes must raise ValueError, not be silently maxed",
        "old": (
            '            raise ValueError(f"shapes {tuple(shape_a)} and {tuple(shape_b)} cannot be broadcast:'
            ' {sa} vs {sb}")\n'
        ),
        "new": "            out.append(max(int(sa), int(sb)))\n",
        "lost": {"broadcast_shape_incompatible"},
    },
    {
        "module": "broadcasting",
        "name": "broadcast_shape_raises_wrong_type",
        "why": "the contract is ValueError (a RuntimeError is another exception)",
        "old": '            raise ValueError(f"shapes',
        "new": '            raise RuntimeError(f"shapes',
        "lost": {"broadcast_shape_incompatible"},
    },
    {
        "module": "broadcasting",
        "name": "broadcast_shape_align_left",
        "why": "shapes are aligned from the RIGHT: padding with 1s on the right is wrong",
        "old": "    a = (1,) * (n - len(a)) + a\n    b = (1,) * (n - len(b)) + b\n",
        "new": "    a = a + (1,) * (n - len(a))\n    b = b + (1,) * (n - len(b))\n",
        "lost": {"broadcast_shape_compatible", "broadcast_shape_incompatible", "expand_pair_views"},
    },
    {
        "module": "broadcasting",
        "name": "expand_pair_copies",
        "why": "clone() after expand copies the data: right values, but not views",
        "old": "    return a.expand(shape), b.expand(shape)\n",
        "new": "    return a.expand(shape).clone(), b.expand(shape).clone()\n",
        "lost": {"expand_pair_views"},
    },
    {
        "module": "broadcasting",
        "name": "outer_sum_no_reshape",
        "why": "(n,) + (m,) is element-wise (or fails), not an outer sum",
        "old": "    return col.reshape(-1, 1) + row.reshape(1, -1)\n",
        "new": "    return col + row\n",
        "lost": {"outer_sum_all_shapes"},
    },
    {
        "module": "broadcasting",
        "name": "outer_sum_transposed",
        "why": "rows and columns swapped: the result is (m, n)",
        "old": "    return col.reshape(-1, 1) + row.reshape(1, -1)\n",
        "new": "    return col.reshape(1, -1) + row.reshape(-1, 1)\n",
        "lost": {"outer_sum_all_shapes"},
    },
    {
        "module": "broadcasting",
        "name": "pairwise_sqrt",
        "why": "squared distances, not distances",
        "old": "    return (diff * diff).sum(dim=-1)\n",
        "new": "    return (diff * diff).sum(dim=-1).sqrt()\n",
        "lost": {"pairwise_sq_dists_values"},
    },
    # ------------------------------------------------------------------ cifar
    {
        "module": "cifar",
        "name": "load_ignores_train",
        "why": "the train argument must reach CIFAR10",
        "old": "    dataset = torchvision.datasets.CIFAR10(root, train=train, download=False)\n",
        "new": "    dataset = torchvision.datasets.CIFAR10(root, train=True, download=False)\n",
        "lost": {"load_cifar_test"},
    },
    {
        "module": "cifar",
        "name": "nchw_by_reshape",
        "why": "reshape gives the right shape with scrambled pixels: only permute moves axes",
        "old": "    return x.permute(0, 3, 1, 2).to(torch.float32) / 255\n",
        "new": "    return x.reshape(-1, 3, 32, 32).to(torch.float32) / 255\n",
        "lost": {"to_float_nchw_layout"},
    },
    {
        "module": "cifar",
        "name": "nchw_divide_by_max",
        "why": "dividing by the batch's maximum is right only when some pixel is 255",
        "old": "    return x.permute(0, 3, 1, 2).to(torch.float32) / 255\n",
        "new": "    y = x.permute(0, 3, 1, 2).to(torch.float32)\n    return y / y.max()\n",
        "lost": {"to_float_nchw_layout"},
    },
    {
        "module": "cifar",
        "name": "nchw_float64",
        "why": "the wrong float dtype (float64 instead of float32)",
        "old": "    return x.permute(0, 3, 1, 2).to(torch.float32) / 255\n",
        "new": "    return x.permute(0, 3, 1, 2).to(torch.float64) / 255\n",
        "lost": {"to_float_nchw_layout"},
    },
    {
        "module": "cifar",
        "name": "first_images_clone",
        "why": "a copy instead of a view",
        "old": "    return x.narrow(0, 0, n)\n",
        "new": "    return x.narrow(0, 0, n).clone()\n",
        "lost": {"first_images_view"},
    },
    {
        "module": "cifar",
        "name": "first_images_off_by_one",
        "why": "narrow's start is 0-based: start 1 skips the first image",
        "old": "    return x.narrow(0, 0, n)\n",
        "new": "    return x.narrow(0, 1, n)\n",
        "lost": {"first_images_view"},
    },
    {
        "module": "cifar",
        "name": "kill_red_green",
        "why": "off by one channel: narrow(1, 0, 2) kills red and green",
        "old": "    x.narrow(1, 1, 2).fill_(0)\n",
        "new": "    x.narrow(1, 0, 2).fill_(0)\n",
        "lost": {"kill_green_blue_in_place"},
    },
    {
        "module": "cifar",
        "name": "kill_on_copy",
        "why": "zeroing a clone leaves x unchanged",
        "old": "    x.narrow(1, 1, 2).fill_(0)\n    return x\n",
        "new": "    x = x.clone()\n    x.narrow(1, 1, 2).fill_(0)\n    return x\n",
        "lost": {"kill_green_blue_in_place"},
    },
    {
        "module": "cifar",
        "name": "channel_means_wrong_dims",
        "why": "averaging over the channels instead of keeping them",
        "old": "    return x.mean(dim=(0, 2, 3))\n",
        "new": "    return x.mean(dim=(0, 1, 2))\n",
        "lost": {"channel_means_values"},
    },
    {
        "module": "cifar",
        "name": "image_grid_white_padding",
        "why": "the padding is 0 (black), make_grid's default pad_value",
        "old": "    return torchvision.utils.make_grid(x, nrow=nrow, padding=padding)\n",
        "new": "    return torchvision.utils.make_grid(x, nrow=nrow, padding=padding, pad_value=1.0)\n",
        "lost": {"image_grid_layout"},
    },
    # --------------------------------------------------------------- autograd
    {
        "module": "autograd",
        "name": "exp_loss_mean",
        "why": "the loss is a sum, not a mean (the autograd gradients change with it)",
        "old": "    return ((torch.exp(w * x + b) - ystar) ** 2).sum()\n",
        "new": "    return ((torch.exp(w * x + b) - ystar) ** 2).mean()\n",
        "lost": {"exp_loss_value", "autograd_grads", "accumulated_grads_times", "autograd_leaves_inputs_alone"},
    },
    {
        "module": "autograd",
        "name": "manual_grads_wrong_sign",
        "why": "d/dy (y - ystar)^2 is 2 (y - ystar), not 2 (ystar - y)",
        "old": "    common = 2 * (y - ystar) * y\n",
        "new": "    common = 2 * (ystar - y) * y\n",
        "lost": {"manual_grads"},
    },
    {
        "module": "autograd",
        "name": "manual_grads_missing_x",
        "why": "the chain rule multiplies dl/dw by x",
        "old": "    return (common * x).sum(), common.sum()\n",
        "new": "    return common.sum(), common.sum()\n",
        "lost": {"manual_grads"},
    },
    {
        "module": "autograd",
        "name": "grads_left_on_inputs",
        "why": "backward on the caller's tensors leaves .grad (and requires_grad) behind",
        "old": (
            "    w2 = w.detach().clone().requires_grad_(True)\n"
            "    b2 = b.detach().clone().requires_grad_(True)\n"
            "    loss = exp_loss(w2, b2, x.detach(), ystar.detach())\n"
            "    loss.backward()\n"
        ),
        "new": (
            "    w2 = w.requires_grad_(True)\n"
            "    b2 = b.requires_grad_(True)\n"
            "    loss = exp_loss(w2, b2, x, ystar)\n"
            "    loss.backward()\n"
        ),
        "lost": {"autograd_leaves_inputs_alone"},
    },
    {
        "module": "autograd",
        "name": "missing_retain_graph",
        "why": "the second backward through a freed graph raises RuntimeError",
        "old": "        loss.backward(retain_graph=True)\n",
        "new": "        loss.backward()\n",
        "lost": {"accumulated_grads_times"},
    },
    {
        "module": "autograd",
        "name": "accumulated_single_pass",
        "why": "gradients accumulate: times passes give times the gradient",
        "old": "    for _ in range(times):\n        loss.backward(retain_graph=True)\n",
        "new": "    loss.backward()\n",
        "lost": {"accumulated_grads_times"},
    },
    {
        "module": "autograd",
        "name": "zero_grads_set_none",
        "why": "zeroing in place is not dropping the gradient",
        "old": "            t.grad.zero_()\n",
        "new": "            t.grad = None\n",
        "lost": {"zero_grads_in_place"},
    },
    # --------------------------------------------------------------- backprop
    {
        "module": "backprop",
        "name": "multiplication_backward_swapped",
        "why": "the gradient passed backward is w * grad, not x * grad",
        "old": "        return self.w * grad\n",
        "new": "        return self.saved_x * grad\n",
        "lost": {"multiplication_weight_forward_backward"},
    },
    {
        "module": "backprop",
        "name": "multiplication_grad_w_swapped",
        "why": "dloss/dw is x * grad, not w * grad",
        "old": "        self.grad = self.saved_x * grad\n",
        "new": "        self.grad = self.w * grad\n",
        "lost": {"multiplication_weight_step", "training_exp"},
    },
    {
        "module": "backprop",
        "name": "multiplication_step_ascent",
        "why": "gradient descent subtracts the gradient",
        "old": "        self.w = self.w - learning_rate * self.grad\n",
        "new": "        self.w = self.w + learning_rate * self.grad\n",
        "lost": {"multiplication_weight_step", "training_exp"},
    },
    {
        "module": "backprop",
        "name": "multiplication_step_fixed_learning_rate",
        "why": "a step that hard-codes the course's learning rate ignores the one it is given",
        "old": "        self.w = self.w - learning_rate * self.grad\n",
        "new": "        self.w = self.w - 1e-3 * self.grad\n",
        "lost": {"multiplication_weight_step", "training_exp"},
    },
    {
        "module": "backprop",
        "name": "exp_backward_not_chain_rule",
        "why": "backward multiplies the incoming gradient by exp(x); exp(grad) is not the chain rule",
        "old": "        return self.saved_y * grad\n",
        "new": "        return np.exp(grad)\n",
        "lost": {"my_exp_layer", "training_exp"},
    },
    {
        "module": "backprop",
        "name": "cos_backward_sign",
        "why": "the derivative of cos is -sin",
        "old": "        return -np.sin(self.saved_x) * grad\n",
        "new": "        return np.sin(self.saved_x) * grad\n",
        "lost": {"my_cos_layer"},
    },
    {
        "module": "backprop",
        "name": "composition_backward_forward_order",
        "why": "backpropagation goes through the layers in reverse order",
        "old": "        for layer in reversed(self.layers):\n",
        "new": "        for layer in self.layers:\n",
        "lost": {"composition_backward_step", "training_exp"},
    },
    {
        "module": "backprop",
        "name": "loss_gradient_wrong_sign",
        "why": "dloss/dy_est is 2 (y_est - y_target)",
        "old": "        self.loss_grad = 2 * (y_est - y_target)\n",
        "new": "        self.loss_grad = 2 * (y_target - y_est)\n",
        "lost": {"composition_backward_step", "training_exp"},
    },
    {
        "module": "backprop",
        "name": "loss_target_first_wrong_sign",
        "why": "with the empty notebook's compute_loss(self, y, y_est), dloss/dy_est is still 2 (y_est - y)",
        "old": '    def compute_loss(self, y_est, y_target):\n        """Return the squared error ``(y_est - y_target) ** 2`` and keep its gradient with respect to ``y_est`` for ``backward``."""\n        ### BEGIN SOLUTION\n        self.loss_grad = 2 * (y_est - y_target)\n        return (y_est - y_target) ** 2\n',
        "new": '    def compute_loss(self, y, y_est):\n        """Return the squared error ``(y_est - y_target) ** 2`` and keep its gradient with respect to ``y_est`` for ``backward``."""\n        ### BEGIN SOLUTION\n        self.loss_grad = 2 * (y - y_est)\n        return (y - y_est) ** 2\n',
        "lost": {"composition_backward_step", "training_exp"},
    },
    # ----------------------------------------------------- autodiff_functional
    {
        "module": "autodiff_functional",
        "name": "dot_vjp_summed",
        "why": "the course keeps one gradient of W per sample; optim_SGD sums them",
        "old": "        return u @ W.T, x[:, :, None] * u[:, None, :]\n",
        "new": "        return u @ W.T, x.T @ u\n",
        "lost": {"dot_and_vjp", "training_loop"},
    },
    {
        "module": "autodiff_functional",
        "name": "loss_vjp_sign",
        "why": "the gradient of (y - y_pred)^2 for y_pred is 2 (y_pred - y)",
        "old": "        return 2 * (y_pred - y), np.zeros_like(y)\n",
        "new": "        return 2 * (y - y_pred), np.zeros_like(y)\n",
        "lost": {"squared_loss_and_vjp", "training_loop"},
    },
    {
        "module": "autodiff_functional",
        "name": "loss_vjp_updates_target",
        "why": "the target y is not a parameter: its gradient must leave it alone",
        "old": "        return 2 * (y_pred - y), np.zeros_like(y)\n",
        "new": "        return 2 * (y_pred - y), 2 * (y - y_pred)\n",
        "lost": {"squared_loss_and_vjp", "training_loop"},
    },
    {
        "module": "autodiff_functional",
        "name": "chain_forward_order",
        "why": "the vjp functions are composed from the loss back to the input",
        "old": "    for k in range(len(funcs) - 1, -1, -1):\n        u, grads[k]",
        "new": "    for k in range(len(funcs)):\n        u, grads[k]",
        "lost": {"backward_diff_chain_gradients", "training_loop"},
    },
    {
        "module": "autodiff_functional",
        "name": "sgd_fixed_learning_rate",
        "why": "the learning rate is the argument, not the default",
        "old": "    return [-learning_rate * g.sum(0) for g in grads]\n",
        "new": "    return [-1e-2 * g.sum(0) for g in grads]\n",
        "lost": {"sgd_update", "training_loop"},
    },
]


ALTERNATIVES = [
    # ----------------------------------------------------------------- tensors
    {
        "module": "tensors",
        "name": "mixed_sums_torch_add",
        "why": "torch.add promotes exactly like +",
        "old": "    return xr + b, xr + c\n",
        "new": "    return torch.add(xr, b), torch.add(xr, c)\n",
        "lost": set(),
    },
    {
        "module": "tensors",
        "name": "promoted_dtype_by_tensors",
        "why": "adding two 1-element tensors shows the promoted dtype",
        "old": "    return torch.promote_types(dtype_a, dtype_b)\n",
        "new": "    return (torch.zeros(1, dtype=dtype_a) + torch.zeros(1, dtype=dtype_b)).dtype\n",
        "lost": set(),
    },
    {
        "module": "tensors",
        "name": "numpy_view_asarray",
        "why": "np.asarray on a CPU tensor goes through __array__ and shares memory",
        "old": "    return t.numpy()\n",
        "new": "    import numpy as np\n\n    return np.asarray(t)\n",
        "lost": set(),
    },
    {
        "module": "tensors",
        "name": "tensor_copy_from_numpy_clone",
        "why": "from_numpy then clone copies too",
        "old": "    return torch.tensor(a)\n",
        "new": "    return torch.from_numpy(a).clone()\n",
        "lost": set(),
    },
    {
        "module": "tensors",
        "name": "make_trainable_torch_tensor",
        "why": "building a new leaf with torch.tensor(..., requires_grad=True)",
        "old": "    return t.to(torch.float64).requires_grad_(True)\n",
        "new": "    return torch.tensor(t.tolist(), dtype=torch.float64, requires_grad=True)\n",
        "lost": set(),
    },
    {
        "module": "tensors",
        "name": "to_device_branches",
        "why": "two calls of .to are as good as one",
        "old": "    return x.to(device=device, dtype=dtype if dtype is not None else x.dtype)\n",
        "new": "    if dtype is None:\n        return x.to(device)\n    return x.to(device).to(dtype)\n",
        "lost": set(),
    },
    # ------------------------------------------------------------ broadcasting
    {
        "module": "broadcasting",
        "name": "broadcast_shape_reversed_walk",
        "why": "walking both shapes from the right with indices instead of padding",
        "old": (
            "    a, b = tuple(shape_a), tuple(shape_b)\n"
            "    n = max(len(a), len(b))\n"
        ),
        "new": (
            "    a, b = tuple(shape_a), tuple(shape_b)\n"
            "    result = []\n"
            "    for k in range(1, max(len(a), len(b)) + 1):\n"
            "        sa = a[-k] if k <= len(a) else 1\n"
            "        sb = b[-k] if k <= len(b) else 1\n"
            "        if sa != sb and 1 not in (sa, sb):\n"
            "            raise ValueError(f\"incompatible sizes {sa} and {sb}\")\n"
            "        result.append(sb if sa == 1 else sa)\n"
            "    return tuple(reversed(result))\n"
            "    n = max(len(a), len(b))\n"
        ),
        "lost": set(),
    },
    {
        "module": "broadcasting",
        "name": "expand_pair_broadcast_tensors",
        "why": "torch.broadcast_tensors returns expanded views",
        "old": "    shape = broadcast_shape(a.shape, b.shape)\n    return a.expand(shape), b.expand(shape)\n",
        "new": "    a2, b2 = torch.broadcast_tensors(a, b)\n    return a2, b2\n",
        "lost": set(),
    },
    {
        "module": "broadcasting",
        "name": "outer_sum_indexing",
        "why": "None-indexing inserts the unit dimensions",
        "old": "    return col.reshape(-1, 1) + row.reshape(1, -1)\n",
        "new": "    return col.flatten()[:, None] + row.flatten()[None, :]\n",
        "lost": set(),
    },
    {
        "module": "broadcasting",
        "name": "pairwise_norm_expansion",
        "why": "||x||^2 - 2 x y^T + ||y||^2 (a matmul; TF32 on a GPU is allowed for)",
        "old": "    diff = x[:, None, :] - y[None, :, :]\n    return (diff * diff).sum(dim=-1)\n",
        "new": "    return (x * x).sum(dim=1)[:, None] - 2 * x @ y.T + (y * y).sum(dim=1)[None, :]\n",
        "lost": set(),
    },
    {
        "module": "broadcasting",
        "name": "pairwise_cdist_squared",
        "why": "torch.cdist then squaring",
        "old": "    diff = x[:, None, :] - y[None, :, :]\n    return (diff * diff).sum(dim=-1)\n",
        "new": "    return torch.cdist(x, y, compute_mode=\"donot_use_mm_for_euclid_dist\") ** 2\n",
        "lost": set(),
    },
    # ------------------------------------------------------------------ cifar
    {
        "module": "cifar",
        "name": "nchw_float_first",
        "why": "converting before permuting, and contiguous memory, give the same values",
        "old": "    return x.permute(0, 3, 1, 2).to(torch.float32) / 255\n",
        "new": "    return (x.float() / 255.0).permute(0, 3, 1, 2).contiguous()\n",
        "lost": set(),
    },
    {
        "module": "cifar",
        "name": "first_images_slice",
        "why": "basic slicing is a view too",
        "old": "    return x.narrow(0, 0, n)\n",
        "new": "    return x[:n]\n",
        "lost": set(),
    },
    {
        "module": "cifar",
        "name": "kill_by_slice_assignment",
        "why": "slice assignment writes into x",
        "old": "    x.narrow(1, 1, 2).fill_(0)\n",
        "new": "    x[:, 1:3] = 0\n",
        "lost": set(),
    },
    {
        "module": "cifar",
        "name": "channel_means_float64",
        "why": "accumulating in float64 then casting back is more accurate, and fine",
        "old": "    return x.mean(dim=(0, 2, 3))\n",
        "new": "    return x.to(torch.float64).mean(dim=(0, 2, 3)).to(x.dtype)\n",
        "lost": set(),
    },
    {
        "module": "cifar",
        "name": "image_grid_by_hand",
        "why": "the layout written with narrow, as the docstring describes it",
        "old": "    return torchvision.utils.make_grid(x, nrow=nrow, padding=padding)\n",
        "new": (
            "    n, c, h, w = x.shape\n"
            "    if n == 1:\n"
            "        return x[0]\n"
            "    ncol = min(nrow, n)\n"
            "    rows = -(-n // ncol)\n"
            "    grid = x.new_zeros((c, rows * (h + padding) + padding, ncol * (w + padding) + padding))\n"
            "    for k in range(n):\n"
            "        top = (k // ncol) * (h + padding) + padding\n"
            "        left = (k % ncol) * (w + padding) + padding\n"
            "        grid[:, top:top + h, left:left + w] = x[k]\n"
            "    return grid\n"
        ),
        "lost": set(),
    },
    # --------------------------------------------------------------- autograd
    {
        "module": "autograd",
        "name": "exp_loss_dot",
        "why": "a different summation order (a dot product) is the same loss",
        "old": "    return ((torch.exp(w * x + b) - ystar) ** 2).sum()\n",
        "new": "    d = torch.exp(b + x * w) - ystar\n    return torch.dot(d, d)\n",
        "lost": set(),
    },
    {
        "module": "autograd",
        "name": "manual_grads_factored",
        "why": "the same chain rule, factored differently",
        "old": "    common = 2 * (y - ystar) * y\n    return (common * x).sum(), common.sum()\n",
        "new": "    r = y - ystar\n    return 2 * torch.sum(r * y * x), 2 * torch.sum(r * y)\n",
        "lost": set(),
    },
    {
        "module": "autograd",
        "name": "accumulated_retain_until_last",
        "why": "keeping the graph only for the passes that need it",
        "old": "    for _ in range(times):\n        loss.backward(retain_graph=True)\n",
        "new": "    for k in range(times):\n        loss.backward(retain_graph=k < times - 1)\n",
        "lost": set(),
    },
    {
        "module": "autograd",
        "name": "zero_grads_fill",
        "why": "fill_(0) zeroes in place too",
        "old": "            t.grad.zero_()\n",
        "new": "            t.grad.fill_(0.0)\n",
        "lost": set(),
    },
    # --------------------------------------------------------------- backprop
    {
        "module": "backprop",
        "name": "exp_saves_input",
        "why": "saving the input and recomputing exp in backward is equivalent",
        "old": "        self.saved_y = np.exp(x)\n        return self.saved_y\n",
        "new": "        self.x_in = x\n        self.saved_y = np.exp(x)\n        return np.exp(x)\n",
        "lost": set(),
    },
    {
        "module": "backprop",
        "name": "multiplication_step_augmented",
        "why": "w -= lr * grad on a float, as the course writes it",
        "old": "        self.w = self.w - learning_rate * self.grad\n",
        "new": "        self.w -= learning_rate * self.grad\n",
        "lost": set(),
    },
    {
        "module": "backprop",
        "name": "composition_backward_index_loop",
        "why": "walking the layer list backwards by index",
        "old": "        for layer in reversed(self.layers):\n            grad = layer.backward(grad)\n",
        "new": "        for k in range(len(self.layers) - 1, -1, -1):\n            grad = self.layers[k].backward(grad)\n",
        "lost": set(),
    },
    {
        "module": "backprop",
        "name": "composition_backward_returns_gradient",
        "why": "returning dloss/dx from backward is allowed, not asked: the course's own backward returns nothing",
        "old": "        for layer in reversed(self.layers):\n            grad = layer.backward(grad)\n",
        "new": "        for layer in reversed(self.layers):\n            grad = layer.backward(grad)\n        return grad\n",
        "lost": set(),
    },
    {
        "module": "backprop",
        "name": "loss_target_first",
        "why": "the course's empty notebook declares compute_loss(self, y, y_est): the target first",
        "old": '    def compute_loss(self, y_est, y_target):\n        """Return the squared error ``(y_est - y_target) ** 2`` and keep its gradient with respect to ``y_est`` for ``backward``."""\n        ### BEGIN SOLUTION\n        self.loss_grad = 2 * (y_est - y_target)\n        return (y_est - y_target) ** 2\n',
        "new": '    def compute_loss(self, y, y_est):\n        """Return the squared error ``(y_est - y_target) ** 2`` and keep its gradient with respect to ``y_est`` for ``backward``."""\n        ### BEGIN SOLUTION\n        self.loss_grad = 2 * (y_est - y)\n        return (y - y_est) ** 2\n',
        "lost": set(),
    },
    {
        "module": "backprop",
        "name": "exp_scalars_only",
        "why": "math.exp takes the course's samples one at a time; the practical never asks a layer for arrays",
        "old": "        self.saved_y = np.exp(x)\n",
        "new": "        import math\n        self.saved_y = math.exp(x)\n",
        "lost": set(),
    },
    # ----------------------------------------------------- autodiff_functional
    {
        "module": "autodiff_functional",
        "name": "squared_loss_vjp_target_one_zero",
        "why": "the course asks only that the target not be updated: one zero does that as well as zeros like y",
        "old": "        return 2 * (y_pred - y), np.zeros_like(y)\n",
        "new": "        return 2 * (y_pred - y), np.zeros(1)\n",
        "lost": set(),
    },
    {
        "module": "autodiff_functional",
        "name": "update_params_in_place",
        "why": "adding the updates into the parameters in place and returning them serves the course's loop as well",
        "old": "    return [p + u for p, u in zip(params, updates)]\n",
        "new": "    for k, u in enumerate(updates):\n        params[k] += u\n    return params\n",
        "lost": set(),
    },
    {
        "module": "autodiff_functional",
        "name": "chain_value_as_a_number",
        "why": "the course asks backward_diff_chain for the value: the loss as a number is that value",
        "old": "    return values[-1], u, grads\n",
        "new": "    return float(values[-1][0]), u, grads\n",
        "lost": set(),
    },
    {
        "module": "autodiff_functional",
        "name": "dot_vjp_einsum",
        "why": "the course's einsum gives the same per-sample outer products",
        "old": "        return u @ W.T, x[:, :, None] * u[:, None, :]\n",
        "new": "        return np.dot(u, W.T), np.einsum('na,nb->nab', x, u)\n",
        "lost": set(),
    },
    {
        "module": "autodiff_functional",
        "name": "chain_reversed_enumerate",
        "why": "walking reversed(list(enumerate(...))) as the course does",
        "old": "    for k in range(len(funcs) - 1, -1, -1):\n        u, grads[k] = funcs[k].make_vjp(values[k], params[k])(u)\n",
        "new": "    for k, (f, p, v) in reversed(list(enumerate(zip(funcs, params, values)))):\n        u, grads[k] = f.make_vjp(v, p)(u)\n",
        "lost": set(),
    },
]

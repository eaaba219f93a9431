"""The reference solutions against independent oracles (torch, torchvision, finite differences)."""

import functools
import importlib.util
import itertools
import os
import pickle
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision

from grader.course.cifar_data import (BASE_FOLDER, fake_cifar_checksums, fake_cifar_files, real_cifar_root,
                                      write_fake_cifar)

ROOT = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=None)
def sol(name):
    spec = importlib.util.spec_from_file_location(f"_content_solution_{name}", ROOT / "solutions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DTYPES = [
    torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
]


# ------------------------------------------------------------------------------ tensors


def test_mixed_sums_dtypes_and_values():
    xr = torch.randn(3, 4)
    b = torch.randn(3, 4, dtype=torch.float64)
    c = torch.randint(0, 9, (3, 4))
    s1, s2 = sol("tensors").mixed_sums(xr, b, c)
    assert s1.dtype == torch.float64 and s2.dtype == torch.float32
    torch.testing.assert_close(s1, xr.double() + b)
    torch.testing.assert_close(s2, xr + c.float())


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_promoted_dtype_matches_torch(a, b):
    got = sol("tensors").promoted_dtype(a, b)
    assert got == torch.promote_types(a, b)
    assert got == (torch.zeros(1, dtype=a) + torch.zeros(1, dtype=b)).dtype


def test_numpy_view_shares_memory():
    t = torch.randn(3, 4)
    a = sol("tensors").numpy_view(t)
    assert isinstance(a, np.ndarray) and np.shares_memory(a, t.numpy())
    t[1, 2] = 42.0
    assert a[1, 2] == 42.0
    a[0, 0] = -7.0
    assert t[0, 0].item() == -7.0


def test_tensor_copy_does_not_share():
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    t = sol("tensors").tensor_copy(a)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.int32
    assert not np.shares_memory(a, t.numpy())
    a[0, 0] = 100
    assert t[0, 0].item() == 0


def test_inplace_functions_return_same_object():
    m = sol("tensors")
    x, y = torch.randn(2, 3), torch.randn(2, 3)
    expected = x + y
    assert m.add_inplace_(x, y) is x
    torch.testing.assert_close(x, expected)
    z = torch.randn(2, 3)
    before = z.clone()
    assert m.transpose_inplace_(z) is z
    assert z.shape == (3, 2) and torch.equal(z, before.t())


def test_make_trainable():
    t = torch.tensor([1, -2, 3])
    out = sol("tensors").make_trainable(t)
    assert out.dtype == torch.float64 and out.requires_grad and out.is_leaf
    assert torch.equal(out.detach(), torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64))
    assert t.dtype == torch.int64 and not t.requires_grad


def test_to_device_cpu():
    m = sol("tensors")
    x = torch.randn(2, 2)
    out = m.to_device(x, "cpu", torch.float64)
    assert out.device.type == "cpu" and out.dtype == torch.float64
    assert m.to_device(x, torch.device("cpu")).dtype == torch.float32


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_to_device_cuda():
    out = sol("tensors").to_device(torch.randn(2), "cuda", torch.float16)
    assert out.device.type == "cuda" and out.dtype == torch.float16


# ------------------------------------------------------------------------- broadcasting


def _shapes(max_len=3, sizes=(0, 1, 2, 3)):
    for n in range(max_len + 1):
        yield from itertools.product(sizes, repeat=n)


def test_broadcast_shape_matches_torch_on_all_small_shapes():
    bs = sol("broadcasting").broadcast_shape
    n_ok = n_bad = 0
    for a, b in itertools.product(list(_shapes()), repeat=2):
        try:
            want = tuple(torch.broadcast_shapes(a, b))
        except RuntimeError:
            with pytest.raises(ValueError):
                bs(a, b)
            n_bad += 1
        else:
            got = bs(a, b)
            assert type(got) is tuple and got == want, (a, b)
            n_ok += 1
    assert n_ok > 1000 and n_bad > 1000


def test_broadcast_shape_accepts_torch_size():
    assert sol("broadcasting").broadcast_shape(torch.Size([5, 1, 7]), [2, 1]) == (5, 2, 7)


def test_expand_pair_views():
    a, b = torch.randn(3, 1), torch.randn(2, 1, 4)
    ea, eb = sol("broadcasting").expand_pair(a, b)
    wa, wb = torch.broadcast_tensors(a, b)
    assert torch.equal(ea, wa) and torch.equal(eb, wb)
    assert ea.data_ptr() == a.data_ptr() and eb.data_ptr() == b.data_ptr()
    a[0, 0] = 99.0
    assert (ea[:, 0, :] == 99.0).all()


@pytest.mark.parametrize("col_shape,row_shape", [((4,), (5,)), ((4, 1), (5,)), ((4,), (1, 5)), ((4, 1), (1, 5)), ((3,), (3,))])
def test_outer_sum(col_shape, row_shape):
    col, row = torch.randn(col_shape), torch.randn(row_shape)
    out = sol("broadcasting").outer_sum(col, row)
    c, r = col.flatten(), row.flatten()
    want = torch.tensor([[float(c[i] + r[j]) for j in range(len(r))] for i in range(len(c))])
    assert out.shape == (len(c), len(r))
    torch.testing.assert_close(out, want)


def test_pairwise_sq_dists():
    x, y = torch.randn(6, 5, dtype=torch.float64), torch.randn(7, 5, dtype=torch.float64)
    out = sol("broadcasting").pairwise_sq_dists(x, y)
    torch.testing.assert_close(out, torch.cdist(x, y) ** 2)
    loop = torch.tensor([[float(((x[i] - y[j]) ** 2).sum()) for j in range(7)] for i in range(6)], dtype=torch.float64)
    torch.testing.assert_close(out, loop)


# -------------------------------------------------------------------------------- cifar


def test_fake_cifar_loads_through_torchvision(tmp_path):
    root = write_fake_cifar(tmp_path, n_train=23, n_test=7, seed=3)
    assert root == str(tmp_path)
    folder = tmp_path / BASE_FOLDER
    assert sorted(os.listdir(folder)) == sorted([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"])
    labels = []
    for i in range(1, 6):
        with open(folder / f"data_batch_{i}", "rb") as f:
            raw = pickle.load(f, encoding="bytes")  # the real files load with bytes keys too
        assert raw[b"data"].dtype == np.uint8 and raw[b"data"].shape[1] == 3072
        labels += raw[b"labels"]
    assert len(labels) == 23
    with fake_cifar_checksums(root):
        train = torchvision.datasets.CIFAR10(root, train=True, download=False)
        test = torchvision.datasets.CIFAR10(root, train=False, download=False)
    assert train.data.shape == (23, 32, 32, 3) and train.data.dtype == np.uint8
    assert test.data.shape == (7, 32, 32, 3)
    assert train.targets == labels and all(0 <= t < 10 for t in test.targets)
    assert train.classes[0] == "airplane" and len(train.classes) == 10
    image, label = train[0]
    assert image.size == (32, 32) and label == labels[0]
    # channel-major rows: the first 1024 bytes of a row are the red plane
    with open(folder / "data_batch_1", "rb") as f:
        first = pickle.load(f, encoding="latin1")["data"][0]
    assert np.array_equal(train.data[0, :, :, 0].ravel(), first[:1024])


def test_fake_cifar_checksums_are_scoped(tmp_path):
    root = write_fake_cifar(tmp_path, n_train=5, n_test=2)
    saved = [list(x) for x in torchvision.datasets.CIFAR10.train_list]
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        torchvision.datasets.CIFAR10(root, download=False)
    with fake_cifar_checksums(root):
        torchvision.datasets.CIFAR10(root, download=False)
        # the MD5 check still runs: a file altered after the block started is rejected
        with open(tmp_path / BASE_FOLDER / "test_batch", "ab") as f:
            f.write(b"x")
        with pytest.raises(RuntimeError, match="not found or corrupted"):
            torchvision.datasets.CIFAR10(root, download=False)
    assert [list(x) for x in torchvision.datasets.CIFAR10.train_list] == saved
    assert torchvision.datasets.CIFAR10.meta["md5"] == "5ff9c542aee3614f3951f8cda6e48888"


def test_fake_cifar_is_deterministic(tmp_path):
    a = write_fake_cifar(tmp_path / "a", n_train=10, n_test=3, seed=1)
    fake_cifar_files.cache_clear()  # built again from the seed, not copied from the cache
    b = write_fake_cifar(tmp_path / "b", n_train=10, n_test=3, seed=1)
    for name in os.listdir(Path(a) / BASE_FOLDER):
        assert (Path(a) / BASE_FOLDER / name).read_bytes() == (Path(b) / BASE_FOLDER / name).read_bytes()


def test_the_zygote_prepares_the_fake_cifar_of_every_seed_before_forking(tmp_path):
    from grader.course import cifar
    from grader.manifest import BUNDLED, load
    from grader.manifest.checks import prepare

    course = load(BUNDLED)
    SEEDS = course.seeds
    fake_cifar_files.cache_clear()
    prepare(course)
    built = fake_cifar_files.cache_info()
    assert built.currsize == len(SEEDS["public"]) + len(SEEDS["hidden"])
    write_fake_cifar(tmp_path, cifar.TRAIN_IMAGES, cifar.TEST_IMAGES, SEEDS["hidden"][-1])  # as the check does
    assert fake_cifar_files.cache_info().hits == built.hits + 1


def test_real_cifar_root(tmp_path):
    assert real_cifar_root(str(tmp_path)) is None
    write_fake_cifar(tmp_path, n_train=5, n_test=2)
    assert real_cifar_root(str(tmp_path)) == str(tmp_path)


def test_load_cifar_uint8(tmp_path):
    root = write_fake_cifar(tmp_path, n_train=12, n_test=4, seed=0)
    with fake_cifar_checksums(root):
        train = sol("cifar").load_cifar_uint8(root)
        test = sol("cifar").load_cifar_uint8(root, train=False)
        want = torchvision.datasets.CIFAR10(root, train=False).data
    assert isinstance(train, np.ndarray) and train.dtype == np.uint8 and train.shape == (12, 32, 32, 3)
    assert np.array_equal(test, want)


@pytest.mark.parametrize("as_numpy", [True, False])
def test_to_float_nchw(as_numpy):
    images = torch.randint(0, 256, (4, 32, 32, 3), dtype=torch.uint8)
    images[0, 0, 0] = torch.tensor([0, 128, 255], dtype=torch.uint8)
    out = sol("cifar").to_float_nchw(images.numpy() if as_numpy else images)
    assert out.dtype == torch.float32 and out.shape == (4, 3, 32, 32)
    assert out.min() >= 0 and out.max() <= 1
    assert out[0, 2, 0, 0] == 1.0 and out[0, 0, 0, 0] == 0.0
    for i, c, h, w in [(0, 1, 0, 0), (3, 2, 31, 5), (2, 0, 7, 30)]:
        assert out[i, c, h, w].item() == pytest.approx(images[i, h, w, c].item() / 255)


def test_first_images_is_a_view():
    x = torch.randn(10, 3, 4, 4)
    v = sol("cifar").first_images(x, 4)
    assert torch.equal(v, x[:4]) and v.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    v[0].fill_(5.0)
    assert (x[0] == 5.0).all()


def test_kill_green_blue_in_place():
    x = torch.rand(3, 3, 4, 4)
    red = x[:, 0].clone()
    assert sol("cifar").kill_green_blue_(x) is x
    assert torch.equal(x[:, 0], red) and (x[:, 1:] == 0).all()


def test_channel_means():
    x = torch.rand(5, 3, 8, 8, dtype=torch.float64)
    out = sol("cifar").channel_means(x)
    want = torch.stack([x[:, c].sum() / x[:, c].numel() for c in range(3)])
    assert out.shape == (3,)
    torch.testing.assert_close(out, want)


def _grid_by_hand(x, nrow, padding):
    n, c, h, w = x.shape
    ncol = min(nrow, n)
    rows = -(-n // ncol)
    grid = torch.zeros(c, rows * (h + padding) + padding, ncol * (w + padding) + padding, dtype=x.dtype)
    for k in range(n):
        top, left = (k // ncol) * (h + padding) + padding, (k % ncol) * (w + padding) + padding
        grid[:, top : top + h, left : left + w] = x[k]
    return grid


@pytest.mark.parametrize("n,nrow,padding", [(10, 8, 2), (10, 4, 2), (7, 3, 1), (2, 5, 0), (9, 3, 3), (16, 8, 2)])
def test_image_grid(n, nrow, padding):
    x = torch.rand(n, 3, 8, 6)
    out = sol("cifar").image_grid(x, nrow=nrow, padding=padding)
    assert torch.equal(out, torchvision.utils.make_grid(x, nrow=nrow, padding=padding))
    assert torch.equal(out, _grid_by_hand(x, nrow, padding))


# ----------------------------------------------------------------------------- autograd


def _problem(seed=0, n=15):
    g = torch.Generator().manual_seed(seed)
    w = torch.tensor(0.3) + 0.2 * torch.randn((), generator=g)
    b = torch.tensor(1.5) + 0.3 * torch.randn((), generator=g)
    x = torch.rand(n, generator=g)
    ystar = torch.exp(0.5 * x + 2) + 0.1 * torch.randn(n, generator=g)
    return tuple(t.double() for t in (w, b, x, ystar))


def test_exp_loss_matches_numpy():
    w, b, x, ystar = _problem()
    got = sol("autograd").exp_loss(w, b, x, ystar)
    want = np.sum((np.exp(w.item() * x.numpy() + b.item()) - ystar.numpy()) ** 2)
    assert got.dim() == 0 and got.item() == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_manual_grads_match_autograd_and_finite_differences(seed):
    m = sol("autograd")
    w, b, x, ystar = _problem(seed)
    gw, gb = m.exp_loss_grads_manual(w, b, x, ystar)
    wr, br = w.clone().requires_grad_(), b.clone().requires_grad_()
    aw, ab = torch.autograd.grad(m.exp_loss(wr, br, x, ystar), (wr, br))
    torch.testing.assert_close(gw, aw)
    torch.testing.assert_close(gb, ab)
    eps = 1e-6
    fw = (m.exp_loss(w + eps, b, x, ystar) - m.exp_loss(w - eps, b, x, ystar)) / (2 * eps)
    fb = (m.exp_loss(w, b + eps, x, ystar) - m.exp_loss(w, b - eps, x, ystar)) / (2 * eps)
    torch.testing.assert_close(gw, fw, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(gb, fb, rtol=1e-5, atol=1e-5)


def test_autograd_grads_leave_caller_alone():
    m = sol("autograd")
    w, b, x, ystar = _problem(3)
    gw, gb = m.exp_loss_grads_autograd(w, b, x, ystar)
    mw, mb = m.exp_loss_grads_manual(w, b, x, ystar)
    torch.testing.assert_close(gw, mw)
    torch.testing.assert_close(gb, mb)
    assert not w.requires_grad and not b.requires_grad
    w.requires_grad_()
    b.requires_grad_()
    m.exp_loss_grads_autograd(w, b, x, ystar)
    assert w.grad is None and b.grad is None


@pytest.mark.parametrize("times", [1, 2, 3, 5])
def test_accumulated_grads(times):
    m = sol("autograd")
    w, b, x, ystar = _problem(4)
    gw, gb = m.accumulated_grads(w, b, x, ystar, times)
    mw, mb = m.exp_loss_grads_manual(w, b, x, ystar)
    torch.testing.assert_close(gw, times * mw)
    torch.testing.assert_close(gb, times * mb)
    assert w.grad is None and not w.requires_grad


def test_zero_grads_in_place():
    a = torch.randn(3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    (a * a).sum().backward()
    old = a.grad
    assert sol("autograd").zero_grads_(a, b) is None
    assert a.grad is old and (old == 0).all() and b.grad is None


# ----------------------------------------------------------------------------- backprop


def _numeric(f, x, eps=1e-6):
    """Central finite differences of the scalar function f at the array x."""
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        out[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return out


def _layers():
    m = sol("backprop")
    return [("mult", lambda p: m.multiplication_weight(p), "w"),
            ("bias", lambda p: m.add_bias(p), "b"),
            ("exp", lambda p: m.my_exp(), None),
            ("cos", lambda p: m.my_cos(), None)]


@pytest.mark.parametrize("kind", ["mult", "bias", "exp", "cos"])
def test_layer_backward_finite_differences(kind):
    """One sample at a time, as the course does; the step moves the parameter by -lr * dloss/dparam."""
    rng = np.random.default_rng(0)
    _, make, pname = next(layer for layer in _layers() if layer[0] == kind)
    p, x, g = 0.7, float(rng.standard_normal()), float(rng.standard_normal())
    layer = make(p)
    layer.forward(x)
    dx = layer.backward(g)
    assert dx == pytest.approx(float(_numeric(lambda xx: g * make(p).forward(float(xx)), x)), rel=1e-6)
    if pname:
        dp = float(_numeric(lambda pp: g * make(float(pp)).forward(x), p))
        layer.step(0.1)
        assert getattr(layer, pname) == pytest.approx(p - 0.1 * dp, rel=1e-6)
    else:
        y = layer.forward(x)
        layer.step(0.3)
        assert layer.forward(x) == y


def _loss_at(m, w, b, x=0.37, y=9.0):
    model = m.my_composition([m.multiplication_weight(w), m.add_bias(b), m.my_exp()])
    return float(model.compute_loss(model.forward(x), y))


def test_composition_gradients_finite_differences():
    m = sol("backprop")
    w, b = 0.8, 1.2
    weight, bias = m.multiplication_weight(w), m.add_bias(b)
    model = m.my_composition([weight, bias, m.my_exp()])
    assert float(model.compute_loss(model.forward(0.37), 9.0)) == pytest.approx((np.exp(w * 0.37 + b) - 9.0) ** 2)
    assert model.backward() is None  # as the course's own: backward's effect is on the layers
    model.step(1e-3)
    assert weight.w == pytest.approx(w - 1e-3 * float(_numeric(lambda p: _loss_at(m, float(p), b), w)), rel=1e-6)
    assert bias.b == pytest.approx(b - 1e-3 * float(_numeric(lambda p: _loss_at(m, w, float(p)), b)), rel=1e-6)
    assert _loss_at(m, weight.w, bias.b) < _loss_at(m, w, b)


def test_the_course_training_loop_recovers_the_parameters():
    m = sol("backprop")
    xx = np.arange(0, 1, 0.01)
    yy = np.exp(0.5 * xx + 2)
    weight, bias = m.multiplication_weight(1.0), m.add_bias(1.0)
    model = m.my_composition([weight, bias, m.my_exp()])
    for i in np.random.default_rng(0).integers(len(xx), size=3000):
        model.compute_loss(model.forward(xx[i]), yy[i])
        model.backward()
        model.step(1e-3)
    assert weight.w == pytest.approx(0.5, abs=1e-2) and bias.b == pytest.approx(2.0, abs=1e-2)
    np.testing.assert_allclose(model.forward(xx), yy, rtol=1e-3)


# ----------------------------------------------------------------------------- autodiff_functional


@pytest.mark.parametrize("name", ["dot", "add"])
def test_functional_vjps_match_finite_differences(name):
    m = sol("autodiff_functional")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2))
    p = rng.standard_normal((2, 4)) if name == "dot" else rng.standard_normal(2)
    f = getattr(m, name)
    u = rng.standard_normal(f(x, p).shape)
    grad_x, grad_p = f.make_vjp(x, p)(u)
    np.testing.assert_allclose(grad_x, _numeric(lambda xx: float(np.sum(u * f(xx, p))), x), rtol=1e-6, atol=1e-8)
    summed = _numeric(lambda pp: float(np.sum(u * f(x, pp))), p)
    np.testing.assert_allclose(np.asarray(grad_p).sum(0), summed, rtol=1e-6, atol=1e-8)


def test_functional_training_matches_the_closed_form_gradient():
    m = sol("autodiff_functional")
    rng = np.random.default_rng(2)
    x = rng.random((30, 2))
    y = (x @ np.array([2.0, -3.0]) + 1.0)[:, None]
    params = [rng.standard_normal((2, 1)), rng.standard_normal(1), y]
    loss, _, grads = m.backward_diff_chain(x, [m.dot, m.add, m.squared_loss], params)
    residual = x @ params[0] + params[1] - y
    assert loss[0] == pytest.approx(float(np.sum(residual ** 2)))
    np.testing.assert_allclose(grads[0].sum(0), 2 * x.T @ residual)
    for _ in range(500):
        _, _, grads = m.backward_diff_chain(x, [m.dot, m.add, m.squared_loss], params)
        params = m.update_params(m.optim_SGD(grads), params)
    np.testing.assert_allclose(params[0].ravel(), [2.0, -3.0], atol=1e-2)
    assert params[1][0] == pytest.approx(1.0, abs=1e-2)

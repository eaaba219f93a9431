"""The judge's comparison: torch.testing's semantics, numpy's implementation, clear messages."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from grader.authoring.check import Policy, Raised
from grader.judging.compare import compare
from grader.judging.tolerances import DEFAULT_TOLERANCES, promote, tolerance_for
from grader.wire import FrameReader, encode_frame

FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
ALL = FLOATS + [torch.complex64, torch.complex128, torch.int32, torch.int64, torch.uint8, torch.bool]


def data(value):
    """What the judge sees: the value encoded by a worker and decoded safely."""
    ((_, decoded),) = list(FrameReader().feed(encode_frame({}, value)))
    return decoded


def torch_agrees(expected, actual, check_dtype=True, **tolerance) -> bool:
    try:
        torch.testing.assert_close(actual, expected, equal_nan=True, check_dtype=check_dtype, **tolerance)
        return True
    except AssertionError:
        return False


def test_default_tolerances_are_torch_testing_s():
    from torch.testing._comparison import _DTYPE_PRECISIONS

    for dtype, (rtol, atol) in _DTYPE_PRECISIONS.items():
        name = str(dtype).removeprefix("torch.")
        if "q" not in name:  # quantized tensors are not data the wire carries
            assert DEFAULT_TOLERANCES[name] == (rtol, atol), name


def perturbed_pair(rng: np.random.Generator, dtype: torch.dtype):
    shape = tuple(int(s) for s in rng.integers(1, 5, size=rng.integers(0, 3)))
    if dtype == torch.bool:
        e = torch.from_numpy(np.asarray(rng.integers(0, 2, size=shape)).astype(bool))
        a = e.clone()
        if rng.random() < 0.5 and a.numel():
            a.view(-1)[0] = ~a.view(-1)[0]
        return e, a
    if not dtype.is_floating_point and not dtype.is_complex:
        e = torch.from_numpy(np.asarray(rng.integers(0, 100, size=shape))).to(dtype)
        a = e.clone()
        if rng.random() < 0.5 and a.numel():
            a.view(-1)[0] += 1
        return e, a
    base = torch.from_numpy(np.asarray(rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 3))).to(dtype)
    rtol, atol = DEFAULT_TOLERANCES[str(dtype).removeprefix("torch.")]
    # relative perturbations around the tolerance: some inside, some outside
    scale = rng.choice([0.0, 0.1, 0.5, 0.9, 1.1, 2.0, 10.0])
    noise = torch.from_numpy(np.asarray(rng.uniform(-1, 1, size=shape))).to(torch.float64)
    delta = scale * (atol + rtol * base.abs().to(torch.float64)) * noise
    if dtype.is_complex:
        delta = delta.to(dtype)
    a = (base.to(delta.dtype) + delta).to(dtype)
    if rng.random() < 0.2 and a.numel():
        special = rng.choice([float("nan"), float("inf"), -float("inf")])
        a.view(-1)[0] = special
        if rng.random() < 0.6:
            base.view(-1)[0] = special
    return base, a


@pytest.mark.parametrize("dtype", ALL, ids=str)
def test_agrees_with_assert_close_on_generated_pairs(dtype):
    rng = np.random.default_rng(ALL.index(dtype))
    disagreements = []
    for _ in range(1000):
        e, a = perturbed_pair(rng, dtype)
        ours = compare(data(e), data(a)).passed
        if ours != torch_agrees(e, a):
            disagreements.append((e, a))
    assert not disagreements, disagreements[:3]


@pytest.mark.parametrize("left,right", list(itertools.combinations(FLOATS + [torch.int64], 2)), ids=str)
def test_promote_policy_agrees_with_assert_close_at_the_reference_tolerance(left, right):
    rng = np.random.default_rng(7)
    rtol, atol = DEFAULT_TOLERANCES[str(left).removeprefix("torch.")]
    for _ in range(100):
        e, a = perturbed_pair(rng, left)
        a = a.to(right) if right.is_floating_point else a.round().to(right) if not torch.isnan(a).any() and not torch.isinf(a).any() else a
        if a.dtype != right:
            continue
        ours = compare(data(e), data(a), Policy(dtype="promote")).passed
        assert ours == torch_agrees(e, a, check_dtype=False, rtol=rtol, atol=atol), (e, a)


def test_promote_judges_a_narrower_answer_at_the_reference_tolerance():
    expected = torch.tensor([0.5012, 0.4987, 0.5003])
    narrow = torch.full((3,), 0.5, dtype=torch.bfloat16)
    assert not compare(data(expected), data(narrow), Policy(dtype="promote")).passed
    assert compare(data(expected), data(expected.double()), Policy(dtype="promote")).passed


def test_promote_matches_torch_promote_types():
    for a, b in itertools.product(ALL, ALL):
        name = promote(str(a).removeprefix("torch."), str(b).removeprefix("torch."))
        expected = str(torch.promote_types(a, b)).removeprefix("torch.")
        kinds = {"int32", "int64", "uint8", "int16"}
        if name in kinds and expected in kinds:
            continue  # integers compare exactly whatever their width
        assert name == expected, (a, b)


def test_message_names_shape():
    v = compare(data(torch.zeros(3, 4)), data(torch.zeros(4, 3)))
    assert not v.passed and "shape differs: expected (3, 4), got (4, 3)" in v.message


def test_message_names_dtype_under_strict_only():
    strict = compare(data(torch.zeros(3, dtype=torch.float64)), data(torch.zeros(3)))
    assert "dtype differs: expected torch.float64, got torch.float32" in strict.message
    assert compare(data(torch.zeros(3, dtype=torch.float64)), data(torch.zeros(3)), Policy(dtype="promote")).passed


def test_message_names_elements_index_and_tolerance():
    e = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    a = e.clone()
    a[1, 2] += 0.5
    a[2, 3] += 0.25
    v = compare(data(e), data(a))
    assert "2 of 12 elements" in v.message
    assert "index (1, 2)" in v.message and "Greatest absolute difference 0.5" in v.message
    assert "up to 1e-05 allowed" in v.message and "float32 default" in v.message


def test_nan_and_inf_positions_must_match():
    e = torch.tensor([1.0, float("nan"), float("inf")])
    assert compare(data(e), data(e.clone())).passed
    assert "NaN positions differ" in compare(data(e), data(torch.tensor([1.0, 2.0, float("inf")]))).message
    assert not compare(data(e), data(torch.tensor([1.0, float("nan"), -float("inf")]))).passed


def test_device_policy():
    from grader.wire import TensorValue

    cpu = data(torch.ones(2))
    cuda = TensorValue("float32", "cuda:0", False, np.ones(2, dtype=np.float32))
    assert "device differs: expected cpu, got cuda:0" in compare(cpu, cuda, Policy(device="match")).message
    assert compare(cpu, cuda, Policy(device="cpu")).passed


def test_containers_numbers_and_exceptions():
    assert compare(data((3, 4)), data([3, 4])).passed
    assert "expected 2 items, got 3" in compare(data((3, 4)), data((3, 4, 1))).message
    assert "keys differ" in compare(data({"a": 1}), data({"b": 1})).message
    assert compare(data(np.float64(2.0)), data(2.0 + 1e-9)).passed
    assert not compare(data(2), data(3)).passed
    assert compare(data(torch.float64), data(torch.float64)).passed
    assert "expected torch.float64, got torch.float32" in compare(data(torch.float64), data(torch.float32)).message
    expected = Raised("ValueError", ("ValueError", "Exception", "BaseException"), "incompatible")
    assert compare(data(expected), data(Raised("MyError", ("MyError", "ValueError", "Exception"), "x"))).passed
    assert "expected ValueError to be raised" in compare(data(expected), data((3, 4))).message
    assert "raised TypeError" in compare(data(expected), data(Raised("TypeError", ("TypeError",), "t"))).message


def test_not_plain_data_is_named():
    class Sneaky(torch.Tensor):
        pass

    v = compare(data(torch.ones(2)), data(torch.ones(2).as_subclass(Sneaky)))
    assert not v.passed and "Sneaky" in v.message and "plain" in v.message


def test_tf32_tolerance_only_for_cuda_and_tf32_checks():
    tf32 = Policy(dtype="promote", tf32=True)
    assert tolerance_for(("float32",), tf32, "cuda:0").reason.startswith("widened for CUDA")
    assert tolerance_for(("float32",), tf32, "cpu").reason == "float32 default"
    assert tolerance_for(("float32",), Policy(), "cuda").reason == "float32 default"
    assert tolerance_for(("float64",), tf32, "cuda").reason == "float64 default"


def emulate_tf32(t: torch.Tensor) -> torch.Tensor:
    """Round float32 to TF32 (10 explicit mantissa bits), as tensor cores do with matmul inputs."""
    bits = t.contiguous().view(torch.int32)
    rounded = (bits + 0x1000) & ~0x1FFF
    return rounded.view(torch.float32)


def test_tf32_gram_distances_pass_only_under_the_cuda_tolerance():
    """A correct Gram-form distance computed with TF32 inputs: wrong by CPU standards only."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 512, generator=g), torch.randn(48, 512, generator=g)
    reference = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    xt, yt = emulate_tf32(x), emulate_tf32(y)
    gram = (x * x).sum(1)[:, None] - 2 * xt @ yt.T + (y * y).sum(1)[None, :]
    from grader.wire import TensorValue

    on_gpu = TensorValue("float32", "cuda:0", False, data(gram).array)
    policy = Policy(dtype="promote", tf32=True)
    cpu_verdict = compare(data(reference), data(gram), policy, device="cpu")
    gpu_verdict = compare(data(reference), on_gpu, policy, device="cuda:0")
    assert not cpu_verdict.passed
    assert gpu_verdict.passed and gpu_verdict.tolerances[0].reason.startswith("widened for CUDA")
    wrong = TensorValue("float32", "cuda:0", False, data(gram * 1.01).array)
    assert not compare(data(reference), wrong, policy, device="cuda:0").passed


def test_a_tensor_claiming_cuda_on_a_cpu_run_gets_no_wider_tolerance():
    from grader.wire import TensorValue

    reference = torch.ones(4) * 100
    forged = TensorValue("float32", "cuda:0", False, (reference * (1 + 1e-4)).numpy())
    assert not compare(data(reference), forged, Policy(dtype="promote", tf32=True), device="cpu").passed


def test_odd_answers_fail_with_a_message_instead_of_crashing_the_judge():
    assert "expected a bool" in compare(data(True), data(np.array([True, False]))).message
    huge = compare(data(1.5), data(10**400))
    assert not huge.passed and "could not be compared" in huge.message
    many = compare(data({"a": 1}), data({f"k{i}": i for i in range(1000)})).message
    assert "995 more" in many and len(many) < 400

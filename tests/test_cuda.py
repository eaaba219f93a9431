"""Device-aware grading on a real CUDA device. Skipped (with the reason) without one.

Run on a GPU machine with ``scripts/gpu_check.sh`` (or ``python -m pytest -m cuda``).
The CPU side of the TF32 story is proven in test_compare.py with emulated TF32 inputs.
"""

from __future__ import annotations

import json

import pytest
import torch

from conftest import SOLUTIONS, run_cli

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU; this machine has none"),
    pytest.mark.timeout(600),
]

GRAM_TF32 = '''
def pairwise_sq_dists(x, y):
    torch.backends.cuda.matmul.allow_tf32 = True  # a course setup that turns TF32 on
    return (x * x).sum(1)[:, None] - 2 * x @ y.T + (y * y).sum(1)[None, :]
'''


def module_with(tmp_path, name: str, extra: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "broadcasting.py").write_text((SOLUTIONS / "broadcasting.py").read_text() + "\n" + extra)
    return folder / "broadcasting.py"


def grade_json(tmp_path, *args):
    out = tmp_path / f"r{len(list(tmp_path.iterdir()))}.json"
    result = run_cli(*args, "--device", "cuda", "--json", str(out))
    assert result.returncode in (0, 1), result.stderr
    return json.loads(out.read_text()), result.stdout


def test_solutions_score_full_marks_on_cuda(tmp_path):
    report, _ = grade_json(tmp_path, str(SOLUTIONS))
    assert report["device"] == "cuda" and report["percent"] == 100.0 and report["skipped_points"] == 0


def test_a_wrong_answer_stays_wrong_on_cuda(tmp_path):
    path = module_with(tmp_path, "wrong", GRAM_TF32.replace("- 2 * x @ y.T", "- x @ y.T"))
    report, _ = grade_json(tmp_path, str(path), "-k", "pairwise")
    (check,) = report["modules"][0]["checks"]
    assert check["status"] == "failed" and "values differ" in check["message"]


def test_tf32_matmul_passes_under_the_cuda_tolerance_and_says_so(tmp_path):
    path = module_with(tmp_path, "tf32", GRAM_TF32)
    report, stdout = grade_json(tmp_path, str(path), "-k", "pairwise")
    (check,) = report["modules"][0]["checks"]
    assert check["status"] == "passed"
    assert "wider tolerance" in check["hint"] and "TF32" in check["hint"]


def test_tf32_result_fails_the_cpu_tolerance_and_passes_the_cuda_one():
    """Both sides of the table on real TF32 numbers, at the sizes the GPU notes measured."""
    from grader.authoring.check import Policy
    from grader.judging.compare import compare
    from grader.wire import FrameReader, encode_frame

    def data(value):
        return list(FrameReader().feed(encode_frame({}, value)))[0][1]

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(2048, 512, generator=g), torch.randn(1024, 512, generator=g)
    reference = ((x.double()[:, None] - y.double()[None]) ** 2).sum(-1).float()
    saved = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        xc, yc = x.cuda(), y.cuda()
        gram = (xc * xc).sum(1)[:, None] - 2 * xc @ yc.T + (yc * yc).sum(1)[None, :]
    finally:
        torch.backends.cuda.matmul.allow_tf32 = saved
    policy = Policy(dtype="promote", tf32=True)
    assert not compare(data(reference), data(gram.cpu()), policy, device="cpu").passed
    verdict = compare(data(reference), data(gram), policy, device="cuda:0")
    assert verdict.passed, verdict.message

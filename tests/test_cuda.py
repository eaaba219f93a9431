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


# ---------------------------------------------------------------- hostile on CUDA
# Each case is appended to solutions/tensors.py and redefines add_inplace_ (2 points), whose
# inputs are on the GPU in a CUDA run; every case is graded between two honest submissions.
HOSTILE_CUDA = {
    # a device-side assert poisons the context: that check fails, the rest run in a fresh worker
    "device_assert": ('''
def add_inplace_(x, y):
    x.view(-1)[torch.tensor([10 ** 6], device=x.device)] = 0
    torch.cuda.synchronize()
    return x.add_(y)
''', "device_error"),
    # a kernel that never ends: the check's deadline kills the worker
    "endless_kernel": ('''
def add_inplace_(x, y):
    torch.cuda._sleep(1 << 62)
    torch.cuda.synchronize()
    return x.add_(y)
''', "timeout"),
    # filling the GPU: stopped at its budget (4 GiB here), long before the card is full
    "fill_gpu": ('''
import time
def add_inplace_(x, y):
    hoard = []
    for _ in range(100):
        hoard.append(torch.empty(1 << 30, dtype=torch.uint8, device=x.device))
        time.sleep(0.05)
    return x.add_(y)
''', "memory"),
    # tensors left on the device (within budget): full marks, and gone before the next student
    "leave_tensors": ('''
LEFT = []
_add_inplace = add_inplace_
def add_inplace_(x, y):
    LEFT.append(torch.empty(3 << 30, dtype=torch.uint8, device=x.device))
    return _add_inplace(x, y)
''', ""),
}
CALL = "tensors.add_inplace_mutates"


def verdicts(report) -> list[tuple]:
    return [(c.id, c.status, c.points) for c in report.checks]


@pytest.fixture(scope="module")
def hostile_cuda(tmp_path_factory):
    from grader.isolation.limits import Limits
    from grader.isolation.memory_watch import GpuMeter
    from grader.judging.selection import Selection
    from grader.session import Grader, Options
    from grader.submissions.resolve import resolve

    tmp = tmp_path_factory.mktemp("hostile-cuda")
    order = ["control"] + [c for case in HOSTILE_CUDA for c in (case, "control")]
    subs = []
    for number, case in enumerate(order):
        folder = tmp / f"{number:02d}-{case}"
        folder.mkdir()
        extra = "" if case == "control" else HOSTILE_CUDA[case][0]
        (folder / "tensors.py").write_text((SOLUTIONS / "tensors.py").read_text() + "\n" + extra)
        subs.append(resolve(folder / "tensors.py"))
    reports = {}
    options = Options(device="cuda", sandbox="process", selection=Selection("tensors"),
                      limits=Limits(check_timeout=8, gpu_memory=4 << 30))
    with Grader(options) as grader:
        grader.grade(subs, lambda sub, report: reports.__setitem__(id(sub), report))
        meter = GpuMeter.open()
        zygote_trees = {z.proc.pid for z in grader.runner.zygotes}
        import psutil
        ours = zygote_trees | {p.pid for pid in zygote_trees for p in psutil.Process(pid).children(recursive=True)}
        held = {pid: used for pid, used in (meter.usage() if meter else {}).items() if pid in ours}
    return [reports[id(s)] for s in subs], order, held


@pytest.mark.parametrize("case", sorted(HOSTILE_CUDA))
def test_hostile_on_cuda_gets_its_reason_and_harms_no_neighbour(hostile_cuda, case):
    reports, order, _ = hostile_cuda
    control = reports[0]
    assert control.score == control.max_score > 0
    report = reports[order.index(case)]
    after = reports[order.index(case) + 1]
    assert verdicts(after) == verdicts(control), f"the student after {case} was graded differently"
    reason = HOSTILE_CUDA[case][1]
    [check] = [c for c in report.checks if c.id == CALL]
    if not reason:
        assert verdicts(report) == verdicts(control)
        return
    assert (check.status, check.reason) == ("failed", reason), check.message
    assert report.score == control.score - check.max_points, [(c.id, c.status, c.message) for c in report.checks]


def test_no_worker_holds_gpu_memory_after_the_class(hostile_cuda):
    _, _, held = hostile_cuda
    assert held == {}


def test_solutions_score_full_marks_on_cuda_under_bwrap(tmp_path):
    from grader.isolation.sandbox import bwrap_problem

    if bwrap_problem():
        pytest.skip(f"bubblewrap sandbox unavailable: {bwrap_problem()}")
    report, _ = grade_json(tmp_path, str(SOLUTIONS), "--sandbox", "bwrap")
    assert report["sandbox"] == "bwrap" and report["percent"] == 100.0 and report["skipped_points"] == 0

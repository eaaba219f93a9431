"""The worker's memory limit bounds memory, not address space, in both runners and sandboxes.

A CUDA context reserves hundreds of GB of addresses at start (``PROT_NONE``, never backed):
an address-space limit (``RLIMIT_AS``) made every GPU check fail with "out of memory" on a
real GPU. The limit now counts private memory (``RLIMIT_DATA``), so a 64 GiB ``PROT_NONE``
reservation is admitted while a 3 GiB allocation is still refused with reason ``memory``;
shared memory, which ``RLIMIT_DATA`` does not count, is stopped by the judge's watch.
"""

from __future__ import annotations

import pytest

from conftest import grade_all
from grader.isolation.limits import Limits
from grader.isolation.sandbox import bwrap_problem
from grader.judging.selection import Selection
from grader.paths import PACKAGE_ROOT
from grader.submissions.resolve import resolve

SOLUTION = (PACKAGE_ROOT / "solutions" / "tensors.py").read_text()
CALL = "tensors.add_inplace_mutates"
CASES = {
    # the address space a CUDA context reserves at start: admitted, the call goes on
    "reserve": """
import mmap
_add_inplace = add_inplace_
def add_inplace_(x, y):
    reserved = mmap.mmap(-1, 64 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=0)
    return _add_inplace(x, y)
""",
    # more than the default 2 GB of memory: refused
    "allocate": """
def add_inplace_(x, y):
    hoard = bytearray(3 << 30)
    return x.add_(y)
""",
    # shared memory escapes RLIMIT_DATA: the judge stops it
    "shared": """
import mmap
def add_inplace_(x, y):
    hoard = mmap.mmap(-1, 4 << 30, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    for offset in range(0, len(hoard), 64 << 20):
        hoard[offset:offset + (64 << 20)] = b"x" * (64 << 20)
    return x.add_(y)
""",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    done = {}

    def get(runner: str, sandbox: str) -> dict:
        if sandbox == "bwrap" and bwrap_problem():
            pytest.skip(f"bubblewrap sandbox unavailable: {bwrap_problem()}")
        if (runner, sandbox) not in done:
            tmp = tmp_path_factory.mktemp(f"{runner}-{sandbox}")
            subs = []
            for name, code in CASES.items():
                (tmp / name).mkdir()
                (tmp / name / "tensors.py").write_text(SOLUTION + "\n" + code)
                subs.append(resolve(tmp / name / "tensors.py"))
            reports = grade_all(subs, runner=runner, sandbox=sandbox, selection=Selection(CALL),
                                limits=Limits(check_timeout=20, memory=2 << 30))
            done[runner, sandbox] = dict(zip(CASES, reports))
        return done[runner, sandbox]

    return get


def verdict(report) -> tuple:
    [check] = [c for c in report.checks if c.id == CALL]
    return check.status, check.reason, check.message


@pytest.mark.timeout(300)
@pytest.mark.parametrize("runner", ["zygote", "spawn"])
@pytest.mark.parametrize("sandbox", ["process", "bwrap"])
def test_reservation_admitted_allocation_refused(graded, runner, sandbox):
    reports = graded(runner, sandbox)
    assert verdict(reports["reserve"])[:2] == ("passed", "")
    status, reason, message = verdict(reports["allocate"])
    assert (status, reason) == ("failed", "memory"), message
    assert "MemoryError" in message
    status, reason, message = verdict(reports["shared"])
    assert (status, reason) == ("failed", "memory"), message
    assert "shared memory" in message

"""Hostile submissions, graded in one batch per sandbox mode next to an honest one.

Each case (tests/hostile/<case>.py, appended to a copy of solutions/tensors.py) must get
its expected score and reason, leave no process and no file behind, and must not change
how the honest submission graded right after it is judged. Both sandbox modes run the
same cases; where they differ (network, files, solutions) the expectation says which.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.session import Grader, Options
from grader.submissions.resolve import resolve
from grader.paths import PACKAGE_ROOT, cache_dir
from grader.isolation.limits import Limits
from grader.isolation.sandbox import bwrap_problem
from grader.judging.selection import Selection

HOSTILE = Path(__file__).parent / "hostile"
SOLUTION = (PACKAGE_ROOT / "solutions" / "tensors.py").read_text()
FULL = 19  # tensors on the CPU (the CUDA check is skipped)
CALL = "tensors.add_inplace_mutates"  # the check a "during a call" case sabotages (2 points)
LIMITS = Limits(check_timeout=2, import_timeout=5, submission_timeout=20, memory=512 << 20)
MODES = ["process", "bwrap"]
ROOT = os.geteuid() == 0  # process-mode workers of a root grader leave root (grader.isolation.confine)


@dataclass(frozen=True)
class Expect:
    """The verdict for one case: its score, and the message of each failed check.

    ``failed`` maps check ids (or "*" for all of them) to a regex of the message; every
    check not listed must pass with full points.
    """

    score: float
    failed: dict = field(default_factory=dict)
    stdout: str = ""  # a regex the captured stdout must match
    notes: str = ""  # a regex one of the report's notes must match
    fast: bool = True


def call_fails(reason: str, **kw) -> Expect:
    return Expect(FULL - 2, {CALL: reason}, **kw)


def load_fails(reason: str, **kw) -> Expect:
    return Expect(0, {"*": reason}, **kw)


COMMON = {
    "loop_at_import": load_fails(r"did not finish loading within 5 s", fast=False),
    "loop_in_call": call_fails(r"your code timed out after 2 s", fast=False),
    "memory_bomb": call_fails(r"MemoryError"),
    "reserve_address_space": Expect(FULL),
    "shared_memory_bomb": call_fails(r"used more than 512 MB of shared memory"),
    # stops the next student's spare worker and leaves signals pending on it: the control after
    # it is graded by a fresh worker (test_hostile_batch_leaves_nothing_and_harms_no_one)
    "signal_the_spare": Expect(FULL),
    "segfault": call_fails(r"crashed \(segmentation fault\)"),
    "os_exit_at_import": load_fails(r"exited the process \(status 0\) instead of returning"),
    "os_exit_in_call": call_fails(r"exited the process \(status 0\) instead of returning"),
    "sys_exit_at_import": load_fails(r"SystemExit"),
    "sys_exit_in_call": call_fails(r"called sys\.exit\(0\) during the check"),
    "patched_comparisons": call_fails(r"."),
    "fake_report": load_fails(r"wrote into the grader.s private result pipe", stdout=r"Total: 100/100"),
    "orphans": Expect(FULL, notes=r"\d+ leftover process\(es\) your code started were killed"),
    "fork_flood": Expect(FULL, notes=r"\d+ leftover process\(es\) your code started were killed"),
    # The checks before add_inplace_ (12 points) were graded; the pool died with the rest.
    "kill_parent": Expect(12, {CALL: r"killed the grader.s process that runs it", "tensors.transpose_inplace_mutates": ".",
                               "tensors.make_trainable_leaf": ".", "tensors.to_device_and_dtype": "."}, fast=False),
    "daemon_then_kill_parent": load_fails(r"killed the grader.s process that runs it", fast=False),
    # A frozen zygote answers no kill: the judge waits 5 s more, then ends it (same 12 points).
    "stop_parent": Expect(12, {CALL: r"your code timed out after 2 s", "tensors.transpose_inplace_mutates": ".",
                               "tensors.make_trainable_leaf": ".", "tensors.to_device_and_dtype": "."}, fast=False),
    "output_flood": load_fails(r"printed more than 16 MB of output"),
    "recursion": call_fails(r"RecursionError"),
    "deep_recursion_crash": call_fails(r"crashed \(segmentation fault\)"),
    "forged_shares_memory": Expect(FULL - 3, {"tensors.tensor_copy_independent": r"shares_memory"}),
    # issue 17, part 1: calls and privileges a submission has no use for, in both modes
    "open_by_handle": call_fails(r".", stdout=r"open_by_handle_at: -1 errno 1\b"),
    "pidfd_getfd": call_fails(r".", stdout=r"pidfd_getfd: errno 1\b"),
    "privileged_calls": Expect(FULL, stdout=r"allowed: \[\]"),
    "zombie_leader": Expect(FULL, notes=r"\d+ leftover process\(es\) your code started were killed"),
    "not_plain_data": Expect(FULL - 7, {"tensors.mixed_sums_dtypes": ".", "tensors.promoted_dtype_table": ".",
                                        "tensors.to_device_and_dtype": "."}),
}
EXPECT = {
    "process": {
        **COMMON,
        # Documented limits of process mode: the network and the host's /tmp are reachable; the
        # repository and solutions/ too, unless the grader runs as root (its workers do not).
        "socket_out": Expect(FULL, stdout=r"network: connected"),
        "write_outside": Expect(FULL, stdout=re.escape(f"could not write {PACKAGE_ROOT}/") if ROOT else r"wrote /tmp/"),
        "find_solutions": call_fails(r".", stdout=r"solutions: not found") if ROOT else Expect(FULL, stdout=r"solutions: /"),
        "stop_judge": Expect(FULL, stdout=r"could not stop the judge" if ROOT else r"stopped the judge"),
        # a worker that left root can signal neither its zygote nor the judge
        **({"kill_parent": call_fails(r"PermissionError", fast=False),
            "daemon_then_kill_parent": load_fails(r"PermissionError", fast=False),
            "stop_parent": call_fails(r"PermissionError", fast=False)} if ROOT else {}),
        "tamper_cache": Expect(FULL, stdout=r"cache: \d+ visible, 0 rewritten" if ROOT else r"cache: "),
        "litter": Expect(FULL),
        # tempfile's folder is the job's own (emptied after it); the host's /tmp stays writable
        # by name in process mode, which write_outside documents
        "snoop": Expect(FULL, stdout=r"litter: \[\]"),
    },
    "bwrap": {
        **COMMON,
        "kill_everything_visible": load_fails(r"killed the grader.s process that runs it", fast=False),
        "socket_out": call_fails(r".", stdout=r"network: \[Errno \d+\]"),
        "write_outside": Expect(FULL, stdout=re.escape(f"could not write {PACKAGE_ROOT / 'grader'}/")),
        "find_solutions": call_fails(r".", stdout=r"solutions: not found"),
        "litter": Expect(FULL),
        "snoop": Expect(FULL, stdout=r"litter: \[\]"),
        "stop_judge": Expect(FULL, stdout=r"the judge did not stop|could not stop the judge"),
        "tamper_cache": Expect(FULL, stdout=r"cache: 0 visible, 0 rewritten"),
    },
}


def needs(mode: str) -> None:
    if mode == "bwrap" and bwrap_problem():
        pytest.skip(f"bubblewrap sandbox unavailable: {bwrap_problem()}")


def marked_processes(marker: str) -> list[str]:
    """Command lines of live processes carrying ``marker`` (every process a case starts does);
    a zombie leader's is read from its live threads."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmdlines = [Path(f"/proc/{entry}/task/{tid}/cmdline").read_bytes() for tid in os.listdir(f"/proc/{entry}/task")]
            except OSError:
                continue
            for cmdline in cmdlines:
                if marker.encode() in cmdline:
                    found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
                    break
    return found


def cache_digests() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(cache_dir().glob("*"))}


def stray_files(marker: str) -> list[Path]:
    return sorted(p for folder in (PACKAGE_ROOT, PACKAGE_ROOT / "grader", Path("/tmp")) for p in folder.glob(f"{marker}*"))


@dataclass
class Batch:
    reports: dict  # student -> Report, in grading order
    marker: str
    left_running: list[str]
    stray: list[Path]
    connections: list[bytes]
    cache_changed: list[str]  # reference cache files that the batch changed


def grade_batch(mode: str, cases: list[str], workdir: Path) -> Batch:
    """Grade ``control, case1, control, case2, ...`` in one Grader session."""
    marker = f"hostile{uuid.uuid4().hex[:12]}"
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    submissions = []
    for number, case in enumerate(["control"] + [c for case in cases for c in (case, "control")]):
        folder = workdir / f"{number:02d}-{case}"
        folder.mkdir()
        hostile = "" if case == "control" else (HOSTILE / f"{case}.py").read_text()
        hostile = hostile.replace("HOSTILE_MARKER", marker).replace("HOSTILE_PORT", str(port))
        (folder / "tensors.py").write_text(SOLUTION + "\n\n" + hostile)
        submissions.append(resolve(folder / "tensors.py"))
    reports = {}
    options = Options(sandbox=mode, selection=Selection("tensors"), limits=LIMITS)
    with Grader(options) as grader:
        assert grader.sandbox.name == mode
        cache_before = cache_digests()  # the session has loaded (and maybe stored) its reference
        grader.grade(submissions, lambda sub, report: reports.__setitem__(sub.student, report))
        left_running = marked_processes(marker)
    connections = []
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            break
        conn.settimeout(2)
        connections.append(conn.recv(100))
        conn.close()
    listener.close()
    stray = stray_files(marker)
    for path in stray:
        path.unlink()
    cache_after = cache_digests()
    changed = sorted(name for name in cache_before.keys() | cache_after.keys() if cache_before.get(name) != cache_after.get(name))
    return Batch(reports, marker, left_running + marked_processes(marker), stray, connections, changed)


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """One graded batch per (mode, fast?), graded on first use."""
    done: dict = {}

    def get(mode: str, fast: bool) -> Batch:
        needs(mode)
        if (mode, fast) not in done:
            cases = [c for c, e in EXPECT[mode].items() if e.fast == fast]
            done[mode, fast] = grade_batch(mode, cases, tmp_path_factory.mktemp(f"{mode}-{fast}"))
        return done[mode, fast]

    return get


def report_of(batch: Batch, case: str):
    [report] = [r for student, r in batch.reports.items() if student.split("-", 1)[1] == case]
    return report


def assert_verdict(report, expect: Expect) -> None:
    assert report.score == expect.score, [(c.id, c.status, c.message) for c in report.checks]
    for check in report.checks:
        if check.status == "skipped":
            continue
        reason = expect.failed.get(check.id, expect.failed.get("*"))
        if reason is None:
            assert (check.status, check.points) == ("passed", check.max_points), (check.id, check.message)
        else:
            assert check.status == "failed" and check.points == 0, (check.id, check.status)
            assert re.search(reason, check.message), (check.id, check.message)
    if expect.stdout:
        assert re.search(expect.stdout, report.stdout), report.stdout[:500]
    if expect.notes:
        assert any(re.search(expect.notes, note) for note in report.notes), report.notes


def cases_of(fast: bool) -> list:
    marks = [] if fast else [pytest.mark.slow]
    return [pytest.param(mode, case, id=f"{mode}-{case}", marks=marks)
            for mode in MODES for case, expect in EXPECT[mode].items() if expect.fast == fast]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode, case", cases_of(fast=True) + cases_of(fast=False))
def test_hostile_case_gets_its_verdict(batches, mode, case):
    expect = EXPECT[mode][case]
    assert_verdict(report_of(batches(mode, expect.fast), case), expect)


def batch_params() -> list:
    return [pytest.param(mode, fast, id=f"{mode}-{'fast' if fast else 'slow'}", marks=[] if fast else [pytest.mark.slow])
            for mode in MODES for fast in (True, False)]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode, fast", batch_params())
def test_honest_submissions_in_the_batch_grade_as_alone(batches, mode, fast):
    """The honest copy graded first and each one graded right after a hostile case agree."""
    batch = batches(mode, fast)
    controls = [r for student, r in batch.reports.items() if student.endswith("-control")]
    assert len(controls) == 1 + sum(1 for e in EXPECT[mode].values() if e.fast == fast)

    def verdicts(report):
        return [(c.id, c.status, c.points, c.message) for c in report.checks]

    assert controls[0].score == FULL
    for report in controls[1:]:
        assert verdicts(report) == verdicts(controls[0]), report.student
        assert report.sandbox == mode and not report.notes


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode, fast", batch_params())
def test_no_process_or_file_left_behind(batches, mode, fast):
    batch = batches(mode, fast)
    assert batch.left_running == []
    if mode == "bwrap" or ROOT:
        assert batch.cache_changed == []
    if mode == "bwrap":
        assert batch.stray == [] and batch.connections == []
    elif fast:  # process mode documents it: the write and the connection got through
        m = batch.marker
        repository = set() if ROOT else {f"{PACKAGE_ROOT}/{m}.txt", f"{PACKAGE_ROOT}/grader/{m}.txt"}
        # litter went to the job's own tempdir
        assert {str(p) for p in batch.stray} == repository | {f"/tmp/{m}.txt"}
        assert batch.connections == [batch.marker.encode()]


@pytest.mark.timeout(120)
def test_output_flood_is_stopped_fast(batches):
    report = report_of(batches("process", True), "output_flood")
    assert report.duration < 10

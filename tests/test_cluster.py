"""``batch --cluster``: a real Dask cluster (LocalCluster, 2 worker processes of 1 thread).

The same class graded locally and on the cluster gives byte-identical grades.csv; a worker
killed mid-chunk costs only that chunk, run again elsewhere; a hostile submission on a worker
harms nobody else on it. The answers a worker sends are read like any worker's frames
(``grader.cluster.records``), and without ``--cluster`` Dask is never imported.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from conftest import ROOT, run_cli
from test_batch import BROKEN, EXITS, LIMITS, LOOPS, PARTIAL, SELECT, attempts, batch, committed, student
from grader.cluster.records import apply_frames, to_frames
from grader.isolation.job import CheckOutcome, Job, ModuleStatus, Stream
from grader.isolation.limits import Limits
from grader.wire import TensorValue, WireError

CHECKS = [{"id": "m.a", "module": "m", "cases": 2}, {"id": "m.b", "module": "m", "cases": 1}]


def asked() -> Job:
    return Job(name="x", root="", modules=["m"], checks=CHECKS, seeds={"m": [0, 1]})


def answered() -> Job:
    """A finished job as a worker's runner leaves it: values, a kill, output."""
    job = asked()
    job.module_status["m"] = ModuleStatus("ok")
    value = TensorValue("bfloat16", "cpu", True, np.array([1.5, -2.0], np.float32))
    job.results = {"m.a": {0: CheckOutcome("value", value=value, output="hi", duration=0.25),
                           1: CheckOutcome("error", "ValueError: no", reason="raised", exception="ValueError")},
                   "m.b": {0: CheckOutcome("killed", "your code timed out after 3 s", reason="timeout")}}
    job.stdout, job.stderr = Stream(100), Stream(100)
    job.stdout.add(b"printed\n" * 50)
    job.started, job.finished, job.leftovers = 10.0, 12.5, 2
    return job


def test_a_workers_answer_is_judged_as_its_runner_recorded_it():
    job = asked()
    apply_frames(job, to_frames(answered()), Limits(keep_output=100))
    value = job.results["m.a"][0].value
    assert value.dtype == "bfloat16" and value.requires_grad and value.array.tolist() == [1.5, -2.0]
    assert job.results["m.a"][0].duration == 0.25 and job.results["m.a"][0].output == "hi"
    assert job.results["m.a"][1].exception == "ValueError"
    assert job.results["m.b"][0].reason == "timeout"  # a runner's kill keeps its code
    assert job.stdout.total == 400 and "[... 300 more bytes not shown]" in job.stdout.text()
    assert (job.leftovers, job.finished - job.started) == (2, 2.5)


def test_a_forged_answer_gets_nothing_it_did_not_ask_for():
    forged = answered()
    forged.results = {"m.zzz": {0: CheckOutcome("value", value=1.0)},  # a check nobody asked for
                      "m.a": {7: CheckOutcome("value", value=1.0),  # a case nobody asked for
                              1: CheckOutcome("error", "x", reason="reference_failed")}}  # the judge's own code
    forged.leftovers, forged.finished = -4, 1e9
    job = asked()
    apply_frames(job, to_frames(forged), Limits())
    assert set(job.results) == {"m.a"} and set(job.results["m.a"]) == {1}
    assert job.results["m.a"][1].reason == "raised"
    assert job.leftovers == 0 and job.finished == 0.0
    flood = to_frames(answered()) * 10
    with pytest.raises(WireError, match="more than 5 frames"):
        apply_frames(asked(), flood, Limits())
    with pytest.raises(WireError, match="at most"):
        apply_frames(asked(), to_frames(answered()), Limits(results=100))


def test_without_cluster_dask_is_never_imported(tmp_path):
    student(tmp_path / "subs", "a")
    code = ("import sys; from grader.batch import command; import grader.cli; "
            f"rc = command.main([{str(tmp_path / 'subs')!r}, '-o', {str(tmp_path / 'out')!r}, '-j', '1', "
            "'-k', 'tensors.', '--sandbox', 'process']); "
            "print('imported:', sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))); "
            "sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "imported: []" in result.stdout


# ---------------------------------------------------------------------------- a real cluster

@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  memory_limit=0) as local:
        with distributed.Client(local) as client:
            yield local, client


def on_cluster(cluster, subs, out, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("batch", str(subs), "-o", str(out), *SELECT, *LIMITS, "--cluster", cluster[0].scheduler_address,
                   *extra)


@pytest.mark.timeout(240)
def test_a_class_graded_on_the_cluster_gets_byte_identical_grades(cluster, tmp_path):
    subs = tmp_path / "subs"
    for name, edits in {"alice": {}, "partial": PARTIAL, "broken": BROKEN, "loops": LOOPS, "exits": EXITS}.items():
        student(subs, name, edits)
    shutil.make_archive(str(subs / "erin"), "zip", subs / "alice")  # alice's files again: one task, two students
    (subs / "empty").mkdir()  # not gradable: judged on the TA's side, never sent
    local = batch(subs, tmp_path / "local")
    assert local.returncode == 0, local.stderr
    result = on_cluster(cluster, subs, tmp_path / "cluster", "--chunk", "2")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cluster" / "grades.csv").read_bytes() == (tmp_path / "local" / "grades.csv").read_bytes()
    again = on_cluster(cluster, subs, tmp_path / "cluster")
    assert again.returncode == 0 and "0 to grade, 7 unchanged" in again.stderr, again.stderr


HOSTILE_CASES = ["kill_everything_visible", "kill_parent", "fake_report"]


@pytest.mark.timeout(240)
def test_a_hostile_submission_on_a_worker_harms_no_other(cluster, tmp_path):
    from grader.isolation.sandbox import bwrap_problem
    from test_hostile import EXPECT, HOSTILE, SOLUTION

    if bwrap_problem():
        pytest.skip(f"bubblewrap sandbox unavailable: {bwrap_problem()}")
    _, client = cluster
    pids = client.run(os.getpid)
    subs, marker = tmp_path / "subs", f"hostile{uuid.uuid4().hex[:12]}"
    for number, case in enumerate(c for case in HOSTILE_CASES for c in ("honest", case)):
        hostile = "" if case == "honest" else (HOSTILE / f"{case}.py").read_text().replace("HOSTILE_MARKER", marker)
        (subs / f"{number:02d}-{case}").mkdir(parents=True)
        (subs / f"{number:02d}-{case}" / "tensors.py").write_text(SOLUTION + "\n\n" + hostile)
    result = run_cli("batch", str(subs), "-o", str(tmp_path / "out"), "-k", "tensors.", "--timeout", "2",
                     "--total-timeout", "20", "--memory", "512", "--chunk", "2", "--cluster",
                     cluster[0].scheduler_address)
    assert result.returncode == 0, result.stderr
    rows = {line.split(",")[0]: line.split(",") for line in (tmp_path / "out" / "grades.csv").read_text().splitlines()}
    for name, row in rows.items():
        if name == "id":
            continue
        case = name.split("-", 1)[1]
        expected = 19 if case == "honest" else EXPECT["bwrap"][case].score
        assert float(row[1]) == expected, (name, row[:8])
    assert json.loads((tmp_path / "out" / "feedback" / "01-kill_everything_visible.json").read_text())["sandbox"] == "bwrap"
    assert client.run(os.getpid) == pids  # no worker died or was restarted


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_chunk_loses_nothing(cluster, tmp_path):
    local, client = cluster
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in "abcdefgh":
        # every chunk runs a while, so a kill lands inside one; each student's files differ
        # (identical submissions would run once: two tasks, done at the same moment)
        slow = f"import time\ntime.sleep(2)  # {name}\n"
        student(subs, name, {"broadcasting": slow, **(PARTIAL if name in "be" else {})})
    cmd = [sys.executable, "-m", "grader", "batch", str(subs), "-o", str(out), *SELECT, *LIMITS, "--chunk", "1",
           "--cluster", local.scheduler_address]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 120
        victim = None
        while victim is None:
            assert proc.poll() is None and time.monotonic() < deadline, "no chunk was seen running"
            busy = [w for w, keys in client.processing().items() if keys and w in pids]
            if committed(out) and busy:
                victim = busy[0]
            time.sleep(0.05)
        os.kill(pids[victim], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=180)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert attempts(out) == dict.fromkeys("abcdefgh", 1)
    rows = dict(line.split(",")[:4:3] for line in (out / "grades.csv").read_text().splitlines()[1:])
    assert {k for k, percent in rows.items() if float(percent) < 100} == {"b", "e"}
    assert client.run(os.getpid).get(victim) != pids[victim]

"""Benchmark: ``python -m grader batch`` against a process per submission and an unsafe floor.

Not a test. Builds N submissions (mostly correct, some with a classic bug from
tests/mutants.py, one that loops in a call until the check times out, one that calls
``os._exit`` and one that segfaults through ctypes), then times:

(a) the batch mode, ``-j J``, under each ``--sandbox`` asked for, with peak memory (the sum
    of the RSS of the batch's whole process tree, sampled);
(b) a process per submission (``python -m grader ONE``), sequentially and J at a time, on a
    sample of the submissions, extrapolated to N (grading N that way would take an hour);
(c) an unsafe floor: a fresh Python process that imports torch, then every well-behaved
    submission, runs the scenarios straight from grader.authoring.check.REGISTRY and compares with the
    solutions' results, with no isolation at all (the hostile ones would hang or kill it, so
    they are left out).

Every rate is end to end, from starting a command to its exit, as a TA waits for it: the
batch and the floor both pay their one `import torch` (and the baseline pays one per
submission). The floor's rate without its imports is printed as well.

    python scripts/bench_batch.py [--n 100] [-j 2] [--sample 10] [--sandbox process bwrap]
    python scripts/bench_batch.py --analysis 1000   # the class analysis and report.html alone
    python scripts/bench_batch.py --n 200 --cluster --sandbox bwrap   # (a) against the same batch on a Dask cluster

With ``--cluster`` the batch is also run with ``--cluster`` on a LocalCluster of J worker
processes of one thread (each pinned to a core of its own where there are J cores), twice:
cold (the workers' sessions start inside the run, as a TA's first batch) and warm (a second
class on the same workers); the overhead is against (a) with the same sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from mutants import MUTANTS  # noqa: E402

from grader.manifest import active  # noqa: E402

MODULES = active().modules
from grader.authoring.notebooks_build import build_notebook  # noqa: E402

TIMEOUT = 3.0  # per check: the looping submission costs 3 s, not 10
COMMON = ["--timeout", f"{TIMEOUT:g}"]
HOSTILE = {
    "times_out": ("tensors", "def mixed_sums(xr, b, c):\n    while True:\n        pass\n"),
    "exits": ("broadcasting", "def broadcast_shape(shape_a, shape_b):\n    import os\n    os._exit(1)\n"),
    "segfaults": ("autograd", "import ctypes\n\ndef exp_loss(*args, **kwargs):\n    return ctypes.string_at(0)\n"),
}


def build(folder: Path, n: int, seed: int = 0, notebooks: bool = False) -> dict[str, str]:
    """N submissions: hostile ones first, then ~20% with a bug, the rest correct; each a
    folder of modules, or (``notebooks``) one notebook holding them all, cell by cell, as
    `python -m grader build notebooks` lays them out. Returns student -> kind."""
    rng = random.Random(seed)
    kinds = {}
    solutions = {m: (ROOT / "solutions" / f"{m}.py").read_text() for m in MODULES}
    for number in range(n):
        name = f"s{number:04d}"
        files = dict(solutions)
        hostile = list(HOSTILE)
        if number < len(hostile):
            kind = hostile[number]
            module, code = HOSTILE[kind]
            files[module] += "\n" + code
        elif rng.random() < 0.2:
            mutant = rng.choice(MUTANTS)
            kind = "partly wrong"
            files[mutant["module"]] = files[mutant["module"]].replace(mutant["old"], mutant["new"])
        else:
            kind = "correct"
        if notebooks:
            folder.mkdir(parents=True, exist_ok=True)
            notebook = nbformat.v4.new_notebook()
            for module, text in files.items():
                notebook.cells += build_notebook(text, module).cells
            nbformat.write(notebook, str(folder / f"{name}.ipynb"))
        else:
            (folder / name).mkdir(parents=True)
            for module, text in files.items():
                (folder / name / f"{module}.py").write_text(text)
        kinds[name] = kind
    return kinds


class PeakMemory:
    """Samples the memory of a process and all its descendants until stopped: the sum of
    their RSS (pages a forked worker shares with its zygote count twice: an upper bound)
    and the sum of their PSS (shared pages split between their users: the real footprint)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.peak = self.peak_pss = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, args=(interval,), daemon=True)
        self.thread.start()

    def sample(self, interval: float) -> None:
        while not self.stopped.wait(interval):
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            rss = pss = 0
            for proc in tree:
                try:
                    info = proc.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                rss, pss = rss + info.rss, pss + info.pss
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)

    def stop(self) -> tuple[int, int]:
        self.stopped.set()
        self.thread.join()
        return self.peak, self.peak_pss


def run_batch(subs: Path, out: Path, jobs: int, sandbox: str, env: dict,
              extra: tuple[str, ...] = ()) -> tuple[float, tuple[int, int], str]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", str(subs), "-o", str(out), "-j", str(jobs),
                             "--sandbox", sandbox, *COMMON, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    memory = PeakMemory(proc.pid)
    stdout, _ = proc.communicate()
    elapsed = time.perf_counter() - start
    peak = memory.stop()
    if proc.returncode != 0:
        raise SystemExit(f"batch failed (exit {proc.returncode}):\n{stdout}")
    return elapsed, peak, stdout


def grade_one(path: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", str(path), "-q", *COMMON], cwd=ROOT, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def baseline(paths: list[Path], jobs: int, env: dict) -> float:
    """Seconds to grade ``paths`` one process each, ``jobs`` at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda p: grade_one(p, env), paths))
    return time.perf_counter() - start


def same(expected, actual) -> bool:
    """A plain comparison for the floor (allclose on tensors, == on the rest)."""
    import torch

    if isinstance(expected, torch.Tensor):
        return (isinstance(actual, torch.Tensor) and expected.shape == actual.shape and expected.dtype == actual.dtype
                and torch.allclose(expected, actual, equal_nan=True))
    if isinstance(expected, (list, tuple)):
        return isinstance(actual, (list, tuple)) and len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and expected.keys() == actual.keys() and all(
            same(expected[k], actual[k]) for k in expected)
    try:
        return bool(expected == actual)
    except Exception:  # noqa: BLE001 - an unusual value is a wrong answer here
        return False


def unsafe_floor(paths: list[Path], env: dict) -> tuple[float, float]:
    """Seconds for a fresh process to grade ``paths`` with no isolation, end to end; and the
    seconds of that it spent before the first submission (Python, torch, torchvision, the
    checks, the solutions' results)."""
    start = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, "--floor", *map(str, paths)], env=env, check=True,
                           stdout=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, elapsed - json.loads(child.stdout.splitlines()[-1])["grading"]


def floor_process(paths: list[Path]) -> None:
    """The floor's process (``--floor PATH...``): prints the seconds spent grading, after the imports.
    It imports as a zygote does (grader.isolation.zygote.import_once), so the floor is as fast as it can be."""
    from grader.isolation.zygote import import_once

    import_once(("torchvision",))
    from grader.authoring.check import Case
    from grader.manifest.checks import load_checks
    from grader.isolation.worker import SubmissionModule, load_module, run_case

    registry = load_checks(active())
    scratch = tempfile.mkdtemp(prefix="bench-floor-")

    def results(root: Path) -> dict:
        got = {}
        for module_name in MODULES:
            module, status = load_module(module_name, str(root / f"{module_name}.py"), str(root))
            sub = SubmissionModule(module, f"{module_name}.py", {}) if module else None
            for check in registry[module_name]:
                if check.requires_cuda:
                    continue
                for index in range(check.cases):
                    case = Case(active().seeds["public"][index], scratch=scratch)
                    got[check.id, index] = run_case(check, sub, case, str(root)) if sub else ({}, None)
        return got

    reference = results(ROOT / "solutions")
    ready = time.perf_counter()
    for path in paths:
        got = results(path)
        for key, (outcome, value) in reference.items():
            same(value, got[key][1])
    shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"grading": time.perf_counter() - ready}))


def pin_to_core(cores: list[int]) -> int:
    """Run in each Dask worker: take the first core of ``cores`` no other worker took."""
    import fcntl

    for core in cores:
        lock = open(Path(tempfile.gettempdir()) / f"bench-cluster-core-{core}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue
        pin_to_core.lock = lock  # held while the worker lives
        os.sched_setaffinity(0, {core})
        return core
    return -1


def bench_cluster(subs: Path, work: Path, args, env: dict, local: dict[str, float]) -> None:
    """The same batch on a LocalCluster of ``-j`` one-thread workers, cold then warm."""
    from distributed import Client, LocalCluster

    cores = sorted(os.sched_getaffinity(0))
    with LocalCluster(n_workers=args.jobs, processes=True, threads_per_worker=1, dashboard_address=None,
                      memory_limit=0) as cluster, Client(cluster) as client:
        pinned = client.run(pin_to_core, cores) if len(cores) >= args.jobs else {}
        print(f"cluster: {args.jobs} worker processes of 1 thread at {cluster.scheduler_address}"
              + (f", pinned to cores {sorted(pinned.values())}" if pinned else ", not pinned (too few cores)"))
        for sandbox, local_elapsed in local.items():
            for state in ("cold", "warm"):
                out = work / f"out-cluster-{sandbox}-{state}"
                elapsed, _, _ = run_batch(subs, out, args.jobs, sandbox, env, ("--cluster", cluster.scheduler_address))
                same_grades = (out / "grades.csv").read_bytes() == (work / f"out-{sandbox}" / "grades.csv").read_bytes()
                print(f"(e) batch --cluster --sandbox {sandbox:<8} {state} workers {elapsed:8.1f} s  "
                      f"{args.n / elapsed:7.2f} subs/s  overhead against (a): {elapsed / local_elapsed - 1:+.1%}  "
                      f"grades.csv {'identical to' if same_grades else 'DIFFERS from'} (a)'s")
    print("target: overhead under 10% at N=200 with 2 workers of 1 core against -j 2")


def bench_analysis(n: int) -> None:
    """What the class analysis and report.html add to a batch of ``n`` students (plots and
    feedback are written before, by every batch), and the similarity pass on its own."""
    from classes import entries, planted_class
    from grader.batch import class_report, exports, similarity

    reports, _ = planted_class(n=n, checks=40)
    class_entries = entries(reports)
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as work:
        out = Path(work)
        summary = exports.summary(class_entries, [])
        plots = exports.write_plots(class_entries, out / "plots")
        start = time.perf_counter()
        class_report.write(class_entries, out, summary, plots)
        elapsed = time.perf_counter() - start
        size = (out / "report.html").stat().st_size
    print(f"class analysis + report.html, {n} students x {len(reports[0].checks)} checks: {elapsed:.2f} s "
          f"({size / 1e6:.1f} MB page); target < 2 s")
    code = (ROOT / "solutions" / "broadcasting.py").read_text()
    rng = random.Random(0)
    sources = {f"s{i:04d}": "\n".join(rng.sample(code.splitlines(), k=len(code.splitlines()) * 3 // 4))
               for i in range(min(n, 200))}
    start = time.perf_counter()
    similarity.similar_pairs(sources, similarity.starter_code())
    elapsed = time.perf_counter() - start
    print(f"similarity (--similarity, copydetect), {len(sources)} submissions of one module, "
          f"{len(sources) * (len(sources) - 1) // 2} pairs: {elapsed:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="submissions to build (default 100)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=10, help="submissions the baseline is timed on")
    parser.add_argument("--sandbox", nargs="+", default=["process", "bwrap"], choices=("process", "bwrap"))
    parser.add_argument("--no-baseline", action="store_true", help="skip (b), e.g. for --n 1000")
    parser.add_argument("--notebooks", action="store_true", help="each submission one .ipynb instead of a folder")
    parser.add_argument("--analysis", type=int, metavar="N", help="only time the class analysis, report.html and "
                        "similarity on N synthetic reports (e.g. 1000), then exit")
    parser.add_argument("--cluster", action="store_true", help="time (a) against the same batch on a local Dask "
                        "cluster of -j one-thread workers (needs distributed), then exit")
    parser.add_argument("--floor", nargs="+", type=Path, help=argparse.SUPPRESS)  # the floor's own process
    args = parser.parse_args()
    if args.floor:
        return floor_process(args.floor)
    if args.analysis:
        return bench_analysis(args.analysis)
    from grader.isolation.sandbox import SandboxUnavailable, choose

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        subs = work / "subs"
        kinds = build(subs, args.n, notebooks=args.notebooks)
        entry = (lambda name: subs / f"{name}.ipynb") if args.notebooks else (lambda name: subs / name)
        # the floor imports modules: for a class of notebooks, it gets the same class as folders
        as_folders = build(work / "subs-py", args.n) if args.notebooks else kinds
        assert as_folders == kinds
        counts = {k: list(kinds.values()).count(k) for k in dict.fromkeys(kinds.values())}
        print(f"{args.n} submissions: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        grade_one(ROOT / "solutions", env)  # computes the reference once, if its cache is cold
        rates, elapsed_by = {}, {}
        for sandbox in args.sandbox:
            try:
                choose(sandbox)
            except SandboxUnavailable:
                print(f"{sandbox}: unavailable")
                continue
            elapsed, peak, stdout = run_batch(subs, work / f"out-{sandbox}", args.jobs, sandbox, env)
            rates[sandbox], elapsed_by[sandbox] = args.n / elapsed, elapsed
            stats = next((line for line in stdout.splitlines() if line.startswith(f"{args.n} students")), "")
            print(f"(a) batch -j {args.jobs} --sandbox {sandbox:<8} {elapsed:8.1f} s  {rates[sandbox]:7.2f} subs/s  "
                  f"peak memory of the tree: RSS sum {peak[0] / 2**30:.2f} GiB, PSS sum {peak[1] / 2**30:.2f} GiB\n"
                  f"    [{stats}]")
        if args.cluster:
            return bench_cluster(subs, work, args, env, elapsed_by)
        batch_rate = rates.get("process") or next(iter(rates.values()))
        rng = random.Random(1)
        sample = [entry(name) for name in rng.sample(sorted(kinds), min(args.sample, args.n))]
        baseline_rate = None
        if not args.no_baseline:
            for jobs in dict.fromkeys((1, args.jobs)):
                elapsed = baseline(sample, jobs, env)
                rate = len(sample) / elapsed
                baseline_rate = baseline_rate or rate
                print(f"(b) process per submission, {jobs} at a time: {len(sample)} sampled in {elapsed:.1f} s, "
                      f"{rate:.3f} subs/s, N={args.n} extrapolated {args.n / rate:.0f} s;  "
                      f"batch is {batch_rate / rate:.1f}x faster")
        folders = work / "subs-py" if args.notebooks else subs
        safe = [folders / name for name, kind in kinds.items() if kind in ("correct", "partly wrong")]
        elapsed, setup = unsafe_floor(safe, env)
        rate, steady = len(safe) / elapsed, len(safe) / (elapsed - setup)
        print(f"(c) unsafe floor, one process, no isolation{' (the same class as .py folders)' if args.notebooks else ''}: "
              f"{len(safe)} well-behaved in {elapsed:.1f} s "
              f"({setup:.1f} s of it imports and reference), {rate:.2f} subs/s;  floor / batch = {rate / batch_rate:.2f}x"
              + (f";  floor / baseline = {rate / baseline_rate:.1f}x" if baseline_rate else "")
              + f"\n    without its imports: {steady:.2f} subs/s, {steady / batch_rate:.2f}x the batch")
        # What a perfect batch would do: the floor's imports once, then the floor's own speed on
        # every core, plus the looping submission's timeout on one of them; no isolation cost at all.
        ideal = args.n / (setup + (len(safe) / steady + TIMEOUT) / args.jobs)
        print(f"(d) bound: a perfect -j {args.jobs} batch (no isolation cost) would grade {ideal:.2f} subs/s"
              + (f" = {ideal / baseline_rate:.1f}x the baseline" if baseline_rate else "")
              + f"; this batch reaches {batch_rate / ideal:.0%} of it")
        print("targets: batch >= 50x the process-per-submission baseline (sequential); floor / batch <= 2x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

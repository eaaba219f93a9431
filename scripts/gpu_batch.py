"""Benchmark, not a test: the same class graded with ``--device cuda`` and ``--device cpu``, side by side.

Builds N submissions as scripts/bench_batch.py does (three hostile, ~20% with a bug, the
rest correct), then runs ``python -m grader batch`` on the CPU and on the GPU in alternating
rounds at the same ``-j``, and prints each time, the medians and their ratio (target: the
CUDA batch at most 1.3x the CPU one). Also checks that the GPU batch gave every student the
points on each check the CPU batch gave (the devices must not change a grade). ``--json FILE`` writes the
figures for scripts/gpu_check.sh's summary.

    python scripts/gpu_batch.py [--n 40] [-j CORES] [--rounds 2] [--sandbox process] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import build, run_batch  # noqa: E402

TARGET = 1.3


def scores(out: Path) -> dict[tuple[str, str], str]:
    """(student, check) -> points, for the checks that ran (a CPU run skips those that need a GPU)."""
    with (out / "grades.csv").open() as fh:
        return {(row["id"], key): value for row in csv.DictReader(fh) for key, value in row.items() if "." in key and value}


def same_scores(cpu: dict, cuda: dict) -> bool:
    return all(cuda.get(key) == points for key, points in cpu.items())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sandbox", default="process", choices=("process", "bwrap"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gpu-batch-"))
    build(work / "subs", args.n)
    times: dict[str, list[float]] = {"cpu": [], "cuda": []}
    graded: dict[str, dict[str, str]] = {}
    env = dict(os.environ)
    for number in range(args.rounds):
        for device in ("cpu", "cuda") if number % 2 == 0 else ("cuda", "cpu"):
            out = work / f"out-{device}"
            elapsed, _, _ = run_batch(work / "subs", out, args.jobs, args.sandbox, env, extra=("--device", device))
            times[device].append(elapsed)
            graded[device] = scores(out)
            print(f"round {number + 1} {device:4s} {elapsed:6.1f} s", flush=True)
    cpu, cuda = statistics.median(times["cpu"]), statistics.median(times["cuda"])
    ratio = cuda / cpu
    same = same_scores(graded["cpu"], graded["cuda"])
    print(f"N={args.n} -j {args.jobs} --sandbox {args.sandbox}: cpu {cpu:.1f} s, cuda {cuda:.1f} s, "
          f"cuda/cpu {ratio:.2f}x (target <= {TARGET}x); same scores on both devices: {same}")
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, "jobs": args.jobs, "sandbox": args.sandbox, "cpu_s": times["cpu"],
                                         "cuda_s": times["cuda"], "ratio": round(ratio, 3), "target": TARGET,
                                         "same_scores": same}, indent=2))
    return 0 if same and ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())

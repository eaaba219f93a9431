"""Benchmark: grading one course-style notebook against bare ``import torch``.

Not a test: timings on a shared machine are noisy, so the commands run in the same rounds,
interleaved, and the script prints medians and the ratios (target: under 1.5x).

    python scripts/bench_notebook.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from bench_single import timed  # the same timing, from the script beside this one
NOTEBOOKS = {"practical 2": "tests/fixtures/practical2_student.ipynb",
             "functional": "tests/fixtures/autodiff_functional_student.ipynb"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    env = {**os.environ, "GRADER_CACHE": tempfile.mkdtemp(prefix="bench-cache-"), "NO_COLOR": "1"}
    commands = {"import torch": [py, "-c", "import torch"]}
    commands.update({f"grader {name}": [py, "-m", "grader", path, "-q"] for name, path in NOTEBOOKS.items()})
    for argv in commands.values():
        timed(argv, env)  # warms the reference cache and the file cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, argv in commands.items():
            times[name].append(timed(argv, env))
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'command':<24} {'median s':>9}  runs")
    for name, values in times.items():
        print(f"{name:<24} {med[name]:9.2f}  {' '.join(f'{v:.2f}' for v in values)}")
    for name in NOTEBOOKS:
        print(f"grader {name} / import torch = {med[f'grader {name}'] / med['import torch']:.2f}x  (target 1.5x)")


if __name__ == "__main__":
    main()

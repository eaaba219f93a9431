"""Benchmark: grading one course-style notebook against bare ``import torch``.

Not a test: timings on a shared machine are noisy, so the commands run in the same rounds,
interleaved, and the script prints medians and the ratios (target: under 1.5x).

    python scripts/bench_notebook.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from bench_single import interleaved, timed  # the same timing, from the script beside this one
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
    med = interleaved(commands, env, args.rounds, 24)
    for name in NOTEBOOKS:
        print(f"grader {name} / import torch = {med[f'grader {name}'] / med['import torch']:.2f}x  (target 1.5x)")


if __name__ == "__main__":
    main()

"""Benchmark: a student's `python -m grader solutions` against bare `import torch`.

Not a test: timings on a shared machine are noisy, so every command runs in the same
rounds, interleaved, and the script prints medians and the ratios between them.

    python scripts/bench_single.py [--rounds 5]

It also times the portable runner (``--runner spawn``: a fresh process per worker) against
the fork server, side by side.

The reference cache is warmed first (a student's second run onwards); the cold figure
(first run, reference computed too) is printed separately.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def interleaved(commands: dict[str, list[str]], env: dict, rounds: int, width: int) -> dict[str, float]:
    """Time every command once per round, all in the same rounds; print each one's runs and
    median in a table ``width`` wide; return the medians."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            times[name].append(timed(argv, env))
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'command':<{width}} {'median s':>9}  runs")
    for name, values in times.items():
        print(f"{name:<{width}} {med[name]:9.2f}  {' '.join(f'{v:.2f}' for v in values)}")
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    cache = tempfile.mkdtemp(prefix="bench-cache-")
    env = {**os.environ, "GRADER_CACHE": cache, "NO_COLOR": "1"}
    commands = {
        "import torch": [py, "-c", "import torch"],
        "import torch, torchvision": [py, "-c", "import torch, torchvision"],
        "grader solutions (all modules)": [py, "-m", "grader", "solutions", "-q"],
        "grader solutions -k 'not cifar'": [py, "-m", "grader", "solutions", "-q", "-k", "not cifar"],
        "grader solutions --runner spawn": [py, "-m", "grader", "solutions", "-q", "--runner", "spawn"],
    }
    cold = timed(commands["grader solutions (all modules)"], env)  # computes and caches the reference
    med = interleaved(commands, env, args.rounds, 36)
    print(f"{'grader solutions, cold reference':<36} {cold:9.2f}  (first run: reference computed and cached)")
    base, base_tv = med["import torch"], med["import torch, torchvision"]
    print()
    print(f"grader solutions / import torch              = {med['grader solutions (all modules)'] / base:.2f}x  (target 1.2x)")
    print(f"grader solutions / import torch, torchvision = {med['grader solutions (all modules)'] / base_tv:.2f}x"
          "  (the cifar module imports torchvision: that is the floor)")
    no_cifar = med["grader solutions -k 'not cifar'"]
    print(f"grader -k 'not cifar' / import torch         = {no_cifar / base:.2f}x")
    spawn = med["grader solutions --runner spawn"] / med["grader solutions (all modules)"]
    print(f"grader --runner spawn / --runner zygote      = {spawn:.2f}x  (target 1.3x)")


if __name__ == "__main__":
    main()

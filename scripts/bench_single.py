"""Benchmark: a student's `python -m grader solutions` against bare `import torch`.

Not a test: timings on a shared machine are noisy, so every command runs in the same
rounds, interleaved, and the script prints medians and the ratios between them.

    python scripts/bench_single.py [--rounds 5] [--load N]

It also times the portable runner (``--runner spawn``: a fresh process per worker) against
the fork server, and ``--watch``'s re-grade (from writing tensors.py to the new total
printed), side by side. ``--load N`` keeps N busy loops (``yes > /dev/null``) running
throughout: a loaded machine. Python's bytecode is written as on a student's machine
(PYTHONDONTWRITEBYTECODE is dropped from the environment).

The reference cache is warmed first (a student's second run onwards); the cold figure
(first run, reference computed too) is printed separately.
"""

from __future__ import annotations

import argparse
import os
import signal
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


def interleaved(commands: dict, env: dict, rounds: int, width: int) -> dict[str, float]:
    """Time every command (an argv, or a function that times something itself) once per
    round, all in the same rounds; print each one's runs and median in a table ``width``
    wide; return the medians."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            times[name].append(command() if callable(command) else timed(command, env))
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'command':<{width}} {'median s':>9}  runs")
    for name, values in times.items():
        print(f"{name:<{width}} {med[name]:9.2f}  {' '.join(f'{v:.2f}' for v in values)}")
    return med


class WatchedSave:
    """A running ``python -m grader --watch`` on a copy of tensors.py; each call saves the
    solution or the stub over it (by turns, as Jupyter saves: a temporary file renamed) and
    returns the seconds from the save to the new total printed."""

    def __init__(self, env: dict) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-watch-"))
        self.target = self.folder / "tensors.py"
        self.sources = [(ROOT / "exercises" / "tensors.py").read_text(), (ROOT / "solutions" / "tensors.py").read_text()]
        self.target.write_text(self.sources[0])
        self.saves = 0
        self.proc = subprocess.Popen([sys.executable, "-m", "grader", "--watch", str(self.target)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.read_until("watching ")

    def read_until(self, prefix: str) -> None:
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return
        raise RuntimeError("the watch ended")

    def __call__(self) -> float:
        self.saves += 1
        temporary = self.folder / ".~tensors.py"
        temporary.write_text(self.sources[self.saves % 2])
        start = time.perf_counter()
        os.replace(temporary, self.target)
        self.read_until("Total: ")
        return time.perf_counter() - start

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)  # a watch ends on it as on Ctrl-C, which a job started with & ignores
        self.proc.wait()


def busy_loops(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--load", type=int, default=0, metavar="N", help="busy loops running throughout (default: none)")
    args = parser.parse_args()
    py = sys.executable
    cache = tempfile.mkdtemp(prefix="bench-cache-")
    env = {**os.environ, "GRADER_CACHE": cache, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    commands = {
        "import torch": [py, "-c", "import torch"],
        "import torch, gc off, no teardown": [py, "-c", "import gc, os; gc.disable(); import torch; os._exit(0)"],
        "import torch, torchvision": [py, "-c", "import torch, torchvision"],
        "grader solutions (all modules)": [py, "-m", "grader", "solutions", "-q"],
        "grader solutions -k 'not cifar'": [py, "-m", "grader", "solutions", "-q", "-k", "not cifar"],
        "grader solutions/tensors.py": [py, "-m", "grader", "solutions/tensors.py", "-q"],
        "grader solutions --runner spawn": [py, "-m", "grader", "solutions", "-q", "--runner", "spawn"],
    }
    cold = timed(commands["grader solutions (all modules)"], env)  # computes and caches the reference
    loops = busy_loops(args.load)
    watched = WatchedSave(env)
    commands["--watch: save -> total printed"] = watched
    try:
        med = interleaved(commands, env, args.rounds, 36)
    finally:
        watched.close()
        for loop in loops:
            loop.kill()
    print(f"{'grader solutions, cold reference':<36} {cold:9.2f}  (first run: reference computed and cached)")
    print(f"busy loops running: {args.load} (on {os.cpu_count()} cores)")
    base, base_tv = med["import torch"], med["import torch, torchvision"]
    print()
    print(f"grader solutions / import torch              = {med['grader solutions (all modules)'] / base:.2f}x  (target 1.2x)")
    print(f"grader solutions / import torch, torchvision = {med['grader solutions (all modules)'] / base_tv:.2f}x"
          "  (the cifar module imports torchvision: that is the floor)")
    no_cifar = med["grader solutions -k 'not cifar'"]
    print(f"grader -k 'not cifar' / import torch         = {no_cifar / base:.2f}x  (target 1.2x)")
    print(f"grader solutions/tensors.py / import torch   = {med['grader solutions/tensors.py'] / base:.2f}x  (target 1.2x)")
    floor = med["import torch, gc off, no teardown"]
    print(f"grader solutions/tensors.py / import torch, gc off, no teardown = {med['grader solutions/tensors.py'] / floor:.2f}x"
          "  (how the zygote imports it: the least a process importing torch pays)")
    spawn = med["grader solutions --runner spawn"] / med["grader solutions (all modules)"]
    print(f"grader --runner spawn / --runner zygote      = {spawn:.2f}x  (target 1.3x)")
    print(f"--watch re-grade of tensors.py              = {med['--watch: save -> total printed']:.2f} s  (target 0.3 s)")


if __name__ == "__main__":
    main()

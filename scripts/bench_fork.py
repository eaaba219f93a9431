"""Benchmark: what a worker's fork and exit cost, with the zygote on 4 KB or on 2 MB pages.

Not a test. Each round starts two fresh processes that import what a zygote imports
(grader.isolation.zygote.import_once, with torchvision), one of them then collapsing
its heap onto huge pages (grader.isolation.zygote.collapse_to_huge_pages). Each forks workers that
run a few torch operations and exit, and reports the wall time per fork-to-reaped. Rounds
alternate the two, and the script prints medians and their ratio.

    python scripts/bench_fork.py [--rounds 3] [--forks 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(huge_pages: bool, forks: int) -> dict:
    """In this process: become a zygote, then time ``forks`` workers."""
    from grader.isolation.zygote import collapse_to_huge_pages, import_once

    import_once(("torchvision",))
    import torch

    start = time.perf_counter()
    if huge_pages:
        collapse_to_huge_pages()
    collapse = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(forks):
        pid = os.fork()
        if pid == 0:
            torch.set_num_threads(1)
            (torch.randn(20, 20) @ torch.randn(20, 20)).sum().item()
            os._exit(0)
        os.waitpid(pid, 0)
    return {"collapse": collapse, "fork": (time.perf_counter() - start) / forks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--forks", type=int, default=100)
    parser.add_argument("--child", choices=("small", "huge"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child == "huge", args.forks)))
        return
    results: dict[str, list[dict]] = {"small": [], "huge": []}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(args.rounds):
        for kind in results:
            out = subprocess.run([sys.executable, __file__, "--child", kind, "--forks", str(args.forks)], env=env,
                                 check=True, capture_output=True, text=True).stdout
            results[kind].append(json.loads(out))
    fork = {kind: statistics.median(r["fork"] for r in runs) for kind, runs in results.items()}
    collapse = statistics.median(r["collapse"] for r in results["huge"])
    print(f"fork + worker + exit, 4 KB pages: {fork['small'] * 1000:6.1f} ms")
    print(f"fork + worker + exit, 2 MB pages: {fork['huge'] * 1000:6.1f} ms  "
          f"({fork['small'] / fork['huge']:.2f}x faster; collapsing took {collapse:.2f} s once)")
    saved = fork["small"] - fork["huge"]
    if saved > 0:
        print(f"break-even after {collapse / saved:.0f} workers per zygote")


if __name__ == "__main__":
    main()

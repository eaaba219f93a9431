"""What the judge measures of a running job's memory, beyond what a worker's rlimits bound.

A worker's ``RLIMIT_DATA`` (grader.isolation.zygote.apply_limits) bounds its private memory
but not shared memory (``mmap(MAP_SHARED | MAP_ANONYMOUS)``, ``/dev/shm``), and no rlimit
bounds GPU memory. So the judge samples both for every zygote's tree, a few times a second,
and the runner kills a job over its budget with reason ``memory``: shared memory counts
against the same ``--memory`` bound; GPU memory (read per process from NVML, never from
``torch``, which student code can patch) against ``--gpu-memory``, by default an equal share
of the card per zygote.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from grader.isolation.procfs import children_map, descendants

#: Seconds between two samples of the same zygote's tree.
SAMPLE_EVERY = 0.2
#: The share of a card's memory the zygotes split between them (the rest is the driver's).
GPU_SHARE = 0.9


def shared_bytes(pid: int) -> int:
    """Resident shared memory (``RssShmem``) of one process; 0 where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"RssShmem:"):
                    return int(line.split()[1]) << 10
    except (OSError, ValueError, IndexError):
        pass
    return 0


class GpuMeter:
    """Device memory per process, from NVML (``nvidia-ml-py``), on every GPU of the machine."""

    def __init__(self, nvml) -> None:
        self.nvml = nvml
        nvml.nvmlInit()
        self.handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]

    @classmethod
    def open(cls) -> "GpuMeter | None":
        """The meter, or None where NVML is missing (no driver, no nvidia-ml-py)."""
        try:
            import pynvml
            return cls(pynvml)
        except Exception:  # noqa: BLE001 - ImportError, NVMLError: no GPU to measure
            return None

    def smallest_card(self) -> int:
        return min(self.nvml.nvmlDeviceGetMemoryInfo(h).total for h in self.handles)

    def usage(self) -> dict[int, int]:
        """pid -> bytes of device memory, summed over devices."""
        used: dict[int, int] = {}
        for handle in self.handles:
            for proc in self.nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                used[proc.pid] = used.get(proc.pid, 0) + int(proc.usedGpuMemory or 0)
        return used


def default_gpu_budget(meter: GpuMeter, zygotes: int) -> int:
    """An equal share of the smallest card for each zygote running at once."""
    return int(meter.smallest_card() * GPU_SHARE / max(1, zygotes))


@dataclass(frozen=True)
class Sample:
    """One look at the machine: its process tree, and device memory per pid (None: not watched)."""

    children_of: dict[int, list[tuple[int, str]]]
    gpu: dict[int, int] | None


class MemoryWatch:
    """Samples each zygote's process tree; says which job is over its budget, and why.

    The budgets are the runner's :class:`~grader.isolation.limits.Limits`, read at each look
    (a cluster worker's runner takes each chunk's): ``memory`` bytes of shared memory a job may
    add to its tree, and ``gpu_memory`` bytes of device memory it may hold (None: the card's
    equal share per zygote), once :meth:`watch_gpu` has a meter.
    """

    def __init__(self) -> None:
        self.meter: GpuMeter | None = None
        self.card_share: int | None = None  # the default GPU budget, once there is a meter
        self.baseline: dict[int, int] = {}  # root pid -> shared bytes of its tree when it was ready
        self.last = 0.0

    def watch_gpu(self, meter: GpuMeter | None, zygotes: int) -> None:
        """Watch GPU memory too, with ``meter``; the default budget is its card split over ``zygotes``."""
        if meter is not None and self.meter is None:
            self.meter = meter
            self.card_share = default_gpu_budget(meter, zygotes)

    def due(self, now: float) -> bool:
        if now - self.last < SAMPLE_EVERY:
            return False
        self.last = now
        return True

    def ready(self, root: int) -> None:
        """The zygote under ``root`` is idle: what its tree holds now is not a job's."""
        self.baseline[root] = sum(shared_bytes(pid) for pid in tree_of(root, children_map()))

    def sample(self) -> Sample:
        return Sample(children_map(), self.gpu_usage())

    def gpu_budget(self, limits) -> int | None:
        """Bytes of device memory a job may hold (None: GPU memory is not watched)."""
        if self.meter is None:
            return None
        return limits.gpu_memory if limits.gpu_memory is not None else self.card_share

    def over(self, root: int, sample: Sample, limits) -> tuple[str, str] | None:
        """Why the job under ``root`` must be stopped (message, reason code), or None."""
        pids = tree_of(root, sample.children_of)
        shared = sum(shared_bytes(pid) for pid in pids) - self.baseline.get(root, 0)
        if shared > limits.memory:
            return f"your code used more than {limits.memory >> 20} MB of shared memory", "memory"
        gpu = self.gpu_budget(limits)
        if sample.gpu is not None and gpu is not None:
            used = sum(sample.gpu.get(pid, 0) for pid in pids)
            if used > gpu:
                return (f"your code used {used >> 20} MB of GPU memory, more than its share of "
                        f"{gpu >> 20} MB"), "memory"
        return None

    def gpu_usage(self) -> dict[int, int] | None:
        """Device memory per pid now, or None when GPU memory is not watched (or NVML hiccups)."""
        if self.meter is None:
            return None
        try:
            return self.meter.usage()
        except Exception:  # noqa: BLE001 - a driver hiccup skips one sample, never the grading
            return None


def tree_of(root: int, children_of: dict) -> list[int]:
    return [root, *descendants(root, children_of)]


def for_platform() -> MemoryWatch | None:
    """The watch, where /proc can tell shared memory (Linux); None elsewhere."""
    return MemoryWatch() if sys.platform.startswith("linux") else None

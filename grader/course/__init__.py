"""The checks of Module 2 ("PyTorch tensors and automatic differentiation").

One file per exercise module (``grader/course/<module>.py``) registers its checks with
:func:`grader.authoring.check.check`. This package fixes, in one place, the modules, the points of
each module (:data:`POINTS`, 100 in all) and the seeds of the public and hidden variants
(case ``k`` of a check uses ``SEEDS[variant][k]``, so a check has at most 3 cases).
"""

from __future__ import annotations

import importlib

MODULES = ("tensors", "broadcasting", "cifar", "autograd", "backprop", "autodiff_functional")

POINTS = {
    "tensors": 20,
    "broadcasting": 20,
    "cifar": 20,
    "autograd": 20,
    "backprop": 10,
    "autodiff_functional": 10,
}

SEEDS = {"public": (0, 1, 2), "hidden": (1000, 1001, 1002)}


def load_checks() -> dict:
    """Import every course check module and return :data:`grader.authoring.check.REGISTRY`."""
    from grader.authoring import check

    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return check.REGISTRY


def prepare() -> None:
    """Compute what every worker would otherwise rebuild: each check module may define
    ``prepare(seeds)``, called here (by a zygote, before it forks) with every variant's seeds."""
    seeds = [seed for variant in SEEDS.values() for seed in variant]
    for module in MODULES:
        hook = getattr(importlib.import_module(f"{__name__}.{module}"), "prepare", None)
        if hook is not None:
            hook(seeds)


def validate_points(registry: dict) -> None:
    """Raise ``ValueError`` unless the checks of each module sum to ``POINTS[module]``.

    Also rejects a module with no checks and checks asking for more cases than there
    are seeds. Registry entries of modules outside :data:`MODULES` are ignored (tests may
    register checks of their own).
    """
    problems = []
    total = sum(POINTS.values())
    if abs(total - 100) > 1e-9:
        problems.append(f"POINTS totals {total:g}, not 100")
    if set(POINTS) != set(MODULES):
        problems.append(f"POINTS covers {sorted(POINTS)}, MODULES is {sorted(MODULES)}")
    max_cases = min(len(seeds) for seeds in SEEDS.values())
    for module in MODULES:
        checks = registry.get(module, [])
        if not checks:
            problems.append(f"module {module!r} has no checks")
            continue
        got = sum(c.points for c in checks)
        want = POINTS.get(module)
        if want is not None and abs(got - want) > 1e-9:
            detail = ", ".join(f"{c.name}={c.points:g}" for c in checks)
            problems.append(f"module {module!r}: checks sum to {got:g} points, POINTS says {want:g} ({detail})")
        for c in checks:
            if c.cases > max_cases:
                problems.append(f"check {c.id} asks for {c.cases} cases, only {max_cases} seeds per variant")
    if problems:
        raise ValueError("invalid course points:\n  " + "\n  ".join(problems))

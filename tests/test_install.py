"""Installing the grader where a torch in the supported range is already installed keeps it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.timeout(120)
def test_pip_install_keeps_the_installed_torch(tmp_path):
    """pip's own resolver, dry run: with this environment's torch (in range), only the grader is installed."""
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-build-isolation", "--quiet",
                           "--report", str(report), "-e", str(ROOT)], capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert "module2-grader" in names
    assert not names & {"torch", "torchvision", "nvidia-cudnn-cu12"}, names


def test_constraints_pin_versions_inside_the_declared_range():
    from packaging.requirements import Requirement
    import tomllib

    declared = {Requirement(r).name: Requirement(r) for r in
                tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    pins = [Requirement(line) for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert {p.name for p in pins} == {"torch", "torchvision"}
    for pin in pins:
        [version] = [s.version for s in pin.specifier]
        assert declared[pin.name].specifier.contains(version), (pin, declared[pin.name])

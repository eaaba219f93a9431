"""Installing the grader where a torch in the supported range is already installed keeps it."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

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


def pinned(name: str) -> dict[str, str]:
    """The versions a constraints file at the repository's root pins: package -> version."""
    from packaging.requirements import Requirement

    pins = [Requirement(line) for line in (ROOT / name).read_text().splitlines() if line.strip() and not line.startswith("#")]
    return {pin.name: next(iter(pin.specifier)).version for pin in pins}


@pytest.mark.parametrize("constraints", ["constraints.txt", "constraints-oldest.txt"])
def test_constraints_pin_versions_inside_the_declared_range(constraints):
    from packaging.requirements import Requirement
    import tomllib

    declared = {Requirement(r).name: Requirement(r) for r in
                tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    pins = pinned(constraints)
    assert set(pins) == {"torch", "torchvision"}
    for name, version in pins.items():
        assert declared[name].specifier.contains(version), (name, version, declared[name])


def test_the_oldest_pins_are_the_declared_range_floor():
    """CI's second venv (.ci/oldest-torch) tests the oldest minor pyproject.toml accepts, not a newer one."""
    from packaging.requirements import Requirement
    from packaging.version import Version
    import tomllib

    for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        requirement = Requirement(line)
        if requirement.name in ("torch", "torchvision"):
            [floor] = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
            oldest = Version(pinned("constraints-oldest.txt")[requirement.name])
            assert oldest.release[:2] == floor.release[:2], (requirement, oldest)


def dry_run_with(tmp_path: Path, versions: dict[str, str]) -> subprocess.CompletedProcess:
    """README's install in a fresh venv where ``versions`` of torch/torchvision are installed (their metadata only).

    Everything else the grader needs is seen from this environment, so pip needs no index; the
    machine's pip configuration (a cap on versions, extra indexes) is left out.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    [packages] = venv.glob("lib/python*/site-packages")
    for name, version in versions.items():
        info = packages / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text("")
    # after the venv's own folder on sys.path: its torch is found first, this one's never
    (packages / "outer.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    report = tmp_path / "report.json"
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", "--no-build-isolation",
                           "--no-index", "--quiet", "--report", str(report), "-e", str(ROOT)], capture_output=True,
                          text=True, timeout=110, env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    done.installed = ({item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
                      if done.returncode == 0 else None)
    return done


@pytest.mark.skipif(sys.platform == "win32", reason="the venv's layout is POSIX's")
@pytest.mark.timeout(240)
@pytest.mark.parametrize("versions", [pinned("constraints-oldest.txt"), {"torch": "2.9.0", "torchvision": "0.24.0"},
                                      pinned("constraints.txt")], ids=["oldest", "colab", "newest"])
def test_a_fresh_venv_keeps_its_torch_across_the_range(tmp_path, versions):
    """The oldest supported, Colab's (2.9.0) and the newest tested: pip installs the grader alone."""
    done = dry_run_with(tmp_path, versions)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.installed == {"module2-grader"}, done.installed


@pytest.mark.skipif(sys.platform == "win32", reason="the venv's layout is POSIX's")
@pytest.mark.timeout(240)
def test_a_torch_older_than_the_range_is_not_kept(tmp_path):
    """The floor is real: below it, pip wants another torch (and, with no index here, says it cannot get one)."""
    from packaging.version import Version

    below = {name: f"{Version(v).major}.{Version(v).minor - 1}.0" for name, v in pinned("constraints-oldest.txt").items()}
    done = dry_run_with(tmp_path, below)
    assert done.returncode != 0 and "torch" in done.stderr, (done.returncode, done.stderr[-2000:])

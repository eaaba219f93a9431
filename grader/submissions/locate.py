"""Where in a folder (handed in, or unpacked from an archive) the exercise modules or the notebook are.

Students hand in what they have, as they have it: the modules at the top of the folder (as
exercises/ holds them), inside one sub-folder (``hw2/exercises/tensors.py``), or a notebook
anywhere in a Gradescope upload. :func:`locate` finds them, in that order, so a folder that
grades today grades the same. Two candidates for the same module (two ``tensors.py``, two
notebooks that both define ``train``) are never settled by a silent choice: the submission
gets a message naming both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.manifest import active
from grader.submissions import notebook

MAX_DEPTH = 4  # how deep a module or notebook may hide in a submission folder


@dataclass
class Found:
    """What :func:`locate` found: a folder of modules, one notebook, nothing, or a reason why not."""

    root: Path  # the folder whose modules are graded (or the submission folder, for a notebook)
    notebook: Path | None = None  # the notebook to grade, when no module file was found
    error: str = ""  # two candidates for one module, or notebooks that cannot be told apart
    notes: list[str] = field(default_factory=list)
    nothing: bool = False  # no module file and no notebook anywhere


def walk(root: Path):
    """(folder, file names) of ``root`` and its sub-folders, skipped and hidden ones left out."""
    ignored = active().ignore  # tools' leftovers and data sets: never searched for a student's work
    for dirpath, dirnames, filenames in os.walk(root):
        depth = len(Path(dirpath).relative_to(root).parts)
        dirnames[:] = sorted(d for d in dirnames if d not in ignored and not d.startswith(".")
                             and depth < MAX_DEPTH and not os.path.islink(os.path.join(dirpath, d)))
        yield Path(dirpath), sorted(filenames)


def module_folders(root: Path, modules: list[str]) -> dict[str, list[Path]]:
    """module -> the folders under ``root`` that hold ``<module>.py``."""
    found: dict[str, list[Path]] = {}
    for folder, names in walk(root):
        for module in modules:
            if f"{module}.py" in names and (folder / f"{module}.py").is_file():
                found.setdefault(module, []).append(folder)
    return found


def shown(root: Path, path: Path) -> str:
    relative = path.relative_to(root)
    return str(relative) if str(relative) != "." else "the top folder"


def twice(root: Path, module: str, paths: list[Path], label: str) -> str:
    both = " and ".join(shown(root, p) for p in paths)
    return (f"{label} holds two candidates for {module}: {both}; hand in one of them "
            "(remove or rename the other) so it is clear which one is graded")


def in_modules(root: Path, modules: list[str], label: str) -> Found | None:
    """The one folder holding the modules, or a message naming the candidates; ``None`` if none does."""
    if any((root / f"{m}.py").is_file() for m in modules):
        return Found(root)  # modules at the top: graded as today, whatever lies deeper
    found = module_folders(root, modules)
    if not found:
        return None
    for module, folders in found.items():
        if len(folders) > 1:
            return Found(root, error=twice(root, module, [f / f"{module}.py" for f in folders], label))
    folders = sorted({f for fs in found.values() for f in fs})
    if len(folders) > 1:
        return Found(root, error=f"{label} has the exercise modules spread over several folders "
                                 f"({', '.join(shown(root, f) for f in folders)}); put them in one folder")
    return Found(folders[0], notes=[f"graded the modules in {shown(root, folders[0])}/"])


def notebooks_in(root: Path) -> list[Path]:
    return [folder / name for folder, names in walk(root) for name in names if name.endswith(".ipynb")]


def in_notebooks(root: Path, modules: list[str], label: str) -> Found:
    """The notebook that defines course names (one of several only if the others define none)."""
    candidates = notebooks_in(root)
    if len(candidates) <= 1:
        return Found(root, notebook=candidates[0] if candidates else None, nothing=not candidates)
    covers = {path: notebook.covered_modules(path, modules) for path in candidates}
    useful = [p for p in candidates if covers[p]]
    for module in modules:
        both = [p for p in useful if module in covers[p]]
        if len(both) > 1:
            return Found(root, error=twice(root, module, both, label))
    if len(useful) != 1:
        listed = ", ".join(shown(root, p) for p in candidates[:5])
        return Found(root, error=f"{label} holds several notebooks ({listed}); hand in one notebook or the exercise modules")
    others = ", ".join(shown(root, p) for p in candidates if p != useful[0])
    return Found(root, notebook=useful[0],
                 notes=[f"graded {shown(root, useful[0])}; {others} define(s) nothing the checks use"])


def locate(root: Path, modules: list[str], label: str) -> Found:
    """Modules first (top folder, then one sub-folder), then a notebook anywhere; ``label``
    names the submission in messages (``hw.zip``, ``alice``)."""
    return in_modules(root, modules, label) or in_notebooks(root, modules, label)

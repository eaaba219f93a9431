"""The course manifest as typed records: :class:`Course` and its :class:`Assignment` s.

``course.toml`` is read with :mod:`tomllib` and every table checked against :data:`FIELDS`:
an unknown key, a missing one or a value of the wrong type is a :class:`ManifestError` that
names the file, the table and the key (``course.toml: [[assignment]] 2 (backprop): 'points'
must be a number, not a string``), never a traceback. Paths are relative to the manifest's folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "course.toml"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # module and assignment names: Python identifiers
#: folders never part of a submission, whatever the course says
ALWAYS_IGNORED = ("__pycache__", ".git", ".ipynb_checkpoints", "__MACOSX")


class ManifestError(ValueError):
    """The manifest cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Assignment:
    """What a course hands out at one time and students hand in on its own."""

    name: str
    title: str
    modules: tuple[str, ...]  # exercise modules: <module>.py handed in, or a notebook defining their names
    points: float | None  # the total the manifest states (selfcheck verifies it); None: the checks' sum
    preload: tuple[str, ...]  # heavy imports its checks need, paid once per zygote when it is graded
    seeds: dict | None  # its own public and hidden seeds (as Course.seeds); None: the course's


@dataclass(frozen=True)
class Course:
    root: Path  # the folder holding the manifest
    name: str
    checks: Path  # one check file per module: <checks>/<module>.py
    solutions: Path
    exercises: Path
    notebooks: Path
    seeds: dict  # variant ("public", "hidden") -> tuple of seeds: case k of a check uses seeds[k]
    preload: tuple[str, ...]
    ignore: tuple[str, ...]  # folder names never part of a submission
    total: float | None
    release: tuple[str, ...]  # what `release` copies (paths relative to root); () = the course minus solutions
    assignments: tuple[Assignment, ...]

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(m for a in self.assignments for m in a.modules)

    def assignment(self, name: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        known = ", ".join(a.name for a in self.assignments)
        raise ManifestError(f"the course {self.name!r} has no assignment {name!r} (its assignments: {known})")

    def covering(self, modules) -> tuple[Assignment, ...]:
        """The assignments any of ``modules`` belongs to, in the manifest's order."""
        wanted = set(modules)
        return tuple(a for a in self.assignments if wanted & set(a.modules))

    def seeds_for(self, variant: str) -> dict[str, list[int]]:
        """module -> the seeds its checks' cases use in ``variant`` (its assignment's, else the course's)."""
        return {m: list((a.seeds or self.seeds)[variant]) for a in self.assignments for m in a.modules}

    def preload_for(self, modules) -> tuple[str, ...]:
        names = list(self.preload) + [p for a in self.covering(modules) for p in a.preload]
        return tuple(dict.fromkeys(names))


#: table -> key -> (type name, required, default)
FIELDS = {
    "course": {
        "name": ("string", True, None), "checks": ("string", False, "checks"),
        "solutions": ("string", False, "solutions"), "exercises": ("string", False, "exercises"),
        "notebooks": ("string", False, "notebooks"), "preload": ("strings", False, []),
        "ignore": ("strings", False, []), "total": ("number", False, None), "release": ("strings", False, []),
    },
    "seeds": {"public": ("integers", True, None), "hidden": ("integers", True, None)},
    "assignment": {
        "name": ("string", True, None), "title": ("string", False, ""), "modules": ("strings", True, None),
        "points": ("number", False, None), "preload": ("strings", False, []),
        "seeds": ("table", False, None),
    },
}
WANTED = {"string": "a string", "number": "a number", "table": "a table", "strings": "a list of strings", "integers": "a list of integers"}
TOP = {"course": "table", "seeds": "table", "assignment": "list of tables"}


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def fits(kind: str, value) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "table":
        return isinstance(value, dict)
    items = {"strings": str, "integers": int}[kind]
    return isinstance(value, list) and all(isinstance(v, items) and not isinstance(v, bool) for v in value)


def table(raw, name: str, where: str) -> dict:
    """The keys of one table, checked against FIELDS[name], defaults filled in."""
    if not isinstance(raw, dict):
        raise ManifestError(f"{where} must be a table, not {kind_of(raw)}")
    fields = FIELDS[name]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ManifestError(f"{where}: unknown key {unknown[0]!r} (known keys: {', '.join(fields)})")
    out = {}
    for key, (kind, required, default) in fields.items():
        if key not in raw:
            if required:
                raise ManifestError(f"{where}: missing key {key!r}")
            out[key] = default
        elif not fits(kind, raw[key]):
            raise ManifestError(f"{where}: {key!r} must be {WANTED[kind]}, not {kind_of(raw[key])}")
        else:
            out[key] = raw[key]
    return out


def identifier(value: str, what: str, where: str) -> str:
    if not NAME.match(value):
        raise ManifestError(f"{where}: {what} {value!r} is not a valid name (letters, digits and _, "
                            "not starting with a digit)")
    return value


def assignments_of(raw, where: str) -> tuple[Assignment, ...]:
    if isinstance(raw, dict):
        raise ManifestError(f"{where}: write each assignment as [[assignment]] (two brackets: a list of tables), "
                            "not [assignment]")
    if not isinstance(raw, list) or not raw:
        raise ManifestError(f"{where}: [[assignment]] must list at least one assignment")
    found, modules = [], {}
    for number, item in enumerate(raw, start=1):
        named = item.get("name") if isinstance(item, dict) else None
        label = f"{where}: [[assignment]] {number}" + (f" ({named})" if isinstance(named, str) else "")
        keys = table(item, "assignment", label)
        name = identifier(keys["name"], "assignment name", label)
        if any(a.name == name for a in found):
            raise ManifestError(f"{label}: the name {name!r} is used twice")
        if not keys["modules"]:
            raise ManifestError(f"{label}: 'modules' is empty")
        for module in keys["modules"]:
            identifier(module, "module", label)
            if module in modules:
                raise ManifestError(f"{label}: module {module!r} is already in assignment {modules[module]!r}")
            modules[module] = name
        seeds = None if keys["seeds"] is None else seeds_of(keys["seeds"], f"{label}: seeds")
        found.append(Assignment(name, keys["title"] or name, tuple(keys["modules"]), keys["points"],
                                tuple(keys["preload"]), seeds))
    return tuple(found)


def seeds_of(raw, where: str) -> dict:
    """The public and hidden seeds of a ``[seeds]`` table (or an assignment's ``seeds``)."""
    seeds = table(raw, "seeds", where)
    for variant, values in seeds.items():
        if not values:
            raise ManifestError(f"{where}: {variant!r} is empty")
    return {variant: tuple(values) for variant, values in seeds.items()}


def parse(text: str, root: Path, where: str = MANIFEST) -> Course:
    """The course a manifest's text describes; :class:`ManifestError` naming the key when it is wrong."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{where} is not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - set(TOP))
    if unknown:
        raise ManifestError(f"{where}: unknown table {unknown[0]!r} (known: [course], [seeds], [[assignment]])")
    for key in ("course", "seeds"):
        if key not in raw:
            raise ManifestError(f"{where}: missing table [{key}]")
    course = table(raw["course"], "course", f"{where}: [course]")
    if not course["name"].strip():
        raise ManifestError(f"{where}: [course]: 'name' is empty")
    seeds = seeds_of(raw["seeds"], f"{where}: [seeds]")
    place = lambda key: Path(os.path.normpath(root / course[key]))  # noqa: E731 - a linked folder keeps its path
    for entry in course["release"]:
        if not (root / entry).resolve().is_relative_to(root.resolve()):
            raise ManifestError(f"{where}: [course]: release entry {entry!r} is outside the course folder")
    return Course(
        root=root, name=course["name"], checks=place("checks"), solutions=place("solutions"),
        exercises=place("exercises"), notebooks=place("notebooks"),
        seeds=seeds, preload=tuple(course["preload"]),
        ignore=tuple(dict.fromkeys(ALWAYS_IGNORED + tuple(course["ignore"]))), total=course["total"],
        release=tuple(course["release"]), assignments=assignments_of(raw.get("assignment"), where),
    )


def read(folder: Path) -> Course:
    """The course whose manifest is ``folder/course.toml``."""
    path = folder / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    course = parse(text, folder.resolve(), str(path))
    missing = [str(course.checks / f"{m}.py") for m in course.modules if not (course.checks / f"{m}.py").is_file()]
    if missing:
        raise ManifestError(f"{path}: the checks of {len(missing)} module(s) are missing: {', '.join(missing[:3])} "
                            "(one check file per module of each [[assignment]], in the folder [course] checks names)")
    return course

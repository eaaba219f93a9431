"""``--similarity``: pairs of submissions whose code is suspiciously alike.

copydetect does the work, with the winnowing MOSS uses: code is tokenised (names become
placeholders, comments and spacing go), hashed in k-grams and winnowed; the fingerprints
of the starter code (exercises/) are boilerplate and never count. A pair's overlap is the
share of each side's fingerprinted tokens found in the other. This only ranks pairs for a
TA to read; it never changes a grade.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from grader.manifest import active

#: copydetect's defaults: matches shorter than 25 tokens are noise, window 1 keeps them all.
NOISE, WINDOW = 25, 1


@dataclass
class Region:
    """One stretch of code found in both submissions (lines are 1-based, inclusive)."""

    lines_a: tuple[int, int]
    lines_b: tuple[int, int]
    text_a: str
    text_b: str


@dataclass
class Pair:
    a: str
    b: str
    overlap_a: float  # share of a's code found in b
    overlap_b: float
    tokens: int
    regions: list[Region] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round((self.overlap_a + self.overlap_b) / 2, 4)


def source_of(path: Path) -> str:
    """The code of one submission as one text: its .py files, or a notebook's code cells
    (archives are not unpacked here; they come back empty)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.py") if p.is_file() and "__pycache__" not in p.parts)
        return "\n".join(p.read_text(errors="replace") for p in files)
    if path.suffix == ".py":
        return path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        try:
            notebook = nbformat.reads(path.read_text(errors="replace"), as_version=4)
        except Exception:  # noqa: BLE001 - a broken notebook is graded (and explained) elsewhere
            return ""
        return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    return ""


def starter_code() -> list[str]:
    """What the course hands out: the exercise stubs."""
    return [p.read_text() for p in sorted(active().exercises.glob("*.py"))]


def fingerprint(code: str):
    from copydetect import CodeFingerprint

    return CodeFingerprint("submission.py", NOISE, WINDOW, fp=io.StringIO(code))


def similar_pairs(sources: dict[str, str], boilerplate: list[str], top: int = 20, floor: float = 0.0) -> list[Pair]:
    """The ``top`` most alike pairs of ``sources`` (id -> code), most alike first."""
    from copydetect import CodeFingerprint, compare_files

    starter = np.unique(np.array([h for code in boilerplate for h in fingerprint(code).hashes], dtype=np.int64))
    prints = {sid: CodeFingerprint("submission.py", NOISE, WINDOW, boilerplate=starter, fp=io.StringIO(code))
              for sid, code in sources.items() if code.strip()}
    pairs = []
    for a, b in candidates(prints, top * 3):
        tokens, (sim_a, sim_b), slices = compare_files(prints[a], prints[b])
        if tokens and (sim_a + sim_b) / 2 > floor:
            pairs.append((float(sim_a), float(sim_b), int(tokens), a, b, slices))
    pairs.sort(key=lambda p: -(p[0] + p[1]))
    return [Pair(a, b, round(sa, 4), round(sb, 4), tokens, regions(sources[a], sources[b], slices))
            for sa, sb, tokens, a, b, slices in pairs[:top]]


def candidates(prints: dict, keep: int) -> list[tuple[str, str]]:
    """The ``keep`` pairs sharing the largest share of fingerprints (a set intersection,
    microseconds a pair), the only ones copydetect then measures and locates in full."""
    shared = []
    for (a, fa), (b, fb) in itertools.combinations(prints.items(), 2):
        common = len(fa.hashes & fb.hashes)
        if common:
            shared.append((common / max(1, min(len(fa.hashes), len(fb.hashes))), a, b))
    shared.sort(reverse=True)
    return [(a, b) for _, a, b in shared[:keep]]


def regions(code_a: str, code_b: str, slices, shown: int = 5) -> list[Region]:
    """The longest matching stretches, as line ranges and text."""
    (starts_a, ends_a), (starts_b, ends_b) = slices
    spans = sorted(zip(starts_a, ends_a, starts_b, ends_b), key=lambda s: -(s[1] - s[0]))[:shown]
    return [Region(lines(code_a, int(sa), int(ea)), lines(code_b, int(sb), int(eb)),
                   code_a[int(sa):int(ea)][:600], code_b[int(sb):int(eb)][:600]) for sa, ea, sb, eb in spans]


def lines(code: str, start: int, end: int) -> tuple[int, int]:
    return code.count("\n", 0, start) + 1, code.count("\n", 0, end) + 1


def to_dict(pair: Pair) -> dict:
    return {"a": pair.a, "b": pair.b, "overlap_a": pair.overlap_a, "overlap_b": pair.overlap_b, "score": pair.score,
            "tokens": pair.tokens, "regions": [{"lines_a": r.lines_a, "lines_b": r.lines_b} for r in pair.regions]}

"""The mutants/alternatives table is well formed: each ``old`` occurs exactly once, names exist."""

import importlib.util
from pathlib import Path

import pytest

from grader.manifest import BUNDLED, load
from grader.manifest.checks import load_checks

MODULES = load(BUNDLED).modules

ROOT = Path(__file__).resolve().parents[1]


def _table():
    spec = importlib.util.spec_from_file_location("_mutants_table", ROOT / "tests" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TABLE = _table()
ENTRIES = [("mutant", e) for e in TABLE.MUTANTS] + [("alternative", e) for e in TABLE.ALTERNATIVES]


@pytest.mark.parametrize("kind,entry", ENTRIES, ids=[f"{k}-{e['module']}-{e['name']}" for k, e in ENTRIES])
def test_entry(kind, entry):
    assert set(entry) == {"module", "name", "why", "old", "new", "lost"}
    assert entry["module"] in MODULES
    text = (ROOT / "solutions" / f"{entry['module']}.py").read_text()
    assert text.count(entry["old"]) == 1, "old snippet must occur exactly once"
    assert entry["new"] != entry["old"]
    compile(text.replace(entry["old"], entry["new"]), entry["name"], "exec")
    names = {c.name for c in load_checks(load(BUNDLED))[entry["module"]]}
    assert isinstance(entry["lost"], set) and entry["lost"] <= names
    assert bool(entry["lost"]) == (kind == "mutant")


def test_names_unique_and_every_module_covered():
    for table in (TABLE.MUTANTS, TABLE.ALTERNATIVES):
        keys = [(e["module"], e["name"]) for e in table]
        assert len(keys) == len(set(keys))
    for module in MODULES:
        assert sum(e["module"] == module for e in TABLE.MUTANTS) >= 2
        assert sum(e["module"] == module for e in TABLE.ALTERNATIVES) >= 1

"""``selfcheck --mutants``: cosmic-ray's mutants of the solutions, graded in one session;
the survivors are listed, the equivalent ones are marked with a reason."""

from __future__ import annotations

import pytest

from conftest import SOLUTIONS, run_cli
from grader.authoring import mutants
from grader.manifest import BUNDLED, load

MODULES = load(BUNDLED).modules

pytest.importorskip("cosmic_ray")

SMALL = '''import torch


def f(a, b):
    """Doc: 1 + 2 is not mutated."""
    ### BEGIN SOLUTION
    return a + b * 2
    ### END SOLUTION
'''


def test_only_solution_code_is_mutated_and_every_mutant_compiles():
    found = mutants.mutants_of("small", SMALL)
    assert found and {m.line for m in found} == {7}
    assert {m.before for m in found} == {"return a + b * 2"}
    assert "return a - b * 2" in {m.after for m in found} and "return a + b * 3" in {m.after for m in found}
    for m in found:
        compile(m.source, m.operator, "exec")
        assert m.source != SMALL


def test_equivalent_marks_need_a_reason(tmp_path):
    path = tmp_path / "eq.toml"
    path.write_text('[[equivalent]]\nmodule = "m"\nbefore = "a"\nafter = "b"\nreason = " "\n')
    with pytest.raises(ValueError, match="no reason"):
        mutants.load_equivalents(path)


def test_every_equivalent_mark_names_a_mutant_of_the_current_solutions():
    """A mark left behind by an edit of the solutions would hide nothing and mean nothing."""
    keys = {m.key for module in MODULES for m in mutants.mutants_of(module, (SOLUTIONS / f"{module}.py").read_text())}
    marks = mutants.load_equivalents(SOLUTIONS / mutants.EQUIVALENTS)
    assert marks and set(marks) <= keys, set(marks) - keys


@pytest.mark.timeout(300)
def test_survivors_are_listed_until_marked_equivalent_with_their_reason():
    found = mutants.mutants_of("cifar", (SOLUTIONS / "cifar.py").read_text())
    download = [m for m in found if m.after.endswith("download=True)")]
    divide = [m for m in found if m.before.endswith("/ 255") and m.after.endswith("/ 256")]
    assert len(download) == len(divide) == 1
    outcomes = mutants.grade_mutants(download + divide, SOLUTIONS, jobs=1)
    assert [o.killed for o in outcomes] == [False, True]  # / 256 is a different image
    assert [o.mutant for o in mutants.survivors(outcomes)] == download
    assert "1/2 killed" in mutants.score_line(outcomes)
    marked = mutants.apply_marks(outcomes, mutants.load_equivalents(SOLUTIONS / mutants.EQUIVALENTS))
    assert mutants.survivors(marked) == [] and "checksums verify" in marked[0].reason
    assert "1/1 killed (100.0%), 1 marked equivalent" in mutants.score_line(marked)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_selfcheck_mutants_reports_the_score_and_passes_on_the_course():
    result = run_cli("selfcheck", "--mutants", "--module", "tensors", "--module", "cifar")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mutation score:" in result.stdout and "selfcheck passed" in result.stdout

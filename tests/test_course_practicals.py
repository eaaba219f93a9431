"""The course's own practicals as a student fills them in: full marks for every choice the course leaves open.

A check may demand only what the course's empty notebook and text ask for. The notebooks
here follow the course's empty Practical 2 (its cell order, names and signatures:
``compute_loss(self, y, y_est)``, a ``backward`` the course's own solution lets return nothing,
samples handed over one at a time) filled in by a student's own code; each variant takes
another road the course allows and keeps full marks; each realistic bug loses exactly the
checks that exercise it. All are graded in one session, the way ``python -m grader`` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import course_notebooks as cn
from conftest import grade_all, run_cli
from grader.submissions.resolve import resolve

FIXTURE = Path(__file__).parent / "fixtures" / "practical2_course_student.ipynb"

#: backward returns dloss/dx, compute_loss takes the solution's (y_est, y_target), steps are in place
RETURNS = dict(
    composition=cn.STUDENT_COMPOSITION
    .replace("def compute_loss(self, y, y_est):", "def compute_loss(self, y_est, y_target):")
    .replace("2 * (y_est - y)", "2 * (y_est - y_target)").replace("(y - y_est) ** 2", "(y_target - y_est) ** 2")
    .replace("            g = layer.backward(g)\n", "            g = layer.backward(g)\n        return g\n"),
    fit=cn.STUDENT_FIT.replace("compute_loss(yy[j], y_est)", "compute_loss(y_est, yy[j])"),
    challenge=cn.STUDENT_CHALLENGE.replace("compute_loss(yy[j], cos_fit.forward(xx[j]))",
                                           "compute_loss(cos_fit.forward(xx[j]), yy[j])"),
    layers=cn.STUDENT_LAYERS.replace("self.w = self.w - learning_rate * self.dw", "self.w -= learning_rate * self.dw"),
)
#: math instead of numpy: the layers take one number at a time, all the course's loop hands them; layers kept as a tuple
SCALARS = dict(
    imports=cn.IMPORTS + "\nimport math",
    layers=cn.STUDENT_LAYERS.replace("np.exp(x)", "math.exp(x)"),
    cos=cn.STUDENT_COS.replace("np.cos(x)", "math.cos(x)").replace("np.sin(self.input)", "math.sin(self.input)"),
    composition=cn.STUDENT_COMPOSITION.replace("self.layers = layers", "self.layers = tuple(layers)"),
)
#: what the course's empty notebook asks and no more: no Challenge (my_cos only the solution notebook has)
WITHOUT_CHALLENGE = dict(cos="The course's empty notebook ends here.", challenge="print('done')")
BUGS = {
    "cos_backward_sign": (dict(cos=cn.STUDENT_COS.replace("return -grad * np.sin", "return grad * np.sin")),
                          {"my_cos_layer"}),
    "backward_forward_order": (dict(composition=cn.STUDENT_COMPOSITION.replace("reversed(self.layers)", "self.layers")),
                               {"composition_backward_step", "training_exp"}),
    "exp_backward_without_exp": (dict(layers=cn.STUDENT_LAYERS.replace("return grad * self.value", "return grad")),
                                 {"my_exp_layer", "training_exp"}),
    "loss_gradient_sign": (dict(composition=cn.STUDENT_COMPOSITION.replace("2 * (y_est - y)", "2 * (y - y_est)")),
                           {"composition_backward_step", "training_exp"}),
    "weight_step_ascent": (dict(layers=cn.STUDENT_LAYERS.replace("self.w - learning_rate", "self.w + learning_rate")),
                           {"multiplication_weight_step", "training_exp"}),
}
EMPTY = dict(layers=cn.empty(cn.STUDENT_LAYERS), composition=cn.empty(cn.STUDENT_COMPOSITION), cos=cn.empty(cn.STUDENT_COS),
             fit="\n".join(line for line in cn.STUDENT_FIT.splitlines()
                           if "y_est" not in line and "my_fit.backward" not in line and "my_fit.step" not in line),
             challenge="xx = np.arange(-10, 10, .01)")

#: the functional practical another way: one zero as the target's "gradient", a tuple of values, updates in place
FUNCTIONAL_OTHER = cn.functional(cn.FUNCTIONAL_EXERCISE.replace("return 2 * (y_pred - y), np.zeros_like(y)",
                                                                "return 2 * (y_pred - y), np.zeros(1)"))
FUNCTIONAL_OTHER = [c.replace("return all_x if return_all else all_x[-1]", "return tuple(all_x) if return_all else all_x[-1]")
                     .replace("return [-learning_rate * g.sum(0) for g in grads]",
                              "return [-learning_rate * np.sum(g, axis=0) for g in grads]")
                     .replace("    return [p + u for p, u in zip(params, updates)]",
                              "    for k, u in enumerate(updates):\n        params[k] += u\n    return params")
                    for c in FUNCTIONAL_OTHER]
#: None for the target ("should not be updated"), and an optimiser that leaves a None alone
FUNCTIONAL_NONE = [c.replace("return 2 * (y_pred - y), np.zeros_like(y)", "return 2 * (y_pred - y), None")
                   .replace("return [-learning_rate * g.sum(0) for g in grads]",
                            "return [0 if g is None else -learning_rate * g.sum(0) for g in grads]")
                   for c in cn.functional()]
FUNCTIONAL_ASCENT = [c.replace("-learning_rate * g.sum(0)", "learning_rate * g.sum(0)") for c in cn.functional()]


def _cases() -> dict[str, tuple[list[str], str, set[str]]]:
    """name -> (cells, module, the checks it must fail)."""
    cases = {"student": (cn.practical2_course(), "backprop", set()),
             "returns_solution_order_in_place": (cn.practical2_course(**RETURNS), "backprop", set()),
             "scalars_only": (cn.practical2_course(**SCALARS), "backprop", set()),
             "without_the_challenge": (cn.practical2_course(**WITHOUT_CHALLENGE), "backprop", set()),
             "functional_other": (FUNCTIONAL_OTHER, "autodiff_functional", set()),
             "functional_no_target_gradient": (FUNCTIONAL_NONE, "autodiff_functional", set()),
             "functional_ascent": (FUNCTIONAL_ASCENT, "autodiff_functional", {"sgd_update", "training_loop"})}
    for name, (parts, lost) in BUGS.items():
        cases[name] = (cn.practical2_course(**parts), "backprop", lost)
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course_practicals")
    cases = _cases()
    paths = {name: folder / f"{name}.ipynb" for name in [*cases, "empty"]}
    for name, (cells, _, _) in cases.items():
        nbformat.write(cn.notebook(cells), str(paths[name]))
    nbformat.write(cn.notebook(cn.practical2_course(**EMPTY)), str(paths["empty"]))
    reports = grade_all([resolve(path) for path in paths.values()], sandbox="process")
    return dict(zip(paths, reports))


def _failed(report, module: str) -> dict[str, str]:
    checks = next(m for m in report.modules if m.name == module).checks
    return {c.name: c.message for c in checks if c.status not in ("passed", "skipped")}


def test_the_challenge_the_empty_notebook_does_not_ask_for_costs_nothing(graded):
    """my_cos is only in the course's solution notebook: left out, it is skipped and the rest is full marks."""
    report = graded["without_the_challenge"]
    [cos] = [c for c in report.checks if c.name == "my_cos_layer"]
    assert cos.status == "skipped" and "optional, not attempted" in cos.message
    backprop = {name: next(m for m in graded[name].modules if m.name == "backprop") for name in ("without_the_challenge", "student")}
    assert (backprop["without_the_challenge"].points, backprop["without_the_challenge"].max_points) == (9, 9)
    assert (backprop["student"].points, backprop["student"].max_points) == (10, 10)  # attempted: graded, and counted


@pytest.mark.parametrize("name", list(_cases()))
def test_each_notebook_loses_exactly_the_checks_of_its_bug(graded, name):
    _, module, lost = _cases()[name]
    assert set(_failed(graded[name], module)) == lost, _failed(graded[name], module)


def test_the_student_notebook_ran_its_own_loops(graded):
    for name in ("student", "returns_solution_order_in_place", "scalars_only"):
        stdout = graded[name].stdout
        assert "fitted w = 0.5" in stdout and "challenge: w = 0.5" in stdout, (name, stdout)
        assert not any("raised" in note for note in graded[name].notes), graded[name].notes


def test_the_course_empty_notebook_scores_zero(graded):
    backprop = next(m for m in graded["empty"].modules if m.name == "backprop")
    assert backprop.points == 0 and backprop.max_points == 10


def test_the_fixture_is_the_course_layout_filled_in():
    """tests/fixtures/practical2_course_student.ipynb is what ``practical2_course()`` builds (no drift)."""
    committed = nbformat.read(str(FIXTURE), as_version=4)
    built = cn.notebook(cn.practical2_course())
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells]
    assert "return" not in cn.STUDENT_COMPOSITION.split("def backward(self):")[1].split("def step")[0]


def test_the_fixture_scores_full_marks_through_the_command_line(tmp_path):
    out = tmp_path / "report.json"
    done = run_cli(str(FIXTURE), "--json", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert (report["score"], report["max_score"]) == (10, 10), [c["message"] for m in report["modules"] for c in m["checks"]
                                                                if c["status"] != "passed"]


def test_every_variant_edits_what_it_says():
    """Each ``replace`` above found its text: no variant is the plain notebook under another name."""
    plain = cn.practical2_course()
    for parts in [RETURNS, SCALARS, EMPTY, WITHOUT_CHALLENGE] + [parts for parts, _ in BUGS.values()]:
        defaults = {"imports": cn.IMPORTS, "layers": cn.STUDENT_LAYERS, "composition": cn.STUDENT_COMPOSITION,
                    "fit": cn.STUDENT_FIT, "cos": cn.STUDENT_COS, "challenge": cn.STUDENT_CHALLENGE}
        assert all(text != defaults[key] for key, text in parts.items()), parts
        assert cn.practical2_course(**parts) != plain
    assert RETURNS["composition"].count("return") == 3 and "(self, y_est, y_target)" in RETURNS["composition"]
    for variant in (FUNCTIONAL_OTHER, FUNCTIONAL_NONE, FUNCTIONAL_ASCENT):
        assert variant != cn.functional()
    assert sum(a != b for a, b in zip(FUNCTIONAL_OTHER, cn.functional())) == 3

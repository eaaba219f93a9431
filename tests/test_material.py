"""Exercise stubs vs solutions: markers, stubbing, signatures and drift of exercises/."""

import ast
import importlib.util
import inspect
from pathlib import Path

import pytest

from grader.manifest import BUNDLED, load

from grader.authoring.material import BEGIN, build_exercises, solution_files, stub_source

MODULES = load(BUNDLED).modules

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
#: given complete in the stubs (an example to follow), so it has no solution region
COMPLETE_CLASSES = {("backprop", "add_bias"), ("autodiff_functional", "add"), ("autodiff_functional", "add_make_vjp")}


def load(folder, name):
    spec = importlib.util.spec_from_file_location(f"_material_{folder.name}_{name}", folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def public_api(module):
    """name -> signature of every function and class defined in ``module`` (methods included)."""
    api = {}
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            api[name] = str(inspect.signature(obj))
        elif inspect.isclass(obj):
            api[name] = "class"
            for meth, fn in vars(obj).items():
                if inspect.isfunction(fn):
                    api[f"{name}.{meth}"] = str(inspect.signature(fn))
    return api


def regions(text):
    """Qualified names of the functions holding a solution region."""
    from grader.authoring.material import _enclosing_names, _region_name

    spans = _enclosing_names(text)
    return [_region_name(spans, n) for n, line in enumerate(text.splitlines(), 1) if line.strip() == BEGIN]


def test_solution_files_are_the_course_modules():
    assert [name[:-3] for name in solution_files(str(SOLUTIONS))] == sorted(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_stub_and_solution_import(module):
    load(SOLUTIONS, module)
    load(EXERCISES, module)


@pytest.mark.parametrize("module", MODULES)
def test_same_public_names_and_signatures(module):
    assert public_api(load(EXERCISES, module)) == public_api(load(SOLUTIONS, module))
    solution = load(SOLUTIONS, module)
    assert sorted(n for n in dir(load(EXERCISES, module)) if not n.startswith("_")) == sorted(
        n for n in dir(solution) if not n.startswith("_")
    )


@pytest.mark.parametrize("module", MODULES)
def test_every_function_has_a_solution_region(module):
    text = (SOLUTIONS / f"{module}.py").read_text()
    marked = set(regions(text))
    api = public_api(load(SOLUTIONS, module))
    expected = {
        name for name, sig in api.items()
        if sig != "class" and (module, name.split(".")[0]) not in COMPLETE_CLASSES
    }
    assert marked == expected


@pytest.mark.parametrize("module", MODULES)
def test_every_stub_raises_not_implemented(module):
    stub = load(EXERCISES, module)
    names = regions((SOLUTIONS / f"{module}.py").read_text())
    assert names
    for qualname in names:
        if "." in qualname:
            cls_name, meth = qualname.split(".")
            fn = getattr(getattr(stub, cls_name), meth)
            args = [object.__new__(getattr(stub, cls_name))]
        else:
            fn, args = getattr(stub, qualname), []
        params = [p for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty
                  and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        args += [None] * (len(params) - len(args))
        with pytest.raises(NotImplementedError, match=f"^{qualname}: your code here$"):
            fn(*args)


def test_add_bias_is_complete_in_the_stub():
    stub = load(EXERCISES, "backprop")
    layer = stub.add_bias(1.0)
    assert layer.forward(2.0) == 3.0
    assert layer.backward(0.5) == 0.5
    layer.step(0.1)
    assert layer.b == pytest.approx(0.95)


def test_committed_exercises_match_the_builder(tmp_path):
    written = build_exercises(str(SOLUTIONS), str(tmp_path))
    assert sorted(Path(p).name for p in written) == sorted(f"{m}.py" for m in MODULES)
    committed = sorted(p.name for p in EXERCISES.glob("*.py"))
    assert committed == sorted(Path(p).name for p in written)
    for path in written:
        name = Path(path).name
        assert (EXERCISES / name).read_text() == Path(path).read_text(), (
            f"exercises/{name} is stale: run `python -m grader build exercises`"
        )


def test_build_exercises_leaves_other_files(tmp_path):
    (tmp_path / "README.md").write_text("keep me")
    build_exercises(str(SOLUTIONS), str(tmp_path))
    assert (tmp_path / "README.md").read_text() == "keep me"


# ----------------------------------------------------------------------- stub_source


def test_stub_source_function():
    text = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n'
    assert stub_source(text) == 'def f(x):\n    """Doc."""\n    raise NotImplementedError("f: your code here")\n'


def test_stub_source_nested_indentation_and_multiple_regions():
    text = (
        "import math\n\n\n"
        "def g(x):\n"
        "    if x:\n"
        "        ### BEGIN SOLUTION\n"
        "        return 1\n"
        "        ### END SOLUTION\n"
        "    # keep this comment\n"
        "    ### BEGIN SOLUTION\n"
        "    return 2\n"
        "    ### END SOLUTION\n\n\n"
        "def h():\n"
        "    ### BEGIN SOLUTION\n"
        "    return math.pi\n"
        "    ### END SOLUTION\n"
    )
    out = stub_source(text)
    assert out == (
        "import math\n\n\n"
        "def g(x):\n"
        "    if x:\n"
        '        raise NotImplementedError("g: your code here")\n'
        "    # keep this comment\n"
        '    raise NotImplementedError("g: your code here")\n\n\n'
        "def h():\n"
        '    raise NotImplementedError("h: your code here")\n'
    )
    ast.parse(out)


def test_stub_source_methods_and_complete_class():
    text = (
        "class Done:\n"
        "    def f(self):\n"
        "        return 1\n\n\n"
        "class Layer:\n"
        "    def __init__(self, w):\n"
        "        ### BEGIN SOLUTION\n"
        "        self.w = w\n"
        "        ### END SOLUTION\n\n"
        "    def forward(self, x):\n"
        '        """Doc."""\n'
        "        def inner(y):\n"
        "            ### BEGIN SOLUTION\n"
        "            return y\n"
        "            ### END SOLUTION\n"
        "        ### BEGIN SOLUTION\n"
        "        return inner(x) * self.w\n"
        "        ### END SOLUTION\n"
    )
    out = stub_source(text)
    assert out.startswith("class Done:\n    def f(self):\n        return 1\n")
    assert '        raise NotImplementedError("Layer.__init__: your code here")\n' in out
    assert '            raise NotImplementedError("Layer.forward.inner: your code here")\n' in out
    assert '        raise NotImplementedError("Layer.forward: your code here")\n' in out
    assert "self.w = w" not in out and "SOLUTION" not in out
    ast.parse(out)


def test_stub_source_without_regions_is_identity():
    text = "x = 1\n\ndef f():\n    return x\n"
    assert stub_source(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n",
        "def f():\n    return 1\n    ### END SOLUTION\n",
        "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
    ],
)
def test_stub_source_rejects_unbalanced_markers(text):
    with pytest.raises(ValueError):
        stub_source(text)

"""Gaming earns nothing: every public function (and every method of every public class) of every
exercise module replaced by a cheap
trick (identity, zeros, ones, None, ``pass``, a constant in each float dtype, always-raise,
random values of the right shape) scores 0 on every check.

The functions are found in solutions/ (so a function or check added later is covered
without editing this file), each trick is one submission covering every module, and all of
them are graded in one session. "Of the right shape" is the strongest form of a trick: the
submission runs a private copy of the solution to learn the shape, dtype and kind of the
answer, then returns something else of that shape. Alongside, a submission that copies
where views are asked for and patches numpy/torch so that everything looks shared.
"""

from __future__ import annotations

import ast

import pytest

from conftest import SOLUTIONS, grade_all
from grader.manifest import BUNDLED, load
from grader.submissions.resolve import resolve

MODULES = load(BUNDLED).modules

pytestmark = pytest.mark.timeout(600)

#: Helpers every gaming module carries (a submission cannot import this test's code).
LIBRARY = '''
import copy as _copy
import numpy as _np
import torch as _torch

_REAL = {"__name__": "_real_solution"}
exec(compile(_SOLUTION, "<solution>", "exec"), _REAL)
_RNG = _np.random.default_rng(12345)
_FLOATS = {"float16": _torch.float16, "bfloat16": _torch.bfloat16, "float32": _torch.float32,
           "float64": _torch.float64}


def _private(value):
    """A copy of an argument, so that learning the answer's shape changes nothing."""
    if isinstance(value, _torch.Tensor):
        return value.detach().clone()
    if isinstance(value, _np.ndarray):
        return value.copy()
    try:
        return _copy.deepcopy(value)
    except Exception:
        return value


def _like(out, trick):
    """Something of the answer's shape and kind, with the trick's values."""
    if isinstance(out, (tuple, list)):
        return type(out)(_like(v, trick) for v in out)
    if isinstance(out, dict):
        return {k: _like(v, trick) for k, v in out.items()}
    if isinstance(out, _torch.dtype):
        return _FLOATS.get(trick, _torch.float32)
    if isinstance(out, _np.ndarray):
        return _np.asarray(_like(_torch.from_numpy(_np.array(out)), trick).numpy())
    if isinstance(out, _torch.Tensor):
        out = out.detach()
        if trick == "random":
            if out.is_floating_point():
                return _torch.rand(out.shape, dtype=out.dtype)
            return _torch.from_numpy(_RNG.integers(0, 100, size=tuple(out.shape))).to(out.dtype)
        if trick in _FLOATS:
            return _torch.full(out.shape, 0.5, dtype=_FLOATS[trick])
        return _torch.full(out.shape, {"zeros": 0, "ones": 1}[trick], dtype=out.dtype)
    if isinstance(out, bool):
        return trick == "ones"
    if isinstance(out, (int, float)):
        return {"zeros": 0, "ones": 1, "random": int(_RNG.integers(0, 100))}.get(trick, 0.5)
    return out


def _game(name, trick, args, kwargs):
    if trick == "identity":
        return (list(args) + list(kwargs.values()) + [None])[0]
    if trick == "raise":
        raise ValueError("no")
    try:
        out = _REAL[name](*[_private(a) for a in args], **{k: _private(v) for k, v in kwargs.items()})
    except Exception:
        out = _torch.zeros(3)
    return _like(out, trick)
'''

TRICKS = ("identity", "zeros", "ones", "None", "pass", "float16", "bfloat16", "float32", "float64", "raise",
          "random")


def solution_tree(module: str) -> ast.Module:
    return ast.parse((SOLUTIONS / f"{module}.py").read_text())


def public_functions(module: str) -> list[str]:
    """The exercise's public functions, as the solution defines them."""
    return [n.name for n in solution_tree(module).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def public_classes(module: str) -> dict[str, tuple[list[str], list[str]]]:
    """The exercise's public classes: name -> (the parameters of __init__, the public methods)."""
    found = {}
    for node in solution_tree(module).body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
            init = next((m for m in methods if m.name == "__init__"), None)
            params = [a.arg for a in init.args.args[1:]] if init else []
            found[node.name] = params, [m.name for m in methods if not m.name.startswith("_")]
    return found


def attached_attributes(module: str) -> list[str]:
    """Top-level ``function.attribute = function`` lines (``add.make_vjp = add_make_vjp``)."""
    return [ast.unparse(n) for n in solution_tree(module).body
            if isinstance(n, ast.Assign) and all(isinstance(t, ast.Attribute) for t in n.targets)
            and isinstance(n.value, ast.Name)]


def gaming_method(trick: str) -> str:
    """A method that keeps what it was built with and answers every call with the trick."""
    if trick in ("pass", "None"):
        return "pass" if trick == "pass" else "return None"
    if trick == "raise":
        return "raise ValueError('no')"
    if trick == "identity":
        return "return (list(args) + [None])[0]"
    return f"return _like((list(args) + [_torch.zeros(1)])[0], {trick!r})"


def gaming_class(name: str, params: list[str], methods: list[str], trick: str) -> str:
    keep = "".join(f"        self.{p} = {p}\n" for p in params) or "        pass\n"
    lines = [f"class {name}:", f"    def __init__(self, {', '.join(params)}):" if params else "    def __init__(self):", keep]
    lines += [f"    def {m}(self, *args, **kwargs):\n        {gaming_method(trick)}\n" for m in methods]
    return "\n".join(lines)


def gaming_module(module: str, trick: str) -> str:
    source = (SOLUTIONS / f"{module}.py").read_text()
    lines = [f"_SOLUTION = {source!r}", LIBRARY]
    for name in public_functions(module):
        if trick == "pass":
            body = "pass"
        elif trick == "None":
            body = "return None"
        else:
            body = f"return _game({name!r}, {trick!r}, args, kwargs)"
        lines.append(f"def {name}(*args, **kwargs):\n    {body}\n")
    for name, (params, methods) in public_classes(module).items():
        lines.append(gaming_class(name, params, methods, trick))
    lines += attached_attributes(module)
    return "\n".join(lines)


#: Copies where views are asked for, with every memory-sharing test the submission can
#: reach patched to say "shared": the grader's own functions are bound before the import.
FORGED_VIEWS = {
    "broadcasting": ("    return a.expand(shape), b.expand(shape)\n",
                     "    return a.expand(shape).clone(), b.expand(shape).clone()\n"),
    "cifar": ("    return x.narrow(0, 0, n)\n", "    return x.narrow(0, 0, n).clone()\n"),
}
FORGERY = """
import numpy
numpy.shares_memory = lambda *args, **kwargs: True
numpy.may_share_memory = lambda *args, **kwargs: True
torch.Tensor.untyped_storage = lambda self: torch.UntypedStorage(1)
torch.UntypedStorage.data_ptr = lambda self: 1
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gaming")
    submissions = {}
    for trick in TRICKS:
        folder = tmp / trick
        folder.mkdir()
        for module in MODULES:
            (folder / f"{module}.py").write_text(gaming_module(module, trick))
        submissions[trick] = resolve(folder)
    forged = tmp / "forged_views"
    forged.mkdir()
    for module, (old, new) in FORGED_VIEWS.items():
        source = (SOLUTIONS / f"{module}.py").read_text()
        assert source.count(old) == 1
        (forged / f"{module}.py").write_text(source.replace(old, new) + FORGERY)
    submissions["forged_views"] = resolve(forged)
    return dict(zip(submissions, grade_all(list(submissions.values()), jobs=2)))


@pytest.mark.parametrize("trick", TRICKS)
def test_trick_earns_nothing(reports, trick):
    report = reports[trick]
    checks = [c for c in report.checks if c.status != "skipped"]
    assert {c.module for c in checks} == set(MODULES)  # every module's checks ran
    assert len(checks) == len([c for c in reports["identity"].checks if c.status != "skipped"])
    earned = [(c.id, c.points) for c in checks if c.points]
    assert report.score == 0 and not earned, earned


def test_every_public_function_and_class_is_gamed():
    for module in MODULES:
        names, classes = public_functions(module), public_classes(module)
        assert names or classes, module
        text = gaming_module(module, "zeros")
        assert all(f"def {name}(*args, **kwargs):" in text for name in names)
        assert all(f"class {name}:" in text for name in classes)
        assert all(f"    def {m}(self, *args, **kwargs):" in text for _, ms in classes.values() for m in ms)


def test_forged_views_lose_the_view_checks(reports):
    report = reports["forged_views"]
    failed = {c.id for c in report.checks if c.status == "failed" and c.module in FORGED_VIEWS}
    assert failed == {"broadcasting.expand_pair_views", "cifar.first_images_view"}, failed
    for check in report.checks:
        if check.id in failed:
            assert "view" in check.message, check.message

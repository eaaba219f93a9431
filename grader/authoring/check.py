"""Checks: how a course author says what to test.

A check is a plain function decorated with :func:`check`. It receives the submission's
module (``sub``) and a :class:`Case` (seeded inputs, the device, a scratch folder) and
returns plain data: tensors, arrays, numbers, strings, dtypes, and tuples, lists and dicts
of them. The grader runs the same function against ``solutions/`` to get the expected data
and compares the two under the check's :class:`Policy`::

    @check(points=2, dtype="strict")
    def mixed_sums_dtypes(sub, case):
        "xr + b is float64 and xr + c stays float32."
        xr = case.randn(3, 4)
        return sub.mixed_sums(xr, case.randn(3, 4, dtype=torch.float64), case.randint(0, 9, (3, 4)))

Scenarios run inside the sandboxed worker, next to student code, so what they return is
untrusted data; the verdict is computed elsewhere. This module is imported by the judge
too (for :class:`Policy`), so it must not import torch at module level.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Callable

DTYPE_POLICIES = ("strict", "promote")
DEVICE_POLICIES = ("match", "cpu")
REFERENCE_DEVICES = ("cpu", "same")


@dataclass(frozen=True)
class Policy:
    """How a check's result is compared with the reference.

    dtype: ``strict`` (the dtype is part of the answer) or ``promote`` (compare in the wider
    dtype at the narrower one's tolerance).
    device: ``match`` (the device is part of the answer) or ``cpu`` (values are compared on
    the CPU, with the tolerance for the device the run put the submission's inputs on).
    rtol/atol: override the per-dtype defaults for this check.
    tf32: the computation is matmul-based, so TF32 on a GPU legitimately changes float32
    results and the CUDA tolerance for TF32 applies.
    spread: ``(safety, floor)``: the result is a :func:`sensitive` one, judged at
    ``atol = floor + safety * s`` (rtol 0), where ``s`` is the largest difference between the
    reference's result and the same computation run by the reference in a lower precision:
    a tolerance derived from how much the reference itself moves with rounding.
    """

    dtype: str = "strict"
    device: str = "cpu"
    rtol: float | None = None
    atol: float | None = None
    equal_nan: bool = True
    tf32: bool = False
    spread: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPE_POLICIES:
            raise ValueError(f"dtype policy must be one of {DTYPE_POLICIES}, not {self.dtype!r}")
        if self.device not in DEVICE_POLICIES:
            raise ValueError(f"device policy must be one of {DEVICE_POLICIES}, not {self.device!r}")
        if (self.rtol is None) != (self.atol is None):
            raise ValueError("give both rtol and atol, or neither")
        if self.spread is not None:
            if len(self.spread) != 2 or not all(isinstance(v, (int, float)) and v >= 0 for v in self.spread):
                raise ValueError(f"spread must be (safety, floor), two numbers >= 0, not {self.spread!r}")
            if self.rtol is not None:
                raise ValueError("give rtol/atol or spread, not both")
            object.__setattr__(self, "spread", tuple(self.spread))

    def to_data(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: dict) -> "Policy":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Check:
    """One graded unit: a scenario, its points and its comparison policy."""

    module: str
    name: str
    points: float
    scenario: Callable[[Any, "Case"], Any] = field(compare=False, repr=False)
    policy: Policy = Policy()
    description: str = ""
    cases: int = 1
    timeout: float = 10.0
    reference_device: str = "cpu"  # "same": the reference runs on the submission's device
    requires_cuda: bool = False
    optional: str = ""  # why the course does not ask it of everyone; "": required

    @property
    def id(self) -> str:
        return f"{self.module}.{self.name}"

    def catalogue_entry(self) -> dict:
        """What the judge needs to know about this check, as plain data."""
        return {
            "id": self.id,
            "module": self.module,
            "name": self.name,
            "points": self.points,
            "policy": self.policy.to_data(),
            "description": self.description,
            "cases": self.cases,
            "timeout": self.timeout,
            "reference_device": self.reference_device,
            "requires_cuda": self.requires_cuda,
            "optional": self.optional,
        }


#: Every check defined so far, by module name, in definition order.
REGISTRY: dict[str, list[Check]] = {}


def check(
    points: float,
    *,
    dtype: str = "strict",
    device: str = "cpu",
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    tf32: bool = False,
    spread: tuple[float, float] | None = None,
    cases: int = 1,
    timeout: float = 10.0,
    reference_device: str = "cpu",
    requires_cuda: bool = False,
    optional: str = "",
    module: str | None = None,
    name: str | None = None,
) -> Callable[[Callable], Callable]:
    """Register ``fn(sub, case)`` as a check of the exercise module its file is named after.

    The first line of the function's docstring is what the report says the check checks.
    ``cases`` runs the scenario with that many seeds; the check passes when all pass.
    ``reference_device="same"`` runs the reference on the submission's device instead of the CPU.
    ``spread=(safety, floor)`` judges a :func:`sensitive` result at a tolerance derived from the
    reference's own sensitivity to rounding (see :class:`Policy`).
    ``optional="why"``: an exercise the course does not ask of every student (a challenge only
    its solution notebook does): skipped, not failed, when the submission does not define the
    names it uses, so leaving it out costs nothing; attempted, it is graded as any other.
    """
    if reference_device not in REFERENCE_DEVICES:
        raise ValueError(f"reference_device must be one of {REFERENCE_DEVICES}, not {reference_device!r}")
    policy = Policy(dtype=dtype, device=device, rtol=rtol, atol=atol, equal_nan=equal_nan, tf32=tf32, spread=spread)

    def register(fn: Callable) -> Callable:
        mod = module or fn.__module__.rsplit(".", 1)[-1]
        doc = (fn.__doc__ or "").strip().splitlines()
        entry = Check(
            module=mod,
            name=name or fn.__name__,
            points=points,
            scenario=fn,
            policy=policy,
            description=doc[0] if doc else fn.__name__.replace("_", " "),
            cases=cases,
            timeout=timeout,
            reference_device=reference_device,
            requires_cuda=requires_cuda,
            optional=optional,
        )
        checks = REGISTRY.setdefault(mod, [])
        if any(c.name == entry.name and c.scenario.__module__ == fn.__module__ for c in checks):
            raise ValueError(f"check {entry.id} is defined twice")
        checks.append(entry)
        fn.check = entry
        return fn

    return register


class Case:
    """The inputs of one run of a scenario: a seed, a device and a scratch folder.

    Random helpers draw from generators seeded by ``seed`` so that the submission and the
    reference see the same inputs; tensors are created on the CPU, then moved to ``device``
    (so the values do not depend on the device's random generator). ``reference`` is true
    when the scenario runs on the reference solutions (in the trusted worker): what only the
    reference needs to compute (the low-precision run of :func:`sensitive`) is computed there.
    """

    def __init__(self, seed: int, device: str = "cpu", scratch: str | None = None, reference: bool = False):
        import numpy as np
        import torch

        self.seed = seed
        self.device = device
        self.reference = reference
        self._scratch = scratch
        self.generator = torch.Generator().manual_seed(seed)
        self.np = np.random.default_rng(seed)

    def _place(self, t):
        return t if self.device == "cpu" else t.to(self.device)

    def randn(self, *shape: int, dtype=None):
        """Standard normal float tensor (float32 unless told) on the case's device."""
        import torch

        return self._place(torch.randn(*shape, generator=self.generator, dtype=dtype or torch.float32))

    def rand(self, *shape: int, dtype=None):
        """Uniform [0, 1) float tensor on the case's device."""
        import torch

        return self._place(torch.rand(*shape, generator=self.generator, dtype=dtype or torch.float32))

    def randint(self, low: int, high: int, shape: tuple, dtype=None):
        """Integer tensor in [low, high) (int64 unless told) on the case's device."""
        import torch

        return self._place(
            torch.randint(low, high, shape, generator=self.generator, dtype=dtype or torch.int64)
        )

    def tensor(self, data, dtype=None):
        """A tensor from Python data on the case's device."""
        import torch

        return self._place(torch.tensor(data, dtype=dtype))

    @property
    def scratch(self) -> str:
        """The folder a scenario may write in (a fresh temporary one unless the worker gave one)."""
        if self._scratch is None:
            import tempfile

            self._scratch = tempfile.mkdtemp(prefix="grader-case-")
        return self._scratch

    def path(self, name: str) -> str:
        """A path inside this case's scratch folder (created on demand)."""
        path = os.path.join(self.scratch, name)
        os.makedirs(path, exist_ok=True)
        return path


@dataclass(frozen=True)
class Raised:
    """What a scenario returns when the call it expected to raise did raise."""

    type: str
    bases: tuple[str, ...]
    message: str


def raises(fn: Callable, *args, **kwargs):
    """Call ``fn`` and return its result, or a :class:`Raised` describing its exception.

    Use it where raising is the expected behaviour (``ValueError`` for incompatible shapes):
    the reference's ``Raised`` then becomes the expected data, and the comparison checks the
    submission raised the same type (or a subclass of it).
    """
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any exception is data here
        mro = tuple(k.__name__ for k in type(exc).__mro__ if k is not object)
        return Raised(type=type(exc).__name__, bases=mro, message=str(exc)[:500])


#: The keys of a :func:`sensitive` result.
SENSITIVE_KEYS = ("value", "low_precision")


def sensitive(value, low_precision=None) -> dict:
    """A result for a check with ``spread=(safety, floor)``: ``value``, computed as the course
    computes it, and ``low_precision``, the same computation in a lower precision (float32
    inputs for float64 ones). Only the reference's ``low_precision`` is used (give it when
    ``case.reference``, ``None`` otherwise): the spread between its two runs sets the tolerance
    ``value`` is judged at, so a correct implementation that rounds differently (float32,
    ``np.sqrt`` for ``math.sqrt``, another order of operations) keeps full marks and a wrong
    rule, which moves the result by far more than rounding does, fails."""
    return dict(zip(SENSITIVE_KEYS, (value, low_precision)))


def with_globals(fn: Callable, **values) -> Callable:
    """``fn`` as it runs after a cell such as ``eta, gamma = 0.4, 0.5``: the same code, reading
    ``values`` as its globals (and so do the functions it calls from its namespace).

    A scenario states the hyper-parameters the course runs a notebook function with, whatever
    a later cell of the student's notebook set them to. ``fn`` must be a plain function."""
    f = _bound()
    if f["type"](fn) is not f["FunctionType"]:
        raise TypeError(f"{getattr(fn, '__name__', fn)!r} is not a plain function, so its globals cannot be set")
    return rebind_globals(fn, {**f["globals"](fn), **values})


def rebind_globals(fn: Callable, namespace: dict) -> Callable:
    """``fn`` reading ``namespace`` as its globals; so are the plain functions in ``namespace``
    that shared ``fn``'s globals (a helper it calls sees the same values)."""
    f = _bound()
    old = f["globals"](fn)
    rebind_namespace(namespace, old)
    return _copy_function(fn, namespace, f)


def rebind_namespace(namespace: dict, old: dict) -> None:
    """Make every plain function in ``namespace`` whose globals are ``old`` read ``namespace`` instead."""
    f = _bound()
    for name, value in list(namespace.items()):
        if f["type"](value) is f["FunctionType"] and f["globals"](value) is old:
            namespace[name] = _copy_function(value, namespace, f)


def _copy_function(fn, namespace: dict, f: dict):
    copy = f["FunctionType"](f["code"](fn), namespace, f["name"](fn), f["defaults"](fn), f["closure"](fn))
    for name in ("kwdefaults", "qualname", "doc", "module"):
        f[f"set_{name}"](copy, f[name](fn))
    f["dict"](copy).update(f["dict"](fn))  # attributes set on it (``dot.make_vjp = ...``)
    return copy


#: The functions facts are computed with, bound by :func:`bind_facts` before any student
#: code is imported: a submission that replaces ``numpy.shares_memory`` or a ``Tensor``
#: method afterwards changes what it calls, not what the checks see.
_FACTS: dict[str, Any] = {}


def bind_facts() -> None:
    """Bind (once) the numpy and torch functions the fact helpers below use."""
    if _FACTS:
        return
    import numpy as np
    import torch

    # torch._C.TensorBase is private: torch >= 2.2 (2.1 and before: _TensorBase)
    _FACTS.update(
        np_shares_memory=np.shares_memory, ndarray=np.ndarray, Tensor=torch.Tensor, isinstance=isinstance,
        type=type, bool=bool, no_subclass=torch._C.DisableTorchFunctionSubclass,
        storage=torch.Tensor.untyped_storage, data_ptr=torch.UntypedStorage.data_ptr,
        numpy=torch.Tensor.numpy, detach=torch.Tensor.detach, device=torch._C.TensorBase.device.__get__,
        requires_grad=torch._C.TensorBase.requires_grad.__get__, is_leaf=torch._C.TensorBase.is_leaf.__get__,
        dtype=torch._C.TensorBase.dtype.__get__, shape=torch._C.TensorBase.shape.__get__, tuple=tuple, int=int,
        **function_parts(),
    )


def function_parts() -> dict[str, Any]:
    """How a plain function is taken apart and rebuilt (:func:`rebind_globals`), read from the
    function type's own descriptors: a function cannot answer for them itself."""
    function = type(function_parts)
    parts = {name: vars(function)[f"__{name}__"] for name in
             ("globals", "code", "name", "defaults", "closure", "kwdefaults", "qualname", "doc", "module", "dict")}
    return {"FunctionType": function, **{k: v.__get__ for k, v in parts.items()},
            **{f"set_{k}": parts[k].__set__ for k in ("kwdefaults", "qualname", "doc", "module")}}


def _bound() -> dict[str, Any]:
    bind_facts()
    return _FACTS


def is_tensor(x) -> bool:
    """Whether ``x`` is a torch tensor (with the class bound before student code ran)."""
    f = _bound()
    return f["isinstance"](x, f["Tensor"])


def is_ndarray(x) -> bool:
    """Whether ``x`` is a numpy array (with the class bound before student code ran)."""
    f = _bound()
    return f["isinstance"](x, f["ndarray"])


def tensor_flags(t) -> dict[str, bool]:
    """``requires_grad`` and ``is_leaf`` of a tensor, read past any subclass's properties."""
    f = _bound()
    with f["no_subclass"]():
        return {"requires_grad": f["bool"](f["requires_grad"](t)), "is_leaf": f["bool"](f["is_leaf"](t))}


def tensor_place(t) -> dict[str, Any] | None:
    """Device type, dtype and shape of a tensor, read past any subclass's properties
    (None for anything else): where a tensor landed, even on the data-less meta device."""
    if not is_tensor(t):
        return None
    f = _bound()
    with f["no_subclass"]():
        return {"device": f["device"](t).type, "dtype": f["dtype"](t),
                "shape": f["tuple"](f["int"](s) for s in f["shape"](t))}


def shares_memory(a, b) -> bool:
    """Whether two tensors/arrays overlap in memory (a view, not a copy).

    Two tensors share memory when they use the same storage; otherwise both are seen as
    numpy arrays and numpy decides, with the functions bound before any student code ran.
    Only exact numpy arrays count (a subclass could answer for its own memory).
    """
    f = _bound()
    if is_tensor(a) and is_tensor(b):
        with f["no_subclass"]():
            return f["data_ptr"](f["storage"](a)) == f["data_ptr"](f["storage"](b))
    left, right = _as_array(a, f), _as_array(b, f)
    if left is None or right is None:
        return False
    return f["bool"](f["np_shares_memory"](left, right))


def _as_array(x, f):
    if f["type"](x) is f["ndarray"]:
        return x
    if not is_tensor(x):
        return None
    with f["no_subclass"]():
        if f["device"](x).type != "cpu":
            return None
        try:
            return f["numpy"](f["detach"](x))
        except (RuntimeError, TypeError):  # conjugate or negative views have no numpy twin
            return None

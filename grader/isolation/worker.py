"""What runs inside a worker process, next to student code: load, run scenarios, stream data.

Nothing here decides a grade. The worker imports the submission's modules, runs each
selected check's scenario against them and writes one frame per event to a private pipe
(never stdout). The judge trusts none of it beyond "this is what came back".
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import sys
import tempfile
import traceback
from typing import Any

from grader import wire
from grader.isolation import notebook_run
from grader.authoring.check import REGISTRY, Case, Check, bind_facts

MAX_CAPTURE = 64 * 1024
#: A TypeError raised where the check calls the student's function: the call itself failed.
SIGNATURE_ERROR = re.compile(r"TypeError: .*(positional argument|keyword argument|required (positional|keyword))")


class DeviceLost(Exception):
    """A CUDA error left this worker's GPU context unusable: the rest of the job needs a fresh worker."""


def device_probe(device: str):
    """A function telling whether the GPU context is lost, bound before any student import
    (``torch.cuda.synchronize`` re-raises a sticky error such as a device-side assert)."""
    if not device.startswith("cuda"):
        return lambda: False
    import torch

    synchronize = torch.cuda.synchronize

    def lost() -> bool:
        try:
            synchronize()
        except Exception:  # noqa: BLE001 - any error here means the context is gone
            return True
        return False

    return lost


def lost_device(outcome: dict) -> dict:
    """The failed case's record once its CUDA error has poisoned the context."""
    return {**outcome, "reason": "device_error",
            "message": f"{outcome.get('message', '')} (a CUDA error that breaks the GPU context, such as a "
                       "device-side assert: your other checks run in a fresh worker)".strip()}


class MissingName(AttributeError):
    """The submission does not define a name a check uses (perhaps in a cell that does not parse)."""

    def __init__(self, message: str, reason: str = "missing_name") -> None:
        super().__init__(message)
        self.reason = reason


class SubmissionModule:
    """The student's module as scenarios see it: a missing name is a clear verdict."""

    def __init__(self, module: Any, filename: str, lost: dict[str, int]) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_filename", filename)
        object.__setattr__(self, "_lost", lost)

    def __getattr__(self, name: str) -> Any:
        module = object.__getattribute__(self, "_module")
        try:
            return getattr(module, name)
        except AttributeError:
            filename, lost = object.__getattribute__(self, "_filename"), object.__getattribute__(self, "_lost")
            if name in lost:
                raise MissingName(f"{filename} does not define {name}: code cell {lost[name]} does not parse",
                                  "notebook_unparsable") from None
            raise MissingName(f"{filename} does not define {name}") from None


class CappedText(io.TextIOBase):
    """A stand-in for sys.stdout during a check: keeps the first MAX_CAPTURE characters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = MAX_CAPTURE - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        return text + (f"\n[... {self.dropped} more characters not shown]" if self.dropped else "")


class Channel:
    """The private result pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, meta: dict, value: Any = None) -> None:
        try:
            frame = wire.encode_frame(meta, value)
        except wire.FrameTooLarge as exc:
            frame = wire.encode_frame({**meta, "outcome": "error", "reason": "oversized_results",
                                       "message": f"result not sendable: {exc}"})
        except wire.WireError as exc:
            frame = wire.encode_frame({**meta, "outcome": "error", "reason": "wrong_answer",
                                       "message": f"result not sendable: {exc}"})
        except Exception as exc:  # noqa: BLE001 - a hostile object may break encoding
            frame = wire.encode_frame({**meta, "outcome": "error", "reason": "wrong_answer",
                                       "message": f"result could not be encoded: {exc!r}"[:500]})
        view = memoryview(frame)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


def describe_exception(exc: BaseException, submission_root: str) -> dict:
    """Type, message and the frames of the student's own files (the rest is the grader's).

    ``where`` is "student" when any frame is the student's (their code failed, perhaps
    inside torch), "check" when none is (the check could not call or use their code).
    """
    frames = traceback.extract_tb(exc.__traceback__)
    root = submission_root.rstrip(os.sep) + os.sep
    own = [f for f in frames if os.path.abspath(f.filename).startswith(root) or f.filename.startswith("<cell")]
    lines = traceback.format_list(own[-6:])
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        text = f"{type(exc).__name__}: (its message cannot be printed)"
    return {"type": type(exc).__name__, "message": text[:2000], "traceback": "".join(lines)[-4000:],
            "where": "student" if own else "check"}


def failure_reason(exc: BaseException, otherwise: str) -> str:
    """The reason code of an exception from student code: exit, memory, or ``otherwise``."""
    if isinstance(exc, SystemExit):
        return "exit"
    return "memory" if isinstance(exc, MemoryError) else otherwise


def error_reason(exc: BaseException, info: dict) -> str:
    """Raised in the student's frames: raised (or exit, memory). Raised in none of them: the
    check could not call the student's function (signature) or use what it returned."""
    if info["where"] == "student" or isinstance(exc, (SystemExit, MemoryError)):
        return failure_reason(exc, "raised")
    return "signature" if isinstance(exc, TypeError) and SIGNATURE_ERROR.match(info["message"]) else "wrong_answer"


def load_module(name: str, path: str, root: str, progress=lambda cell: None) -> tuple[Any, dict]:
    """Import one submission file as module ``name``; errors become a status record.

    A ``.ipynb`` is a notebook the judge translated: it runs once, cell by cell (``progress``
    hears of each cell), and every module reads its namespace.
    """
    if not os.path.isfile(path):
        return None, {"status": "missing", "reason": "missing_module", "message": f"{name}.py was not found in the submission"}
    handed_in = os.path.basename(path)  # dave.py graded as a module says dave.py
    try:
        if path.endswith(".ipynb"):
            return notebook_run.load(name, path, progress)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        line = (exc.text or "").strip()
        return None, {"status": "error", "reason": "syntax_error",
                      "message": f"{handed_in} does not parse: {exc.msg} (line {exc.lineno}: {line[:120]})"}
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import included
        info = describe_exception(exc, root)
        return None, {"status": "error", "reason": failure_reason(exc, "import_error"), "message": f"importing {handed_in} failed: {info['message']}",
                      "traceback": info["traceback"]}
    return module, {"status": "ok"}


def run_case(check: Check, sub: SubmissionModule, case: Case, root: str) -> tuple[dict, Any]:
    """Run one scenario; return the outcome record and the data it produced."""
    capture = CappedText()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = capture
    try:
        value = check.scenario(sub, case)
        outcome: dict = {"outcome": "value"}
    except MissingName as exc:
        value, outcome = None, {"outcome": "missing", "reason": exc.reason, "message": str(exc)}
    except NotImplementedError as exc:
        value, outcome = None, {"outcome": "not_implemented", "reason": "not_implemented", "message": f"not implemented yet ({exc})" if str(exc) else "not implemented yet"}
    except SystemExit as exc:
        value, outcome = None, {"outcome": "exit", "reason": "exit", "message": f"your code called sys.exit({exc.code!r}) during the check"}
    except BaseException as exc:  # noqa: BLE001 - everything is a verdict, nothing escapes
        info = describe_exception(exc, root)
        value, outcome = None, {"outcome": "error", "reason": error_reason(exc, info), **info}
    finally:
        sys.stdout, sys.stderr = saved
    outcome["output"] = capture.getvalue()
    return outcome, value


def select_checks(modules: list[str], only: list[str] | None, device: str) -> list[Check]:
    """The checks to run: those asked for, or (``only`` is None) all that this device allows."""
    if only is not None:
        wanted = set(only)
        return [c for m in modules for c in REGISTRY.get(m, []) if c.id in wanted]
    cuda = device.startswith("cuda")
    return [c for m in modules for c in REGISTRY.get(m, []) if cuda or not c.requires_cuda]


def run_job(spec: dict, channel: Channel) -> None:
    """The worker's whole life: ``spec`` says what to load and which checks to run.

    Raises :class:`DeviceLost` after the result of a case whose CUDA error broke the context."""
    bind_facts()  # before the first student import: the facts checks compute stay the grader's
    context_lost = device_probe(spec.get("device", "cpu"))
    root = os.path.abspath(spec["root"])
    sys.path.insert(0, root)
    workdir = spec.get("cwd") or root
    os.chdir(workdir)
    # Home, temporary and cache folders inside this job's own folder, which the judge empties
    # before the next job: nothing one student writes there can reach the next one.
    for name in ("HOME", "TMPDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        os.environ[name] = workdir
    tempfile.tempdir = workdir
    channel.send({"event": "hello", "pid": os.getpid()})
    if spec.get("catalogue"):
        channel.send({"event": "catalogue"}, [c.catalogue_entry() for m in spec["modules"] for c in REGISTRY.get(m, [])])
    checks = select_checks(spec["modules"], spec.get("checks"), spec.get("device", "cpu"))
    namespaces = spec.get("namespaces") or {}
    for module_name in spec["modules"]:
        todo = [c for c in checks if c.module == module_name]
        if not todo:
            continue
        filename = namespaces.get(module_name) or f"{module_name}.py"
        module, status = load_module(module_name, os.path.join(root, filename), root,
                                     lambda cell: channel.send({"event": "cell", "cell": cell}))
        channel.send({"event": "module", "module": module_name, **status})
        if module is None:
            continue
        lost = notebook_run.lost_names(os.path.join(root, filename))
        for check in todo:
            staged = module.view(check.id) if isinstance(module, notebook_run.Staged) else module
            sub = SubmissionModule(staged, os.path.basename(filename), lost)
            device = spec.get("device", "cpu") if check.reference_device == "same" or not spec.get("trusted") else "cpu"
            for index in range(check.cases):
                seed = spec["seeds"][check.module][index]
                channel.send({"event": "start", "check": check.id, "case": index})
                case = Case(seed, device=device, scratch=workdir, reference=bool(spec.get("trusted")))
                outcome, value = run_case(check, sub, case, root)
                broke_device = outcome["outcome"] == "error" and context_lost()
                outcome = lost_device(outcome) if broke_device else outcome
                channel.send({"event": "result", "check": check.id, "case": index, **outcome}, value)
                if broke_device:
                    raise DeviceLost(check.id)
    channel.send({"event": "done"})

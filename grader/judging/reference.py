"""The expected data: the checks' scenarios run against ``solutions/``, cached on disk.

The reference runs in a trusted worker (the solutions are ours), through the same frames
as a submission. Its raw frames are kept in a cache file keyed by everything that can
change them (the grader and course code, the solutions, the variant, the device and the
torch version), so a student's second run does not pay for it, and a reload goes through
the same safe decoder as any worker's output.

A cache entry is never trusted blindly: it carries an HMAC of its body keyed with a secret
(``key`` in the cache folder, 0600) that no worker can read (bwrap binds no cache, and
process-mode workers of a root grader leave root with the cache covered), so an entry a
submission rewrote, or a damaged one, fails the check and is recomputed.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from grader import wire
from grader.files import write_atomic
from grader.manifest import active
from grader.paths import PACKAGE_ROOT, cache_dir, solutions_dir
from grader.errors import GraderError
from grader.isolation.job import CheckOutcome, Job, ModuleStatus
from grader.isolation.limits import Limits
from grader.isolation.runner import Runner
from grader.isolation.zygote_client import Zygote
from grader.isolation.sandbox import ProcessSandbox

CACHE_FORMAT = b"grader-reference/1\n"  # then the frames (a shipped reference)
SIGNED_FORMAT = b"grader-reference-signed/1\n"  # then the HMAC of the frames, then the frames (the cache)
KEY_BYTES = 32


@dataclass
class Reference:
    """The catalogue of checks and the reference's outcome for each case."""

    catalogue: list[dict]
    results: dict[str, dict[int, CheckOutcome]]
    module_status: dict[str, ModuleStatus]

    @classmethod
    def of(cls, job: Job) -> "Reference":
        return cls(job.catalogue or [], job.results, job.module_status)


#: The grader's code that can change what a worker produces: the worker side and how checks
#: load. Reporters, exports and the judge do not change a reference (nor a worker's results);
#: the course's own part (manifest, checks) is added by :func:`result_sources`.
RESULT_SOURCES = ("isolation", "authoring/check.py", "manifest", "wire", "reasons.py", "paths.py")


def result_sources() -> list[Path]:
    package = PACKAGE_ROOT / "grader"
    found = []
    for name in RESULT_SOURCES:
        path = package / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    course = active()
    return found + [course.manifest] + sorted(course.checks.rglob("*.py"))


def cache_key(solutions: Path, variant: str, device: str) -> str:
    digest = hashlib.sha256()
    for path in result_sources() + sorted(solutions.glob("*.py")):
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{variant}|{device}|{installed_torch()}|{platform.machine()}".encode())
    return digest.hexdigest()[:24]


def installed_torch() -> str:
    """torch's version as installed (read from its metadata: the judge never imports torch); "?" if none."""
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def replay(raw: bytes) -> Job:
    job = Job(name="reference", root="", modules=list(active().modules), checks=None, seeds={}, trusted=True)
    for meta, value in wire.FrameReader().feed(raw):
        job.apply(meta, value)
    return job


def compute(solutions: Path, variant: str, device: str, limits: Limits = Limits()) -> Job:
    """Run every check against the solutions in a trusted, unsandboxed worker."""
    course = active()
    job = Job(name="reference", root=str(solutions), modules=list(course.modules), checks=None,
              seeds=course.seeds_for(variant), variant=variant, device=device, trusted=True,
              wants_catalogue=True, copy=False, raw=bytearray())
    runner = Runner([Zygote(ProcessSandbox(), preload=course.preload_for(course.modules), trusted=True)], limits)
    try:
        runner.run([job])
    finally:
        runner.close()
    return job


def shipped_path(variant: str, device: str) -> Path:
    """Where a student release keeps the reference it ships instead of solutions/: beside the checks."""
    return active().checks / "reference" / f"{variant}-{device}.bin"


def cache_secret(create: bool = False) -> bytes | None:
    """The cache's HMAC key (made, 0600, on first use when ``create``); None if unreadable."""
    path = cache_dir() / "key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another grader made it meanwhile
        return cache_secret()
    except OSError:
        return None
    with os.fdopen(fd, "wb") as fh:
        fh.write(os.urandom(KEY_BYTES))
    return path.read_bytes()


def sign(body: bytes, secret: bytes) -> bytes:
    return SIGNED_FORMAT + hmac.digest(secret, body, "sha256") + body


def verified(raw: bytes, secret: bytes | None) -> bytes | None:
    """The body of a signed cache entry whose HMAC matches; None otherwise."""
    if secret is None or not raw.startswith(SIGNED_FORMAT):
        return None
    tag, body = raw[len(SIGNED_FORMAT):][:32], raw[len(SIGNED_FORMAT) + 32:]
    return body if hmac.compare_digest(tag, hmac.digest(secret, body, "sha256")) else None


def read(path: Path, secret: bytes | None = None) -> Reference | None:
    """A reference file, decoded safely; None when unusable. With ``secret`` it is a cache
    entry and must carry its HMAC; without, a shipped reference."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if secret is not None:
        body = verified(raw, secret)
    else:
        body = raw[len(CACHE_FORMAT):] if raw.startswith(CACHE_FORMAT) else None
    if body is None:
        return None
    try:
        job = replay(body)
    except Exception:  # noqa: BLE001 - a damaged file is recomputed (or reported), never trusted
        return None
    if not job.catalogue:
        return None
    return Reference.of(job)


def load(variant: str = "public", device: str = "cpu", refresh: bool = False, limits: Limits = Limits()) -> Reference:
    """The reference for this variant and device: from the cache when it is current, from
    the file a student release ships when there is no solutions/ folder, else computed
    under ``limits``."""
    solutions = solutions_dir()
    if not solutions.is_dir():
        shipped = read(shipped_path(variant, device))
        if shipped is None:
            raise GraderError(f"there is no {solutions} folder and no shipped reference for the {variant} "
                              f"checks on {device}; grade in the course repository (or a release built for this)")
        return shipped
    path = cache_dir() / f"reference-{cache_key(solutions, variant, device)}.bin"
    secret = cache_secret(create=True)
    cached = None if refresh or secret is None else read(path, secret)
    if cached is not None:
        return cached
    job = compute(solutions, variant, device, limits)
    reference = Reference.of(job)
    if healthy(reference) and secret is not None:
        store(path, sign(bytes(job.raw), secret))
    return reference


def healthy(reference: Reference) -> bool:
    """Every module loaded and every case of every check produced a value."""
    if not reference.catalogue:
        return False
    if any(not s.ok for s in reference.module_status.values()):
        return False
    return all(
        reference.results.get(c["id"], {}).get(k, CheckOutcome("missing")).outcome == "value"
        for c in reference.catalogue if not c["requires_cuda"] for k in range(c["cases"])
    )


def store(path: Path, data: bytes) -> None:
    """Write atomically; an unwritable cache only costs speed."""
    try:
        write_atomic(path, data)
    except OSError:
        pass

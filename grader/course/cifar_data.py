"""CIFAR-10 for the cifar checks: a small fake dataset in the real on-disk format.

:func:`write_fake_cifar` writes ``root/cifar-10-batches-py/`` exactly the way the real
archive lays it out: ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and
``batches.meta``, each a protocol-2 pickle of a dict written the way Python 2 wrote them
(keys and byte payloads as Python 2 ``str``, so they load as ``"data"`` under
``encoding="latin1"``, which torchvision uses, and as ``b"data"`` under ``encoding="bytes"``,
which many tutorials use). ``data`` is a uint8 array (N, 3072), channel-major (1024 red,
then 1024 green, then 1024 blue bytes per image, each row-major), ``labels`` a list of ints.

The one thing a fake cannot reproduce is the MD5 of the real files, and
``torchvision.datasets.CIFAR10`` checks every file's MD5 against a table of class
attributes (``train_list``, ``test_list``, ``meta``) before loading. So
:func:`fake_cifar_checksums` temporarily points those three attributes at the MD5s of the
fake files actually on disk, and restores them afterwards: the integrity check still runs
(and still rejects a missing or altered file), and the real class loads the files with its
own code. Nothing in torchvision's code is replaced.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import struct

BASE_FOLDER = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class _Py2Pickler(pickle._Pickler):
    """Protocol-2 pickler that writes ``bytes`` as Python 2 ``str`` (SHORT_BINSTRING / BINSTRING)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj: bytes) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def _py2_pickle(obj) -> bytes:
    out = io.BytesIO()
    _Py2Pickler(out, protocol=2).dump(obj)
    return out.getvalue()


def _batch(images, labels, batch_label: str, first_index: int) -> dict:
    n = len(labels)
    return {
        b"batch_label": batch_label.encode(),
        b"labels": [int(v) for v in labels],
        b"data": images,
        b"filenames": [f"fake_{first_index + k:05d}.png".encode() for k in range(n)],
    }


def write_fake_cifar(root, n_train: int = 200, n_test: int = 50, seed: int = 0) -> str:
    """Write a fake CIFAR-10 of ``n_train`` + ``n_test`` random images under ``root``; return ``root`` as a str.

    The training images are split as evenly as possible across the five training batches
    (like the real 5 x 10000). Images and labels are drawn from
    ``numpy.random.default_rng(seed)``, so the same arguments give the same files.
    """
    root = os.fspath(root)
    folder = os.path.join(root, BASE_FOLDER)
    os.makedirs(folder, exist_ok=True)
    for name, data in fake_cifar_files(n_train, n_test, seed):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    return root


@functools.lru_cache(maxsize=16)
def fake_cifar_files(n_train: int, n_test: int, seed: int) -> tuple[tuple[str, bytes], ...]:
    """(file name, bytes) of each file :func:`write_fake_cifar` writes; computed once per
    process and arguments (2.5 ms: the pickler is pure Python), which a zygote that calls
    it before forking makes once for all its workers."""
    import numpy as np

    rng = np.random.default_rng(seed)
    train = rng.integers(0, 256, size=(n_train, 3072), dtype=np.uint8)
    train_labels = rng.integers(0, 10, size=n_train)
    test = rng.integers(0, 256, size=(n_test, 3072), dtype=np.uint8)
    test_labels = rng.integers(0, 10, size=n_test)

    files, start = [], 0
    for i, (images, labels) in enumerate(
        zip(np.array_split(train, 5), np.array_split(train_labels, 5)), start=1
    ):
        batch = _batch(np.ascontiguousarray(images), labels, f"training batch {i} of 5", start)
        files.append((f"data_batch_{i}", _py2_pickle(batch)))
        start += len(labels)
    files.append((TEST_FILE, _py2_pickle(_batch(test, test_labels, "testing batch 1 of 1", 0))))
    meta = {
        b"num_cases_per_batch": int(-(-n_train // 5)) if n_train else 0,
        b"label_names": [name.encode() for name in LABEL_NAMES],
        b"num_vis": 3072,
    }
    files.append((META_FILE, _py2_pickle(meta)))
    return tuple(files)


def _md5(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def fake_cifar_checksums(root):
    """Within the block, ``torchvision.datasets.CIFAR10`` accepts the files under ``root`` (see the module docstring).

    The MD5s are those of the files on disk when the block starts; a file missing then
    keeps its real MD5 (so it is still reported missing). CIFAR100 is not affected.
    """
    from torchvision.datasets import CIFAR10

    folder = os.path.join(os.fspath(root), BASE_FOLDER)

    def md5_of(name: str, real: str) -> str:
        path = os.path.join(folder, name)
        return _md5(path) if os.path.isfile(path) else real

    saved = {name: CIFAR10.__dict__[name] for name in ("train_list", "test_list", "meta")}
    try:
        CIFAR10.train_list = [[name, md5_of(name, md5)] for name, md5 in saved["train_list"]]
        CIFAR10.test_list = [[name, md5_of(name, md5)] for name, md5 in saved["test_list"]]
        CIFAR10.meta = dict(saved["meta"], md5=md5_of(saved["meta"]["filename"], saved["meta"]["md5"]))
        yield os.fspath(root)
    finally:
        for name, value in saved.items():
            setattr(CIFAR10, name, value)


def real_cifar_root(data_dir: str = "data") -> str | None:
    """``data_dir`` if it holds the real CIFAR-10 python batches (all seven files present), else None.

    Only the files' presence is checked (cheap); torchvision verifies the MD5s when it loads.
    """
    folder = os.path.join(data_dir, BASE_FOLDER)
    names = TRAIN_FILES + (TEST_FILE, META_FILE)
    if all(os.path.isfile(os.path.join(folder, name)) for name in names):
        return data_dir
    return None


def download_cifar(root: str = "data") -> str:
    """Download the real CIFAR-10 (about 170 MB) into ``root`` with torchvision; return ``root``.

    An explicit option for people who want to look at the real images; never called by the
    checks or the tests.
    """
    import torchvision

    torchvision.datasets.CIFAR10(root, train=True, download=True)
    return root

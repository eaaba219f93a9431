"""The reference cache is never trusted blindly: an entry must carry the HMAC of its body,
keyed with a secret only the judge reads; anything else is recomputed."""

from __future__ import annotations

import stat

import pytest

from grader import wire
from grader.judging import reference

CATALOGUE = [{"id": "tensors.c", "module": "tensors", "cases": 1, "requires_cuda": False}]
BODY = wire.encode_frame({"event": "catalogue"}, CATALOGUE)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE", str(tmp_path))
    return tmp_path


def test_the_secret_is_made_once_and_only_its_owner_reads_it(cache):
    secret = reference.cache_secret(create=True)
    assert len(secret) == reference.KEY_BYTES and reference.cache_secret() == secret
    assert stat.S_IMODE((cache / "key").stat().st_mode) == 0o600


def test_a_signed_entry_reads_back_and_a_tampered_one_does_not(cache):
    secret = reference.cache_secret(create=True)
    path = cache / "reference-x.bin"
    path.write_bytes(reference.sign(BODY, secret))
    assert reference.read(path, secret).catalogue == CATALOGUE
    signed = path.read_bytes()
    forged = [signed[:-1] + bytes([signed[-1] ^ 1]),  # one bit of the body
              reference.CACHE_FORMAT + BODY,  # the unsigned (shipped) format
              reference.sign(BODY, b"another key"),
              signed[:len(reference.SIGNED_FORMAT) + 5]]  # cut short
    for raw in forged:
        path.write_bytes(raw)
        assert reference.read(path, secret) is None


def test_load_recomputes_an_entry_that_was_rewritten(cache, monkeypatch):
    computed = []

    def compute(solutions, variant, device, limits):
        computed.append(variant)
        job = reference.replay(BODY)
        job.raw = bytearray(BODY)
        return job

    monkeypatch.setattr(reference, "compute", compute)
    monkeypatch.setattr(reference, "healthy", lambda ref: True)
    assert reference.load().catalogue == CATALOGUE and len(computed) == 1
    assert reference.load().catalogue == CATALOGUE and len(computed) == 1  # from the cache
    [entry] = cache.glob("reference-*.bin")
    entry.write_bytes(reference.CACHE_FORMAT + wire.encode_frame({"event": "catalogue"}, [{**CATALOGUE[0], "cases": 9}]))
    assert reference.load().catalogue == CATALOGUE and len(computed) == 2

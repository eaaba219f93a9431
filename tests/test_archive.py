"""Archive submissions: hostile archives are refused or defused, good ones grade like what they hold."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import SOLUTIONS, grade_all
from grader.submissions import archive
from grader.submissions.archive import ArchiveError, unpack
from grader.manifest import BUNDLED, load
from grader.submissions.resolve import resolve

MODULES = load(BUNDLED).modules

PRACTICAL2 = Path(__file__).parent / "fixtures" / "practical2_student.ipynb"


def make_zip(path: Path, members: dict[str, bytes], links: dict[str, str] = {}) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return path


def make_tar(path: Path, members: dict[str, bytes], links: dict[str, tuple[bytes, str]] = {}) -> Path:
    with tarfile.open(path, "w:gz") as t:
        for name, (kind, target) in links.items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            t.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return path


def everything_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def box(tmp_path):
    """A folder holding only the archive and the scratch folder it is unpacked to."""
    (tmp_path / "scratch").mkdir()
    return tmp_path


def unpacked_only_inside(box: Path, archive_path: Path) -> None:
    outside = everything_under(box) - {archive_path.name, "scratch"} - {f"scratch/{p}" for p in everything_under(box / "scratch")}
    assert outside == set()
    assert not [p for p in (box / "scratch").rglob("*") if p.is_symlink()]


@pytest.mark.parametrize("maker", [make_zip, make_tar])
def test_traversal_is_refused(box, maker):
    name = f"escape-{uuid.uuid4().hex}.py"
    path = maker(box / ("evil.zip" if maker is make_zip else "evil.tar.gz"), {"ok.py": b"x = 1", f"../{name}": b"pwned"})
    with pytest.raises(ArchiveError, match="points outside the archive"):
        unpack(path, box / "scratch")
    assert not (box / name).exists() and not (box.parent / name).exists()
    unpacked_only_inside(box, path)


@pytest.mark.parametrize("maker", [make_zip, make_tar])
def test_absolute_path_is_refused(box, maker):
    target = Path(f"/tmp/grader-absolute-{uuid.uuid4().hex}.py")
    path = maker(box / ("evil.zip" if maker is make_zip else "evil.tar.gz"), {str(target): b"pwned"})
    with pytest.raises(ArchiveError, match="absolute path"):
        unpack(path, box / "scratch")
    assert not target.exists()
    unpacked_only_inside(box, path)


def test_tar_links_are_never_created(box, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    path = make_tar(box / "links.tar.gz", {"out/pwned.py": b"written through the link?", "backprop.py": b"x = 1"},
                    links={"out": (tarfile.SYMTYPE, str(elsewhere)), "passwd": (tarfile.LNKTYPE, "/etc/passwd")})
    notes = unpack(path, box / "scratch")
    assert notes and "links in the archive were skipped: out, passwd" in notes[0]
    assert list(elsewhere.iterdir()) == []
    assert (box / "scratch" / "out" / "pwned.py").is_file()  # a plain folder of the scratch, not the link
    unpacked_only_inside(box, path)


def test_zip_symlink_is_never_created(box):
    path = make_zip(box / "links.zip", {"backprop.py": b"x = 1"}, links={"solutions": "/etc"})
    assert unpack(path, box / "scratch") == ["links in the archive were skipped: solutions"]
    assert everything_under(box / "scratch") == {"backprop.py"}


def test_zip_bomb_is_refused_by_ratio(box):
    path = make_zip(box / "bomb.zip", {"backprop.py": b"\0" * (20 << 20)})
    assert path.stat().st_size < 100_000
    with pytest.raises(ArchiveError, match="times its size"):
        unpack(path, box / "scratch")
    assert sum(p.stat().st_size for p in (box / "scratch").rglob("*") if p.is_file()) <= 2 << 20
    unpacked_only_inside(box, path)


def test_caps_on_size_and_file_count(box, monkeypatch):
    monkeypatch.setattr(archive, "MAX_BYTES", 1 << 20)
    big = make_tar(box / "big.tar.gz", {"data.bin": os.urandom(2 << 20)})
    with pytest.raises(ArchiveError, match="more than 1 MB"):
        unpack(big, box / "scratch")
    many = make_zip(box / "many.zip", {f"f{i}.txt": b"" for i in range(archive.MAX_FILES + 1)})
    with pytest.raises(ArchiveError, match=f"more than {archive.MAX_FILES} files"):
        unpack(many, box / "scratch")


def test_refusals_and_corrupt_archives_are_clear_submission_errors(tmp_path):
    hostile = resolve(make_zip(tmp_path / "hw.zip", {"../x.py": b""}))
    assert hostile.error.startswith("the archive is refused") and hostile.student == "hw"
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    assert resolve(tmp_path / "broken.zip").error.startswith("broken.zip could not be unpacked")
    two = resolve(make_zip(tmp_path / "two.zip", {"a.ipynb": b"{}", "b/c.ipynb": b"{}"}))
    assert two.error.startswith("two.zip holds several notebooks (a.ipynb, b/c.ipynb)")


@pytest.mark.timeout(300)
def test_archives_grade_like_what_they_hold(tmp_path):
    modules = {f"hw/{m}.py": (SOLUTIONS / f"{m}.py").read_bytes() for m in MODULES}
    modules["__MACOSX/hw/._backprop.py"] = b"\0\5\26\7"
    zipped = resolve(make_zip(tmp_path / "alice.zip", modules))
    notebook = resolve(make_tar(tmp_path / "bob.tar.gz", {"bob/practical2.ipynb": PRACTICAL2.read_bytes()}))
    folder = resolve(SOLUTIONS)
    assert (zipped.student, notebook.student) == ("alice", "bob")
    zip_report, notebook_report, folder_report = grade_all([zipped, notebook, folder])
    assert [(c.id, c.status, c.points) for c in zip_report.checks] == \
           [(c.id, c.status, c.points) for c in folder_report.checks]
    assert zip_report.score == 99 and zip_report.submission == str(tmp_path / "alice.zip")
    backprop = next(m for m in notebook_report.modules if m.name == "backprop")
    assert backprop.points == 10

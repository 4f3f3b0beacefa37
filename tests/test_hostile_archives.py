"""Hostile and broken archives: refused by name before a byte is written, never a traceback.

Every archive path (verify, verify --rerun, the mongo engine's restore) reads archives through
``replifold.tarballs.read_tarball``; the cases below are each refused as a whole.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from test_archive import finished_fit

from replifold.archive.build import build_archive
from replifold.cli import main
from replifold.io import sha256_file
from replifold.tarballs import UnsafeArchive, read_tarball, tarball_bytes, write_tree

ROOT = "closure-quick"


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"x", link: str = ""
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.linkname = link
    return info, data


def _archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


LEGIT = [(f"{ROOT}/MANIFEST.sha256", tarfile.REGTYPE), (f"{ROOT}/runcard.yml", tarfile.REGTYPE)]
# (case id, hostile member name, member type, link target, what the refusal must say)
HOSTILE = [
    ("dotdot", f"{ROOT}/../../x", tarfile.REGTYPE, "", "'..'"),
    (
        "dotdot-pth",
        f"{ROOT}/../../lib/python3.11/site-packages/evil.pth",
        tarfile.REGTYPE,
        "",
        "'..'",
    ),
    ("absolute", "/tmp/replifold-evil", tarfile.REGTYPE, "", "absolute path"),
    ("backslash", f"{ROOT}\\..\\x", tarfile.REGTYPE, "", "backslash"),
    ("dot-component", f"{ROOT}/./runcard.yml", tarfile.REGTYPE, "", "'.'"),
    ("empty-component", f"{ROOT}//x", tarfile.REGTYPE, "", "empty path component"),
    ("control-char", f"{ROOT}/a\nb", tarfile.REGTYPE, "", "control character"),
    ("symlink", f"{ROOT}/data", tarfile.SYMTYPE, "/etc", "symbolic link"),
    ("hardlink", f"{ROOT}/fit", tarfile.LNKTYPE, "/etc/passwd", "hard link"),
    ("char-device", f"{ROOT}/dev", tarfile.CHRTYPE, "", "device"),
    ("block-device", f"{ROOT}/disk", tarfile.BLKTYPE, "", "device"),
    ("fifo", f"{ROOT}/pipe", tarfile.FIFOTYPE, "", "FIFO"),
    ("duplicate", f"{ROOT}/runcard.yml", tarfile.REGTYPE, "", "appears twice"),
    ("outside-root", "stray.json", tarfile.REGTYPE, "", "outside the archive's top-level folder"),
    (
        "second-root",
        "other-fit/x.json",
        tarfile.REGTYPE,
        "",
        "outside the archive's top-level folder 'closure-quick'",
    ),
]


@pytest.mark.parametrize(
    "case, name, kind, link, message", HOSTILE, ids=[case[0] for case in HOSTILE]
)
def test_verify_refuses_hostile_members_by_name(tmp_path, capsys, case, name, kind, link, message):
    members = [_member(n, k) for n, k in LEGIT] + [_member(name, kind, link=link)]
    archive = _archive(tmp_path / "evil.tar.gz", members)
    before = sorted(p for p in tmp_path.parent.rglob("*"))

    assert main(["verify", str(archive), "--rerun", "replica:1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "refused, nothing was extracted" in err
    assert message in err and repr(name) in err
    assert sorted(p for p in tmp_path.parent.rglob("*")) == before  # nothing written anywhere near
    assert not Path("/tmp/replifold-evil").exists()


@pytest.mark.parametrize("root", ["..", ".hidden", "fit name", "-dash", "$(touch x)"])
def test_the_top_level_folder_must_be_a_fit_name(tmp_path, root):
    archive = _archive(tmp_path / "a.tar.gz", [_member(f"{root}/runcard.yml")])
    with pytest.raises(UnsafeArchive, match="top-level folder|'..'"):
        read_tarball(archive)


@pytest.mark.parametrize(
    "content, message",
    [
        (lambda good: good[: len(good) // 2], "truncated or corrupt"),
        (lambda good: good[:20], "truncated or corrupt|not a readable"),
        (lambda good: b"not gzip at all", "not a readable .tar.gz"),
        (
            lambda good: gzip.compress(b"not a tar file" * 100),
            "not a readable .tar.gz|truncated or corrupt",
        ),
        (lambda good: b"", "not a readable .tar.gz|truncated or corrupt"),
    ],
    ids=["half", "header-only", "not-gzip", "gzip-not-tar", "empty"],
)
def test_verify_names_a_broken_archive(tmp_path, capsys, quick_runcard, content, message):
    fit_dir, runcard = finished_fit(tmp_path / "fit", quick_runcard)
    good = build_archive(fit_dir, runcard, tmp_path / "out").tarball.read_bytes()
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(content(good))
    assert main(["verify", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert any(part in err for part in message.split("|")), err


def test_an_archive_over_the_size_limit_is_refused_from_its_headers(tmp_path, monkeypatch):
    import replifold.tarballs as tarballs

    monkeypatch.setattr(tarballs, "MAX_TOTAL_BYTES", 10)
    archive = _archive(tmp_path / "big.tar.gz", [_member(f"{ROOT}/big", data=b"y" * 11)])
    with pytest.raises(UnsafeArchive, match="over the limit"):
        read_tarball(archive)


def test_every_problem_of_an_archive_is_listed(tmp_path):
    members = [_member(name, kind, link=link) for _, name, kind, link, _ in HOSTILE[:8]] + [
        _member(f"{ROOT}/ok")
    ]
    with pytest.raises(UnsafeArchive) as refused:
        read_tarball(_archive(tmp_path / "many.tar.gz", members))
    assert len(refused.value.problems) == 8


def test_write_tree_writes_only_the_validated_files_and_never_twice(tmp_path):
    archive = tmp_path / "ok.tar.gz"
    archive.write_bytes(tarball_bytes([(f"{ROOT}/a/b.json", b"{}"), (f"{ROOT}/c", b"1")]))
    root = write_tree(read_tarball(archive), tmp_path / "out")
    assert root == (tmp_path / "out" / ROOT).resolve()
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "a/b.json",
        "c",
    ]
    with pytest.raises(FileExistsError):
        write_tree(read_tarball(archive), tmp_path / "out")


def test_expected_sha256_and_the_sibling_manifest_catch_a_rewritten_archive(
    tmp_path, quick_runcard, capsys
):
    fit_dir, runcard = finished_fit(tmp_path / "fit", quick_runcard)
    outputs = build_archive(fit_dir, runcard, tmp_path / "out")
    assert main(["verify", str(outputs.tarball), "--expect-sha256", outputs.sha256]) == 0
    assert "the manifest matches the expected sha256" in capsys.readouterr().out

    # Alter a member and rewrite the archive's own manifest to match: self-consistent, but altered.
    (fit_dir / "postfit" / "selected.json").write_text('{"selected": [1]}\n', encoding="utf-8")
    forged = build_archive(fit_dir, runcard, tmp_path / "forged")
    tampered = tmp_path / "out" / outputs.tarball.name
    tampered.write_bytes(forged.tarball.read_bytes())  # beside the original MANIFEST.sha256
    assert main(["verify", str(tampered)]) == 1
    assert "the archive was altered" in capsys.readouterr().err
    assert main(["verify", str(tampered), "--expect-sha256", outputs.sha256]) == 1
    assert f"is not the expected {outputs.sha256}" in capsys.readouterr().err
    assert sha256_file(tampered) == forged.sha256

    alone = tmp_path / "alone" / outputs.tarball.name
    alone.parent.mkdir()
    alone.write_bytes(forged.tarball.read_bytes())
    assert main(["verify", str(alone)]) == 0
    assert "nothing outside the archive to check it against" in capsys.readouterr().err
    assert main(["verify", str(alone), "--expect-sha256", "not-a-hash"]) == 2

"""The deterministic archive, its manifest and `replifold verify` on a synthetic finished fit."""

from __future__ import annotations

import gzip
import shutil
import tarfile

import pytest

from replifold.archive.build import build_archive
from replifold.cli import main
from replifold.io import sha256_file, write_json
from replifold.runcard import dump_runcard, expand_runcard, runcard_sha256
from replifold.tarballs import tarball_bytes

SEEDS = {"nn": 1, "mc": 2, "trvl": {"A": 3}}


def finished_fit(root, quick_runcard):
    """A fit directory with one file of each kind the archive keeps or leaves out."""
    fit_dir = root / "closure-quick"
    quick_runcard["replicas"] = quick_runcard["replicas_per_job"] = 2
    expanded = expand_runcard(quick_runcard)
    text = dump_runcard(expanded)
    (fit_dir / "data").mkdir(parents=True)
    (fit_dir / "runcard.yml").write_text(text, encoding="utf-8")
    (fit_dir / "runcard.sha256").write_text(
        f"{runcard_sha256(text)}  runcard.yml\n", encoding="utf-8"
    )
    (fit_dir / "data" / "meta.json").write_text("{}\n", encoding="utf-8")
    write_json(fit_dir / "hyperopt" / "best.json", {"trial": 0})
    write_json(
        fit_dir / "fit" / "batch0" / "result.json", {"replicas": [{"replica": 1}, {"replica": 2}]}
    )
    write_json(fit_dir / "fit" / "batch0" / "fit.timing.json", {"wall_s": 1.0})
    (fit_dir / "fit" / "batch0" / "history.npz").write_bytes(b"history")
    write_json(fit_dir / "draws" / "draw1" / "postfit" / "selected.json", {"selected": [1]})
    write_json(fit_dir / "closure" / "estimators.json", {"total": {}})
    (fit_dir / "logs" / "tensorboard" / "batch0").mkdir(parents=True)
    (fit_dir / "logs" / "tensorboard" / "batch0" / "events.out.tfevents.1").write_bytes(
        b"wall clock"
    )
    for r in (1, 2):
        write_json(fit_dir / "fit" / f"replica_{r}" / "fit.json", {"seeds": SEEDS})
    write_json(fit_dir / "postfit" / "selected.json", {"selected": [1, 2]})
    (fit_dir / "report" / "figures").mkdir(parents=True)
    (fit_dir / "report" / "index.html").write_text("<html></html>\n", encoding="utf-8")
    (fit_dir / "report" / "figures" / ".snakemake_timestamp").write_text("", encoding="utf-8")
    (fit_dir / "logs" / "setup_fit.log").write_text("a time-stamped log\n", encoding="utf-8")
    return fit_dir, expanded


@pytest.fixture
def archive(tmp_path, quick_runcard):
    fit_dir, runcard = finished_fit(tmp_path / "a", quick_runcard)
    return build_archive(fit_dir, runcard, fit_dir / "archive"), fit_dir, runcard


def test_members_are_the_reproducible_files_in_sorted_order(archive):
    outputs, _, _ = archive
    with tarfile.open(outputs.tarball) as tar:
        infos = tar.getmembers()
    names = [i.name for i in infos]
    assert names == sorted(names)
    assert "closure-quick/fit/batch0/result.json" in names
    # the per-epoch history, a level-1 draw's fit folder and the multi-closure estimators are kept
    assert {
        f"closure-quick/{n}"
        for n in (
            "fit/batch0/history.npz",
            "draws/draw1/postfit/selected.json",
            "closure/estimators.json",
        )
    } <= set(names)
    assert "closure-quick/provenance.json" in names and "closure-quick/MANIFEST.sha256" in names
    assert not [
        n
        for n in names
        if "timing" in n or "/logs/" in n or "/." in n or "/archive/" in n or "tfevents" in n
    ]
    assert all(
        i.mtime == 0 and i.uid == 0 and i.gid == 0 and i.uname == "" and i.mode == 0o644
        for i in infos
    )


def test_gzip_header_carries_no_time_or_name(archive):
    outputs, _, _ = archive
    header = outputs.tarball.read_bytes()[:10]
    assert header[3] == 0  # FLG: no FNAME, no comment
    assert header[4:8] == b"\0\0\0\0"  # MTIME


def test_same_fit_in_another_directory_gives_the_same_sha256(archive, tmp_path, quick_runcard):
    outputs, _, _ = archive
    other_dir, runcard = finished_fit(tmp_path / "b", quick_runcard)
    (other_dir / "logs" / "setup_fit.log").write_text(
        "another run, another time\n", encoding="utf-8"
    )
    other = build_archive(other_dir, runcard, tmp_path / "elsewhere")
    assert other.sha256 == outputs.sha256 == sha256_file(outputs.tarball)


def test_tarball_bytes_ignore_insertion_order():
    members = [("f/b", b"2"), ("f/a", b"1")]
    assert tarball_bytes(members) == tarball_bytes(reversed(members))


def test_provenance_records_seeds_and_software(archive):
    from replifold.io import read_json

    outputs, fit_dir, runcard = archive
    provenance = read_json(outputs.tarball.parent / "provenance.json")
    assert provenance["runcard_sha256"] == (fit_dir / "runcard.sha256").read_text().split()[0]
    assert provenance["seeds"]["runcard"]["nnseed"] == runcard["nnseed"]
    assert provenance["seeds"]["replicas"]["2"] == SEEDS
    assert set(provenance["seeds"]["hyperopt_rounds"]) == {"0", "1"}
    assert len(provenance["seeds"]["train_fold_jobs"]) == 4 * 2
    assert provenance["packages"]["numpy"] and provenance["python"]["version"]
    assert provenance["device"]


def test_verify_passes_on_a_fresh_archive(archive, capsys):
    outputs, _, _ = archive
    assert main(["verify", str(outputs.tarball)]) == 0
    assert "match the manifest" in capsys.readouterr().out


def _rewrite(source, target, change):
    with tarfile.open(source) as tar:
        members = {i.name: tar.extractfile(i).read() for i in tar.getmembers()}
    change(members)
    target.write_bytes(tarball_bytes(members.items()))


def test_verify_names_a_tampered_member(archive, tmp_path, capsys):
    outputs, _, _ = archive
    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(
        outputs.tarball,
        tampered,
        lambda m: m.update({"closure-quick/postfit/selected.json": b"{}\n"}),
    )
    assert main(["verify", str(tampered)]) == 1
    err = capsys.readouterr().err
    assert "closure-quick/postfit/selected.json" in err and "differs from the manifest" in err


def test_verify_names_missing_and_unlisted_members(archive, tmp_path, capsys):
    outputs, _, _ = archive

    def change(members):
        del members["closure-quick/runcard.yml"]
        members["closure-quick/extra.txt"] = b"x"

    broken = tmp_path / "broken.tar.gz"
    _rewrite(outputs.tarball, broken, change)
    assert main(["verify", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "closure-quick/runcard.yml: listed in the manifest but missing" in err
    assert "closure-quick/extra.txt: in the archive but not in the manifest" in err


def test_verify_refuses_what_is_not_an_archive(tmp_path, capsys):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(gzip.compress(b"not a tar") + b"")
    assert main(["verify", str(junk)]) == 2
    assert main(["verify", str(tmp_path / "absent.tar.gz")]) == 2
    assert main(["verify", str(junk), "--rerun", "fold:x"]) == 2
    assert "fold:TRIAL:FOLD" in capsys.readouterr().err


def test_archive_refuses_an_unfinished_fit(tmp_path, quick_runcard, capsys):
    fit_dir, _ = finished_fit(tmp_path, quick_runcard)
    shutil.rmtree(fit_dir / "report")
    assert main(["archive", str(fit_dir), "-o", str(tmp_path / "out")]) == 2
    assert "missing report" in capsys.readouterr().err

"""``replifold setup``: what it writes, that reruns are byte-identical, and what it refuses to overwrite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from replifold import cli
from replifold.io import read_json, sha256_file
from replifold.runcard import dump_runcard, expand_runcard, load_runcard, runcard_sha256


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_setup_writes_expanded_runcard_hash_and_data(quick_runcard_path, tmp_path, capsys):
    outdir = tmp_path / "closure-quick"

    assert cli.main(["setup", str(quick_runcard_path), "-o", str(outdir)]) == 0

    text = (outdir / "runcard.yml").read_text(encoding="utf-8")
    assert text == dump_runcard(expand_runcard(load_runcard(quick_runcard_path)))
    assert (outdir / "runcard.sha256").read_text(
        encoding="utf-8"
    ) == f"{runcard_sha256(text)}  runcard.yml\n"
    meta = read_json(outdir / "data" / "meta.json")
    assert [d["name"] for d in meta["datasets"]] == [
        d["dataset"] for d in load_runcard(quick_runcard_path)["dataset_inputs"]
    ]
    ndata = sum(d["ndata"] for d in meta["datasets"])
    summary = capsys.readouterr().err  # progress and summaries are logged to stderr
    assert f"fit closure-quick: 8 datasets, {ndata} data points, 8 replicas" in summary
    assert str(outdir / "runcard.yml") in summary


def test_rerun_is_byte_identical(quick_runcard_path, tmp_path):
    outdir = tmp_path / "fit"
    assert cli.main(["setup", str(quick_runcard_path), "-o", str(outdir)]) == 0
    first = _digests(outdir)
    assert cli.main(["setup", str(quick_runcard_path), "-o", str(outdir)]) == 0
    assert _digests(outdir) == first
    assert not [p for p in outdir.rglob("*.tmp")]


def test_different_runcard_needs_force(quick_runcard, write_runcard, tmp_path, capsys):
    outdir = tmp_path / "fit"
    assert cli.main(["setup", str(write_runcard(quick_runcard, "first")), "-o", str(outdir)]) == 0
    (outdir / "fit").mkdir()
    before = _digests(outdir)
    quick_runcard["mcseed"] = 99
    quick_runcard["dataset_inputs"] = quick_runcard["dataset_inputs"][:6]
    quick_runcard["kfold"]["partitions"] = [{"datasets": ["DIS_NC_P", "DY_Z_Y"]}]
    second = write_runcard(quick_runcard, "second")
    capsys.readouterr()

    assert cli.main(["setup", str(second), "-o", str(outdir)]) == 2
    error = capsys.readouterr().err
    assert "set up from a different runcard" in error and "--force" in error
    assert _digests(outdir) == before

    assert cli.main(["setup", str(second), "-o", str(outdir), "--force"]) == 0
    assert f"warning: --force: fit in {outdir}" in capsys.readouterr().err
    assert (outdir / "fit").is_dir()
    text = (outdir / "runcard.yml").read_text(encoding="utf-8")
    assert "mcseed: 99" in text
    assert (outdir / "runcard.sha256").read_text(encoding="utf-8").split()[0] == runcard_sha256(
        text
    )
    assert sorted(p.stem for p in (outdir / "data" / "datasets").iterdir()) == sorted(
        d["dataset"] for d in quick_runcard["dataset_inputs"]
    )


def test_console_script(quick_runcard_path, tmp_path, write_runcard):
    script = Path(sys.executable).with_name("replifold")
    bad = write_runcard("nnseed: -1\n")
    failed = subprocess.run(
        [script, "setup", bad, "-o", tmp_path / "bad"], capture_output=True, text=True
    )
    assert failed.returncode == 2
    assert "replifold setup: error:" in failed.stderr and "Traceback" not in failed.stderr

    done = subprocess.run(
        [script, "setup", quick_runcard_path, "-o", tmp_path / "good"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "fit good: 8 datasets" in done.stderr
    assert (tmp_path / "good" / "data" / "meta.json").is_file()

"""End-to-end campaigns with real `snakemake --cores 2`: reruns, determinism, verification."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from replifold.cli import main
from replifold.io import sha256_file

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
FIT = "tiny"
FAILING_FOLD = {"REPLIFOLD_TEST_FAIL_FOLD": "1:0"}


def campaign(snakemake, workdir: Path, card: Path, env: dict[str, str] | None = None):
    return snakemake(workdir, "--cores", "2", "--config", f"runcards=[{card}]", "results=results", env=env)


def archive_of(workdir: Path) -> Path:
    return workdir / "results" / FIT / "archive" / f"{FIT}.tar.gz"


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, request):
    """One uninterrupted campaign of the tiny runcard, shared by the tests below."""
    snakemake = request.getfixturevalue("snakemake")
    workdir = tmp_path_factory.mktemp("clean")
    card = request.getfixturevalue("write_yaml")(workdir / f"{FIT}.yml", request.getfixturevalue("tiny_runcard"))
    run = campaign(snakemake, workdir, card)
    assert run.returncode == 0, run.output[-5000:]
    return workdir, card


def test_two_clean_runs_give_the_same_archive(clean_run, snakemake, tmp_path):
    workdir, card = clean_run
    assert (workdir / "results" / FIT / "report" / "index.html").is_file()
    shutil.copy(card, tmp_path / card.name)
    run = campaign(snakemake, tmp_path, tmp_path / card.name)
    assert run.returncode == 0, run.output[-5000:]
    assert sha256_file(archive_of(tmp_path)) == sha256_file(archive_of(workdir))


def test_a_failed_fold_reruns_alone_and_changes_nothing(clean_run, snakemake, tmp_path):
    workdir, card = clean_run
    shutil.copy(card, tmp_path / card.name)
    failed = campaign(snakemake, tmp_path, tmp_path / card.name, env=FAILING_FOLD)
    assert failed.returncode != 0
    assert "simulated crash of trial 1, fold 0" in failed.output
    results = tmp_path / "results" / FIT
    assert not (results / "hyperopt" / "trial1" / "fold0" / "result.json").exists()
    assert (results / "hyperopt" / "trial1" / "fold1" / "result.json").is_file()  # --keep-going ran the rest
    untouched = {p: p.stat().st_mtime_ns for p in (results / "hyperopt").rglob("*.json")}

    rerun = campaign(snakemake, tmp_path, tmp_path / card.name)
    assert rerun.returncode == 0, rerun.output[-5000:]
    counts = rerun.job_counts()
    assert counts.pop("train_fold") == 1 and counts.pop("reduce_trial") == 1
    assert not {"setup_fit", "suggest"} & set(counts)
    assert all(p.stat().st_mtime_ns == t for p, t in untouched.items())
    assert sha256_file(archive_of(tmp_path)) == sha256_file(archive_of(workdir))


def test_verify_a_fresh_archive_and_rerun_a_fold(clean_run, capsys):
    workdir, _ = clean_run
    assert main(["verify", str(archive_of(workdir)), "--rerun", "fold:0:1"]) == 0
    assert "rerun trial 0 fold 1: identical bytes" in capsys.readouterr().out


def test_quick_campaign_finishes_within_ten_minutes(snakemake, tmp_path):
    started = time.monotonic()
    run = snakemake(tmp_path, "--cores", "2", "--config", "results=results", timeout=900)
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.output[-5000:]
    fit = tmp_path / "results" / "closure-quick"
    assert (fit / "report" / "index.html").is_file() and (fit / "archive" / "closure-quick.tar.gz").is_file()
    assert elapsed < 600, f"quick campaign took {elapsed:.0f} s"

"""End-to-end campaigns with real `snakemake --cores 2`: reruns, determinism, verification.

Two clean campaigns in different folders giving the same archive bytes is asserted where a
second clean campaign is run anyway: the SLURM suite's against a local one
(tests/cluster/test_slurm_campaign.py) and the incremental test's clean longer scan.
"""

from __future__ import annotations

import shutil
import time

import pytest
from workflow_campaigns import FIT, archive_of, campaign

from replifold.cli import main
from replifold.io import sha256_file

pytestmark = pytest.mark.slow

FAILING_FOLD = {"REPLIFOLD_TEST_FAIL_FOLD": "1:0"}


def test_a_failed_fold_reruns_alone_and_changes_nothing(clean_run, snakemake, tmp_path):
    workdir, card = clean_run.workdir, clean_run.card
    shutil.copy(card, tmp_path / card.name)
    failed = campaign(snakemake, tmp_path, tmp_path / card.name, env=FAILING_FOLD)
    assert failed.returncode != 0
    assert "simulated crash of trial 1, fold 0" in failed.output
    results = tmp_path / "results" / FIT
    assert not (results / "hyperopt" / "trial1" / "fold0" / "result.json").exists()
    assert (
        results / "hyperopt" / "trial1" / "fold1" / "result.json"
    ).is_file()  # --keep-going ran the rest
    untouched = {p: p.stat().st_mtime_ns for p in (results / "hyperopt").rglob("*.json")}

    rerun = campaign(snakemake, tmp_path, tmp_path / card.name)
    assert rerun.returncode == 0, rerun.output[-5000:]
    counts = rerun.job_counts()
    assert counts.pop("train_fold") == 1 and counts.pop("reduce_trial") == 1
    assert not {"setup_fit", "suggest"} & set(counts)
    assert all(p.stat().st_mtime_ns == t for p, t in untouched.items())
    assert sha256_file(archive_of(tmp_path)) == sha256_file(archive_of(workdir))


def test_verify_a_fresh_archive_and_rerun_a_fold(clean_run, capsys):
    workdir = clean_run.workdir
    assert main(["verify", str(archive_of(workdir)), "--rerun", "fold:0:1"]) == 0
    assert "rerun trial 0 fold 1: identical bytes" in capsys.readouterr().out


def test_the_readmes_main_job_runs_from_the_shipped_config(snakemake, tmp_path, record_property):
    # the wall time is reported, not asserted: benchmarks/bench_campaign.py compares it with main
    started = time.monotonic()
    run = snakemake(tmp_path, "--cores", "2", "--config", "results=results", timeout=1800)
    record_property("quick_campaign_seconds", round(time.monotonic() - started, 1))
    assert run.returncode == 0, run.output[-5000:]
    fit = tmp_path / "results" / "closure-quick"
    assert (fit / "report" / "index.html").is_file() and (
        fit / "archive" / "closure-quick.tar.gz"
    ).is_file()

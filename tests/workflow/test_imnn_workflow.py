"""The imnn runcard through the workflow: its DAG (default suite) and a real `snakemake --cores 2` run (suite imnn)."""

from __future__ import annotations

import copy
import tarfile
from pathlib import Path

import pytest

from replifold.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
IMNN = REPO_ROOT / "config" / "runcards" / "imnn-gaussian.yml"
FIT = "imnn-tiny"


def test_imnn_runcard_plans_every_stage_with_the_simulate_stage(snakemake, tmp_path):
    run = snakemake(
        tmp_path, "-n", "--cores", "2", "--config", f"runcards=[{IMNN}]", "results=results"
    )
    assert run.returncode == 0, run.output
    # 2 rounds x 1 trial x 2 folds of disjoint simulation sets; 4 replicas in one batch
    assert run.job_counts() == {
        "setup_fit": 1,
        "simulate": 1,
        "suggest": 2,
        "train_fold": 4,
        "reduce_trial": 2,
        "collect": 1,
        "fit_batch": 1,
        "split_replicas_imnn_gaussian_batch0": 1,
        "postfit": 1,
        "report": 1,
        "archive": 1,
        "all": 1,
        "total": 17,
    }
    assert "replifold simulate results/imnn-gaussian" in run.output
    assert "results/imnn-gaussian/fit/replica_4/statistics.npz" in run.output


@pytest.fixture
def tiny_imnn(imnn_runcard):
    """The imnn runcard cut to seconds per job; the chain, not the fit quality, is under test.

    It trains with numerical derivatives from npy files, the combination the quality test
    (gradient mode from each source) leaves out.
    """
    card = copy.deepcopy(imnn_runcard)
    card["replicas"] = card["replicas_per_job"] = 2
    card["imnn"].update(
        n_s=200,
        n_d=200,
        n_per_device=100,
        epochs=15,
        patience=5,
        min_epochs=0,
        derivatives="numerical",
        dtheta=[0.1, 0.1],
    )
    card["imnn"]["network"]["nodes_per_layer"] = [16, 16]
    card["imnn"]["input"] = {"source": "files"}
    card["hyperopt"].update(rounds=1, replicas=1)  # the DAG test above plans the shipped two rounds
    return card


@pytest.mark.imnn
def test_imnn_campaign_runs_end_to_end_and_its_archive_reproduces(
    snakemake, tmp_path, write_yaml, tiny_imnn, capsys
):
    card = write_yaml(tmp_path / f"{FIT}.yml", tiny_imnn)
    run = snakemake(tmp_path, "--cores", "2", "--config", f"runcards=[{card}]", "results=results")
    assert run.returncode == 0, run.output[-5000:]
    counts = run.job_counts()
    assert counts["simulate"] == 1 and counts["train_fold"] == 2 and counts["archive"] == 1
    fit = tmp_path / "results" / FIT
    html = (fit / "report" / "index.html").read_text(encoding="utf-8")
    for heading in (
        "Fisher information during training",
        "Summaries&#x27; covariance and Fisher matrix",
        "Score-compressed estimates of held-out simulations",
        "Hyperopt scan",
    ):
        assert heading in html
    assert {p.name for p in (fit / "report" / "figures").iterdir()} >= {
        "detf_history.png",
        "covariance.png",
        "estimates.png",
    }
    archive = fit / "archive" / f"{FIT}.tar.gz"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert f"{FIT}/fit/replica_2/statistics.npz" in names
    assert not [
        n for n in names if "/simulations/" in n
    ]  # reproducible from the runcard, not archived

    again = snakemake(tmp_path, "--cores", "2", "--config", f"runcards=[{card}]", "results=results")
    assert again.returncode == 0 and "Nothing to be done" in again.output

    assert main(["verify", str(archive), "--rerun", "replica:2"]) == 0
    assert "rerun replica 2: identical bytes" in capsys.readouterr().out

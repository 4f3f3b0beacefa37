"""`snakemake --profile profiles/slurm` on a real one-node SLURM cluster, against a local run.

Each campaign is the tiny runcard of the workflow tests (18 jobs); the SLURM ones go through
profiles/slurm as shipped plus this cluster's site overlay (tests/cluster/profile): the training
jobs and the LHAPDF export (evolve: minutes of eko in a real fit) are submitted with sbatch, the
short CPU jobs run beside snakemake (`local_short_jobs`).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from campaigns import FIT, LOCAL, SLURM, Campaign, campaign, finish, launch

pytestmark = pytest.mark.slurm

TRAINING_RULES = {"train_fold", "fit_batch"}
CLUSTER_RULES = TRAINING_RULES | {"evolve"}  # evolve: a CPU job on the cluster, not a short one
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) ")
KILLED_FOLD = "train_fold", f"{FIT}_0_0"  # trial 0, fold 0: the first training job to start
FOLD_LOG = Path(
    "results", FIT, "logs", "train_fold", "trial0_fold0.log"
)  # created as `replifold` starts
FOLD_RESULT = Path("results", FIT, "hyperopt", "trial0", "fold0", "result.json")
INTO_THE_FOLD_S = 3  # how long `replifold train-fold` runs before the kill (it takes ~12 s here)


@pytest.fixture(scope="module")
def card(tmp_path_factory, tiny_runcard, write_yaml) -> Path:
    return write_yaml(tmp_path_factory.mktemp("runcard") / f"{FIT}.yml", tiny_runcard)


@pytest.fixture(scope="module")
def local_campaign(card, tmp_path_factory, campaign_seconds) -> Campaign:
    done = campaign(tmp_path_factory.mktemp("local").resolve(), card, LOCAL)
    assert done.run.returncode == 0, done.run.output[-5000:]
    campaign_seconds["local snakemake --cores 2"] = done.seconds
    return done


@pytest.fixture(scope="module")
def slurm_campaign(slurm_cluster, card, tmp_path_factory, campaign_seconds) -> Campaign:
    done = campaign(tmp_path_factory.mktemp("slurm").resolve(), card, SLURM)
    assert done.run.returncode == 0, done.run.output[-5000:]
    campaign_seconds["snakemake --profile profiles/slurm (+ tests/cluster/profile)"] = done.seconds
    return done


def submitted(output: str) -> list[str]:
    """The SLURM job ids snakemake reports submitting."""
    return SUBMITTED.findall(output)


def test_training_and_evolve_go_through_sbatch_and_short_jobs_run_beside_snakemake(
    slurm_campaign, slurm_cluster
):
    jobs = slurm_cluster(slurm_campaign.workdir)
    counts = slurm_campaign.run.job_counts()
    local = set(re.findall(r"^localrule (\S+):", slurm_campaign.run.output, re.MULTILINE))
    assert local == set(counts) - CLUSTER_RULES - {"total"}, (
        local
    )  # setup, suggest, reduce, ..., archive, all
    cluster_jobs = sum(counts[rule] for rule in CLUSTER_RULES)
    assert len(jobs) == cluster_jobs == len(submitted(slurm_campaign.run.output))
    assert {job.id for job in jobs} == set(submitted(slurm_campaign.run.output))
    assert {job.rule for job in jobs} == CLUSTER_RULES
    assert {job.state for job in jobs} == {"COMPLETED"}


def test_training_jobs_alone_request_the_gpu(slurm_campaign, slurm_cluster):
    jobs = slurm_cluster(slurm_campaign.workdir)
    assert {job.rule for job in jobs if job.gpu_request} == TRAINING_RULES
    for job in jobs:
        training = job.rule in TRAINING_RULES
        assert (job.gpu_request == "gres:gpu:1") == training, job
        assert job.partition == ("gpu" if training else "cpu"), job


def test_slurm_archive_equals_local_archive(slurm_campaign, local_campaign):
    assert (slurm_campaign.workdir / "results" / FIT / "report" / "index.html").is_file()
    assert slurm_campaign.archive_sha256 == local_campaign.archive_sha256


def _running(workdir: Path, comment: str) -> list[str]:
    """Ids of the running jobs of `workdir` whose comment (rule and wildcards) is `comment`."""
    listing = subprocess.run(
        ["squeue", "--noheader", "--states=RUNNING", "--format=%i|%k|%Z"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = (line.split("|") for line in listing.stdout.splitlines())
    return [
        job
        for job, job_comment, jobdir in rows
        if jobdir == str(workdir) and job_comment == comment
    ]


def _cancel_mid_fold(workdir: Path, process: subprocess.Popen) -> str:
    """scancel the fold's job INTO_THE_FOLD_S after its `replifold` started; its SLURM job id."""
    comment = f"rule_{KILLED_FOLD[0]}_wildcards_{KILLED_FOLD[1]}"
    started_at = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        running = _running(workdir, comment)
        if running and (workdir / FOLD_LOG).exists():
            started_at = started_at or time.monotonic()
            if time.monotonic() - started_at >= INTO_THE_FOLD_S:
                assert not (workdir / FOLD_RESULT).exists(), (
                    "the fold finished before it could be killed"
                )
                subprocess.run(["scancel", running[0]], check=True)
                return running[0]
        time.sleep(0.5)
    pytest.fail(
        f"{comment} never ran {INTO_THE_FOLD_S} s:\n{(workdir / 'snakemake.out').read_text()[-3000:]}"
    )


def test_a_cancelled_fold_is_resubmitted_and_changes_nothing(
    slurm_cluster, card, local_campaign, tmp_path_factory, campaign_seconds
):
    workdir = tmp_path_factory.mktemp("cancelled").resolve()
    started = time.monotonic()
    process = launch(workdir, card, SLURM)
    killed = _cancel_mid_fold(workdir, process)
    done = finish(process, workdir, started)
    campaign_seconds["the same, with one fold scancel-ed and resubmitted"] = done.seconds

    assert done.run.returncode == 0, done.run.output[-5000:]
    assert f"SLURM-job '{killed}' failed, SLURM status is: 'CANCELLED'" in done.run.output
    jobs = {job.id: job for job in slurm_cluster(workdir)}
    assert jobs[killed].state == "CANCELLED"
    fold_jobs = [job for job in jobs.values() if (job.rule, job.wildcards) == KILLED_FOLD]
    assert [job.state for job in fold_jobs] == ["CANCELLED", "COMPLETED"]
    assert sorted(submitted(done.run.output)) == sorted(jobs)
    assert done.archive_sha256 == local_campaign.archive_sha256

"""Chaos: the tiny campaign killed with SIGKILL at random moments, then simply run again.

Each kill point is drawn from a recorded seed (printed, so a failure can be replayed) as a
fraction of the uninterrupted campaign's duration on this machine. After every kill the
campaign is completed by the same command (after ``snakemake --unlock`` when Snakemake itself
died, since a killed Snakemake cannot remove its lock) and its archive must be byte for byte
the uninterrupted one.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from snakemake_runs import snakemake_command, snakemake_env
from workflow_campaigns import CleanRun, archive_of, campaign, campaign_args

from replifold.io import sha256_file

pytestmark = pytest.mark.slow

# CI kills at one seeded moment; more, to replay a failure or to soak:
#   REPLIFOLD_CHAOS_SEEDS=1,2,3 pytest -m slow tests/workflow/test_workflow_chaos.py
SNAKEMAKE_KILL_SEEDS = tuple(
    int(s) for s in os.environ.get("REPLIFOLD_CHAOS_SEEDS", "1").split(",")
)
JOB_KILL_SEED = 3
TRAINING_VERBS = {"train-fold", "fit"}


def _start(workdir: Path, card: Path) -> subprocess.Popen:
    """The campaign in its own process group, so a kill can take Snakemake and its jobs at once."""
    return subprocess.Popen(
        snakemake_command(workdir, *campaign_args(card)),
        cwd=workdir,
        env=snakemake_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _training_jobs(workdir: Path) -> list[int]:
    """The replifold processes (not their shell wrappers) training in ``workdir`` right now."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = (entry / "cwd").resolve()
        except OSError:
            continue
        words = [word.decode(errors="replace") for word in argv[:3]]
        is_replifold = any(word.endswith("/replifold") for word in words[:2])
        if is_replifold and TRAINING_VERBS & set(words) and cwd == workdir.resolve():
            pids.append(int(entry.name))
    return sorted(pids)


def _copy_card(clean_run: CleanRun, workdir: Path) -> Path:
    card = workdir / clean_run.card.name
    shutil.copy(clean_run.card, card)
    return card


@pytest.mark.parametrize("seed", SNAKEMAKE_KILL_SEEDS)
def test_killing_snakemake_and_its_jobs_then_rerunning_gives_the_same_archive(
    clean_run, snakemake, tmp_path, seed
):
    card = _copy_card(clean_run, tmp_path)
    at = random.Random(seed).uniform(0.1, 0.9) * clean_run.seconds
    print(
        f"seed {seed}: SIGKILL to snakemake and its jobs at {at:.1f} s of a {clean_run.seconds:.1f} s campaign"
    )
    process = _start(tmp_path, card)
    time.sleep(at)
    finished_before_kill = process.poll() is not None
    if not finished_before_kill:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    unlock = snakemake(tmp_path, "--unlock", *campaign_args(card))
    assert unlock.returncode == 0, unlock.output[-3000:]
    rerun = campaign(snakemake, tmp_path, card)
    assert rerun.returncode == 0, rerun.output[-5000:]
    assert sha256_file(archive_of(tmp_path)) == clean_run.sha256
    print(
        f"seed {seed}: archive sha256 {clean_run.sha256} after the rerun (killed: {not finished_before_kill})"
    )


def test_killing_one_training_job_then_rerunning_gives_the_same_archive(
    clean_run, snakemake, tmp_path
):
    rng = random.Random(JOB_KILL_SEED)
    card = _copy_card(clean_run, tmp_path)
    process = _start(tmp_path, card)
    victims: list[int] = []
    deadline = time.monotonic() + 2 * clean_run.seconds + 60
    wanted = rng.randrange(1, 4)  # kill the n-th training job seen ...
    after = rng.uniform(0.5, 4.0)  # ... this many seconds after it was seen
    seen: list[int] = []
    while process.poll() is None and time.monotonic() < deadline and not victims:
        for pid in _training_jobs(tmp_path):
            if pid not in seen:
                seen.append(pid)
                if len(seen) == wanted:
                    time.sleep(after)
                    try:
                        os.kill(pid, signal.SIGKILL)
                        victims.append(pid)
                    except ProcessLookupError:
                        wanted += 1  # it finished first: take the next one
        time.sleep(0.2)
    print(
        f"seed {JOB_KILL_SEED}: SIGKILL to training job #{wanted} {after:.1f} s after it started: {victims}"
    )
    process.wait(timeout=2 * clean_run.seconds + 120)
    assert victims, "no training job was caught running"
    assert process.returncode != 0  # the killed job failed the run (the others were kept going)
    rerun = campaign(snakemake, tmp_path, card)
    assert rerun.returncode == 0, rerun.output[-5000:]
    assert sha256_file(archive_of(tmp_path)) == clean_run.sha256
    print(f"seed {JOB_KILL_SEED}: archive sha256 {clean_run.sha256} after the rerun")

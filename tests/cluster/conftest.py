"""A one-node SLURM cluster on localhost for the `slurm` tests, and the fixtures they share.

The cluster comes from `start-cluster.sh` (root, apt-get) and is stopped at the end of the
session by `stop-cluster.sh`, which ends only the daemons this session started. Where SLURM
cannot run, the `slurm` tests are skipped with the reason, or fail with it when
REPLIFOLD_REQUIRE_SLURM=1 (CI); any other set-up failure fails them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from campaigns import CLUSTER_DIR, SlurmJob, slurm_jobs

START, STOP = CLUSTER_DIR / "start-cluster.sh", CLUSTER_DIR / "stop-cluster.sh"
CANNOT_RUN_SLURM = 3  # start-cluster.sh's exit status when this machine cannot run SLURM


def _cannot_start(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else f"start-cluster.sh exited with status {done.returncode}"


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[Callable[[Path], list[SlurmJob]]]:
    """The running one-node cluster; yields the way to list a campaign's jobs on it."""
    done = subprocess.run(
        ["bash", str(START)], capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode == CANNOT_RUN_SLURM and os.environ.get("REPLIFOLD_REQUIRE_SLURM") != "1":
        pytest.skip(_cannot_start(done))
    if done.returncode != 0:
        pytest.fail(f"the SLURM test cluster did not start: {done.stderr.strip()}", pytrace=False)
    started = done.stdout.strip().splitlines()[-1].split() if done.stdout.strip() else []
    yield slurm_jobs
    if started:
        subprocess.run(["bash", str(STOP), *started], check=True, timeout=120)


TIMINGS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def campaign_seconds(request) -> dict[str, float]:
    """Wall time of each measured campaign, printed in the terminal summary."""
    return request.config.stash.setdefault(TIMINGS, {})


def pytest_terminal_summary(terminalreporter, config) -> None:
    timings = config.stash.get(TIMINGS, {})
    if timings:
        terminalreporter.section("campaign wall time (tiny runcard)")
        for name, seconds in timings.items():
            terminalreporter.write_line(f"{name}: {seconds:.0f} s")

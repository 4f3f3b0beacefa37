"""Running the tiny runcard's campaign locally or on the test cluster, and reading its SLURM jobs."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from snakemake_runs import Run, snakemake_command, snakemake_env

from replifold.io import sha256_file

CLUSTER_DIR = Path(__file__).resolve().parent
REPO_ROOT = CLUSTER_DIR.parents[1]
SLURM_PROFILE = REPO_ROOT / "profiles" / "slurm"
SITE_OVERLAY = CLUSTER_DIR / "profile"
CAMPAIGN_LIMIT_S = 900  # `timeout` for one snakemake invocation; SIGKILL 30 s later
FIT = "tiny"


SLURM = ("--profile", str(SLURM_PROFILE), "--profile", str(SITE_OVERLAY))
LOCAL = ("--cores", "2")


@dataclass(frozen=True)
class Campaign:
    """One finished `snakemake` invocation on the tiny runcard in `workdir`."""

    workdir: Path
    run: Run
    seconds: float

    @property
    def archive_sha256(self) -> str:
        return sha256_file(self.workdir / "results" / FIT / "archive" / f"{FIT}.tar.gz")


@dataclass(frozen=True)
class SlurmJob:
    """One job as `scontrol show job` lists it."""

    id: str
    rule: str
    wildcards: str
    partition: str
    state: str
    gpu_request: str | None


def launch(workdir: Path, card: Path, executor: tuple[str, ...]) -> subprocess.Popen:
    """Start snakemake on `card` under `timeout -k`: a hung SLURM status loop cannot hang the suite."""
    snakemake = snakemake_command(
        workdir, *executor, "--config", f"runcards=[{card}]", "results=results"
    )
    with (workdir / "snakemake.out").open("w") as out:
        return subprocess.Popen(
            ["timeout", "-k", "30", str(CAMPAIGN_LIMIT_S), *snakemake],
            cwd=workdir,
            env=snakemake_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def finish(process: subprocess.Popen, workdir: Path, started: float) -> Campaign:
    process.wait(timeout=CAMPAIGN_LIMIT_S + 60)
    output = (workdir / "snakemake.out").read_text(encoding="utf-8")
    return Campaign(workdir, Run(process.returncode, output), time.monotonic() - started)


def campaign(workdir: Path, card: Path, executor: tuple[str, ...]) -> Campaign:
    started = time.monotonic()
    return finish(launch(workdir, card, executor), workdir, started)


def slurm_jobs(workdir: Path) -> list[SlurmJob]:
    """Every job the controller still lists (MinJobAge is an hour) that ran in `workdir`."""
    listing = subprocess.run(
        ["scontrol", "show", "job", "--oneliner"], capture_output=True, text=True, check=True
    )
    jobs = []
    for line in listing.stdout.splitlines():
        fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
        if fields.get("WorkDir") != str(workdir):
            continue
        rule, _, wildcards = fields["Comment"].removeprefix("rule_").partition("_wildcards_")
        gpu = next(
            (fields[key] for key in ("TresPerJob", "TresPerNode") if "gpu" in fields.get(key, "")),
            None,
        )
        jobs.append(
            SlurmJob(fields["JobId"], rule, wildcards, fields["Partition"], fields["JobState"], gpu)
        )
    return jobs

"""Running the real workflow: `snakemake` on the repository's Snakefile in a temporary directory."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAKEFILE = REPO_ROOT / "Snakefile"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str

    def job_counts(self) -> dict[str, int]:
        """The 'Job stats' table Snakemake prints: rule -> number of jobs."""
        table = self.output.split("Job stats:", 1)[1]
        counts = {}
        for line in table.splitlines()[3:]:
            fields = line.split()
            if len(fields) != 2 or not fields[1].isdigit():
                break
            counts[fields[0]] = int(fields[1])
        return counts

    def planned_resources(self) -> dict[str, list[dict[str, str]]]:
        """rule -> the resources of each of its planned jobs (from a dry run's job listing)."""
        plan: dict[str, list[dict[str, str]]] = {}
        for block in re.split(r"\n(?=(?:local)?rule \S+:)", self.output):
            head = re.match(r"(?:local)?rule (\S+):", block)
            found = re.search(r"^\s+resources: (.*)$", block, re.MULTILINE)
            if head and found:
                resources = dict(item.split("=", 1) for item in found.group(1).split(", "))
                plan.setdefault(head.group(1), []).append(resources)
        return plan


def snakemake_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def snakemake() -> Callable[..., Run]:
    def run(workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 1200) -> Run:
        done = subprocess.run(
            [str(BIN / "snakemake"), "--snakefile", str(SNAKEFILE), "--directory", str(workdir), *args],
            cwd=workdir,
            env=snakemake_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(done.returncode, done.stdout + done.stderr)

    return run


@pytest.fixture(scope="session")
def tiny_runcard(_quick_runcard_pristine: dict) -> dict:
    """The quick runcard cut to seconds per job: 2 rounds of 1 trial, 2 folds, 4 replicas in 2 batches.

    Thresholds are loosened because so few epochs do not converge; the chain, not the fit
    quality, is under test here.
    """
    quick = copy.deepcopy(_quick_runcard_pristine)
    card = {**quick, "replicas": 4, "replicas_per_job": 2}
    card["parameters"] = {**quick["parameters"], "epochs": 200, "threshold_chi2": 50.0}
    card["hyperscan_config"] = {
        **quick["hyperscan_config"],
        "stopping": {**quick["hyperscan_config"]["stopping"], "min_epochs": 50, "max_epochs": 150},
    }
    card["hyperopt"] = {**quick["hyperopt"], "rounds": 2, "trials_per_round": 1, "n_startup": 1}
    card["kfold"] = {**quick["kfold"], "threshold": 1.0e9, "penalties_in_loss": False}
    return card


@pytest.fixture(scope="session")
def write_yaml() -> Callable[[Path, dict], Path]:
    def write(path: Path, content: dict) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        return path

    return write

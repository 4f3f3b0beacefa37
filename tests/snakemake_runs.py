"""Running the real workflow: `snakemake` on the repository's Snakefile in a chosen directory.

A plain module (not a conftest) so that the workflow, cluster and mongo tests share one way of
invoking Snakemake and reading what it printed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
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
    """The test's environment with this venv's executables (replifold, snakemake) first on PATH."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.update(extra or {})
    return env


def snakemake_command(workdir: Path, *args: str) -> list[str]:
    return [
        str(BIN / "snakemake"),
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(workdir),
        *args,
    ]


def run_snakemake(
    workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 1200
) -> Run:
    done = subprocess.run(
        snakemake_command(workdir, *args),
        cwd=workdir,
        env=snakemake_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout + done.stderr)

"""Timed runs of the repository's Snakefile, shared by the benchmarks that drive the whole workflow."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUICK = REPO_ROOT / "config" / "runcards" / "closure-quick.yml"


def workflow_env(**extra: str) -> dict[str, str]:
    """This environment with the venv's executables (snakemake, replifold) first on PATH."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra}


def timed_snakemake(workdir: Path, card: Path, *args: str, env: dict[str, str]) -> float:
    """``snakemake *args`` on ``card`` in ``workdir``; its wall time in seconds (exits on failure)."""
    command = [
        str(BIN / "snakemake"),
        *args,
        "--snakefile",
        str(REPO_ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--config",
        f"runcards=[{card}]",
        "results=results",
    ]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"snakemake failed in {workdir}:\n{(done.stdout + done.stderr)[-5000:]}")
    return time.monotonic() - started

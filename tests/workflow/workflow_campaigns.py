"""The tiny campaign run end to end with real `snakemake --cores 2`, shared by the slow workflow tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FIT = "tiny"


@dataclass(frozen=True)
class CleanRun:
    workdir: Path
    card: Path
    seconds: float  # how long the uninterrupted campaign took here
    sha256: str  # of its archive


def campaign(
    snakemake, workdir: Path, card: Path, env: dict[str, str] | None = None, timeout: float = 1200
):
    return snakemake(workdir, *campaign_args(card), env=env, timeout=timeout)


def campaign_args(card: Path) -> list[str]:
    return ["--cores", "2", "--config", f"runcards=[{card}]", "results=results"]


def archive_of(workdir: Path) -> Path:
    return workdir / "results" / FIT / "archive" / f"{FIT}.tar.gz"

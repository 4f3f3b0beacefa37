"""A whole campaign with ``snakemake --cores N``: wall time, jobs, time outside training, archive sha256; one JSON line.

Runs the repository's Snakefile on a runcard (default: the quick one) in a fresh directory.
Every job's ``benchmark:`` file gives its wall time; every training job's ``*.timing.json``
gives the time its training loop ran (the first chunk, with tracing and XLA compilation,
included). The rest of the jobs' time (Python and TensorFlow start-up, reading the data,
building the model, writing outputs) and the jobs that train nothing count as outside
training. Run it twice to compare the archive sha256 of two clean runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import tempfile
from pathlib import Path

from workflow_runs import QUICK, timed_snakemake, workflow_env

from replifold.io import sha256_file


def job_seconds(benchmarks: Path) -> dict[str, float]:
    """Benchmark file (relative path) -> the job's wall time in seconds."""
    seconds = {}
    for path in sorted(benchmarks.rglob("*.tsv")):
        with path.open(encoding="utf-8") as handle:
            row = next(csv.DictReader(handle, delimiter="\t"))
        seconds[path.relative_to(benchmarks).as_posix()] = float(row["s"])
    return seconds


def training_seconds(fit_dir: Path) -> float:
    return sum(
        json.loads(p.read_text(encoding="utf-8"))["wall_s"] for p in fit_dir.rglob("*.timing.json")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runcard", type=Path, default=QUICK, help="the runcard (default: closure-quick)"
    )
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()

    fit = args.runcard.stem
    with tempfile.TemporaryDirectory(prefix="bench_campaign.") as tmp:
        workdir = Path(tmp)
        wall_s = timed_snakemake(
            workdir, args.runcard.resolve(), "--cores", str(args.cores), env=workflow_env()
        )
        fit_dir = workdir / "results" / fit
        jobs = job_seconds(fit_dir / "benchmarks")
        training_s = training_seconds(fit_dir)
        archive = fit_dir / "archive" / f"{fit}.tar.gz"
        selected = json.loads((fit_dir / "postfit" / "selected.json").read_text(encoding="utf-8"))
        by_rule: dict[str, float] = {}
        for name, seconds in jobs.items():
            rule = name.split("/")[0].removesuffix(".tsv")
            by_rule[rule] = round(by_rule.get(rule, 0.0) + seconds, 1)
        job_s = sum(jobs.values())
        print(
            json.dumps(
                {
                    "benchmark": "bench_campaign",
                    "runcard": str(args.runcard),
                    "cores": args.cores,
                    "wall_s": round(wall_s, 1),
                    "jobs": len(jobs),
                    "job_seconds_total": round(job_s, 1),
                    "job_seconds_by_rule": by_rule,
                    "training_loop_s": round(training_s, 1),
                    "share_outside_training": round(1.0 - training_s / job_s, 3),
                    "selected_replicas": selected,
                    "archive_sha256": sha256_file(archive),
                    "cpu_count": os.cpu_count(),
                    "host": platform.node(),
                },
                sort_keys=True,
            )
        )


if __name__ == "__main__":
    main()

"""The multi-closure campaign with ``snakemake --cores N``: wall and CPU time, R_bv, xi_1sigma; one JSON line.

Runs the repository's Snakefile on a multi-closure runcard (default: closure-multi) in a fresh
directory (or ``--workdir``, kept afterwards) and reports the time the campaign took, the CPU
time its jobs used (their ``benchmark:`` files; on a shared machine the wall time says more
about the neighbours than about replifold) and the estimators of closure/estimators.json
with their bootstrap errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
from pathlib import Path

from workflow_runs import REPO_ROOT, timed_snakemake, workflow_env

MULTI = REPO_ROOT / "config" / "runcards" / "closure-multi.yml"


def cpu_seconds(benchmarks: Path) -> float:
    total = 0.0
    for path in sorted(benchmarks.rglob("*.tsv")):
        with path.open(encoding="utf-8") as handle:
            total += float(next(csv.DictReader(handle, delimiter="\t"))["cpu_time"])
    return total


def estimator(row: dict) -> dict:
    return {
        key: round(row[key], 4)
        for key in ("R_bv", "R_bv_error", "xi_1sigma", "xi_1sigma_error", "bias", "variance")
    }


def run(workdir: Path, runcard: Path, cores: int) -> dict:
    wall_s = timed_snakemake(workdir, runcard.resolve(), "--cores", str(cores), env=workflow_env())
    fit_dir = workdir / "results" / runcard.stem
    estimators = json.loads((fit_dir / "closure" / "estimators.json").read_text(encoding="utf-8"))
    selected = [
        len(json.loads(p.read_text(encoding="utf-8"))["selected"])
        for p in [
            fit_dir / "postfit" / "selected.json",
            *sorted((fit_dir / "draws").glob("draw*/postfit/selected.json")),
        ]
    ]
    return {
        "benchmark": "bench_multiclosure",
        "runcard": str(runcard),
        "cores": cores,
        "cpu_count": os.cpu_count(),
        "wall_s": round(wall_s, 1),
        "job_cpu_s": round(cpu_seconds(fit_dir / "benchmarks"), 1),
        "draws": len(estimators["draws"]),
        "replicas_per_draw": estimators["replicas_per_draw"],
        "selected_per_draw": selected,
        "total": estimator(estimators["total"]),
        "datasets": {name: estimator(row) for name, row in estimators["datasets"].items()},
        "delta_chi2": {k: round(estimators["delta_chi2"][k], 4) for k in ("mean", "error")},
        "replica_chi2": {k: round(estimators["replica_chi2"][k], 4) for k in ("mean", "error")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runcard", type=Path, default=MULTI, help="a runcard with closure.level1_draws >= 2"
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="run here and keep the results (default: a temporary folder)",
    )
    args = parser.parse_args()
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run(args.workdir, args.runcard, args.cores), sort_keys=True))
        return
    with tempfile.TemporaryDirectory(prefix="bench_multiclosure.") as tmp:
        print(json.dumps(run(Path(tmp), args.runcard, args.cores), sort_keys=True))


if __name__ == "__main__":
    main()

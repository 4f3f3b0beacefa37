"""IMNN on the Gaussian example: det F reached, time per epoch per input source, largest set fitted: one JSON line.

Three measurements, each in its own process (``--child``) so that TensorFlow starts fresh and
its peak resident memory (``ru_maxrss``) belongs to that run alone:

* ``detf``: the shipped runcard ``config/runcards/imnn-gaussian.yml`` without its scan (2000
  fiducial simulations with exact derivatives, network [64, 64] elu, Adam 1e-2, 600 epochs),
  replicas 1-4, from memory: each replica's validation det F against the analytic 50;
* ``epoch_s``: the same fit for ``--epochs`` epochs from memory, npy files and TFRecords,
  without and with ``Dataset.cache``: seconds per epoch after the first (compilation) epoch,
  and the time ``simulate`` took to write the sets;
* ``largest``: ``--large-n-s`` simulations of ``--large-n-data`` points per set (training and
  validation), read from TFRecords without cache and from memory, ``--large-epochs`` epochs:
  the simulations' size on disk, seconds per epoch and peak RSS of each.

Run with the venv active: ``python benchmarks/bench_imnn.py`` (about 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNCARD = REPO_ROOT / "config" / "runcards" / "imnn-gaussian.yml"


def _card(
    source: str, cache: bool, epochs: int, n_s: int | None = None, n_data: int | None = None
) -> dict:
    card = yaml.safe_load(RUNCARD.read_text(encoding="utf-8"))
    card.pop("hyperopt"), card.pop("hyperscan_config")
    section = card["imnn"]
    section["epochs"] = epochs
    section["input"] = {"source": source, "cache": cache, "record_size_mb": 200}
    if n_s is not None:
        section.update(n_s=n_s, n_d=n_s)
    if n_data is not None:
        section["simulator"] = {"name": "gaussian", "n_data": n_data}
    return card


def child(spec: dict) -> dict:
    """One fit in this process: writes the simulations, trains, reports times and peak RSS."""
    from replifold import seeding
    from replifold.io import atomic_directory
    from replifold.runcard import expand_runcard

    card = expand_runcard(spec["card"])
    seeding.set_initial_state(seeding.job_seed(card["nnseed"], batch_first_replica=1))
    from replifold.imnn.replicas import train_imnn_replicas
    from replifold.imnn.sets import fit_sets
    from replifold.imnn.settings import ImnnSettings
    from replifold.imnn.storage import write_simulations

    settings = ImnnSettings.from_runcard(card)
    root = Path(spec["root"])
    started = time.perf_counter()
    with atomic_directory(root) as tmp:
        write_simulations(settings, list(fit_sets(settings)), tmp)
    simulate_s = time.perf_counter() - started
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    fit = train_imnn_replicas(settings, card["nnseed"], spec["replicas"], root, *fit_sets(settings))
    analytic = float(np.linalg.det(settings.simulator.fisher(settings.theta_fid)))
    return {
        "simulate_s": round(simulate_s, 2),
        "simulations_mb": round(size / 2**20, 1),
        "epochs_run": fit.timing.epochs_run,
        "first_epoch_s": round(fit.timing.first_chunk_s, 2),
        "epoch_s": round(1.0 / fit.timing.steps_per_s, 4),
        "det_fisher_validation": [round(r.det_fisher_validation, 3) for r in fit.result.replicas],
        "best_epoch": [r.best_epoch for r in fit.result.replicas],
        "det_fisher_analytic": analytic,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_child(card: dict, replicas: list[int], workdir: Path) -> dict:
    spec = {"card": card, "replicas": replicas, "root": str(workdir / "simulations")}
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    shutil.rmtree(workdir / "simulations", ignore_errors=True)
    if done.returncode != 0:
        sys.exit(f"benchmark child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs", type=int, default=60, help="epochs of the per-source timing runs"
    )
    parser.add_argument("--large-n-s", type=int, default=50000)
    parser.add_argument("--large-n-data", type=int, default=1000)
    parser.add_argument("--large-epochs", type=int, default=3)
    parser.add_argument("--skip-detf", action="store_true", help="skip the 600-epoch quality fit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    out: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "python": platform.python_version(),
        }
    }
    with tempfile.TemporaryDirectory(prefix="bench-imnn-") as tmp:
        work = Path(tmp)
        if not args.skip_detf:
            quality = run_child(_card("memory", False, 600), [1, 2, 3, 4], work)
            out["detf"] = {
                key: quality[key]
                for key in ("det_fisher_validation", "best_epoch", "det_fisher_analytic", "epoch_s")
            }
            out["detf"]["fraction_of_analytic"] = [
                round(v / quality["det_fisher_analytic"], 4)
                for v in quality["det_fisher_validation"]
            ]
        out["epoch_s"] = {}
        for source in ("memory", "files", "tfrecords"):
            for cache in (False, True) if source != "memory" else (False,):
                timing = run_child(_card(source, cache, args.epochs), [1, 2], work)
                label = source + (" cached" if cache else "")
                out["epoch_s"][label] = {
                    key: timing[key]
                    for key in (
                        "epoch_s",
                        "first_epoch_s",
                        "simulate_s",
                        "simulations_mb",
                        "peak_rss_mb",
                    )
                }
        out["largest"] = {
            "n_s": args.large_n_s,
            "n_d": args.large_n_s,
            "n_data": args.large_n_data,
            "replicas": 2,
        }
        for source in ("tfrecords", "memory"):
            large = run_child(
                _card(source, False, args.large_epochs, args.large_n_s, args.large_n_data),
                [1, 2],
                work,
            )
            out["largest"][source] = {
                key: large[key]
                for key in (
                    "simulations_mb",
                    "simulate_s",
                    "epoch_s",
                    "first_epoch_s",
                    "peak_rss_mb",
                )
            }
    out["machine"]["load_average_end"] = os.getloadavg()
    print(json.dumps(out))


if __name__ == "__main__":
    main()

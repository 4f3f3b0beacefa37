"""What produced a fit: runcard hash, every seed, software, platform, threads and device.

Everything here is a property of the runcard and the machine, never of the moment: no
hostname, time or user, so two runs on the same machine write the same provenance.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
from pathlib import Path
from typing import Any

from replifold import seeding
from replifold.imnn.provenance import imnn_seeds
from replifold.io import read_json

PACKAGES = ("replifold", "tensorflow", "keras", "numpy", "hyperopt", "h5py", "snakemake", "matplotlib", "pyyaml", "jsonschema")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def devices() -> list[str]:
    """The devices TensorFlow sees here (the ones training could have used)."""
    from replifold.backend import tf

    return [f"{d.device_type}:{d.name}" for d in tf.config.list_physical_devices()]


def batch_layout(runcard: dict[str, Any]) -> list[list[int]]:
    """Replicas per fit_batch job, as the workflow cuts them (replicas_per_job at a time)."""
    size, total = runcard["replicas_per_job"], runcard["replicas"]
    return [list(range(first, min(first + size, total + 1))) for first in range(1, total + 1, size)]


def seeds(fit_dir: Path, runcard: dict[str, Any]) -> dict[str, Any]:
    if runcard.get("problem") == "imnn":
        return imnn_seeds(fit_dir, runcard, batch_layout(runcard))
    nnseed = int(runcard["nnseed"])
    scan = runcard.get("hyperopt")
    out: dict[str, Any] = {
        "runcard": {
            "filterseed": runcard["closure"]["filterseed"],
            "mcseed": runcard["mcseed"],
            "trvlseed": runcard["trvlseed"],
            "nnseed": nnseed,
            "hyperopt.seed": scan["seed"] if scan else None,
        },
        "level1": seeding.level1_seed(runcard["closure"]["filterseed"]),
        "fit_batch_jobs": {
            f"{batch[0]}-{batch[-1]}": seeding.job_seed(nnseed, batch_first_replica=batch[0]) for batch in batch_layout(runcard)
        },
        "replicas": {
            str(r): read_json(fit_dir / "fit" / f"replica_{r}" / "fit.json")["seeds"] for r in range(1, runcard["replicas"] + 1)
        },
    }
    if scan:
        trials = range(scan["rounds"] * scan["trials_per_round"])
        folds = range(len(runcard["kfold"]["partitions"]))
        out["hyperopt_rounds"] = {str(r): seeding.hyperopt_seed(scan["seed"], r) for r in range(scan["rounds"])}
        out["train_fold_jobs"] = {f"{t}:{k}": seeding.job_seed(nnseed, trial=t, fold=k) for t in trials for k in folds}
    return out


def build_provenance(fit_dir: Path, runcard: dict[str, Any]) -> dict[str, Any]:
    return {
        "fit": fit_dir.name,
        "runcard_sha256": (fit_dir / "runcard.sha256").read_text(encoding="utf-8").split()[0],
        "seeds": seeds(fit_dir, runcard),
        "packages": package_versions(),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
        "platform": {"system": platform.system(), "release": platform.release(), "machine": platform.machine(),
                     "platform": platform.platform(), "cpu_count": os.cpu_count()},
        "threads": {  # what every training job pinned TensorFlow to (seeding.set_initial_state)
            "intra_op_threads": runcard["parallelism"]["intra_op_threads"],
            "inter_op_threads": runcard["parallelism"]["inter_op_threads"],
        },
        "double_precision": runcard["double_precision"],
        "device": devices(),
    }

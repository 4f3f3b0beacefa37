"""What produced a fit: runcard hash, every seed, code version and commit, software, platform,
threads and device.

Everything here is a property of the runcard, the code and the machine, never of the moment:
no hostname, time or user, so two runs on the same machine write the same provenance.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
from dataclasses import asdict
from typing import Any

from replifold import seeding
from replifold.imnn.provenance import imnn_seeds
from replifold.io import read_json
from replifold.layout import FitLayout
from replifold.plan import FitPlan
from replifold.runcard import filterseed
from replifold.version import code_version

PACKAGES = (
    "replifold",
    "tensorflow",
    "keras",
    "numpy",
    "hyperopt",
    "h5py",
    "snakemake",
    "matplotlib",
    "pyyaml",
    "jsonschema",
    "nnpdf-data",
    "yadism",
    "eko",
    "pineappl",
    "pineko",
)


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


def seeds(layout: FitLayout, runcard: dict[str, Any]) -> dict[str, Any]:
    if runcard.get("problem") == "imnn":
        return imnn_seeds(layout, runcard, FitPlan.from_runcard(runcard))
    nnseed = int(runcard["nnseed"])
    plan = FitPlan.from_runcard(runcard)
    scan = plan.scan
    level1 = filterseed(runcard)
    out: dict[str, Any] = {
        "runcard": {
            "filterseed": level1,
            "mcseed": runcard["mcseed"],
            "trvlseed": runcard["trvlseed"],
            "nnseed": nnseed,
            "hyperopt.seed": scan.seed if scan else None,
        },
        "level1": None if level1 is None else seeding.level1_seed(level1),
        "fit_batch_jobs": {
            f"{batch[0]}-{batch[-1]}": seeding.job_seed(nnseed, batch_first_replica=batch[0])
            for batch in plan.batches
        },
        "replicas": {str(r): read_json(layout.replica(r).fit)["seeds"] for r in plan.replicas},
    }
    if plan.draws > 1:  # a multi-closure test: the base seeds of every level-1 draw (0 is the fit)
        base = {**runcard, "filterseed": runcard["closure"]["filterseed"]}
        out["level1_draws"] = {str(k): seeding.draw_seeds(base, k) for k in range(plan.draws)}
    if scan:
        out.update(seeding.scan_seeds(nnseed, scan.seed, scan.rounds, scan.n_trials, plan.folds))
    return out


def build_provenance(layout: FitLayout, runcard: dict[str, Any]) -> dict[str, Any]:
    return {
        "fit": layout.name,
        "runcard_sha256": layout.runcard_hash.read_text(encoding="utf-8").split()[0],
        "seeds": seeds(layout, runcard),
        "code": asdict(code_version()),
        "packages": package_versions(),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "threads": {  # what every training job pinned TensorFlow to (seeding.set_initial_state)
            "intra_op_threads": runcard["parallelism"]["intra_op_threads"],
            "inter_op_threads": runcard["parallelism"]["inter_op_threads"],
        },
        "double_precision": runcard["double_precision"],
        "device": devices(),
    }

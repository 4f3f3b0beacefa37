"""The seeds of an imnn fit, for the archive's provenance (replacing the PDF fits' seed table)."""

from __future__ import annotations

from typing import Any

from replifold import seeding
from replifold.imnn.sets import ROLES
from replifold.io import read_json
from replifold.layout import FitLayout
from replifold.plan import FitPlan


def imnn_seeds(layout: FitLayout, runcard: dict[str, Any], plan: FitPlan) -> dict[str, Any]:
    nnseed = int(runcard["nnseed"])
    scan = plan.scan
    out: dict[str, Any] = {
        "runcard": {
            "nnseed": nnseed,
            "imnn.simseed": runcard["imnn"]["simseed"],
            "hyperopt.seed": scan.seed if scan else None,
        },
        "simulations": "simulation i of a set: seeding.sim_seed(simseed, role, fold, i) with roles "
        + ", ".join(f"{name}={code}" for name, code in ROLES.items())
        + "; fold -1 for the final fit, k for hyperopt fold k",
        "fit_batch_jobs": {
            f"{batch[0]}-{batch[-1]}": seeding.job_seed(nnseed, batch_first_replica=batch[0])
            for batch in plan.batches
        },
        "replicas": {str(r): read_json(layout.replica(r).fit)["seeds"] for r in plan.replicas},
    }
    if scan:
        out.update(seeding.scan_seeds(nnseed, scan.seed, scan.rounds, scan.n_trials, plan.folds))
    return out

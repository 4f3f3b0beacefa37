"""Stand-in FK tables for real-data tests that must not run the theory stack (a plain module,
shared by the dis tests like snakemake_runs.py is by the workflow tests)."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import numpy as np

from replifold.dis import build
from replifold.dis.theory_plan import TheoryPlan, plan_from_runcard
from replifold.runcard import expand_runcard, load_runcard
from replifold.theory.cache import TheoryCache
from replifold.theory.fktables import FkTableArrays

REPO = Path(__file__).resolve().parents[1]
DATASETS = [
    {"dataset": "SLAC_NC_NOTFIXED_P_EM-F2", "frac": 0.75, "variant": "legacy"},
    {"dataset": "HERA_CC_318GEV_EP-SIGMARED", "frac": 0.5, "variant": "legacy"},
]


def small_dis_runcard(replicas: int = 3) -> dict:
    """The dis-real runcard cut to two data sets (72 points after cuts) and a few replicas."""
    raw = load_runcard(REPO / "config" / "runcards" / "dis-real.yml")
    raw["dataset_inputs"] = copy.deepcopy(DATASETS)
    raw["replicas"], raw["replicas_per_job"] = replicas, replicas
    return expand_runcard(raw)


def stub_fk(ndata: int, nx: int, seed: int) -> np.ndarray:
    """Positive tables on the upper part of the x-grid (an F2-like size)."""
    rng = np.random.default_rng(seed)
    fk = rng.uniform(0.0, 0.02, size=(ndata, 8, nx))
    fk[:, :, :20] = 0.0
    return fk


def stub_theory(monkeypatch, runcard: dict) -> tuple[TheoryPlan, dict[str, np.ndarray]]:
    """Make ``replifold.dis.build`` read one fixed random FK table per FK-table digest."""
    plan = plan_from_runcard(runcard)
    tables = {
        d.fktable.digest: stub_fk(d.ndata, plan.xgrid.shape[0], k)
        for k, d in enumerate(plan.datasets)
    }

    def require(self, key, filename, hint):
        return Path("/stub") / key.digest

    def read(path, xgrid):
        return FkTableArrays(xgrid=xgrid, fk=tables[Path(path).name], q0=1.65, pids=())

    monkeypatch.setattr(TheoryCache, "require", require)
    monkeypatch.setattr(build, "read_fktable", read)
    monkeypatch.setattr(
        build, "sha256_file", lambda path: hashlib.sha256(str(path).encode()).hexdigest()
    )
    return plan, tables

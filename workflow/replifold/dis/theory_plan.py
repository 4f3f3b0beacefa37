"""Which theory a real-data runcard needs: per data set a grid, operators and an FK table, with keys.

The plan is computed the same way by the workflow (to name the cache files jobs write) and by
every ``replifold`` verb (to find them), from the runcard alone: commondata kinematics after
cuts, the theory card after overrides, NNPDF's x-grid. Only operator keys depend on how a data
set's scales are cut into groups (``max_scales``); grid and FK-table keys do not, so changing the
grouping recomputes operators but finds the same FK tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.dis.commondata import LoadedDataset, load_dataset
from replifold.dis.cuts import kinematic_mask
from replifold.dis.request import DisRequest
from replifold.errors import RuncardError
from replifold.theory.cache import CacheKey
from replifold.theory.cards import TheoryCard, check_dis_scheme, theory_card_from_runcard
from replifold.theory.fktables import fktable_key
from replifold.theory.grids import DisKinematics, DisObservable, grid_key
from replifold.theory.operators import DEFAULT_MAX_SCALES, group_scales, operator_key
from replifold.theory.xgrid import nnpdf_xgrid


@dataclass(frozen=True)
class OperatorJob:
    dataset: str
    group: int
    scales: tuple[float, ...]  # Q^2 [GeV^2]
    key: CacheKey


@dataclass(frozen=True, eq=False)
class DatasetTheory:
    """One data set after cuts and the cache entries its FK table is made of."""

    data: LoadedDataset  # all points
    mask: np.ndarray  # (ndata,) bool: the points kept by the cuts
    observable: DisObservable
    kinematics: DisKinematics  # of the kept points: what yadism computes
    grid: CacheKey
    operators: tuple[OperatorJob, ...]
    fktable: CacheKey

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def ndata(self) -> int:
        return int(self.mask.sum())


@dataclass(frozen=True, eq=False)
class TheoryPlan:
    card: TheoryCard
    xgrid: np.ndarray
    max_scales: int
    datasets: tuple[DatasetTheory, ...]

    def dataset(self, name: str) -> DatasetTheory:
        for entry in self.datasets:
            if entry.name == name:
                return entry
        raise KeyError(name)

    def operator(self, dataset: str, group: int) -> OperatorJob:
        jobs = self.dataset(dataset).operators
        if not 0 <= group < len(jobs):
            raise KeyError(f"{dataset} has operator groups 0-{len(jobs) - 1}, not {group}")
        return jobs[group]


def plan_dataset(
    card: TheoryCard, data: LoadedDataset, mask: np.ndarray, xgrid: np.ndarray, max_scales: int
) -> DatasetTheory:
    theory = data.theory_kinematics
    kept = DisKinematics.from_arrays(
        np.asarray(theory.x)[mask], np.asarray(theory.q2)[mask], np.asarray(theory.y)[mask]
    )
    grid = grid_key(card, data.entry.observable, kept, xgrid)
    groups = group_scales(kept.scales(), max_scales)
    operators = tuple(
        OperatorJob(data.name, g, scales, operator_key(card, xgrid, scales))
        for g, scales in enumerate(groups)
    )
    return DatasetTheory(
        data=data,
        mask=mask,
        observable=data.entry.observable,
        kinematics=kept,
        grid=grid,
        operators=operators,
        fktable=fktable_key(grid.digest, card, xgrid, kept.scales()),
    )


def plan_theory(request: DisRequest, max_scales: int = DEFAULT_MAX_SCALES) -> TheoryPlan:
    """The plan of a real-data request: loads every data set's commondata (fast, no theory run)."""
    card = theory_card_from_runcard(request.theory)
    check_dis_scheme(card)
    xgrid = nnpdf_xgrid()
    datasets = []
    for entry in request.datasets:
        data = load_dataset(
            entry.name, entry.variant, entry.key_path, proton_mass=float(card["MP"])
        )
        mask = kinematic_mask(data.x, data.q2, request.cuts)
        if not mask.any():
            raise RuncardError(
                ["datacuts"],
                f"the cuts leave no point of {entry.name} (Q2 in [{data.q2.min():.3g}, {data.q2.max():.3g}] GeV^2)",
                found={"q2min": request.cuts.q2min, "w2min": request.cuts.w2min},
            )
        datasets.append(plan_dataset(card, data, mask, xgrid, max_scales))
    return TheoryPlan(card=card, xgrid=xgrid, max_scales=max_scales, datasets=tuple(datasets))


def plan_from_runcard(
    runcard: Mapping[str, Any], max_scales: int = DEFAULT_MAX_SCALES
) -> TheoryPlan:
    """The plan of an expanded ``problem: dis`` runcard."""
    return plan_theory(DisRequest.from_runcard(runcard), max_scales)


def summary(plan: TheoryPlan) -> list[dict[str, Any]]:
    """Per data set: points after cuts, distinct scales, operator groups, cache keys (for logs)."""
    return [
        {
            "dataset": d.name,
            "ndata": d.ndata,
            "ndata_before_cuts": d.data.ndata,
            "scales": len(d.kinematics.scales()),
            "operator_groups": [len(o.scales) for o in d.operators],
            "grid": str(d.grid),
            "operators": [str(o.key) for o in d.operators],
            "fktable": str(d.fktable),
        }
        for d in plan.datasets
    ]


def check_scales(plan: TheoryPlan, names: Sequence[str]) -> None:
    """Every requested data set is in the plan (a workflow/runcard mismatch otherwise)."""
    missing = [n for n in names if n not in {d.name for d in plan.datasets}]
    if missing:
        raise RuncardError(["dataset_inputs"], "data sets not in this runcard", found=missing)

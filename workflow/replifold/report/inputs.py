"""Everything the report reads from a fit directory, loaded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replifold.archive.provenance import build_provenance
from replifold.errors import UserError
from replifold.io import read_json
from replifold.layout import FitLayout
from replifold.lhapdf.grid import LhapdfSet
from replifold.postfit.replicas import ReplicaOutput, load_replicas
from replifold.problem import Problem, load_problem
from replifold.report.histories import ReplicaHistory, load_histories
from replifold.report.scan import Trial, read_trials


@dataclass(frozen=True, eq=False)
class EvolvedSet:
    lhapdf_set: LhapdfSet
    summary: dict[str, Any]  # evolution.json


def load_evolved(fit_dir: Path) -> EvolvedSet | None:
    """The fit's LHAPDF set and evolution summary (``replifold evolve``), None before evolve ran."""
    from replifold.lhapdf.reader import read_set

    layout = FitLayout(fit_dir)
    if not layout.evolution_json.is_file():
        return None
    return EvolvedSet(read_set(layout.lhapdf_set), read_json(layout.evolution_json))


@dataclass(frozen=True, eq=False)
class ReportInputs:
    name: str
    fit_dir: Path
    runcard: dict[str, Any]
    problem: Problem
    replicas: list[ReplicaOutput]
    selected: tuple[int, ...]
    vetoes: dict[str, Any]  # veto.json
    trials: list[Trial] | None  # None without a hyperopt section
    best: dict[str, Any] | None
    provenance: dict[str, Any]
    histories: list[ReplicaHistory] = field(
        default_factory=list
    )  # fit/batch<b>/history.npz, per replica
    multiclosure: dict[str, Any] | None = None  # closure/estimators.json of a multi-closure test
    evolved: EvolvedSet | None = None  # the LHAPDF set, once 'replifold evolve' has run

    @property
    def selected_replicas(self) -> list[ReplicaOutput]:
        return [r for r in self.replicas if r.replica in set(self.selected)]


def require(path: Path, step: str) -> Path:
    if not path.is_file():
        raise UserError(f"missing {path}; run '{step}' first")
    return path


def load_inputs(fit_dir: Path) -> ReportInputs:
    from replifold.runcard import load_fit_runcard

    layout = FitLayout(fit_dir)
    runcard = load_fit_runcard(layout.root)
    selected = read_json(require(layout.selected_json, f"replifold postfit {fit_dir}"))
    vetoes = read_json(require(layout.veto_json, f"replifold postfit {fit_dir}"))
    trials = best = None
    if runcard.get("hyperopt"):
        trials = read_trials(read_json(require(layout.tries_json, f"replifold collect {fit_dir}")))
        best = read_json(require(layout.best_json, f"replifold collect {fit_dir}"))
    replicas = load_replicas(layout, range(1, runcard["replicas"] + 1))
    multiclosure = None
    if (runcard.get("closure") or {}).get("level1_draws", 1) > 1:
        multiclosure = read_json(
            require(layout.closure_estimators, f"replifold multiclosure {fit_dir}")
        )
    return ReportInputs(
        name=layout.name,
        fit_dir=layout.root,
        runcard=runcard,
        problem=load_problem(layout.data_dir),
        replicas=replicas,
        selected=tuple(selected["selected"]),
        vetoes=vetoes,
        trials=trials,
        best=best,
        provenance=build_provenance(layout, runcard),
        histories=load_histories(
            layout, runcard, {r.replica: r.fit["best_epoch"] for r in replicas}
        ),
        multiclosure=multiclosure,
        evolved=load_evolved(layout.root),
    )

"""Everything the report reads from a fit directory, loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.archive.provenance import build_provenance
from replifold.errors import UserError
from replifold.io import read_json
from replifold.postfit.replicas import ReplicaOutput, load_replicas
from replifold.problem import Problem, load_problem
from replifold.report.scan import Trial, read_trials


@dataclass(frozen=True, eq=False)
class ReportInputs:
    name: str
    runcard: dict[str, Any]
    problem: Problem
    replicas: list[ReplicaOutput]
    selected: tuple[int, ...]
    vetoes: dict[str, Any]  # veto.json
    trials: list[Trial] | None  # None without a hyperopt section
    best: dict[str, Any] | None
    provenance: dict[str, Any]

    @property
    def selected_replicas(self) -> list[ReplicaOutput]:
        return [r for r in self.replicas if r.replica in set(self.selected)]


def require(path: Path, step: str) -> Path:
    if not path.is_file():
        raise UserError(f"missing {path}; run '{step}' first")
    return path


def load_inputs(fit_dir: Path) -> ReportInputs:
    from replifold.runcard import expand_runcard, load_runcard

    runcard_path = require(fit_dir / "runcard.yml", "replifold setup")
    runcard = expand_runcard(load_runcard(runcard_path), source=str(runcard_path))
    selected = read_json(require(fit_dir / "postfit" / "selected.json", f"replifold postfit {fit_dir}"))
    vetoes = read_json(require(fit_dir / "postfit" / "veto.json", f"replifold postfit {fit_dir}"))
    trials = best = None
    if runcard.get("hyperopt"):
        trials = read_trials(read_json(require(fit_dir / "hyperopt" / "tries.json", f"replifold collect {fit_dir}")))
        best = read_json(require(fit_dir / "hyperopt" / "best.json", f"replifold collect {fit_dir}"))
    return ReportInputs(
        name=fit_dir.name,
        runcard=runcard,
        problem=load_problem(fit_dir / "data"),
        replicas=load_replicas(fit_dir, range(1, runcard["replicas"] + 1)),
        selected=tuple(selected["selected"]),
        vetoes=vetoes,
        trials=trials,
        best=best,
        provenance=build_provenance(fit_dir, runcard),
    )

"""Hyperopt for IMNN fits: the runcard's search space, trial parameters, and folds of simulations.

The scan machinery is the PDF fits' (``suggest_round``, the trials store, TPE's history): it
only needs a search space and the fit's layout. The space is ``hyperscan_config`` around a view
of the imnn section shaped like the PDF ``parameters`` section (layers with the output layer,
epochs, patience as a fraction of epochs, optimizer, initializer), and a trial's parameters,
stored in that shape, are applied back to the imnn section here.

A fold is a disjoint triple of simulation sets (``replifold.imnn.sets.fold_sets``): its
replicas train on the fold's training set, stop early on its validation set, and are judged on
its test set, which neither saw. A replica's fold loss is ``-ln det F`` on the test set; the
fold's loss is ``replica_statistic`` over replicas, the trial's ``fold_statistic`` over folds.
A fold whose loss is not finite fails the trial (recorded, never a crash).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from replifold.hyperopt.context import ScanContext, check_index
from replifold.hyperopt.records import STATUS_FAIL, STATUS_OK
from replifold.hyperopt.settings import ScanSettings
from replifold.hyperopt.space import search_space
from replifold.hyperopt.statistics import STATISTICS
from replifold.imnn.settings import OUTPUT_ACTIVATION, FoldSettings, ImnnSettings
from replifold.layout import FitLayout


def parameters_view(section: Mapping[str, Any]) -> dict[str, Any]:
    """The imnn section as the PDF ``parameters`` section the search space is built around."""
    network = section["network"]
    return {
        "nodes_per_layer": [*network["nodes_per_layer"], section["n_summaries"]],
        "activation_per_layer": [*network["activation_per_layer"], OUTPUT_ACTIVATION],
        "initializer": network["initializer"],
        "optimizer": copy.deepcopy(section["optimizer"]),
        "epochs": section["epochs"],
        "stopping_patience": section["patience"] / section["epochs"],
    }


def apply_trial(section: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The imnn section with a trial's parameters (as ``SearchSpace.readable`` writes them)."""
    out = copy.deepcopy(dict(section))
    network = out["network"]
    if "epochs" in params:
        out["epochs"] = int(params["epochs"])
    if "stopping_patience" in params:
        out["patience"] = max(1, math.ceil(float(params["stopping_patience"]) * out["epochs"]))
    if "optimizer" in params:
        out["optimizer"] = copy.deepcopy(dict(params["optimizer"]))
    if "nodes_per_layer" in params:
        network["nodes_per_layer"] = list(params["nodes_per_layer"][:-1])
    if "activation_per_layer" in params:
        network["activation_per_layer"] = list(params["activation_per_layer"][:-1])
    if "initializer" in params:
        network["initializer"] = params["initializer"]
    # dropout (0 for an IMNN) and layer_type (dense) have nothing to set: the runcard checks forbid others.
    return out


def trial_runcard(runcard: Mapping[str, Any], params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The runcard a trial (or the final fit with the best trial's parameters) trains with."""
    if not params:
        return dict(runcard)
    return {**runcard, "imnn": apply_trial(runcard["imnn"], params)}


@dataclass(frozen=True)
class ImnnScan(ScanContext):
    """A scan context for an imnn runcard: the PDF k-fold settings are replaced by ``FoldSettings``."""

    kfold: FoldSettings  # type: ignore[assignment]

    @classmethod
    def load(cls, fit_dir: Path) -> ImnnScan:
        from replifold.runcard import load_fit_runcard

        runcard = load_fit_runcard(fit_dir)
        scan = ScanSettings.from_runcard(runcard)
        view = {
            "hyperscan_config": runcard["hyperscan_config"],
            "parameters": parameters_view(runcard["imnn"]),
        }
        return cls(
            FitLayout(fit_dir),
            runcard,
            scan,
            ImnnSettings.from_runcard(runcard).kfold,
            search_space(view),
        )

    def check_fold(self, fold: int) -> None:
        check_index("fold", fold, self.kfold.folds, "imnn.kfold.folds")


def fold_record(
    trial: int, fold: int, replicas: list[dict[str, Any]], kfold: FoldSettings
) -> dict[str, Any]:
    """``trial{t}/fold{k}/result.json``: per replica ``-ln det F`` on the test set, and the fold's loss."""
    losses = np.array(
        [r["loss"] if r["loss"] is not None else np.nan for r in replicas], dtype=np.float64
    )
    loss = STATISTICS[kfold.replica_statistic](losses)
    ok = math.isfinite(loss)
    return {
        "trial": trial,
        "fold": fold,
        "status": STATUS_OK if ok else STATUS_FAIL,
        "reason": None
        if ok
        else f"the fold's loss is not finite; -ln det F on the test set per replica {losses.tolist()}",
        "loss": loss if ok else None,
        "replica_statistic": kfold.replica_statistic,
        "replicas": replicas,
    }


def trial_record(
    trial: int, folds: list[dict[str, Any]], kfold: FoldSettings, params: Mapping[str, Any]
) -> dict[str, Any]:
    """``trial{t}/hyperloss.json`` in the shape the trials store reads (parameters, status, loss, reason, folds)."""
    failed = [f for f in folds if f["status"] != STATUS_OK]
    loss = None
    reason = "; ".join(f"fold {f['fold']}: {f['reason']}" for f in failed) or None
    if not failed:
        value = STATISTICS[kfold.fold_statistic](
            np.array([f["loss"] for f in folds], dtype=np.float64)
        )
        if math.isfinite(value):
            loss = value
        else:
            reason = f"the hyper-loss is not finite ({value})"
    return {
        "trial": trial,
        "params": dict(params),
        "status": STATUS_OK if loss is not None else STATUS_FAIL,
        "reason": reason,
        "loss": loss,
        "loss_type": "-ln det F (test set)",
        "replica_statistic": kfold.replica_statistic,
        "fold_statistic": kfold.fold_statistic,
        "fold_losses": [f["loss"] for f in folds],
        "folds": [
            {"fold": f["fold"], "status": f["status"], "reason": f["reason"], "loss": f["loss"]}
            for f in folds
        ],
    }

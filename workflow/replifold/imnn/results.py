"""What training a batch of IMNN replicas produced, as written to ``result.json`` and the npz files.

``ImnnReplicaResult``/``ImnnBatchResult`` are reproducible (``result.json``, ``fit.json``);
timings go to ``*.timing.json`` only (``replifold.training.results.TrainingTiming``).
Per-replica arrays live in npz files: the per-epoch ``history`` and the ``statistics`` of the
kept weights on the validation set, with the held-out simulations' summaries and estimates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ImnnReplicaResult:
    """One replica at its best epoch (epoch e: the weights after e gradient steps)."""

    replica: int
    stop_reason: str
    failed: bool
    best_epoch: int
    last_epoch: int
    det_fisher_training: float
    det_fisher_validation: float
    lambda2_validation: float
    fisher_validation: list[list[float]]
    seeds: dict[str, int]  # nn: the replica's network seed; simseed: the simulations'

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImnnReplicaResult:
        def number(value: float | None) -> float:
            return float("nan") if value is None else float(value)

        floats = ("det_fisher_training", "det_fisher_validation", "lambda2_validation")
        fisher = [[number(v) for v in row] for row in data["fisher_validation"]]
        return cls(**{**data, **{k: number(data[k]) for k in floats}, "fisher_validation": fisher})


@dataclass(frozen=True)
class ImnnBatchResult:
    replicas: tuple[ImnnReplicaResult, ...]
    epochs: int
    patience: int
    min_epochs: int
    parameters: tuple[str, ...]
    theta_fid: tuple[float, ...]
    fisher_analytic: list[list[float]] | None  # the simulator's own, where it has one
    simulations_sha256: str  # of simulations/index.json: which simulations were used
    training_set: str
    validation_set: str

    @property
    def det_fisher_analytic(self) -> float | None:
        return (
            None
            if self.fisher_analytic is None
            else float(np.linalg.det(np.asarray(self.fisher_analytic)))
        )

    def replica(self, replica: int) -> ImnnReplicaResult:
        for result in self.replicas:
            if result.replica == replica:
                return result
        raise KeyError(replica)

    def to_json(self) -> dict[str, Any]:
        return {
            "problem": "imnn",
            "replicas": [r.to_json() for r in self.replicas],
            "epochs": self.epochs,
            "patience": self.patience,
            "min_epochs": self.min_epochs,
            "parameters": list(self.parameters),
            "theta_fid": list(self.theta_fid),
            "fisher_analytic": self.fisher_analytic,
            "det_fisher_analytic": self.det_fisher_analytic,
            "simulations_sha256": self.simulations_sha256,
            "training_set": self.training_set,
            "validation_set": self.validation_set,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImnnBatchResult:
        return cls(
            replicas=tuple(ImnnReplicaResult.from_json(r) for r in data["replicas"]),
            epochs=int(data["epochs"]),
            patience=int(data["patience"]),
            min_epochs=int(data["min_epochs"]),
            parameters=tuple(data["parameters"]),
            theta_fid=tuple(float(v) for v in data["theta_fid"]),
            fisher_analytic=data["fisher_analytic"],
            simulations_sha256=data["simulations_sha256"],
            training_set=data["training_set"],
            validation_set=data["validation_set"],
        )

    def replica_json(self, index: int) -> dict[str, Any]:
        """A replica's ``fit.json``: its result with the batch's settings beside it."""
        batch = self.to_json()
        return {
            **self.replicas[index].to_json(),
            **{k: v for k, v in batch.items() if k != "replicas"},
        }

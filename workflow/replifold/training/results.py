"""What training a batch of replicas produced: per-replica outcomes and the batch's timing.

``ReplicaResult``/``BatchResult`` are reproducible (they go to ``result.json`` and
``fit.json``); ``TrainingTiming`` is not and goes to ``*.timing.json`` only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

STOP_REASONS = ("patience", "max_epochs", "nan")
POS_PASS, POS_VETO = "POS_PASS", "POS_VETO"


@dataclass(frozen=True)
class ReplicaSeeds:
    """The derived seeds that made this replica: its weights, its data replica, its split."""

    nn: int
    mc: int | None
    trvl: dict[str, int]


@dataclass(frozen=True)
class ReplicaResult:
    """One replica at its best epoch (the epoch whose weights were kept).

    Epochs count training steps: epoch e is evaluated with the weights after e updates.
    ``positivity`` is n3fit's check on the kept weights: every positivity set's loss, with the
    multiplier of the kept epoch, below ``parameters.positivity.threshold``.
    ``chi2_exp`` is per dataset against the level-1 data with the full covariance, whether
    the dataset was fitted or held out.
    """

    replica: int
    stop_reason: str
    failed: bool
    best_epoch: int
    last_epoch: int
    chi2_tr: float
    n_tr: int
    chi2_vl: float
    n_vl: int
    chi2_exp: dict[str, float]
    ndata_exp: dict[str, int]
    chi2_exp_total: float
    ndata_exp_total: int
    positivity: str
    seeds: ReplicaSeeds

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReplicaResult:
        return cls(**{**data, "seeds": ReplicaSeeds(**data["seeds"])})


@dataclass(frozen=True)
class BatchResult:
    """The replicas of one batch and the settings they were trained under."""

    replicas: tuple[ReplicaResult, ...]
    epochs: int
    patience: int
    excluded_datasets: tuple[str, ...]

    def replica(self, replica: int) -> ReplicaResult:
        for result in self.replicas:
            if result.replica == replica:
                return result
        raise KeyError(replica)

    def to_json(self) -> dict[str, Any]:
        return {
            "replicas": [r.to_json() for r in self.replicas],
            "epochs": self.epochs,
            "patience": self.patience,
            "excluded_datasets": list(self.excluded_datasets),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchResult:
        return cls(
            replicas=tuple(ReplicaResult.from_json(r) for r in data["replicas"]),
            epochs=int(data["epochs"]),
            patience=int(data["patience"]),
            excluded_datasets=tuple(data["excluded_datasets"]),
        )


@dataclass(frozen=True)
class TrainingTiming:
    """How long the batch took: machine-dependent, kept out of the reproducible outputs."""

    wall_s: float
    first_chunk_s: float  # includes tracing and compilation
    epochs_run: int
    replicas: int
    steps_per_s: float
    replica_steps_per_s: float
    host: str
    intra_op_threads: int
    inter_op_threads: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

"""``trial{t}/fold{k}/result.json``: what training without fold k left to judge it by.

Per replica: the held-out loss (chi2 per point of the fold's datasets against the level-1
data with their covariance), training/validation chi2 per point, best epoch, stop reason and
positivity; per fold: n3fit's hyperopt metrics (``hyperopt.metrics``) of the replicas chosen by
``kfold.reduce_proportion`` and the inputs of the penalties, so that ``reduce`` needs nothing
but this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from replifold.hyperopt.metrics import HyperoptMetrics
from replifold.hyperopt.penalties import PdfProbe, PenaltyInputs


@dataclass(frozen=True)
class ReplicaFoldResult:
    replica: int
    loss: float
    chi2_tr: float
    chi2_vl: float
    best_epoch: int
    last_epoch: int
    stop_reason: str
    positivity: str


def validation_losses(replicas: Sequence[ReplicaFoldResult]) -> np.ndarray:
    """Validation chi2 per point; without validation points the training chi2, as n3fit's
    stopping falls back to the training set (``Stopping.vl_chi2``)."""
    vl = np.array([r.chi2_vl for r in replicas], dtype=np.float64)
    tr = np.array([r.chi2_tr for r in replicas], dtype=np.float64)
    return np.where(np.isnan(vl), tr, vl)


@dataclass(frozen=True)
class PdfSample:
    """A penalty's probe of the trained PDF: x f (R, flavours, x) in the evolution basis."""

    probe: PdfProbe
    xf: np.ndarray


@dataclass(frozen=True, eq=False)
class FoldResult:
    trial: int
    fold: int
    held_out: tuple[str, ...]
    ndata: int
    status: str
    reason: str | None
    epochs: int
    patience: int
    metrics: HyperoptMetrics
    metric_replicas: tuple[int, ...]  # the replicas the metrics were computed from
    replicas: tuple[ReplicaFoldResult, ...]
    pdf_samples: dict[str, PdfSample]

    def losses(self) -> np.ndarray:
        return np.array([r.loss for r in self.replicas], dtype=np.float64)

    def validation_losses(self) -> np.ndarray:
        return validation_losses(self.replicas)

    def penalty_inputs(self) -> PenaltyInputs:
        return PenaltyInputs(
            best_epoch=np.array([r.best_epoch for r in self.replicas], dtype=np.float64),
            vl_loss=self.validation_losses(),
            epochs=self.epochs,
            patience=self.patience,
            pdf={name: sample.xf for name, sample in self.pdf_samples.items()},
        )

    def failed(self, reason: str) -> FoldResult:
        return replace(self, status="fail", reason=reason)

    def to_json(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "fold": self.fold,
            "held_out": list(self.held_out),
            "ndata": self.ndata,
            "status": self.status,
            "reason": self.reason,
            "epochs": self.epochs,
            "patience": self.patience,
            "metrics": {
                field: getattr(self.metrics, field)
                for field in HyperoptMetrics.__dataclass_fields__
            },
            "metric_replicas": list(self.metric_replicas),
            "replicas": [r.__dict__ for r in self.replicas],
            "pdf_samples": {
                name: {"x": list(s.probe.x), "flavours": list(s.probe.flavours), "xf": s.xf}
                for name, s in self.pdf_samples.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FoldResult:
        def number(value: float | None) -> float:
            return float("nan") if value is None else float(value)

        return cls(
            trial=int(data["trial"]),
            fold=int(data["fold"]),
            held_out=tuple(data["held_out"]),
            ndata=int(data["ndata"]),
            status=data["status"],
            reason=data["reason"],
            epochs=int(data["epochs"]),
            patience=int(data["patience"]),
            metrics=HyperoptMetrics(
                **{key: number(value) for key, value in data["metrics"].items()}
            ),
            metric_replicas=tuple(int(r) for r in data["metric_replicas"]),
            replicas=tuple(
                ReplicaFoldResult(
                    **{**r, **{k: number(r[k]) for k in ("loss", "chi2_tr", "chi2_vl")}}
                )
                for r in data["replicas"]
            ),
            pdf_samples={
                name: PdfSample(
                    PdfProbe(tuple(s["x"]), tuple(s["flavours"])),
                    np.array(
                        [[[number(v) for v in row] for row in flav] for flav in s["xf"]],
                        dtype=np.float64,
                    ),
                )
                for name, s in data["pdf_samples"].items()
            },
        )

"""The hyper-loss of a trial from its folds, as n3fit's k-fold ``HyperLoss`` defines it.

Per fold, every penalty is evaluated per replica. With ``loss_type: chi2`` each replica's
loss is its held-out chi2 per point (plus its penalties when ``penalties_in_loss``) and the
fold's loss is ``replica_statistic`` over replicas. With ``loss_type: phi2`` the fold's loss
is phi2 of the held-out fold (plus each penalty's replica average when ``penalties_in_loss``).
The trial's loss is ``fold_statistic`` over its folds; one failed fold fails the trial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.hyperopt.foldresult import FoldResult
from replifold.hyperopt.records import STATUS_FAIL, STATUS_OK
from replifold.hyperopt.settings import KfoldSettings
from replifold.hyperopt.statistics import STATISTICS


@dataclass(frozen=True, eq=False)
class FoldLoss:
    fold: int
    status: str
    reason: str | None
    experimental: np.ndarray  # (R,) held-out chi2 per point
    penalties: dict[str, np.ndarray]  # name -> (R,)
    replica_losses: np.ndarray  # (R,) what the replica statistic reduces (chi2 loss type)
    phi2: float
    loss: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "fold": self.fold,
            "status": self.status,
            "reason": self.reason,
            "experimental_loss": self.experimental,
            "penalties": self.penalties,
            "replica_losses": self.replica_losses,
            "phi2": self.phi2,
            "loss": self.loss,
        }


def fold_loss(result: FoldResult, kfold: KfoldSettings) -> FoldLoss:
    """The loss of one fold (``None`` for a failed fold, whose reason and penalties it keeps)."""
    experimental = result.losses()
    inputs = result.penalty_inputs()
    penalties = {p.name: np.asarray(p.values(inputs), dtype=np.float64) for p in kfold.penalties}
    added = kfold.penalties_in_loss and penalties
    replica_losses = experimental + sum(penalties.values()) if added else experimental
    if kfold.loss_type == "chi2":
        loss = STATISTICS[kfold.replica_statistic](replica_losses)
    else:
        loss = result.phi2 + (sum(float(np.mean(v)) for v in penalties.values()) if added else 0.0)
    kept = float(loss) if result.status == STATUS_OK else None
    return FoldLoss(
        result.fold, result.status, result.reason, experimental, penalties, replica_losses, result.phi2, kept
    )


def divergence(loss: FoldLoss, threshold: float) -> str | None:
    """Why a fold counts as diverged (its loss is not finite or above ``kfold.threshold``), if it does."""
    if loss.loss is None or not math.isfinite(loss.loss):
        return f"the fold's loss is not finite ({loss.loss}); held-out chi2 per replica {loss.experimental.tolist()}"
    if loss.loss > threshold:
        return f"the fold's loss {loss.loss:.6g} is above kfold.threshold = {threshold:g}"
    return None


@dataclass(frozen=True, eq=False)
class TrialLoss:
    trial: int
    status: str
    reason: str | None
    loss: float | None
    folds: tuple[FoldLoss, ...]

    def to_json(self, kfold: KfoldSettings) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "status": self.status,
            "reason": self.reason,
            "loss": self.loss,
            "loss_type": kfold.loss_type,
            "replica_statistic": kfold.replica_statistic,
            "fold_statistic": kfold.fold_statistic,
            "penalties_in_loss": kfold.penalties_in_loss,
            "fold_losses": [f.loss for f in self.folds],
            "folds": [f.to_json() for f in self.folds],
        }


def trial_loss(trial: int, results: list[FoldResult], kfold: KfoldSettings) -> TrialLoss:
    folds = tuple(fold_loss(result, kfold) for result in results)
    failed = [f for f in folds if f.status != STATUS_OK]
    if failed:
        reason = "; ".join(f"fold {f.fold}: {f.reason}" for f in failed)
        return TrialLoss(trial, STATUS_FAIL, reason, None, folds)
    loss = STATISTICS[kfold.fold_statistic](np.array([f.loss for f in folds], dtype=np.float64))
    if not math.isfinite(loss):
        return TrialLoss(trial, STATUS_FAIL, f"the hyper-loss is not finite ({loss})", None, folds)
    return TrialLoss(trial, STATUS_OK, None, loss, folds)

"""The hyper-loss of a trial from its folds, as n3fit's k-fold ``HyperLoss`` defines it.

Per fold, every penalty is evaluated per replica, and ``penalties_in_loss`` adds them to each
replica's held-out chi2 per point (the experimental loss) and, averaged over replicas, to the
fold's metric. The fold's loss by ``loss_type``:

* ``chi2`` without ``reduce_proportion`` (replifold's default): ``replica_statistic`` of the
  experimental losses;
* ``chi2`` with ``reduce_proportion = p`` (n3fit 4.1.5): ``replica_statistic`` of the validation
  losses of the ``ceil(p R)`` best replicas by validation, plus ``max(s, 2) - 2`` with ``s`` the
  ``replica_statistic`` of the ``ceil((1 - p) R)`` lowest experimental losses;
* ``phi2``, ``logp``, ``chi2p``: n3fit's metric (``hyperopt.metrics``) of the replicas chosen by
  ``reduce_proportion`` (n3fit's ``phi2`` is phi, the square root).

The trial's loss is ``fold_statistic`` over its folds, for ``phi2`` its reciprocal (n3fit wants
the widest faithful spread, so it minimises 1 / phi); one failed fold fails the trial.
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

METRIC_OF_LOSS = {"phi2": "phi", "logp": "logp", "chi2p": "chi2p"}


@dataclass(frozen=True, eq=False)
class FoldLoss:
    fold: int
    status: str
    reason: str | None
    experimental: np.ndarray  # (R,) held-out chi2 per point
    penalties: dict[str, np.ndarray]  # name -> (R,)
    replica_losses: np.ndarray  # (R,) experimental losses with the penalties when in the loss
    metrics: dict[str, float]
    loss: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "fold": self.fold,
            "status": self.status,
            "reason": self.reason,
            "experimental_loss": self.experimental,
            "penalties": self.penalties,
            "replica_losses": self.replica_losses,
            "metrics": self.metrics,
            "loss": self.loss,
        }


def proportion_chi2(
    validation: np.ndarray, experimental: np.ndarray, proportion: float, statistic: str
) -> float:
    """n3fit 4.1.5's ``chi2`` loss: the validation of the best, plus the distance above 2 of the best held-out."""
    reduce = STATISTICS[statistic]
    best_validation = np.sort(validation)[: int(np.ceil(proportion * validation.size))]
    best_experimental = np.sort(experimental)[
        : int(np.ceil((1.0 - proportion) * experimental.size))
    ]
    return reduce(best_validation) + (max(reduce(best_experimental), 2.0) - 2.0)


def fold_loss(result: FoldResult, kfold: KfoldSettings) -> FoldLoss:
    """The loss of one fold (``None`` for a failed fold, whose reason and penalties it keeps)."""
    experimental = result.losses()
    inputs = result.penalty_inputs()
    penalties = {p.name: np.asarray(p.values(inputs), dtype=np.float64) for p in kfold.penalties}
    added = kfold.penalties_in_loss and penalties
    replica_losses = experimental + sum(penalties.values()) if added else experimental
    metrics = {name: getattr(result.metrics, name) for name in ("phi", "logp", "chi2p", "chi2exp")}
    if kfold.loss_type == "chi2" and kfold.reduce_proportion is None:
        loss = STATISTICS[kfold.replica_statistic](replica_losses)
    elif kfold.loss_type == "chi2":
        loss = proportion_chi2(
            result.validation_losses(),
            replica_losses,
            kfold.reduce_proportion,
            kfold.replica_statistic,
        )
    else:
        mean_penalties = sum(float(np.mean(v)) for v in penalties.values()) if added else 0.0
        loss = metrics[METRIC_OF_LOSS[kfold.loss_type]] + mean_penalties
    kept = float(loss) if result.status == STATUS_OK else None
    return FoldLoss(
        result.fold,
        result.status,
        result.reason,
        experimental,
        penalties,
        replica_losses,
        metrics,
        kept,
    )


def reduce_folds(losses: np.ndarray, kfold: KfoldSettings) -> float:
    """``fold_statistic`` over the folds; its reciprocal for ``phi2`` (n3fit's ``_parse_statistic``)."""
    value = STATISTICS[kfold.fold_statistic](losses)
    if kfold.loss_type == "phi2":
        return float(np.reciprocal(value)) if value != 0 else math.inf
    return value


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
            "reduce_proportion": kfold.reduce_proportion,
            "fold_losses": [f.loss for f in self.folds],
            "folds": [f.to_json() for f in self.folds],
        }


def trial_loss(trial: int, results: list[FoldResult], kfold: KfoldSettings) -> TrialLoss:
    folds = tuple(fold_loss(result, kfold) for result in results)
    failed = [f for f in folds if f.status != STATUS_OK]
    if failed:
        reason = "; ".join(f"fold {f.fold}: {f.reason}" for f in failed)
        return TrialLoss(trial, STATUS_FAIL, reason, None, folds)
    loss = reduce_folds(np.array([f.loss for f in folds], dtype=np.float64), kfold)
    if not math.isfinite(loss):
        return TrialLoss(trial, STATUS_FAIL, f"the hyper-loss is not finite ({loss})", None, folds)
    return TrialLoss(trial, STATUS_OK, None, loss, folds)

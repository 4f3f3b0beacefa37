"""Each replica's training curves, read from the history.npz of the batch that trained it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.errors import UserError
from replifold.layout import FitLayout
from replifold.plan import FitPlan
from replifold.training.history import load_history


@dataclass(frozen=True, eq=False)
class ReplicaHistory:
    replica: int
    epochs: np.ndarray  # (T,)
    values: dict[str, np.ndarray]  # quantity -> (T,)
    best_epoch: int


def load_histories(
    layout: FitLayout, runcard: dict[str, Any], best_epochs: dict[int, int]
) -> list[ReplicaHistory]:
    """The curves of every replica of the fit, in replica order."""
    curves = []
    for batch, _ in enumerate(FitPlan.from_runcard(runcard).batches):
        path = layout.batch(batch).history
        if not path.is_file():
            raise UserError(f"missing {path}; run 'replifold fit' for batch {batch} first")
        history, replicas = load_history(path)
        for column, replica in enumerate(replicas):
            curves.append(
                ReplicaHistory(
                    replica=replica,
                    epochs=history.epochs,
                    values={name: values[:, column] for name, values in history.values.items()},
                    best_epoch=best_epochs[replica],
                )
            )
    return sorted(curves, key=lambda curve: curve.replica)

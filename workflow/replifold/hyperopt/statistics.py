"""Reductions of per-replica losses to a fold loss and of fold losses to a trial's hyper-loss."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Statistic = Callable[[np.ndarray], float]


def average(values: np.ndarray) -> float:
    return float(np.mean(values))


def best_worst(values: np.ndarray) -> float:
    """The worst (largest) loss: a trial is only as good as its worst replica or fold."""
    return float(np.max(values))


def std(values: np.ndarray) -> float:
    """Population standard deviation: rewards hyperparameters whose results agree with each other."""
    return float(np.std(values))


STATISTICS: dict[str, Statistic] = {"average": average, "best_worst": best_worst, "std": std}

"""Predictions of a problem's datasets from PDF replicas, in numpy (outside training)."""

from __future__ import annotations

import numpy as np

from replifold.closure.fktables import bilinear_predictions, linear_predictions
from replifold.problem import Problem


def replica_predictions(problem: Problem, xf: np.ndarray) -> np.ndarray:
    """(R, 8, nx) flavour-basis x f -> (R, ndata) predictions in the problem's data order."""
    rows = []
    for replica_xf in np.asarray(xf, dtype=np.float64):
        parts = [
            bilinear_predictions(d.fk, d.channels, replica_xf)
            if d.bilinear
            else linear_predictions(d.fk, replica_xf)
            for d in problem.datasets
        ]
        rows.append(np.concatenate(parts))
    return np.stack(rows)

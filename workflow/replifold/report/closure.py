"""Closure-test estimators: how well the ensemble recovers the known truth, per dataset.

With ``T_k`` replica k's predictions for a dataset's n points, ``<T>`` their mean over the
selected replicas, ``T*`` the truth's predictions (level 0) and ``C`` the experimental
covariance:

* bias      ``B = (<T> - T*)^T C^-1 (<T> - T*) / n``: how far the central fit is from the truth;
* variance  ``V = mean_k (T_k - <T>)^T C^-1 (T_k - <T>) / n``: the ensemble's spread;
* ``R_bv = sqrt(B / V)``: 1 when the spread is a faithful uncertainty, above 1 when it is too small;
* ``xi_1sigma``: fraction of points where ``|<T>_i - T*_i|`` is below the replicas' standard
  deviation ``sigma_i``; 0.68 for faithful Gaussian uncertainties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from replifold.postfit.replicas import ReplicaOutput
from replifold.problem import Dataset, Problem

TOTAL = "total"


def mean_replica_chi2(
    replicas: Sequence[ReplicaOutput], datasets: Sequence[Dataset]
) -> dict[str, float]:
    """Per dataset, the replicas' chi2 per point against the central data as training recorded it."""
    return {
        d.name: float(
            np.mean([r.fit["chi2_exp"][d.name] / r.fit["ndata_exp"][d.name] for r in replicas])
        )
        for d in datasets
    }


@dataclass(frozen=True)
class Estimators:
    dataset: str
    ndata: int
    chi2_central: float  # chi2/n of <T> against the level-1 data
    chi2_truth: float  # chi2/n of the truth against the level-1 data (the noise level)
    bias: float
    variance: float
    ratio: float
    coverage: float


def _whitened(covmat: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """``L^-1 r`` with ``C = L L^T`` for residuals (..., n)."""
    cholesky = np.linalg.cholesky(covmat)
    return np.linalg.solve(cholesky, np.moveaxis(residuals, -1, 0)).T


def _estimators(
    name: str, covmat: np.ndarray, predictions: np.ndarray, truth: np.ndarray, data: np.ndarray
) -> Estimators:
    n = truth.size
    mean = predictions.mean(axis=0)
    bias = float(np.sum(_whitened(covmat, mean - truth) ** 2) / n)
    variance = float(np.mean(np.sum(_whitened(covmat, predictions - mean) ** 2, axis=-1)) / n)
    sigma = predictions.std(axis=0)
    return Estimators(
        dataset=name,
        ndata=n,
        chi2_central=float(np.sum(_whitened(covmat, mean - data) ** 2) / n),
        chi2_truth=float(np.sum(_whitened(covmat, truth - data) ** 2) / n),
        bias=bias,
        variance=variance,
        ratio=float(np.sqrt(bias / variance)) if variance > 0 else float("nan"),
        coverage=float(np.mean(np.abs(mean - truth) < sigma)),
    )


def closure_estimators(problem: Problem, predictions: np.ndarray) -> list[Estimators]:
    """One row per dataset, then the total over all points with the full covariance."""
    rows = [
        _estimators(d.name, d.covmat, predictions[:, d.slice], d.theory, d.central)
        for d in problem.datasets
    ]
    rows.append(_estimators(TOTAL, problem.covmat, predictions, problem.theory, problem.central))
    return rows

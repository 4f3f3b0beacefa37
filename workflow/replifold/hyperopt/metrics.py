"""n3fit's hyperopt metrics of a held-out fold (``n3fit.vpinterface.compute_hyperopt_metrics``).

With ``D`` the level-1 data of the fold's n points, ``C`` their experimental covariance, ``T_k``
the predictions of the selected replicas, ``<T>`` their mean and ``T[<f>]`` the prediction of
the replicas' mean PDF (n3fit's central prediction; equal to ``<T>`` for linear observables):

* ``chi2p = (T[<f>] - D)^T (C + C_pdf)^-1 (T[<f>] - D) / n``, where ``C_pdf`` is the covariance
  of the ``T_k`` over replicas (``numpy.cov``, ddof 1), left out with a single replica;
* ``logp = (n log 2 pi + log det(C_norm + C_pdf,norm) + n chi2p) / (2 n)``: minus the Gaussian
  log-likelihood per point, the determinant taken of the covariance divided by ``D_i D_j``;
* ``phi = sqrt((<chi2[T_k]> - chi2[<T>]) / n)`` with ``C`` alone: the spread of the replicas in
  units of the data's uncertainty. n3fit stores this square root under the name ``phi2``;
* ``chi2exp``: the first with ``C`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _chi2(cholesky: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """``r^T (L L^T)^-1 r`` for residuals (..., n), as validphys' ``calc_chi2``."""
    whitened = np.linalg.solve(
        cholesky, np.moveaxis(np.asarray(residuals, dtype=np.float64), -1, 0)
    )
    return np.sum(whitened**2, axis=0)


@dataclass(frozen=True)
class HyperoptMetrics:
    chi2p: float
    logp: float
    phi: float
    chi2exp: float


def hyperopt_metrics(
    data: np.ndarray, covmat: np.ndarray, predictions: np.ndarray, central: np.ndarray
) -> HyperoptMetrics:
    """The metrics of replica predictions (R, n) and the central prediction (n,) against ``data`` (n,)."""
    data = np.asarray(data, dtype=np.float64)
    predictions = np.asarray(predictions, dtype=np.float64)
    n = data.size
    total = np.array(covmat, dtype=np.float64)
    if predictions.shape[0] > 1:
        total = total + np.cov(predictions, rowvar=False).reshape(n, n)
    experimental = np.linalg.cholesky(covmat)
    diffs = np.asarray(central, dtype=np.float64) - data
    chi2 = float(_chi2(np.linalg.cholesky(total), diffs))
    normalised = np.linalg.cholesky(total / np.outer(data, data))
    log_det = 2.0 * float(np.sum(np.log(np.diag(normalised))))
    logp = -0.5 * (n * np.log(2.0 * np.pi) + log_det + chi2)
    spread = float(
        np.mean(_chi2(experimental, predictions - data))
        - _chi2(experimental, predictions.mean(axis=0) - data)
    )
    return HyperoptMetrics(
        chi2p=chi2 / n,
        logp=-logp / n,
        phi=float(
            np.sqrt(max(spread, 0.0) / n)
        ),  # rounding can make a zero spread slightly negative
        chi2exp=float(_chi2(experimental, diffs)) / n,
    )


def best_by_validation(validation: np.ndarray, proportion: float | None) -> np.ndarray:
    """Indices of the ``ceil(proportion R)`` replicas of lowest validation loss (all without a proportion).

    n3fit's ``HyperLoss.compute_loss`` selects these before computing the metrics; the sort is
    stable, so ties keep replica order.
    """
    validation = np.asarray(validation, dtype=np.float64)
    if proportion is None:
        return np.arange(validation.size)
    count = int(np.ceil(proportion * validation.size))
    return np.argsort(validation, kind="stable")[:count]

"""Per-replica chi2 and positivity penalties, in a layout that keeps replicas independent.

Every replica sees its own data replica and its own training/validation split, so the
covariance it is fitted with differs from replica to replica. Each replica's inverse
Cholesky factors are precomputed and embedded in one ``(R, n, n)`` matrix: rows hold first
the training factor, then the validation factor, then zeros, with columns on the data points
they belong to. One batched matmul then whitens every replica's residuals at once and the two
chi2 are masked sums of the squares. The matrix shape depends only on the number of fitted
points, never on which replicas share a batch, so a replica's arithmetic is the same alone
or stacked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from replifold.backend import tf
from replifold.errors import UserError
from replifold.problem import Problem

ELU_ALPHA = 1.0e-7  # reward for a comfortably positive observable: small enough to never matter


def inverse_cholesky(covmat: np.ndarray) -> np.ndarray:
    """``L^{-1}`` with ``covmat = L L^T``, so that ``chi2 = ||L^{-1} r||^2``."""
    if covmat.shape[0] == 0:
        return np.zeros((0, 0))
    lower = np.linalg.cholesky(covmat)
    return np.linalg.solve(lower, np.eye(covmat.shape[0]))


def fitted_indices(problem: Problem, exclude_datasets: Sequence[str] = ()) -> np.ndarray:
    """Positions in the full data vector of the datasets taking part in the fit, in order."""
    names = [d.name for d in problem.datasets]
    unknown = sorted(set(exclude_datasets) - set(names))
    if unknown:
        raise UserError(f"cannot exclude unknown datasets {unknown}; the problem has {names}")
    kept = [
        np.arange(d.offset, d.offset + d.ndata)
        for d in problem.datasets
        if d.name not in exclude_datasets
    ]
    if not kept:
        raise UserError("every dataset is excluded: nothing left to fit")
    return np.concatenate(kept)


@dataclass(frozen=True, eq=False)
class ReplicaChi2Layout:
    """Whitening matrices, data and masks of a batch of replicas over the fitted points.

    ``whiten[r] @ (data[r] - prediction[r])`` gives replica r's whitened residuals; summing
    their squares under ``training_rows[r]`` / ``validation_rows[r]`` gives its training and
    validation chi2. ``indices`` maps the fitted points to the full data vector.
    """

    indices: np.ndarray  # (n,)
    data: np.ndarray  # (R, n)
    whiten: np.ndarray  # (R, n, n)
    training_rows: np.ndarray  # (R, n) 0/1
    validation_rows: np.ndarray  # (R, n) 0/1
    n_training: np.ndarray  # (R,)
    n_validation: np.ndarray  # (R,)

    def chi2(self, predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Training and validation chi2 per replica, in float64, for predictions (R, n)."""
        residual = self.data - np.asarray(predictions, dtype=np.float64)
        squares = np.einsum("rmn,rn->rm", self.whiten, residual) ** 2
        return (squares * self.training_rows).sum(axis=1), (squares * self.validation_rows).sum(
            axis=1
        )


def replica_chi2_layout(
    problem: Problem, rows: Sequence[int], indices: np.ndarray
) -> ReplicaChi2Layout:
    """The layout for the replicas stored in ``rows`` of ``problem.replica_data``.

    Validation points are the non-training points of datasets with ``frac < 1``; a dataset
    trained on in full has no validation points.
    """
    n = indices.size
    has_validation = np.zeros(problem.ndata, dtype=bool)
    for dataset in problem.datasets:
        has_validation[dataset.slice] = dataset.frac < 1.0
    covmat = problem.covmat[np.ix_(indices, indices)]
    whiten = np.zeros((len(rows), n, n))
    training_rows = np.zeros((len(rows), n))
    validation_rows = np.zeros((len(rows), n))
    for k, row in enumerate(rows):
        training = np.flatnonzero(problem.training_mask[row, indices])
        validation = np.flatnonzero(~problem.training_mask[row, indices] & has_validation[indices])
        start = 0
        for subset, mask in ((training, training_rows), (validation, validation_rows)):
            stop = start + subset.size
            whiten[k, start:stop][:, subset] = inverse_cholesky(covmat[np.ix_(subset, subset)])
            mask[k, start:stop] = 1.0
            start = stop
    return ReplicaChi2Layout(
        indices=indices,
        data=problem.replica_data[np.asarray(rows)][:, indices].astype(np.float64),
        whiten=whiten,
        training_rows=training_rows,
        validation_rows=validation_rows,
        n_training=training_rows.sum(axis=1).astype(int),
        n_validation=validation_rows.sum(axis=1).astype(int),
    )


@dataclass(frozen=True)
class DatasetChi2:
    chi2: float
    ndata: int


def experimental_chi2(problem: Problem, predictions: np.ndarray) -> dict[str, DatasetChi2]:
    """Chi2 of full predictions (ndata,) against the level-1 data, per dataset, full covariance."""
    predictions = np.asarray(predictions, dtype=np.float64)
    out = {}
    for dataset in problem.datasets:
        residual = dataset.central - predictions[dataset.slice]
        whitened = inverse_cholesky(dataset.covmat) @ residual
        out[dataset.name] = DatasetChi2(float(whitened @ whitened), dataset.ndata)
    return out


def set_matrix(sizes: Sequence[int]) -> np.ndarray:
    """(npoints, nsets) 0/1: which set each of the concatenated observables belongs to."""
    matrix = np.zeros((int(sum(sizes)), len(sizes)))
    start = 0
    for k, size in enumerate(sizes):
        matrix[start : start + size, k] = 1.0
        start += size
    return matrix


def positivity_set_losses(observables, sets, multiplier):
    """n3fit's ``LossPositivity`` per set: ``multiplier * sum_k elu(-obs_k)`` (R, nsets) (tensors).

    ``observables`` (R, npos) concatenate the sets, ``sets`` is their ``set_matrix``. A negative
    observable costs its size times the multiplier, a positive one earns at most ``ELU_ALPHA``
    (elu's smooth floor), so the loss pushes towards positivity with a gradient everywhere
    but never rewards large values.
    """
    negative = -observables
    elu = tf.where(negative > 0, negative, ELU_ALPHA * (tf.exp(tf.minimum(negative, 0.0)) - 1.0))
    return multiplier * tf.matmul(elu, sets)


def positivity_passes(set_losses, threshold: float):
    """Per replica: every positivity set's loss is below ``threshold`` (n3fit's ``Positivity``)."""
    if isinstance(set_losses, np.ndarray):
        return np.all(set_losses < threshold, axis=-1)
    return tf.reduce_all(set_losses < threshold, axis=-1)


def integrability_loss(observables, multipliers):
    """n3fit's ``LossIntegrability`` summed over sets: ``sum_k (lambda_k obs_k)^2`` per replica (tensors).

    ``observables`` (R, n) are x f of the integrable combinations at the integrability points
    (``replifold.integrability``), ``multipliers`` (n,) each point's set multiplier.
    """
    return tf.reduce_sum(tf.square(observables * multipliers), axis=-1)


def whitened_chi2(whiten, data, training_rows, validation_rows, predictions):
    """Training and validation chi2 per replica (tensors): the compiled form of ``ReplicaChi2Layout.chi2``."""
    residual = data - predictions
    whitened = tf.linalg.matvec(whiten, residual)
    squares = tf.square(whitened)
    return tf.reduce_sum(squares * training_rows, axis=-1), tf.reduce_sum(
        squares * validation_rows, axis=-1
    )

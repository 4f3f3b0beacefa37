"""Fisher statistics of summaries and the IMNN loss, per replica (TensorFlow), and score compression.

With summaries ``x`` ``(R, n_s, s)`` of fiducial simulations and their parameter derivatives
``dx/dtheta`` ``(R, n_d, p, s)``:

* ``mu = mean_n x``, ``C = sum_n (x - mu)(x - mu)^T / (n_s - 1)``;
* ``dmu/dtheta = mean_n dx/dtheta`` ``(R, p, s)``;
* ``F = dmu/dtheta C^-1 dmu/dtheta^T`` ``(R, p, p)``, the Fisher information of Gaussian
  summaries with a parameter-independent covariance;
* ``Lambda2 = ||C - I|| + ||C^-1 - I||`` (Frobenius norms), ``r = lambda Lambda2 / (Lambda2 +
  exp(-alpha Lambda2))`` and the loss ``-ln det F + r Lambda2``.

Every reduction over samples or matrix entries is written as a batched contraction over the
replica axis (``einsum`` with ``r`` on both sides): XLA compiles a plain ``reduce_sum`` over
inner axes differently for different numbers of replicas, which would make a replica's bits
depend on its neighbours. ``ln det F`` and ``C^-1`` come from Cholesky factors, which XLA
compiles (``slogdet`` it does not); a matrix that is not positive definite gives NaN, and the
trainer stops that replica as diverged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replifold.backend import tf


@dataclass(frozen=True)
class Regularisation:
    coupling: float  # lambda
    rate: float  # alpha


def _mean(values, count: int):
    """Mean over axis 1 of ``values`` ``(R, n, k)`` as a batched contraction."""
    weights = tf.fill([values.shape[0], count], tf.constant(1.0 / count, values.dtype))
    return tf.einsum("rnk,rn->rk", values, weights)


def _frobenius(matrix):
    return tf.sqrt(tf.einsum("rij,rij->r", matrix, matrix))


def fisher_statistics(summaries, derivatives) -> dict:
    """``mu, C, invC, dmu, F, lndetF, Lambda2`` of summaries ``(R, n_s, s)`` and derivatives ``(R, n_d, p, s)``."""
    replicas, n_s, n_summaries = summaries.shape
    n_d, n_params = derivatives.shape[1], derivatives.shape[2]
    mu = _mean(summaries, n_s)
    centred = summaries - mu[:, None, :]
    covariance = tf.einsum("rns,rnt->rst", centred, centred) / tf.constant(n_s - 1, summaries.dtype)
    identity = tf.eye(n_summaries, batch_shape=[replicas], dtype=summaries.dtype)
    inverse = tf.linalg.cholesky_solve(tf.linalg.cholesky(covariance), identity)
    dmu = tf.reshape(
        _mean(tf.reshape(derivatives, [replicas, n_d, n_params * n_summaries]), n_d),
        [replicas, n_params, n_summaries],
    )
    fisher = tf.einsum("rps,rst,rqt->rpq", dmu, inverse, dmu)
    diagonal = tf.math.log(tf.linalg.diag_part(tf.linalg.cholesky(fisher)))
    lndet = 2.0 * tf.einsum("rp,rp->r", diagonal, tf.ones_like(diagonal))
    lambda2 = _frobenius(covariance - identity) + _frobenius(inverse - identity)
    return {
        "mu": mu,
        "C": covariance,
        "invC": inverse,
        "dmu": dmu,
        "F": fisher,
        "lndetF": lndet,
        "Lambda2": lambda2,
    }


def imnn_loss(statistics: dict, regularisation: Regularisation):
    """Per replica: the loss ``-ln det F + r Lambda2`` and the coupling ``r``."""
    lambda2 = statistics["Lambda2"]
    coupling = (
        regularisation.coupling * lambda2 / (lambda2 + tf.exp(-regularisation.rate * lambda2))
    )
    return -statistics["lndetF"] + coupling * lambda2, coupling


@dataclass(frozen=True)
class Compression:
    """One replica's score compression, from the statistics of its validation set (float64).

    ``estimate(x) = theta_fid + F^-1 dmu C^-1 (x - mu)``: to first order around the fiducial,
    the maximum-likelihood estimate of Gaussian summaries, with Fisher errors ``sqrt(diag F^-1)``.
    """

    theta_fid: np.ndarray  # (p,)
    mu: np.ndarray  # (s,)
    inverse_covariance: np.ndarray  # (s, s)
    dmu: np.ndarray  # (p, s)
    fisher: np.ndarray  # (p, p)

    def estimate(self, summaries: np.ndarray) -> np.ndarray:
        """Estimates ``(..., p)`` from summaries ``(..., s)``."""
        projection = np.linalg.solve(self.fisher, self.dmu @ self.inverse_covariance)  # (p, s)
        return self.theta_fid + (np.asarray(summaries, dtype=np.float64) - self.mu) @ projection.T

    @property
    def errors(self) -> np.ndarray:
        return np.sqrt(np.diag(np.linalg.inv(self.fisher)))

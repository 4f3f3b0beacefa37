"""Multi-closure estimators over level-1 draws, as validphys' multiclosure module (NNPDF4.0).

Draw l (l = 1..N) fits the same truth from its own level-1 data ``D_l``; ``T_lk`` are the
predictions of its first R selected replicas (every draw contributes the same R, as validphys'
``_internal_max_reps``), ``<T_l>`` their mean, ``T*`` the truth's predictions and ``C`` the
experimental covariance (the same for every draw: it is built from the truth's predictions).
With ``chi2(r) = r^T C^-1 r``, per dataset and for all data:

* bias ``B_l = chi2(<T_l> - T*)``, variance ``V_l = mean_k chi2(T_lk - <T_l>)``, and
  ``R_bv = sqrt(mean_l B_l / mean_l V_l)`` (``fits_dataset_bias_variance``); 1 when the replica
  spread is a faithful uncertainty;
* ``xi_1sigma``: in the basis of the eigenvectors ``e_i`` of ``C``, point i of draw l is
  covered when ``|e_i . (<T_l> - T*)| < sigma_li = sqrt(mean_k (e_i . (T_lk - <T_l>))^2)``;
  ``xi_i`` is the fraction of draws covering point i (``dataset_xi``), and a dataset's
  ``xi_1sigma`` the mean over its points; 0.68 for faithful Gaussian uncertainties, and
  ``erf(1 / (sqrt 2 R_bv))`` expected from ``R_bv``;
* the chi2 per point of every replica against its draw's level-1 data, and
  ``delta_chi2_l = (chi2(<T_l> - D_l) - chi2(T* - D_l)) / chi2(T* - D_l)`` (validphys'
  ``delta_chi2_bootstrap``): negative when the central fit is closer to the noisy data than
  the truth, i.e. over-fits.

Errors come from a bootstrap over draws and, within each resampled draw, over its replicas
(``bias_variance_resampling_dataset`` / ``xi_resampling_dataset`` with repeats): the standard
deviation of each estimator over the resamples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

TOTAL = "total"
EXPECTED = {"R_bv": 1.0, "xi_1sigma": math.erf(1.0 / math.sqrt(2.0))}  # 0.6827


@dataclass(frozen=True, eq=False)
class DrawPredictions:
    """One draw: its replicas' predictions (R, ndata) and its level-1 data (ndata,)."""

    draw: int
    predictions: np.ndarray
    level1: np.ndarray


@dataclass(frozen=True, eq=False)
class Block:
    """The points of a dataset (or of all data) and their covariance."""

    name: str
    indices: np.ndarray
    covmat: np.ndarray


@dataclass(frozen=True, eq=False)
class _Projected:
    """A block's predictions whitened (``L^-1 x``) and rotated (``E^T x``), shape (draws, R, n)."""

    white: np.ndarray
    rotated: np.ndarray
    white_truth: np.ndarray
    rotated_truth: np.ndarray


def _project(block: Block, predictions: np.ndarray, truth: np.ndarray) -> _Projected:
    cholesky = np.linalg.cholesky(block.covmat)
    _, vectors = np.linalg.eigh(block.covmat)
    x = predictions[..., block.indices]
    t = truth[block.indices]
    white = np.linalg.solve(cholesky, x.reshape(-1, x.shape[-1]).T).T.reshape(x.shape)
    return _Projected(white, x @ vectors, np.linalg.solve(cholesky, t), t @ vectors)


def _bias_variance(white: np.ndarray, white_truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per draw (draws, R, n) -> bias (draws,), variance (draws,)."""
    mean = white.mean(axis=1)
    bias = np.sum((mean - white_truth) ** 2, axis=-1)
    variance = np.mean(np.sum((white - mean[:, None, :]) ** 2, axis=-1), axis=1)
    return bias, variance


def _xi(rotated: np.ndarray, rotated_truth: np.ndarray) -> np.ndarray:
    """Per point of the diagonal basis (n,): the fraction of draws within one sigma of the truth."""
    mean = rotated.mean(axis=1)
    sigma = np.sqrt(np.mean((rotated - mean[:, None, :]) ** 2, axis=1))
    return np.mean(np.abs(mean - rotated_truth) < sigma, axis=0)


def _ratio(bias: np.ndarray, variance: np.ndarray) -> float:
    return float(np.sqrt(np.mean(bias) / np.mean(variance)))


def _chi2(cholesky: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """``r^T C^-1 r`` for residuals (..., n) -> (...)."""
    flat = residuals.reshape(-1, residuals.shape[-1])
    return np.sum(np.linalg.solve(cholesky, flat.T) ** 2, axis=0).reshape(residuals.shape[:-1])


def multiclosure_estimators(
    draws: Sequence[DrawPredictions],
    truth: np.ndarray,
    blocks: Sequence[Block],
    total_covmat: np.ndarray,
    *,
    bootstrap_samples: int,
    seed: int,
) -> dict[str, Any]:
    """Every estimator, its bootstrap error and the per-draw values, as one JSON-ready record."""
    replicas = min(d.predictions.shape[0] for d in draws)
    predictions = np.stack([d.predictions[:replicas] for d in draws]).astype(
        np.float64
    )  # (draws, R, ndata)
    level1 = np.stack([d.level1 for d in draws]).astype(np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    everything = Block(TOTAL, np.arange(truth.size), total_covmat)
    projected = {block.name: _project(block, predictions, truth) for block in (*blocks, everything)}

    rng = np.random.Generator(np.random.PCG64(seed))
    n_draws = len(draws)
    resamples = []
    for _ in range(bootstrap_samples):
        chosen = rng.choice(n_draws, size=n_draws, replace=True)
        reps = rng.choice(replicas, size=(n_draws, replicas), replace=True)
        resamples.append((chosen, reps))

    rows = {}
    for name, p in projected.items():
        bias, variance = _bias_variance(p.white, p.white_truth)
        xi_points = _xi(p.rotated, p.rotated_truth)
        boot_ratio, boot_xi = [], []
        for chosen, reps in resamples:
            white = p.white[chosen[:, None], reps]
            rotated = p.rotated[chosen[:, None], reps]
            boot_ratio.append(_ratio(*_bias_variance(white, p.white_truth)))
            boot_xi.append(float(np.mean(_xi(rotated, p.rotated_truth))))
        ratio = _ratio(bias, variance)
        rows[name] = {
            "ndata": int(p.white.shape[-1]),
            "bias": float(np.mean(bias)) / p.white.shape[-1],
            "variance": float(np.mean(variance)) / p.white.shape[-1],
            "R_bv": ratio,
            "R_bv_error": float(np.std(boot_ratio)),
            "xi_1sigma": float(np.mean(xi_points)),
            "xi_1sigma_error": float(np.std(boot_xi)),
            "xi_expected_from_R_bv": math.erf(1.0 / (math.sqrt(2.0) * ratio)),
            "xi_per_point": xi_points,
            "bias_per_draw": bias / p.white.shape[-1],
            "variance_per_draw": variance / p.white.shape[-1],
        }

    cholesky = np.linalg.cholesky(total_covmat)
    central = predictions.mean(axis=1)
    chi2_central = _chi2(cholesky, central - level1)
    chi2_truth = _chi2(cholesky, truth[None, :] - level1)
    delta_chi2 = (chi2_central - chi2_truth) / chi2_truth
    replica_chi2 = _chi2(cholesky, predictions - level1[:, None, :]) / truth.size
    boot_delta = [float(np.mean(delta_chi2[chosen])) for chosen, _ in resamples]
    boot_replica = [
        float(np.mean(replica_chi2[chosen[:, None], reps])) for chosen, reps in resamples
    ]
    return {
        "draws": [d.draw for d in draws],
        "replicas_per_draw": replicas,
        "bootstrap": {
            "samples": bootstrap_samples,
            "seed": seed,
            "resampled": "draws, then replicas within each draw",
        },
        "expected": EXPECTED,
        "total": rows[TOTAL],
        "datasets": {block.name: rows[block.name] for block in blocks},
        "delta_chi2": {
            "mean": float(np.mean(delta_chi2)),
            "error": float(np.std(boot_delta)),
            "per_draw": delta_chi2,
        },
        "replica_chi2": {
            "mean": float(np.mean(replica_chi2)),
            "error": float(np.std(boot_replica)),
            "per_draw_and_replica": replica_chi2,
            "central_per_draw": chi2_central / truth.size,
            "truth_per_draw": chi2_truth / truth.size,
        },
    }

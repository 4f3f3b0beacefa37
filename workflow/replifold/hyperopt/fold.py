"""Training one (trial, fold): the trial's replicas fitted without the fold's datasets, judged on them.

The held-out loss of replica k is ``(T_k - D)^T C^-1 (T_k - D) / n`` over the fold's ``n``
points, with ``D`` the level-1 data and ``C`` their experimental covariance. n3fit's metrics
(phi, chi2p, logp: ``hyperopt.metrics``) are computed here from the replicas that
``kfold.reduce_proportion`` keeps, ranked by validation loss, so ``reduce`` needs only the file.

``REPLIFOLD_TEST_FAIL_FOLD="t:k"`` (test-only) makes fold k of trial t raise before training
and before writing anything, as a crashed job would: the workflow tests use it to check that
only that job reruns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold import seeding
from replifold.backend import keras
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.foldresult import (
    FoldResult,
    PdfSample,
    ReplicaFoldResult,
    validation_losses,
)
from replifold.hyperopt.hyperloss import divergence, fold_loss
from replifold.hyperopt.metrics import best_by_validation, hyperopt_metrics
from replifold.hyperopt.records import STATUS_OK
from replifold.hyperopt.space import apply_params
from replifold.io import write_json
from replifold.model import EVOL_BASIS, Observables, to_evolution
from replifold.problem import Problem
from replifold.training.losses import inverse_cholesky
from replifold.training.progress import Progress
from replifold.training.replicas import TrainedBatch, train_replicas
from replifold.training.weights import save_model

FAIL_FOLD_ENV = "REPLIFOLD_TEST_FAIL_FOLD"


class SimulatedCrash(RuntimeError):
    """Raised for the fold named by ``REPLIFOLD_TEST_FAIL_FOLD`` (tests of job failures only)."""


def check_simulated_crash(trial: int, fold: int) -> None:
    if os.environ.get(FAIL_FOLD_ENV, "").strip() == f"{trial}:{fold}":
        raise SimulatedCrash(
            f"{FAIL_FOLD_ENV}={trial}:{fold}: simulated crash of trial {trial}, fold {fold}"
        )


def held_out_chi2(problem: Problem, indices: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Chi2 per point (R,) of predictions (R, n) at ``indices`` of the full data vector."""
    whiten = inverse_cholesky(problem.covmat[np.ix_(indices, indices)])
    residuals = np.asarray(predictions, dtype=np.float64) - problem.central[indices]
    return np.sum((residuals @ whiten.T) ** 2, axis=1) / indices.size


@dataclass(frozen=True, eq=False)
class TrainedFold:
    result: FoldResult
    batch: TrainedBatch


def fold_runcard(ctx: ScanContext, params: dict[str, Any]) -> dict[str, Any]:
    """The runcard a trial trains with: its ``parameters`` overridden by the trial's values."""
    return {**ctx.runcard, "parameters": apply_params(ctx.runcard["parameters"], params)}


def train_fold(
    ctx: ScanContext, problem: Problem, trial: int, fold: int, params: dict[str, Any]
) -> TrainedFold:
    """Train ``hyperopt.replicas`` replicas without fold ``fold`` and measure them on it.

    A fold whose loss is not finite or exceeds ``kfold.threshold`` comes back with status
    ``fail`` and the reason; it is not an error.
    """
    check_simulated_crash(trial, fold)
    runcard = fold_runcard(ctx, params)
    seeding.set_job_state(runcard, trial=trial, fold=fold)
    held_out = ctx.kfold.partitions[fold]
    replicas = list(ctx.scan.replica_ids)
    label = f"trial {trial} fold {fold}"
    epochs = int(runcard["parameters"]["epochs"])
    batch = train_replicas(
        runcard,
        problem,
        replicas,
        exclude_datasets=held_out,
        progress=Progress(epochs, label=label),
    )
    observables = Observables(problem, held_out)
    xf = batch.model(None)
    predictions = keras.ops.convert_to_numpy(observables(xf)).astype(np.float64)
    indices = observables.indices
    losses = held_out_chi2(problem, indices, predictions)
    replica_results = tuple(
        _replica(r, loss) for r, loss in zip(batch.result.replicas, losses, strict=True)
    )
    chosen = best_by_validation(validation_losses(replica_results), ctx.kfold.reduce_proportion)
    mean_pdf = keras.ops.mean(keras.ops.take(xf, chosen, axis=0), axis=0, keepdims=True)
    central = keras.ops.convert_to_numpy(observables(mean_pdf))[0].astype(np.float64)
    metrics = hyperopt_metrics(
        problem.central[indices],
        problem.covmat[np.ix_(indices, indices)],
        predictions[chosen],
        central,
    )

    samples = {}
    for penalty in ctx.kfold.penalties:
        probe = penalty.probe()
        if probe is not None:
            xf = to_evolution(np.asarray(batch.model.pdf_at(np.array(probe.x)), dtype=np.float64))
            samples[penalty.name] = PdfSample(
                probe, xf[:, [EVOL_BASIS.index(f) for f in probe.flavours], :]
            )

    result = FoldResult(
        trial=trial,
        fold=fold,
        held_out=tuple(held_out),
        ndata=int(indices.size),
        status=STATUS_OK,
        reason=None,
        epochs=batch.result.epochs,
        patience=batch.result.patience,
        metrics=metrics,
        metric_replicas=tuple(replica_results[k].replica for k in chosen),
        replicas=replica_results,
        pdf_samples=samples,
    )
    reason = divergence(fold_loss(result, ctx.kfold), ctx.kfold.threshold)
    return TrainedFold(result if reason is None else result.failed(reason), batch)


def _per_point(chi2: float, n: int) -> float:
    return chi2 / n if n > 0 else float("nan")


def _replica(replica: Any, loss: float) -> ReplicaFoldResult:
    return ReplicaFoldResult(
        replica=replica.replica,
        loss=float(loss),
        chi2_tr=_per_point(replica.chi2_tr, replica.n_tr),
        chi2_vl=_per_point(replica.chi2_vl, replica.n_vl),
        best_epoch=replica.best_epoch,
        last_epoch=replica.last_epoch,
        stop_reason=replica.stop_reason,
        positivity=replica.positivity,
    )


def write_fold(ctx: ScanContext, trained: TrainedFold) -> None:
    """``trial{t}/fold{k}/``: the model, its timing, and last the result that ``reduce`` waits for."""
    result = trained.result
    out = ctx.layout.fold(result.trial, result.fold)
    save_model(trained.batch.model, out, [r.replica for r in result.replicas])
    write_json(out.timing, trained.batch.timing.to_json())
    write_json(out.result, result.to_json())

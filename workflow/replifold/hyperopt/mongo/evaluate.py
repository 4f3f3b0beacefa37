"""One trial evaluated by a worker: exactly what ``train-fold`` (every fold) and ``reduce`` write.

The worker calls the same library functions with the same trial id, fold and parameters, so
the seeds, the files under ``hyperopt/trial{t}/`` and the hyper-loss are those the files
engine gives for the same parameters; only who evaluates, and when, differs.
"""

from __future__ import annotations

from typing import Any

from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.records import STATUS_OK, TrialOutcome
from replifold.problem import Problem


def evaluate_trial(ctx: ScanContext, problem: Problem, trial: int, params: dict[str, Any]) -> TrialOutcome:
    from replifold.hyperopt.fold import train_fold
    from replifold.hyperopt.foldresult import FoldResult
    from replifold.hyperopt.hyperloss import trial_loss
    from replifold.io import read_json, write_json
    from replifold.training.weights import save_model

    folds = range(len(ctx.kfold.partitions))
    for fold in folds:
        trained = train_fold(ctx, problem, trial, fold, params)
        out = ctx.layout.fold_dir(trial, fold)
        save_model(trained.batch.model, out, [r.replica for r in trained.result.replicas])
        write_json(out / "result.timing.json", trained.batch.timing.to_json())
        write_json(ctx.layout.fold_result(trial, fold), trained.result.to_json())
    # reduced from the files, as 'reduce' does, so the hyper-loss is the files engine's to the bit
    results = [FoldResult.from_json(read_json(ctx.layout.fold_result(trial, fold))) for fold in folds]
    loss = trial_loss(trial, results, ctx.kfold)
    write_json(ctx.layout.hyperloss(trial), loss.to_json(ctx.kfold))
    return TrialOutcome(
        trial=trial,
        round=ctx.scan.round_of(trial),
        params=params,
        status=loss.status,
        loss=loss.loss,
        reason=loss.reason,
        fold_losses=tuple(f.loss for f in loss.folds),
    )


def job_result(outcome: TrialOutcome) -> dict[str, Any]:
    """hyperopt's ``result`` document: the files engine's, plus what ``tries.json`` needs back."""
    result = outcome.hyperopt_result()
    result.setdefault("fold_losses", list(outcome.fold_losses))
    if outcome.status != STATUS_OK:
        result["loss"] = None
    return result

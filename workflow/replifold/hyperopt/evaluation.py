"""Evaluating a trial, the same way in both engines: train every fold, then reduce.

``reduce_trial`` reads the folds back from their files, so a trial evaluated by a mongo worker
in one process gets the hyper-loss, to the bit, that the files engine's separate
``train-fold`` and ``reduce`` jobs give it: only who evaluates, and when, differs.
"""

from __future__ import annotations

import logging
from typing import Any

from replifold.errors import require_files
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.foldresult import FoldResult
from replifold.hyperopt.hyperloss import trial_loss
from replifold.hyperopt.records import TrialOutcome
from replifold.io import read_json, write_json
from replifold.problem import Problem

log = logging.getLogger(__name__)


def fold_results(ctx: ScanContext, trial: int) -> list[FoldResult]:
    """Every fold's result of ``trial``; a missing one names the job that writes it."""
    paths = [ctx.layout.fold(trial, k).result for k in range(len(ctx.kfold.partitions))]
    require_files(paths, f"replifold train-fold {ctx.layout.root} --trial {trial} --fold K")
    return [FoldResult.from_json(read_json(p)) for p in paths]


def reduce_trial(ctx: ScanContext, trial: int, params: dict[str, Any]) -> TrialOutcome:
    """Trial ``trial``'s folds -> ``hyperloss.json`` (with the parameters it was trained with)."""
    loss = trial_loss(trial, fold_results(ctx, trial), ctx.kfold)
    record = {**loss.to_json(ctx.kfold), "params": params}
    write_json(ctx.layout.hyperloss(trial), record)
    return TrialOutcome.from_hyperloss(ctx, record)


def evaluate_trial(
    ctx: ScanContext, problem: Problem, trial: int, params: dict[str, Any]
) -> TrialOutcome:
    from replifold.hyperopt.fold import train_fold, write_fold

    for fold in range(len(ctx.kfold.partitions)):
        write_fold(ctx, train_fold(ctx, problem, trial, fold, params))
        log.info(f"trial {trial}: fold {fold} trained")
    return reduce_trial(ctx, trial, params)

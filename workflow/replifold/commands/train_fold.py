"""``replifold train-fold FITDIR --trial T --fold K``: trial T trained without fold K's datasets.

Writes hyperopt/trial{T}/fold{K}/{weights.h5, model.json, result.json} and the machine-dependent
result.timing.json. A diverging fold is written with status ``fail``; it is not an error.
The environment variable REPLIFOLD_TEST_FAIL_FOLD="T:K" (test-only) makes that fold crash
before writing anything.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--trial",
        type=int,
        required=True,
        metavar="T",
        help="the trial id (round * trials_per_round + slot)",
    )
    parser.add_argument(
        "--fold",
        type=int,
        required=True,
        metavar="K",
        help="the held-out partition of kfold.partitions (0-based)",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit

    if is_imnn_fit(args.fit_dir):
        from replifold.imnn.stages import train_fold

        log.info(train_fold(args.fit_dir, args.trial, args.fold))
        return 0
    from replifold.hyperopt.context import ScanContext
    from replifold.hyperopt.engines.files import FilesEngine

    ctx = ScanContext.load(args.fit_dir)
    ctx.check_trial(args.trial)
    ctx.check_fold(args.fold)
    params = FilesEngine(ctx).params(args.trial)

    from replifold.hyperopt.fold import train_fold, write_fold
    from replifold.problem import load_problem

    problem = load_problem(ctx.layout.data_dir, ctx.scan.replica_ids)
    trained = train_fold(ctx, problem, args.trial, args.fold, params)
    write_fold(ctx, trained)
    result = trained.result
    summary = "ok" if result.reason is None else f"failed: {result.reason}"
    log.info(
        f"trial {args.trial}, fold {args.fold} (held out {', '.join(result.held_out)}): {summary} "
        f"-> {ctx.layout.fold(args.trial, args.fold).path}"
    )
    return 0

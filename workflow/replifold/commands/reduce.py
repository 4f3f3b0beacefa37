"""``replifold reduce FITDIR --trial T``: trial T's folds -> hyperopt/trial{T}/hyperloss.json."""

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


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit

    if is_imnn_fit(args.fit_dir):
        from replifold.imnn.stages import reduce

        log.info(reduce(args.fit_dir, args.trial))
        return 0
    from replifold.hyperopt.context import ScanContext
    from replifold.hyperopt.engines.files import FilesEngine
    from replifold.hyperopt.evaluation import fold_results, reduce_trial
    from replifold.hyperopt.records import finished_so_far, progress_line

    ctx = ScanContext.load(args.fit_dir)
    ctx.check_trial(args.trial)
    fold_results(
        ctx, args.trial
    )  # the direct inputs first, so that a missing one is what the error names
    outcome = reduce_trial(ctx, args.trial, FilesEngine(ctx).params(args.trial))
    result = f"loss {outcome.loss:.6g}" if outcome.loss is not None else f"failed: {outcome.reason}"
    log.info(f"trial {args.trial}: {result} -> {ctx.layout.hyperloss(args.trial)}")
    log.info(f"scan: {progress_line(ctx, finished_so_far(ctx))}")
    return 0

"""``replifold reduce FITDIR --trial T``: trial T's folds -> hyperopt/trial{T}/hyperloss.json."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--trial", type=int, required=True, metavar="T", help="the trial id (round * trials_per_round + slot)"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit

    if is_imnn_fit(args.fit_dir):
        from replifold.imnn.stages import reduce

        print(reduce(args.fit_dir, args.trial))
        return 0
    from replifold.hyperopt.context import ScanContext
    from replifold.hyperopt.foldresult import FoldResult
    from replifold.hyperopt.hyperloss import trial_loss
    from replifold.hyperopt.layout import require_files
    from replifold.io import read_json, write_json

    ctx = ScanContext.load(args.fit_dir)
    ctx.check_trial(args.trial)
    paths = [ctx.layout.fold_result(args.trial, k) for k in range(len(ctx.kfold.partitions))]
    require_files(paths, f"replifold train-fold {ctx.layout.fit_dir} --trial {args.trial} --fold K")
    loss = trial_loss(args.trial, [FoldResult.from_json(read_json(p)) for p in paths], ctx.kfold)
    write_json(ctx.layout.hyperloss(args.trial), loss.to_json(ctx.kfold))
    outcome = f"loss {loss.loss:.6g}" if loss.loss is not None else f"failed: {loss.reason}"
    print(f"trial {args.trial}: {outcome} -> {ctx.layout.hyperloss(args.trial)}")
    return 0

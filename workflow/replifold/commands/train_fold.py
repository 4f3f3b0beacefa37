"""``replifold train-fold FITDIR --trial T --fold K``: trial T trained without fold K's datasets.

Writes hyperopt/trial{T}/fold{K}/{weights.h5, model.json, result.json} and the machine-dependent
result.timing.json. A diverging fold is written with status ``fail``; it is not an error.
The environment variable REPLIFOLD_TEST_FAIL_FOLD="T:K" (test-only) makes that fold crash
before writing anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--trial", type=int, required=True, metavar="T", help="the trial id (round * trials_per_round + slot)"
    )
    parser.add_argument(
        "--fold", type=int, required=True, metavar="K", help="the held-out partition of kfold.partitions (0-based)"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit

    if is_imnn_fit(args.fit_dir):
        from replifold.imnn.stages import train_fold

        print(train_fold(args.fit_dir, args.trial, args.fold))
        return 0
    from replifold.hyperopt.context import ScanContext
    from replifold.hyperopt.records import read_params

    ctx = ScanContext.load(args.fit_dir)
    ctx.check_trial(args.trial)
    ctx.check_fold(args.fold)
    params = read_params(ctx, args.trial)

    from replifold.hyperopt.fold import train_fold
    from replifold.io import write_json
    from replifold.problem import load_problem
    from replifold.training.weights import save_model

    problem = load_problem(ctx.layout.data_dir)
    trained = train_fold(ctx, problem, args.trial, args.fold, params)
    out = ctx.layout.fold_dir(args.trial, args.fold)
    save_model(trained.batch.model, out, [r.replica for r in trained.result.replicas])
    write_json(out / "result.timing.json", trained.batch.timing.to_json())
    write_json(ctx.layout.fold_result(args.trial, args.fold), trained.result.to_json())
    result = trained.result
    summary = "ok" if result.reason is None else f"failed: {result.reason}"
    print(f"trial {args.trial}, fold {args.fold} (held out {', '.join(result.held_out)}): {summary} -> {out}")
    return 0

"""``replifold suggest FITDIR --round R``: the parameters of round R's trials -> hyperopt/round{R}.json.

Reads FITDIR/runcard.yml and the hyper-losses of every trial of rounds < R (all must exist).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--round", dest="round_", type=int, required=True, metavar="R", help="the round to suggest (0-based)"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit

    if is_imnn_fit(args.fit_dir):
        from replifold.imnn.stages import suggest

        print(suggest(args.fit_dir, args.round_))
        return 0
    from replifold.hyperopt.context import ScanContext
    from replifold.hyperopt.records import write_round
    from replifold.hyperopt.suggest import suggest_round

    ctx = ScanContext.load(args.fit_dir)
    ctx.check_round(args.round_)
    suggestion = suggest_round(ctx, args.round_)
    write_round(ctx, suggestion.round, suggestion.algorithm, suggestion.history, suggestion.params)
    trials = ctx.scan.trial_ids(args.round_)
    print(f"round {args.round_}: {suggestion.algorithm} suggestions for trials {trials[0]}-{trials[-1]} "
          f"from {len(suggestion.history)} finished trials -> {ctx.layout.round_file(args.round_)}")
    return 0

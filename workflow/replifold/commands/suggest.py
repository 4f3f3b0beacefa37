"""``replifold suggest FITDIR --round R``: the parameters of round R's trials -> hyperopt/round{R}.json.

The files engine's proposal step: reads FITDIR/runcard.yml and the hyper-losses of every trial
of rounds < R (all must exist).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--round",
        dest="round_",
        type=int,
        required=True,
        metavar="R",
        help="the round to suggest (0-based)",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit

    if is_imnn_fit(args.fit_dir):
        from replifold.imnn.stages import suggest

        log.info(suggest(args.fit_dir, args.round_))
        return 0
    from replifold.hyperopt.context import ScanContext
    from replifold.hyperopt.engines.files import FilesEngine

    ctx = ScanContext.load(args.fit_dir)
    ctx.check_round(args.round_)
    engine = FilesEngine(ctx)
    proposals, history = engine.propose_round(args.round_)
    engine.submit(proposals, history)
    log.info(
        f"round {args.round_}: {proposals[0].algorithm} suggestions for trials "
        f"{proposals[0].trial}-{proposals[-1].trial} "
        f"from {len(history)} finished trials -> {ctx.layout.round_file(args.round_)}"
    )
    return 0

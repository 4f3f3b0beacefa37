"""``replifold collect FITDIR``: every trial -> hyperopt/{tries.json, tries.pkl, best.json}.

The store is rebuilt from the per-trial files alone, so deleting it and rerunning gives the
same bytes, and a scan extended by more rounds keeps every finished trial.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn_fit

    if is_imnn_fit(args.fit_dir):
        from replifold.imnn.stages import collect

        log.info(collect(args.fit_dir))
        return 0
    from replifold.hyperopt.context import ScanContext
    from replifold.hyperopt.engines.files import FilesEngine
    from replifold.hyperopt.records import STATUS_OK

    ctx = ScanContext.load(args.fit_dir)
    engine = FilesEngine(ctx)
    outcomes = engine.history(ctx.scan.n_trials)
    best = engine.write_store()
    failed = sum(o.status != STATUS_OK for o in outcomes)
    log.info(
        f"{len(outcomes)} trials ({failed} failed); best: trial {best.trial} with loss {best.loss:.6g} "
        f"-> {ctx.layout.best_json}"
    )
    return 0

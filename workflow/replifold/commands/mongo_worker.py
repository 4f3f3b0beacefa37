"""``replifold mongo-worker FITDIR``: evaluate the MongoDB engine's queued trials until the scan ends.

Each trial trains its folds and writes hyperopt/trial{T}/ exactly as train-fold and reduce do.
Waits up to --wait seconds for the server and for a driver; exits at once when the store already
holds every trial, and with an error when the driver stops before the scan's end.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from replifold.commands.mongo_options import add_timing_options, timing

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--name", default="worker", help="a label for this worker in the job documents"
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=600.0,
        metavar="S",
        help="seconds to wait for the server to answer, then for a driver to run the scan (default 600)",
    )
    parser.add_argument(
        "--record", type=Path, metavar="JSON", help="write the trials this worker evaluated here"
    )
    add_timing_options(parser)


def _store_complete(scan) -> bool:
    from replifold.io import read_json

    path = scan.ctx.layout.tries_json
    return path.is_file() and len(read_json(path)) >= scan.ctx.scan.n_trials


def run(args: argparse.Namespace) -> int:
    from replifold.errors import UserError
    from replifold.hyperopt.engines.mongo.scan import MongoScan
    from replifold.hyperopt.engines.mongo.server import wait_for_server
    from replifold.hyperopt.engines.mongo.worker import WorkerReport, owner_name, work
    from replifold.io import write_json

    scan = MongoScan.load(args.fit_dir)
    times = timing(args)
    owner = owner_name(args.name)
    if _store_complete(scan):
        report = WorkerReport(owner, (), ())
        log.info(f"{scan.ctx.layout.tries_json} already holds every trial: nothing to do")
    elif not wait_for_server(scan.settings, args.wait):
        raise UserError(
            f"no MongoDB server answered at {scan.settings.address} within {args.wait:g} s"
        )
    else:
        report = work(scan.ctx, scan.jobs(), owner, times, log.info, args.wait)
        log.info(f"{owner}: evaluated trials {list(report.trials)}")
    if args.record is not None:
        write_json(
            args.record,
            {"owner": report.owner, "trials": list(report.trials), "lost": list(report.lost)},
        )
    return 0

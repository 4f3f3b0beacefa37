"""``replifold mongo-driver FITDIR``: the MongoDB engine's driver, from first trial to best.json.

Starts a server at ``hyperopt.db`` when none answers there (and stops it at the end), keeps
``hyperopt.workers`` trials queued for ``mongo-worker`` processes, proposes each new trial from
every finished one, and rewrites hyperopt/{tries.json, tries.pkl, best.json} after each result.
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
        "--restore",
        type=Path,
        metavar="ARCHIVE",
        help="first load this 'mongo-compress' archive (when the database holds no job of this scan) "
        "and continue from it",
    )
    add_timing_options(parser)


def run(args: argparse.Namespace) -> int:
    from pymongo.errors import PyMongoError

    from replifold.errors import UserError
    from replifold.hyperopt.engines.mongo.driver import drive, wait_for_workers
    from replifold.hyperopt.engines.mongo.dump import restore_if_empty
    from replifold.hyperopt.engines.mongo.scan import MongoScan
    from replifold.hyperopt.engines.mongo.server import scan_server

    scan = MongoScan.load(args.fit_dir)
    times = timing(args)
    try:
        with scan_server(scan.settings, scan.dbpath, scan.server_log) as started:
            log.info(
                f"{'started' if started else 'using'} the MongoDB server at {scan.settings.address}"
            )
            engine = scan.engine()
            if args.restore is not None:
                count = restore_if_empty(engine.jobs, args.restore)
                if count is not None:
                    log.info(f"restored {count} jobs from {args.restore}")
            finished = drive(engine, scan.settings.workers, times, log.info)
            if started:
                left = wait_for_workers(engine.jobs, times)
                if left:
                    log.warning(
                        f"stopping the server although workers still look alive: {', '.join(left)}"
                    )
    except PyMongoError as error:
        raise UserError(
            f"the MongoDB server at {scan.settings.address} stopped answering ({type(error).__name__}); "
            "rerun the driver and the workers to continue the scan"
        ) from None
    best = min((o for o in finished if o.status == "ok"), key=lambda o: (o.loss, o.trial))
    log.info(
        f"{len(finished)} trials; best: trial {best.trial} with loss {best.loss:.6g} -> {scan.ctx.layout.best_json}"
    )
    return 0

"""``replifold mongo-driver FITDIR``: the MongoDB engine's driver, from first trial to best.json.

Starts a server at ``hyperopt.db`` when none answers there (and stops it at the end), keeps
``hyperopt.workers`` trials queued for ``mongo-worker`` processes, proposes each new trial from
every finished one, and rewrites hyperopt/{tries.json, tries.pkl, best.json} after each result.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_timing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stale-after", type=float, default=600.0, metavar="S",
        help="seconds without heartbeat after which a running trial is queued again (default 600)",
    )
    parser.add_argument("--poll", type=float, default=1.0, metavar="S", help="seconds between database polls (default 1)")


def timing(args: argparse.Namespace):
    from replifold.errors import UserError
    from replifold.hyperopt.mongo.driver import Timing

    if args.stale_after <= 0 or args.poll <= 0:
        raise UserError("--stale-after and --poll must be positive numbers of seconds")
    return Timing(stale_after_s=args.stale_after, poll_s=args.poll)


def restore(scan, jobs, archive: Path) -> None:
    from hyperopt import JOB_STATE_DONE, JOB_STATE_ERROR, JOB_STATE_NEW, JOB_STATE_RUNNING

    from replifold.errors import UserError
    from replifold.hyperopt.mongo.dump import extract

    if not archive.is_file():
        raise UserError(f"--restore {archive}: no such archive")
    if jobs.count(JOB_STATE_NEW, JOB_STATE_RUNNING, JOB_STATE_DONE, JOB_STATE_ERROR):
        print(f"the database already holds jobs of {scan.exp_key}: --restore {archive} is not needed")
        return
    count = extract(jobs, archive, scan.dbpath / "extracted", replace=False)
    print(f"restored {count} jobs from {archive}")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--restore", type=Path, metavar="ARCHIVE",
        help="first load this 'mongo-compress' archive (when the database holds no job of this scan) and continue from it",
    )
    add_timing_options(parser)


def run(args: argparse.Namespace) -> int:
    from replifold.hyperopt.mongo.driver import drive, wait_for_workers
    from replifold.hyperopt.mongo.scan import MongoScan
    from replifold.hyperopt.mongo.server import scan_server

    scan = MongoScan.load(args.fit_dir)
    times = timing(args)
    with scan_server(scan.settings, scan.dbpath, scan.server_log) as started:
        print(f"{'started' if started else 'using'} the MongoDB server at {scan.settings.address}", flush=True)
        jobs = scan.jobs()
        if args.restore is not None:
            restore(scan, jobs, args.restore)
        report = lambda line: print(line, flush=True)  # noqa: E731
        finished = drive(scan.ctx, jobs, scan.settings.workers, times, report)
        if started:
            left = wait_for_workers(jobs, times)
            if left:
                print(f"stopping the server although workers still look alive: {', '.join(left)}")
    best = min((o for o in finished if o.status == "ok"), key=lambda o: (o.loss, o.trial))
    print(f"{len(finished)} trials; best: trial {best.trial} with loss {best.loss:.6g} -> {scan.ctx.layout.best_json}")
    return 0

"""``replifold mongo-extract FITDIR ARCHIVE``: load a mongo-compress archive, then rerun the driver to continue."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory of a MongoDB-engine scan")
    parser.add_argument("archive", type=Path, help="a tar.gz written by 'replifold mongo-compress'")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace the scan's jobs already in the database (only once the new ones are in)",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.hyperopt.engines.mongo.dump import extract, read_jobs
    from replifold.hyperopt.engines.mongo.scan import MongoScan

    scan = MongoScan.load(args.fit_dir)
    docs = read_jobs(args.archive)  # a bad archive is refused before any server is asked
    count = extract(scan.jobs(), args.archive, docs, args.replace)
    log.info(f"{count} jobs from {args.archive} -> {scan.exp_key} at {scan.settings.address}")
    return 0

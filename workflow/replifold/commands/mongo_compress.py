"""``replifold mongo-compress FITDIR -o ARCHIVE``: the scan's job documents -> a tar.gz to restart from."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory of a MongoDB-engine scan")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="ARCHIVE", help="the tar.gz to write"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.hyperopt.engines.mongo.dump import compress
    from replifold.hyperopt.engines.mongo.scan import MongoScan

    scan = MongoScan.load(args.fit_dir)
    count = compress(scan.jobs(), args.output)
    log.info(f"{count} jobs of {scan.exp_key} from {scan.settings.address} -> {args.output}")
    return 0

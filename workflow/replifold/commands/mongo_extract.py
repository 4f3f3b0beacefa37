"""``replifold mongo-extract FITDIR ARCHIVE``: load a mongo-compress archive, then rerun the driver to continue."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory of a MongoDB-engine scan")
    parser.add_argument("archive", type=Path, help="a tar.gz written by 'replifold mongo-compress'")
    parser.add_argument("--replace", action="store_true", help="overwrite the scan's jobs already in the database")


def run(args: argparse.Namespace) -> int:
    from replifold.errors import UserError
    from replifold.hyperopt.mongo.dump import extract
    from replifold.hyperopt.mongo.scan import MongoScan

    if not args.archive.is_file():
        raise UserError(f"{args.archive}: no such archive")
    scan = MongoScan.load(args.fit_dir)
    count = extract(scan.jobs(), args.archive, scan.dbpath / "extracted", args.replace)
    print(f"{count} jobs from {args.archive} -> {scan.exp_key} at {scan.settings.address}")
    return 0

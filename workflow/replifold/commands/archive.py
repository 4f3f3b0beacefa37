"""``replifold archive FITDIR -o ARCHIVEDIR``: ARCHIVEDIR/{FIT.tar.gz, MANIFEST.sha256, provenance.json}.

FIT is the fit directory's name. The tarball is deterministic (see replifold.archive.tarball),
so two clean runs of a runcard on one machine give the same sha256.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fit_dir", type=Path, help="the finished fit directory (after 'replifold report')"
    )
    parser.add_argument(
        "-o", "--output", dest="outdir", type=Path, required=True, help="the archive directory"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.archive.build import build_archive
    from replifold.runcard import load_fit_runcard

    runcard = load_fit_runcard(args.fit_dir)
    outputs = build_archive(args.fit_dir.resolve(), runcard, args.outdir)
    log.info(f"archive: {outputs.tarball} ({outputs.members} members) sha256 {outputs.sha256}")
    return 0

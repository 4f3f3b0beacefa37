"""``replifold archive FITDIR -o ARCHIVEDIR``: ARCHIVEDIR/{FIT.tar.gz, MANIFEST.sha256, provenance.json}.

FIT is the fit directory's name. The tarball is deterministic (see replifold.archive.tarball),
so two clean runs of a runcard on one machine give the same sha256.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from replifold.errors import UserError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the finished fit directory (after 'replifold report')")
    parser.add_argument("-o", "--output", dest="outdir", type=Path, required=True, help="the archive directory")


def run(args: argparse.Namespace) -> int:
    from replifold.archive.build import build_archive
    from replifold.runcard import expand_runcard, load_runcard

    runcard_path = args.fit_dir / "runcard.yml"
    if not runcard_path.is_file():
        raise UserError(f"{args.fit_dir} is not a fit directory (no runcard.yml)")
    runcard = expand_runcard(load_runcard(runcard_path), source=str(runcard_path))
    outputs = build_archive(args.fit_dir.resolve(), runcard, args.outdir)
    print(f"archive: {outputs.tarball} ({outputs.members} members) sha256 {outputs.sha256}")
    return 0

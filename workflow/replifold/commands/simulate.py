"""``replifold simulate FITDIR``: every simulation set of an imnn fit -> FITDIR/simulations/.

Reads FITDIR/runcard.yml (``problem: imnn``) and writes, seeded from ``imnn.simseed``, the final
fit's training and validation sets, each hyperopt fold's training, validation and test sets and
the held-out simulations, in the format of ``imnn.input.source`` (npy arrays, npy files or
TFRecords of ``record_size_mb``), with ``index.json`` (counts and sha256 per stream). The folder
is replaced as a whole, so a rerun never mixes old and new files.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import simulate
    from replifold.layout import FitLayout

    index = simulate(args.fit_dir)
    total = sum(entry["n_s"] for entry in index["sets"].values())
    log.info(
        f"simulate: {len(index['sets'])} sets, {total} fiducial simulations ({index['format']}) -> "
        f"{FitLayout(args.fit_dir).simulations_dir}"
    )
    return 0

"""``replifold setup RUNCARD -o OUTDIR``: the expanded runcard, its hash, and the problem data.

OUTDIR/runcard.sha256 ties a fit directory to one runcard: setting up the same runcard again
rewrites identical files, while a different runcard would silently orphan everything computed
from the old one, so it needs ``--force``. See replifold.setup_fit for what makes it safe to
kill or to run twice at once.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "runcard", type=Path, help="the runcard (YAML); the fit is named after its file stem"
    )
    parser.add_argument(
        "-o", "--output", dest="outdir", type=Path, required=True, help="the fit directory"
    )
    parser.add_argument(
        "--theory-cache",
        type=Path,
        help="problem: dis: the theory cache holding the FK tables (built by theory-grid, theory-operator, fktable)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the runcard and data of an OUTDIR set up from a different runcard",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.io import read_json
    from replifold.runcard import (
        dump_runcard,
        expand_runcard,
        fit_name,
        load_runcard,
        runcard_sha256,
    )
    from replifold.setup_fit import set_up

    fit_name(
        args.runcard
    )  # the runcard's file name must be a valid fit name, whatever folder it goes to
    expanded = expand_runcard(load_runcard(args.runcard), source=str(args.runcard))
    text = dump_runcard(expanded)
    outcome = set_up(
        expanded, text, runcard_sha256(text), args.outdir, args.force, args.theory_cache
    )
    layout = outcome.layout
    meta = read_json(layout.data_dir / "meta.json")
    if "datasets" in meta:
        datasets = meta["datasets"]
        ndata = sum(entry["ndata"] for entry in datasets)
        log.info(
            f"fit {layout.name}: {len(datasets)} datasets, {ndata} data points, {expanded['replicas']} replicas"
        )
        log.info(
            "  datasets: " + ", ".join(f"{entry['name']} ({entry['ndata']})" for entry in datasets)
        )
    else:  # problem: imnn (its summary line came from the problem's writer); simulations: 'replifold simulate'
        log.info(f"fit {layout.name}: {meta['problem']} problem, {expanded['replicas']} replicas")
    log.info(f"  runcard:  {layout.runcard}")
    log.info(f"  sha256:   {layout.runcard_hash}")
    log.info(f"  data:     {layout.data_dir}")
    return 0

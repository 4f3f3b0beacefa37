"""``replifold setup RUNCARD -o OUTDIR``: the expanded runcard, its hash, and the problem data.

OUTDIR/runcard.sha256 ties a fit directory to one runcard: setting up the same runcard again
rewrites identical files, while a different runcard would silently orphan everything computed
from the old one, so it needs ``--force``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from replifold.errors import UserError
from replifold.io import atomic_write_text, read_json

RUNCARD_NAME = "runcard.yml"
HASH_NAME = "runcard.sha256"
DATA_NAME = "data"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runcard", type=Path, help="the runcard (YAML); the fit is named after its file stem")
    parser.add_argument("-o", "--output", dest="outdir", type=Path, required=True, help="the fit directory")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the runcard and data of an OUTDIR set up from a different runcard",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.closure.generate import write_problem
    from replifold.imnn.stages import is_imnn, write_setup
    from replifold.runcard import dump_runcard, expand_runcard, fit_name, load_runcard, runcard_sha256

    expanded = expand_runcard(load_runcard(args.runcard), source=str(args.runcard))
    text = dump_runcard(expanded)
    digest = runcard_sha256(text)
    outdir: Path = args.outdir
    if outdir.exists() and not outdir.is_dir():
        raise UserError(f"output {outdir} exists and is not a directory")
    previous = _claimed_by(outdir)
    if previous is not None and previous != digest:
        if not args.force:
            raise UserError(
                f"{outdir} was set up from a different runcard (sha256 {previous[:12]}..., this one {digest[:12]}...); "
                "results computed there would no longer match. Choose another output directory, "
                "or pass --force to replace its runcard and data"
            )
        shutil.rmtree(outdir / DATA_NAME, ignore_errors=True)
        stale = sorted(p.name for p in outdir.iterdir() if p.name not in (RUNCARD_NAME, HASH_NAME))
        if stale:
            print(f"warning: --force: {', '.join(stale)} in {outdir} came from the previous runcard", file=sys.stderr)

    atomic_write_text(outdir / HASH_NAME, f"{digest}  {RUNCARD_NAME}\n")
    atomic_write_text(outdir / RUNCARD_NAME, text)
    if is_imnn(expanded):  # no closure data: the problem's description, simulations come from 'replifold simulate'
        print(f"fit {fit_name(args.runcard)}: {write_setup(expanded, outdir / DATA_NAME)}")
        return 0
    write_problem(expanded, outdir / DATA_NAME)
    _print_summary(fit_name(args.runcard), expanded, outdir)
    return 0


def _claimed_by(outdir: Path) -> str | None:
    """The runcard hash recorded in ``outdir``, or None for a fresh directory."""
    hash_file = outdir / HASH_NAME
    if not hash_file.is_file():
        return None
    fields = hash_file.read_text(encoding="utf-8").split()
    if not fields:
        raise UserError(f"{hash_file} is empty; remove it if {outdir} holds nothing you need")
    return fields[0]


def _print_summary(name: str, expanded: dict, outdir: Path) -> None:
    data_dir = outdir / DATA_NAME
    datasets = read_json(data_dir / "meta.json")["datasets"]
    ndata = sum(entry["ndata"] for entry in datasets)
    print(f"fit {name}: {len(datasets)} datasets, {ndata} data points, {expanded['replicas']} replicas")
    print("  datasets: " + ", ".join(f"{entry['name']} ({entry['ndata']})" for entry in datasets))
    print(f"  runcard:  {outdir / RUNCARD_NAME}")
    print(f"  sha256:   {outdir / HASH_NAME}")
    print(f"  data:     {data_dir}")

"""``replifold postfit FITDIR``: FITDIR/postfit/selected.json and veto.json from the replicas.

Reads the expanded runcard (thresholds) and FITDIR/fit/replica_<i>/ for every replica of the
runcard; fails when no replica survives, since nothing downstream would be meaningful.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from replifold.errors import UserError

SELECTED_NAME = "selected.json"
VETO_NAME = "veto.json"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory (runcard.yml and fit/replica_<i>/)")


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn
    from replifold.imnn.stages import postfit as postfit_imnn
    from replifold.io import write_json
    from replifold.postfit.replicas import load_replicas
    from replifold.postfit.selection import PostfitSettings, select, selection_json, veto_json
    from replifold.runcard import expand_runcard, load_runcard

    runcard_path = args.fit_dir / "runcard.yml"
    if not runcard_path.is_file():
        raise UserError(f"{args.fit_dir} is not a fit directory (no runcard.yml); run 'replifold setup' first")
    runcard = expand_runcard(load_runcard(runcard_path), source=str(runcard_path))
    if is_imnn(runcard):
        print(postfit_imnn(args.fit_dir, runcard))
        return 0
    replicas = load_replicas(args.fit_dir, range(1, runcard["replicas"] + 1))
    selection = select(replicas, PostfitSettings.from_runcard(runcard))
    out = args.fit_dir / "postfit"
    write_json(out / VETO_NAME, veto_json(selection))
    if not selection.selected:
        raise UserError(f"postfit vetoed every replica (reasons in {out / VETO_NAME})")
    write_json(out / SELECTED_NAME, selection_json(selection))
    counts = ", ".join(f"{n} {c}" for c, n in selection.counts().items() if n)
    print(f"postfit: {len(selection.selected)}/{len(replicas)} replicas selected" + (f"; vetoes: {counts}" if counts else ""))
    return 0

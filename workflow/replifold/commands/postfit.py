"""``replifold postfit FITDIR``: FITDIR/postfit/selected.json and veto.json from the replicas.

Reads the expanded runcard (the ``postfit`` section) and FITDIR/fit/replica_<i>/ for every
replica of the runcard, applies NNPDF's vetoes (``replifold.postfit.selection``) and writes
why each vetoed replica was dropped to veto.json (also when every replica is vetoed); fails
when no replica survives, since nothing downstream would be meaningful.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from replifold.errors import UserError

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fit_dir", type=Path, help="the fit directory (runcard.yml and fit/replica_<i>/)"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.imnn.stages import is_imnn
    from replifold.imnn.stages import postfit as postfit_imnn
    from replifold.io import write_json
    from replifold.layout import FitLayout
    from replifold.postfit.replicas import load_replicas
    from replifold.postfit.selection import PostfitSettings, select, selection_json, veto_json
    from replifold.runcard import load_fit_runcard

    layout = FitLayout(args.fit_dir)
    runcard = load_fit_runcard(layout.root)
    if is_imnn(runcard):
        log.info(postfit_imnn(layout.root, runcard))
        return 0
    replicas = load_replicas(layout, range(1, runcard["replicas"] + 1))
    selection = select(replicas, PostfitSettings.from_runcard(runcard))
    write_json(layout.veto_json, veto_json(selection))
    if not selection.selected:
        raise UserError(f"postfit vetoed every replica (reasons in {layout.veto_json})")
    write_json(layout.selected_json, selection_json(selection))
    for replica, found in sorted(selection.vetoes.items()):
        log.info(
            f"replica {replica} vetoed: " + "; ".join(f"{v.criterion} ({v.detail})" for v in found)
        )
    counts = ", ".join(f"{n} {c}" for c, n in selection.counts().items() if n)
    log.info(
        f"{len(selection.selected)}/{len(replicas)} replicas selected"
        + (f"; vetoes: {counts}" if counts else "")
    )
    return 0

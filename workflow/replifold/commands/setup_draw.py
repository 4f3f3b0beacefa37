"""``replifold setup-draw FITDIR --draw K``: set up level-1 draw K of a multi-closure test.

Writes FITDIR/draws/drawK/{runcard.yml, runcard.sha256, data/} from the fit's expanded runcard
(``replifold.closure.draws``), with the scan's best parameters when the fit has a scan, under
the same guarantees as ``replifold setup`` (atomic, locked, rerun-safe).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory made by 'replifold setup'")
    parser.add_argument(
        "--draw",
        type=int,
        required=True,
        metavar="K",
        help="the draw, 1 to closure.level1_draws - 1",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.closure.draws import draw_runcard
    from replifold.errors import require_files
    from replifold.io import read_json
    from replifold.layout import FitLayout
    from replifold.runcard import dump_runcard, expand_runcard, load_fit_runcard, runcard_sha256
    from replifold.setup_fit import set_up

    layout = FitLayout(args.fit_dir)
    runcard = load_fit_runcard(layout.root)
    best = None
    if runcard.get("hyperopt"):
        require_files([layout.best_json], f"replifold collect {layout.root}")
        best = read_json(layout.best_json)["params"]
    expanded = expand_runcard(draw_runcard(runcard, args.draw, best))
    text = dump_runcard(expanded)
    outcome = set_up(expanded, text, runcard_sha256(text), layout.draw(args.draw).root, force=True)
    log.info(
        f"draw {args.draw}: filterseed {expanded['closure']['filterseed']} -> {outcome.layout.root}"
    )
    return 0

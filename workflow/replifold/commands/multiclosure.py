"""``replifold multiclosure FITDIR``: FITDIR/closure/estimators.json over the fit's level-1 draws.

Draw 0 is the fit itself, draws 1..N-1 are FITDIR/draws/draw<k>/ (``closure.level1_draws``);
each contributes its postfit-selected replicas. See ``replifold.closure.multiclosure`` for
the estimators (R_bv, xi_1sigma, replica chi2, delta chi2) and their bootstrap errors.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)

BOOTSTRAP_SAMPLES = 500


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fit_dir",
        type=Path,
        help="a fit directory with closure.level1_draws >= 2, after postfit of every draw",
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from replifold import seeding
    from replifold.closure.multiclosure import Block, DrawPredictions, multiclosure_estimators
    from replifold.closure.predictions import replica_predictions
    from replifold.errors import UserError, require_files
    from replifold.io import read_json, write_json
    from replifold.layout import FitLayout
    from replifold.plan import FitPlan
    from replifold.postfit.replicas import load_replicas, stacked_xf
    from replifold.problem import load_problem
    from replifold.runcard import load_fit_runcard

    layout = FitLayout(args.fit_dir)
    runcard = load_fit_runcard(layout.root)
    plan = FitPlan.from_runcard(runcard)
    if plan.draws < 2:
        raise UserError(
            f"{layout.root}: closure.level1_draws is {plan.draws}; a multi-closure test needs at least 2"
        )
    folders = [layout] + [layout.draw(k) for k in plan.extra_draws]
    require_files(
        [f.selected_json for f in folders],
        f"replifold postfit {layout.root} (and each draws/draw<k>)",
    )
    problem = load_problem(layout.data_dir)
    draws = []
    for k, folder in enumerate(folders):
        selected = read_json(folder.selected_json)["selected"]
        own = problem if k == 0 else load_problem(folder.data_dir)
        if not np.array_equal(own.theory, problem.theory):
            raise UserError(
                f"{folder.root} fits another truth than {layout.root}: set it up again with 'replifold setup-draw'"
            )
        xf = stacked_xf(load_replicas(folder, selected))
        draws.append(DrawPredictions(k, replica_predictions(problem, xf), own.central))
    blocks = [
        Block(d.name, np.arange(d.offset, d.offset + d.ndata), d.covmat) for d in problem.datasets
    ]
    estimators = multiclosure_estimators(
        draws,
        problem.theory,
        blocks,
        problem.covmat,
        bootstrap_samples=BOOTSTRAP_SAMPLES,
        seed=seeding.bootstrap_seed(int(runcard["closure"]["filterseed"])),
    )
    write_json(layout.closure_estimators, estimators)
    total = estimators["total"]
    log.info(
        f"{len(draws)} draws x {estimators['replicas_per_draw']} replicas: "
        f"R_bv = {total['R_bv']:.3f} ± {total['R_bv_error']:.3f}, "
        f"xi_1sigma = {total['xi_1sigma']:.3f} ± {total['xi_1sigma_error']:.3f} -> {layout.closure_estimators}"
    )
    return 0

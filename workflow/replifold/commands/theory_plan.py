"""``replifold theory-plan RUNCARD --theory-cache DIR [--build]``: the theory a problem: dis runcard needs.

Writes the ``key.json`` of every grid, operator and FK table into the cache and lists the jobs
(the ``replifold theory-grid/theory-operator/fktable`` commands) that compute the missing ones;
``--build`` runs them here, one after another. The workflow plans and runs them as jobs itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runcard", type=Path, help="a problem: dis runcard")
    parser.add_argument(
        "--theory-cache", type=Path, required=True, help="the theory cache folder (shared by fits)"
    )
    parser.add_argument(
        "--scales-per-operator",
        type=int,
        default=None,
        help="most Q2 values per eko operator (default: the workflow's default)",
    )
    parser.add_argument(
        "--build", action="store_true", help="compute every missing entry now, in this process"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.dis.jobs import build_plan, register_plan
    from replifold.dis.theory_plan import plan_from_runcard, summary
    from replifold.errors import UserError
    from replifold.runcard import expand_runcard, load_runcard
    from replifold.theory.cache import TheoryCache
    from replifold.theory.fktables import FKTABLE_FILE
    from replifold.theory.grids import GRID_FILE
    from replifold.theory.operators import DEFAULT_MAX_SCALES, OPERATOR_FILE

    runcard = expand_runcard(load_runcard(args.runcard), source=str(args.runcard))
    if runcard["problem"] != "dis":
        raise UserError(
            f"{args.runcard}: problem: {runcard['problem']} needs no theory; theory is built for problem: dis"
        )
    scales = DEFAULT_MAX_SCALES if args.scales_per_operator is None else args.scales_per_operator
    if scales < 1:
        raise UserError(f"--scales-per-operator must be at least 1, got {scales}")
    plan = plan_from_runcard(runcard, scales)
    cache = TheoryCache(args.theory_cache)
    for row in summary(plan):
        print(
            f"{row['dataset']}: {row['ndata']} of {row['ndata_before_cuts']} points after cuts, "
            f"{row['scales']} scales in operators of {row['operator_groups']}"
        )
    if args.build:
        build_plan(plan, cache)
        return 0
    files = {"grid": GRID_FILE, "operator": OPERATOR_FILE, "fktable": FKTABLE_FILE}
    for job in register_plan(plan, cache):
        if cache.entry_path(job.kind, job.digest, files[job.kind]).is_file():
            continue
        verb = {"grid": "theory-grid", "operator": "theory-operator", "fktable": "fktable"}[
            job.kind
        ]
        extra = f" --operator {' '.join(job.operators)}" if job.operators else ""
        print(f"replifold {verb} {job.digest}{extra} --theory-cache {args.theory_cache}")
    return 0

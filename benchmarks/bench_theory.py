"""Cost of the DIS theory stack on this machine: one JSON line.

Times a yadism grid and an eko operator for the first data set of a real-data runcard (after
cuts), on NNPDF's 50-point x-grid, for ``--scales`` of its Q^2 values, and the FK table from
them; reports seconds per point (yadism), per scale (eko), the operator's size per scale and the
peak memory of this process. Run it twice to separate numba's one-time compilation (the first
run in a fresh numba cache) from the steady cost:

    python benchmarks/bench_theory.py --runcard config/runcards/dis-real.yml --scales 4
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runcard", type=Path, default=REPO / "config" / "runcards" / "dis-real.yml"
    )
    parser.add_argument("--dataset", help="data set of the runcard (default: its first)")
    parser.add_argument(
        "--scales", type=int, default=4, help="how many of its Q2 values to evolve to"
    )
    args = parser.parse_args(argv)

    import numpy as np

    from replifold.dis.theory_plan import plan_from_runcard
    from replifold.runcard import expand_runcard, load_runcard
    from replifold.theory.fktables import compute_fktable
    from replifold.theory.grids import DisKinematics, compute_grid
    from replifold.theory.operators import compute_operator

    plan = plan_from_runcard(expand_runcard(load_runcard(args.runcard)))
    theory = plan.dataset(args.dataset) if args.dataset else plan.datasets[0]
    scales = theory.kinematics.scales()[: args.scales]
    keep = np.isin(theory.kinematics.q2, scales)
    kinematics = DisKinematics.from_arrays(
        *(
            np.asarray(v)[keep]
            for v in (theory.kinematics.x, theory.kinematics.q2, theory.kinematics.y)
        )
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        start = time.perf_counter()
        compute_grid(
            plan.card, theory.observable, kinematics, plan.xgrid, folder / "grid.pineappl.lz4"
        )
        grid_seconds = time.perf_counter() - start
        start = time.perf_counter()
        compute_operator(plan.card, plan.xgrid, scales, folder / "operator.tar")
        operator_seconds = time.perf_counter() - start
        start = time.perf_counter()
        compute_fktable(
            plan.card,
            folder / "grid.pineappl.lz4",
            [folder / "operator.tar"],
            folder / "fk.pineappl.lz4",
        )
        fk_seconds = time.perf_counter() - start
        operator_bytes = (folder / "operator.tar").stat().st_size
    print(
        json.dumps(
            {
                "dataset": theory.name,
                "theory": plan.card.describe(),
                "xgrid_points": int(plan.xgrid.shape[0]),
                "points": kinematics.npoints,
                "scales": len(scales),
                "yadism_seconds": round(grid_seconds, 2),
                "yadism_seconds_per_point": round(grid_seconds / kinematics.npoints, 3),
                "eko_seconds": round(operator_seconds, 2),
                "eko_seconds_per_scale": round(operator_seconds / len(scales), 2),
                "operator_mb_per_scale": round(operator_bytes / len(scales) / 2**20, 2),
                "fktable_seconds": round(fk_seconds, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

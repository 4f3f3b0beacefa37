"""Cost of the LHAPDF evolution operator against x knots, Q knots and perturbative order: one JSON line.

Each configuration computes the eko operator ``replifold evolve`` needs (``evolution.operator.
compute_operator``) in a fresh process, as an evolve job does, with the closure problem's
default theory (NNPDF 40000001) at the order asked for: wall and CPU seconds (CPU time is the
figure to trust on a shared machine), peak memory and the operator file's size. Numba's cache
is whatever ``NUMBA_CACHE_DIR`` (or numba's default) holds: the first configuration of a cold
cache includes the compilation, and ``--cold DIR`` measures exactly that with an empty cache
folder ``DIR`` for the first configuration only.

    python benchmarks/bench_evolution.py                             # the default grid of configurations
    python benchmarks/bench_evolution.py --config 2:30:20:20 --cold /tmp/numba-empty
      (PTO : n_small : n_large : q_points)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CONFIGS = ("1:12:8:4", "1:12:8:8", "1:24:16:8", "1:30:20:20", "0:30:20:20", "2:30:20:20")


def measure(spec: str) -> dict:
    """Compute one operator in this process (called in a child process)."""
    from replifold.evolution.grids import export_xgrid, q_blocks
    from replifold.evolution.operator import compute_operator, operator_request
    from replifold.evolution.settings import CLOSURE_THEORY_ID, EvolutionSettings, XGridSettings
    from replifold.theory.cards import load_theory_card

    pto, n_small, n_large, q_points = (int(v) for v in spec.split(":"))
    card = load_theory_card(CLOSURE_THEORY_ID, {"PTO": pto})
    settings = EvolutionSettings(XGridSettings(n_small, n_large, 1.0e-9, 0.1), q_points, 1.0e5, 4)
    blocks = q_blocks(card, settings)
    request = operator_request(
        card, export_xgrid(settings.xgrid), blocks, settings.interpolation_degree
    )
    with tempfile.TemporaryDirectory() as scratch:
        wall, cpu = time.perf_counter(), time.process_time()
        path = compute_operator(request, Path(scratch) / "operator.tar")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = path.stat().st_size
    return {
        "pto": pto,
        "nx": n_small + n_large,
        "q_knots": len(request.targets),
        "blocks": [b.nf for b in blocks],
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "cpu_s_per_q_knot": round(cpu / len(request.targets), 3),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "operator_mb": round(size / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config", action="append", help="PTO:n_small:n_large:q_points (repeatable)"
    )
    parser.add_argument(
        "--cold",
        type=Path,
        default=None,
        help="an empty NUMBA_CACHE_DIR for the first configuration",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    rows = []
    for index, spec in enumerate(args.config or DEFAULT_CONFIGS):
        env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
        cold = args.cold is not None and index == 0
        if cold:
            args.cold.mkdir(parents=True, exist_ok=True)
            if any(args.cold.iterdir()):
                raise SystemExit(f"--cold {args.cold} is not empty")
            env["NUMBA_CACHE_DIR"] = str(args.cold)
        done = subprocess.run(
            [sys.executable, __file__, "--child", spec],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"configuration {spec} failed:\n{done.stderr[-3000:]}")
        rows.append(
            {
                **json.loads(done.stdout.strip().splitlines()[-1]),
                "numba_cache": "cold" if cold else "warm",
            }
        )
    print(
        json.dumps(
            {
                "benchmark": "evolution_operator",
                "theory": "NNPDF 40000001 with PTO set",
                "configs": rows,
            }
        )
    )


if __name__ == "__main__":
    main()

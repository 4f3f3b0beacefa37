"""``replifold evolve FITDIR``: the fit's LHAPDF6 set, FITDIR/lhapdf/<fit>/, from its selected replicas.

Writes ``<fit>.info`` and ``<fit>_NNNN.dat`` (member 0 the mean, 1..N the replicas selected by
postfit, renumbered), ``evolution.json`` beside the set (theory, grids, operator, sum rules;
archived) and ``evolution.timing.json`` (how long it took and whether the operator came from
the cache; not archived). The eko operator is read from the theory cache, or computed into it
on the first fit that needs it (minutes: eko's numba compilation, then seconds per Q knot).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from replifold.errors import UserError

LHAPDF_DIR = "lhapdf"
SUMMARY_NAME = "evolution.json"
TIMING_NAME = "evolution.timing.json"
CACHE_ENV = "REPLIFOLD_THEORY_CACHE"


def default_theory_cache() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "replifold" / "theory")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory, after 'replifold postfit'")
    parser.add_argument("-o", "--output", dest="outdir", type=Path, default=None,
                        help="where <fit>/ and evolution.json go (default FITDIR/lhapdf)")
    parser.add_argument("--theory-cache", type=Path, default=None,
                        help=f"the theory cache holding eko operators (default ${CACHE_ENV}, else ~/.cache/replifold/theory)")


def run(args: argparse.Namespace) -> int:
    import time

    from replifold import seeding
    from replifold.evolution.evolve import evolve_fit
    from replifold.io import write_json
    from replifold.lhapdf.writer import write_set
    from replifold.runcard import expand_runcard, load_runcard
    from replifold.theory.cache import TheoryCache

    started = time.perf_counter()
    runcard_path = args.fit_dir / "runcard.yml"
    if not runcard_path.is_file():
        raise UserError(f"{args.fit_dir} is not a fit directory (no runcard.yml); run 'replifold setup' first")
    runcard = expand_runcard(load_runcard(runcard_path), source=str(runcard_path))
    # the networks are evaluated as training left them: same precision and thread pools
    parallelism = runcard["parallelism"]
    seeding.set_initial_state(
        seeding.job_seed(int(runcard["nnseed"])),
        intra_op_threads=int(parallelism["intra_op_threads"]),
        inter_op_threads=int(parallelism["inter_op_threads"]),
        double_precision=bool(runcard["double_precision"]),
    )
    outdir = args.outdir or args.fit_dir / LHAPDF_DIR
    name = args.fit_dir.resolve().name
    cache = TheoryCache(args.theory_cache or default_theory_cache())
    evolved = evolve_fit(args.fit_dir, runcard, cache, name)
    write_set(evolved.lhapdf_set, outdir / name)
    write_json(outdir / SUMMARY_NAME, evolved.summary)
    write_json(outdir / TIMING_NAME, {
        "seconds": {**evolved.seconds, "total": time.perf_counter() - started},
        "operator": str(evolved.operator_path),
        "operator_computed": evolved.operator_computed,
    })
    first = evolved.summary["sum_rules"][0]
    print(
        f"evolve: {outdir / name} ({evolved.lhapdf_set.members} members, "
        f"operator {'computed' if evolved.operator_computed else 'from the cache'}: {evolved.operator_path}); "
        f"momentum sum rule at Q0 {first['momentum']['mean']:.5f}"
    )
    return 0

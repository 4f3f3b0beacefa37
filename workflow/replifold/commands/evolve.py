"""``replifold evolve FITDIR``: the fit's LHAPDF6 set, FITDIR/lhapdf/<fit>/, from its selected replicas.

Writes ``<fit>.info`` and ``<fit>_NNNN.dat`` (member 0 the mean, 1..N the replicas selected by
postfit, renumbered), ``evolution.json`` beside the set (theory, grids, operator, sum rules;
archived) and ``evolution.timing.json`` (how long it took and whether the operator came from
the cache; not archived). The eko operator is read from the theory cache, or computed into it
on the first fit that needs it (minutes: eko's numba compilation, then seconds per Q knot).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
CACHE_ENV = "REPLIFOLD_THEORY_CACHE"


def default_theory_cache() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "replifold" / "theory")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fit_dir", type=Path, help="the fit directory, after 'replifold postfit'")
    parser.add_argument(
        "-o",
        "--output",
        dest="outdir",
        type=Path,
        default=None,
        help="where <fit>/ and evolution.json go (default FITDIR/lhapdf)",
    )
    parser.add_argument(
        "--theory-cache",
        type=Path,
        default=None,
        help=f"the theory cache holding eko operators (default ${CACHE_ENV}, else ~/.cache/replifold/theory)",
    )


def run(args: argparse.Namespace) -> int:
    import time

    from replifold import seeding
    from replifold.evolution.evolve import evolve_fit
    from replifold.io import write_json
    from replifold.layout import TIMING_SUFFIX, FitLayout
    from replifold.lhapdf.writer import write_set
    from replifold.runcard import load_fit_runcard
    from replifold.theory.cache import TheoryCache

    started = time.perf_counter()
    layout = FitLayout(args.fit_dir.resolve())
    runcard = load_fit_runcard(layout.root)
    # the networks are evaluated as training left them: same precision and thread pools
    seeding.set_job_state(runcard)
    outdir = args.outdir or layout.lhapdf_dir
    name = layout.name
    cache = TheoryCache(args.theory_cache or default_theory_cache())
    evolved = evolve_fit(layout.root, runcard, cache, name)
    write_set(evolved.lhapdf_set, outdir / name)
    write_json(outdir / layout.evolution_json.name, evolved.summary)
    write_json(
        outdir / f"evolution{TIMING_SUFFIX}",
        {
            "seconds": {**evolved.seconds, "total": time.perf_counter() - started},
            "operator": str(evolved.operator_path),
            "operator_computed": evolved.operator_computed,
        },
    )
    first = evolved.summary["sum_rules"][0]
    log.info(
        f"evolve: {outdir / name} ({evolved.lhapdf_set.members} members, "
        f"operator {'computed' if evolved.operator_computed else 'from the cache'}: {evolved.operator_path}); "
        f"momentum sum rule at Q0 {first['momentum']['mean']:.5f}"
    )
    return 0

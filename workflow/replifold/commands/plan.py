"""``replifold plan RUNCARD [--results DIR]``: what running this runcard again would redo, and why.

Compares the runcard with the expanded runcard of its fit folder (``DIR/<fit>/runcard.yml``)
stage by stage (replifold.views, replifold.edits) and writes nothing; ``snakemake -n`` then
lists the exact jobs.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runcard", type=Path, help="the edited runcard (YAML)")
    parser.add_argument(
        "--results", type=Path, default=Path("results"), help="the results root (default: results)"
    )


def run(args: argparse.Namespace) -> int:
    from replifold.edits import explain
    from replifold.layout import FitLayout
    from replifold.runcard import expand_runcard, fit_name, load_fit_runcard, load_runcard

    name = fit_name(args.runcard)
    new = expand_runcard(load_runcard(args.runcard), source=str(args.runcard))
    layout = FitLayout(args.results / name)
    if not layout.runcard.is_file():
        print(f"{name}: nothing computed yet in {layout.root}: the whole campaign runs")
        return 0
    plan = explain(load_fit_runcard(layout.root), new)
    if not plan.lines:
        print(f"{name}: the runcard equals {layout.runcard}: nothing reruns because of it")
    else:
        print(f"{name}: compared with {layout.runcard}:")
        for line in plan.lines:
            print(f"  - {line}")
    print(
        "  (an edit seen by an earlier plan or run is already in runcard.yml: 'snakemake -n' lists every job still due)"
    )
    return 0

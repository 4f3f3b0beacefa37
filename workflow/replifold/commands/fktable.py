"""``replifold fktable DIGEST --operator OP ... --theory-cache DIR``: combine a planned FK-table entry's
grid and operators into the FK table (PineAPPL's FK-table format)."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "digest", help="the FK-table entry (planned by 'replifold theory-plan' or the workflow)"
    )
    parser.add_argument(
        "--operator",
        nargs="+",
        required=True,
        metavar="OP",
        help="the operator entries to evolve with",
    )
    parser.add_argument("--theory-cache", type=Path, required=True, help="the theory cache folder")


def run(args: argparse.Namespace) -> int:
    from replifold.theory.cache import TheoryCache
    from replifold.theory.entries import build_fktable

    print(
        f"fktable {build_fktable(TheoryCache(args.theory_cache), args.digest, args.operator).describe()}"
    )
    return 0

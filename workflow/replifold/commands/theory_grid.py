"""``replifold theory-grid DIGEST --theory-cache DIR``: compute a planned yadism grid entry."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "digest", help="the grid entry (planned by 'replifold theory-plan' or the workflow)"
    )
    parser.add_argument("--theory-cache", type=Path, required=True, help="the theory cache folder")


def run(args: argparse.Namespace) -> int:
    from replifold.theory.cache import TheoryCache
    from replifold.theory.entries import build_grid

    log.info("grid %s", build_grid(TheoryCache(args.theory_cache), args.digest).describe())
    return 0

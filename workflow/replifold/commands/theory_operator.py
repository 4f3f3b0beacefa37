"""``replifold theory-operator DIGEST --theory-cache DIR``: compute a planned eko operator entry."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "digest", help="the operator entry (planned by 'replifold theory-plan' or the workflow)"
    )
    parser.add_argument("--theory-cache", type=Path, required=True, help="the theory cache folder")


def run(args: argparse.Namespace) -> int:
    from replifold import logs
    from replifold.theory.cache import TheoryCache
    from replifold.theory.entries import build_operator

    logs.forward("eko")  # each evolution segment and matching eko computes: the job log's progress
    log.info("operator %s", build_operator(TheoryCache(args.theory_cache), args.digest).describe())
    return 0

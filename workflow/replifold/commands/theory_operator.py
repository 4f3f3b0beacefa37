"""``replifold theory-operator DIGEST --theory-cache DIR``: compute a planned eko operator entry."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("digest", help="the operator entry (planned by 'replifold theory-plan' or the workflow)")
    parser.add_argument("--theory-cache", type=Path, required=True, help="the theory cache folder")


def run(args: argparse.Namespace) -> int:
    import logging
    import sys

    from replifold.theory.cache import TheoryCache

    # eko reports each evolution segment and matching it computes: the job log's progress
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    eko_logger = logging.getLogger("eko")
    eko_logger.addHandler(handler)
    eko_logger.setLevel(logging.INFO)
    from replifold.theory.entries import build_operator

    print(f"operator {build_operator(TheoryCache(args.theory_cache), args.digest).describe()}")
    return 0

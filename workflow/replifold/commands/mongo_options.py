"""Options the MongoDB engine's driver and worker verbs share (not a verb itself)."""

from __future__ import annotations

import argparse


def add_timing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stale-after",
        type=float,
        default=600.0,
        metavar="S",
        help="seconds without heartbeat after which a running trial is queued again (default 600)",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds between database polls (default 1)",
    )


def timing(args: argparse.Namespace):
    import math

    from replifold.errors import UserError
    from replifold.hyperopt.engines.mongo.driver import Timing

    if (
        not (math.isfinite(args.stale_after) and math.isfinite(args.poll))
        or args.stale_after <= 0
        or args.poll <= 0
    ):
        raise UserError("--stale-after and --poll must be positive numbers of seconds")
    return Timing(stale_after_s=args.stale_after, poll_s=args.poll)

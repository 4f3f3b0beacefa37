"""``replifold verify ARCHIVE [--rerun fold:T:K] [--rerun replica:I]``: prove an archive holds.

Checks every member against the archive's MANIFEST.sha256 (naming any member that differs,
is missing or is unlisted) and, with ``--rerun``, retrains that fold or replica from the
archived runcard, data and parameters and compares the bytes. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive", type=Path, help="a FIT.tar.gz written by 'replifold archive'")
    parser.add_argument(
        "--rerun",
        action="append",
        default=[],
        metavar="TARGET",
        help="retrain and compare: fold:TRIAL:FOLD or replica:I (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.archive.rerun import RerunTarget, extract, rerun_fold, rerun_replica
    from replifold.archive.verify import archive_root, load_archive, manifest_problems

    targets = [RerunTarget.parse(text) for text in args.rerun]
    members = load_archive(args.archive)
    problems = manifest_problems(members)
    if not problems:
        print(f"{args.archive}: {len(members)} members match the manifest")
    root = archive_root(members)
    for target in targets if not problems else []:
        with tempfile.TemporaryDirectory(prefix="replifold-verify-") as workdir:
            fit_dir = extract(members, root, Path(workdir) / "archive")
            if target.replica is not None:
                found = rerun_replica(members, root, fit_dir, target.replica, Path(workdir))
            else:
                found = rerun_fold(members, root, fit_dir, target.trial, target.fold)
        print(f"rerun {target}: " + ("identical bytes" if not found else "DIFFERS"))
        problems.extend(found)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0

"""``replifold verify ARCHIVE [--expect-sha256 HASH] [--rerun fold:T:K] [--rerun replica:I]``.

Refuses, with exit status 2 and every offending member named, an archive that is unreadable or
unsafe to unpack (see replifold.tarballs); checks every member against the archive's
MANIFEST.sha256, and the archive against ``--expect-sha256`` or the MANIFEST.sha256 beside it;
with ``--rerun``, retrains that fold or replica from the archived runcard, data and parameters
and compares the bytes. Exit status 1 when the archive is readable but does not hold.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
from pathlib import Path

from replifold.errors import UserError

log = logging.getLogger(__name__)
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive", type=Path, help="a FIT.tar.gz written by 'replifold archive'")
    parser.add_argument(
        "--expect-sha256",
        metavar="HASH",
        help="the archive's published sha256 (default: the MANIFEST.sha256 beside it)",
    )
    parser.add_argument(
        "--rerun",
        action="append",
        default=[],
        metavar="TARGET",
        help="retrain and compare: fold:TRIAL:FOLD or replica:I (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    from replifold.archive.rerun import RerunTarget, rerun_fold, rerun_replica
    from replifold.archive.verify import manifest_problems, outside_check
    from replifold.layout import FitLayout
    from replifold.tarballs import read_tarball, write_tree

    if args.expect_sha256 is not None and not _SHA256.fullmatch(args.expect_sha256.strip()):
        raise UserError(
            f"--expect-sha256 {args.expect_sha256!r}: give the 64 hexadecimal digits of a sha256"
        )
    targets = [RerunTarget.parse(text) for text in args.rerun]
    tarball = read_tarball(args.archive)
    problems = manifest_problems(tarball)
    outside = outside_check(args.archive, tarball, args.expect_sha256)
    problems.extend(outside.problems)
    if not problems:
        print(f"{args.archive}: {len(tarball.files)} members match the manifest")
        if outside.reference is None:
            log.warning(
                "nothing outside the archive to check it against (no --expect-sha256, no MANIFEST.sha256 beside it): "
                "the archive is consistent with itself, which an altered archive can be too"
            )
        else:
            print(f"{args.archive}: the manifest matches {outside.reference}")
    for target in targets if not problems else []:
        with tempfile.TemporaryDirectory(prefix="replifold-verify-") as workdir:
            fit = FitLayout(write_tree(tarball, Path(workdir) / "archive"))
            if target.replica is not None:
                found = rerun_replica(tarball, fit, Path(workdir), target.replica)
            else:
                found = rerun_fold(tarball, fit, Path(workdir), target.trial, target.fold)
        print(f"rerun {target}: " + ("identical bytes" if not found else "DIFFERS"))
        problems.extend(found)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0

"""The code a benchmark compares against, run beside this checkout's in the same invocation.

Figures taken on different days, or under different load, cannot be compared; so a benchmark
runs this checkout and a baseline side by side, interleaved, in subprocesses with the same
interpreter, packages and thread settings. The baseline is a source tree holding
``workflow/replifold`` (``--baseline-tree``), or a git revision exported with ``git archive``
into a temporary folder (``--baseline-rev``, default: where this branch left main, so that a
branch is compared with the main it started from; after a merge, name the commit before it).
The export writes nothing into the repository. A tree is put first on ``PYTHONPATH``, ahead of
the editable install, so ``import replifold`` in a subprocess loads that tree's package.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Tree:
    """A source tree under test: ``label`` in the output, ``root`` holding ``workflow/replifold``."""

    label: str
    root: Path
    commit: str | None

    def env(self, **extra: str) -> dict[str, str]:
        """This environment with the tree's package first on ``PYTHONPATH``."""
        path = os.pathsep.join(
            p for p in (str(self.root / "workflow"), os.environ.get("PYTHONPATH", "")) if p
        )
        return {**os.environ, "PYTHONPATH": path, **extra}

    def describe(self) -> dict[str, str | None]:
        return {"root": str(self.root), "commit": self.commit}


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--baseline-tree", type=Path, help="a checkout or export of the code to compare with"
    )
    group.add_argument(
        "--baseline-rev",
        help="a git revision to compare with, exported with 'git archive' (default: merge-base of HEAD and main)",
    )
    group.add_argument("--no-baseline", action="store_true", help="time this checkout alone")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def current() -> Tree:
    try:
        commit = _git("rev-parse", "HEAD") + (
            " (with uncommitted changes)" if _git("status", "--porcelain") else ""
        )
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return Tree("current", REPO_ROOT, commit)


@contextlib.contextmanager
def baseline(args: argparse.Namespace) -> Iterator[Tree | None]:
    """The baseline tree the options name (None with ``--no-baseline``), exported for the duration."""
    if args.no_baseline:
        yield None
        return
    if args.baseline_tree is not None:
        root = args.baseline_tree.resolve()
        if not (root / "workflow" / "replifold").is_dir():
            raise SystemExit(f"--baseline-tree {root}: no workflow/replifold in it")
        yield Tree("baseline", root, None)
        return
    rev = args.baseline_rev or _git("merge-base", "HEAD", "main")
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", commit], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="replifold-baseline.") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Tree("baseline", Path(tmp), commit)

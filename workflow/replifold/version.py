"""Which code produced a fit: the package version and the exact commit, for provenance.

The version file written at install time can lag behind an editable checkout, so inside a
git checkout the commit (and whether the package's files differ from it) is asked of git
itself; an installed wheel reports the commit it was built from.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import replifold


@dataclass(frozen=True)
class CodeVersion:
    version: str
    commit: str | None  # the git commit hash; None if unknown
    dirty: bool | None  # the package's tracked files differ from the commit (None: not a checkout)
    source: str  # "git checkout" or "installed package"


def _git(package_dir: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(package_dir), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def code_version() -> CodeVersion:
    package_dir = Path(replifold.__file__).resolve().parent
    top = _git(package_dir, "rev-parse", "--show-toplevel")
    inside_checkout = (
        top is not None and (Path(top) / "workflow" / "replifold").resolve() == package_dir
    )
    if inside_checkout:
        commit = _git(package_dir, "rev-parse", "HEAD")
        status = _git(package_dir, "status", "--porcelain", "--untracked-files=no", "--", ".")
        return CodeVersion(
            replifold.__version__, commit, None if status is None else bool(status), "git checkout"
        )
    built_from = (
        replifold.__commit__.removeprefix("g") or None
    )  # setuptools-scm's node is 'g<hash>'
    return CodeVersion(replifold.__version__, built_from, None, "installed package")

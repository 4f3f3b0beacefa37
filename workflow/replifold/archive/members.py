"""Which files of a fit directory the archive holds: every reproducible output, nothing else.

Logs, benchmarks and ``*.timing.json`` describe one run on one machine, and hidden files are
atomic writers' leftovers and locks, so they stay out; the list is sorted so that neither the
file system's order nor the order jobs finished in reaches the tarball. Symbolic links are
refused: an archive holds files, and a link could carry a file from outside the fit into it.
"""

from __future__ import annotations

from pathlib import Path

from replifold.errors import UserError
from replifold.layout import ARCHIVED, REQUIRED_FOR_ARCHIVE, TIMING_SUFFIX, FitLayout


def _kept(relative: Path) -> bool:
    return not any(part.startswith(".") for part in relative.parts) and not relative.name.endswith(
        TIMING_SUFFIX
    )


def archived_files(layout: FitLayout) -> list[str]:
    """Paths relative to the fit folder (POSIX form), sorted."""
    root = layout.root
    missing = [name for name in REQUIRED_FOR_ARCHIVE if not (root / name).exists()]
    if missing:
        raise UserError(
            f"{root} is not a finished fit: missing {', '.join(missing)} (run the workflow up to 'report')"
        )
    files = []
    for name in ARCHIVED:
        top = root / name
        candidates = [top] if top.is_file() or top.is_symlink() else sorted(top.rglob("*"))
        for path in candidates:
            relative = path.relative_to(root)
            if not _kept(relative):
                continue
            if path.is_symlink():
                raise UserError(
                    f"{path} is a symbolic link; an archive holds the fit's own files only: replace it"
                )
            if path.is_file():
                files.append(relative.as_posix())
    return sorted(files)

"""Which files of a fit directory the archive holds: every reproducible output, nothing else.

Logs, benchmarks and ``*.timing.json`` describe one run on one machine, and hidden files are
atomic writers' leftovers, so they stay out; the list is sorted so that neither the file
system's order nor the order jobs finished in reaches the tarball.
"""

from __future__ import annotations

from pathlib import Path

from replifold.errors import UserError

ARCHIVED = ("runcard.yml", "runcard.sha256", "data", "hyperopt", "fit", "postfit", "report", "lhapdf")
REQUIRED = ("runcard.yml", "runcard.sha256", "data", "fit", "postfit", "report")
UNREPRODUCIBLE_SUFFIXES = (".timing.json",)


def _kept(relative: Path) -> bool:
    return not any(part.startswith(".") for part in relative.parts) and not relative.name.endswith(UNREPRODUCIBLE_SUFFIXES)


def archived_files(fit_dir: Path) -> list[str]:
    """Paths relative to ``fit_dir`` (POSIX form), sorted."""
    missing = [name for name in REQUIRED if not (fit_dir / name).exists()]
    if missing:
        raise UserError(f"{fit_dir} is not a finished fit: missing {', '.join(missing)} (run the workflow up to 'report')")
    files = []
    for name in ARCHIVED:
        top = fit_dir / name
        candidates = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        files.extend(p.relative_to(fit_dir).as_posix() for p in candidates if _kept(p.relative_to(fit_dir)))
    return sorted(files)

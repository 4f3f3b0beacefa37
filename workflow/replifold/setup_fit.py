"""Setting up a fit folder: the expanded runcard, its hash and the problem data, safely.

The folder belongs to one runcard: ``runcard.sha256`` is written last, as the claim, so a
setup killed half-way leaves the previous claim (or none) and is simply run again. ``data/``
is built in a hidden temporary folder and renamed into place, so no reader ever sees half of
it; an exclusive lock keeps two setups from writing into one folder at the same time, and the
temporary folders of killed setups are removed under that lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.errors import UserError
from replifold.io import atomic_directory, atomic_write_text, folder_lock, remove_stale_temporaries
from replifold.layout import RUNCARD_HASH_NAME, RUNCARD_NAME, FitLayout

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetupOutcome:
    layout: FitLayout
    runcard: dict[str, Any]
    sha256: str


def claimed_by(layout: FitLayout) -> str | None:
    """The runcard hash the folder was set up for, or None for a folder never set up."""
    if not layout.runcard_hash.is_file():
        return None
    fields = layout.runcard_hash.read_text(encoding="utf-8").split()
    if len(fields) != 2 or len(fields[0]) != 64 or fields[1] != RUNCARD_NAME:
        raise UserError(
            f"{layout.runcard_hash} is not '<sha256>  {RUNCARD_NAME}'; remove it if {layout.root} holds nothing you need"
        )
    return fields[0]


def set_up(expanded: dict[str, Any], text: str, digest: str, outdir: Path, force: bool = False) -> SetupOutcome:
    """Write ``text`` (the canonical expanded runcard, sha256 ``digest``) and its data into ``outdir``."""
    from replifold.problems import write_problem_data

    if outdir.exists() and not outdir.is_dir():
        raise UserError(f"output {outdir} exists and is not a directory")
    layout = FitLayout(outdir)
    with folder_lock(outdir, "replifold setup"):
        for name in remove_stale_temporaries(outdir):
            log.info(f"removed {name}, left by an interrupted setup")
        previous = claimed_by(layout)
        if previous is not None and previous != digest:
            if not force:
                raise UserError(
                    f"{outdir} was set up from a different runcard (sha256 {previous[:12]}..., this one "
                    f"{digest[:12]}...); results computed there would no longer match. Choose another output "
                    "directory, or pass --force to replace its runcard and data"
                )
            stale = sorted(p.name for p in outdir.iterdir() if p.name not in (RUNCARD_NAME, RUNCARD_HASH_NAME, "data")
                           and not p.name.startswith("."))
            if stale:
                log.warning(f"--force: {', '.join(stale)} in {outdir} came from the previous runcard")
            # Withdraw the old claim first: from here until the new one is written the folder
            # belongs to no runcard, so an interruption cannot leave it claimed by the wrong one.
            layout.runcard_hash.unlink()
        with atomic_directory(layout.data_dir) as building:
            write_problem_data(expanded, building)
        atomic_write_text(layout.runcard, text)
        atomic_write_text(layout.runcard_hash, f"{digest}  {RUNCARD_NAME}\n")
    return SetupOutcome(layout, expanded, digest)

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
from replifold.io import atomic_directory, folder_lock, remove_stale_temporaries
from replifold.layout import RUNCARD_HASH_NAME, RUNCARD_NAME, FitLayout
from replifold.views import write_if_changed, write_views

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
            f"{layout.runcard_hash} is not '<sha256>  {RUNCARD_NAME}'; "
            f"remove it if {layout.root} holds nothing you need"
        )
    return fields[0]


def set_up(
    expanded: dict[str, Any],
    text: str,
    digest: str,
    outdir: Path,
    force: bool = False,
    theory_cache: Path | None = None,
) -> SetupOutcome:
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
            ours = (
                RUNCARD_NAME,
                RUNCARD_HASH_NAME,
                layout.data_dir.name,
                layout.view("data").parent.name,
            )
            stale = sorted(
                p.name
                for p in outdir.iterdir()
                if p.name not in ours and not p.name.startswith(".")
            )
            if stale:
                log.warning(
                    f"--force: {', '.join(stale)} in {outdir} came from the previous runcard"
                )
            # Withdraw the old claim first: from here until the new one is written the folder
            # belongs to no runcard, so an interruption cannot leave it claimed by the wrong one.
            layout.runcard_hash.unlink()
        with atomic_directory(layout.data_dir) as building:
            write_problem_data(expanded, building, theory_cache)
        write_runcard_files(expanded, text, digest, layout)
    return SetupOutcome(layout, expanded, digest)


def write_runcard_files(
    expanded: dict[str, Any], text: str, digest: str, layout: FitLayout
) -> list[str]:
    """runcard.yml, its stage views and last the hash (the claim), each only if its bytes change.

    Unchanged files keep their times, which is what lets Snakemake rerun only the stages an
    edit touches (replifold.views); the workflow calls this when it plans the DAG.
    """
    claim = f"{digest}  {RUNCARD_NAME}\n".encode()
    if layout.runcard_hash.is_file() and layout.runcard_hash.read_bytes() != claim:
        layout.runcard_hash.unlink()  # unclaimed until the new runcard and its views are all written
    changed = [RUNCARD_NAME] if write_if_changed(layout.runcard, text.encode("utf-8")) else []
    changed += [f"views/{stage}.json" for stage in write_views(expanded, layout)]
    if write_if_changed(layout.runcard_hash, claim):
        changed.append(RUNCARD_HASH_NAME)
    return changed

"""Pack a finished fit directory: the tarball, its manifest and provenance, all written atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replifold.archive.manifest import manifest_text
from replifold.archive.members import archived_files
from replifold.archive.provenance import build_provenance
from replifold.errors import UserError
from replifold.io import atomic_write_bytes, atomic_write_text, dumps_json, sha256_bytes
from replifold.layout import MANIFEST_NAME, PROVENANCE_NAME, FitLayout
from replifold.tarballs import ROOT_NAME, tarball_bytes


@dataclass(frozen=True)
class ArchiveOutputs:
    tarball: Path
    sha256: str
    members: int


def build_archive(fit_dir: Path, runcard: dict, outdir: Path) -> ArchiveOutputs:
    layout = FitLayout(fit_dir)
    name = layout.name
    if not ROOT_NAME.fullmatch(name):
        raise UserError(
            f"{fit_dir}: the archive is named after the fit folder, and {name!r} is not a valid fit name"
        )
    members = {f"{name}/{rel}": (layout.root / rel).read_bytes() for rel in archived_files(layout)}
    provenance = dumps_json(build_provenance(layout, runcard))
    members[f"{name}/{PROVENANCE_NAME}"] = provenance.encode("utf-8")
    manifest = manifest_text(members)
    members[f"{name}/{MANIFEST_NAME}"] = manifest.encode("utf-8")
    data = tarball_bytes(members.items())
    atomic_write_text(outdir / PROVENANCE_NAME, provenance)
    atomic_write_text(outdir / MANIFEST_NAME, manifest)
    tarball = atomic_write_bytes(outdir / f"{name}.tar.gz", data)
    return ArchiveOutputs(tarball, sha256_bytes(data), len(members))

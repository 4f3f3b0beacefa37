"""Pack a finished fit directory: the tarball, its manifest and provenance, all written atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replifold.archive.manifest import MANIFEST_NAME, manifest_text
from replifold.archive.members import archived_files
from replifold.archive.provenance import build_provenance
from replifold.archive.tarball import tarball_bytes
from replifold.io import atomic_write_bytes, atomic_write_text, dumps_json, sha256_bytes

PROVENANCE_NAME = "provenance.json"


@dataclass(frozen=True)
class ArchiveOutputs:
    tarball: Path
    sha256: str
    members: int


def build_archive(fit_dir: Path, runcard: dict, outdir: Path) -> ArchiveOutputs:
    name = fit_dir.name
    members = {f"{name}/{rel}": (fit_dir / rel).read_bytes() for rel in archived_files(fit_dir)}
    provenance = dumps_json(build_provenance(fit_dir, runcard))
    members[f"{name}/{PROVENANCE_NAME}"] = provenance.encode("utf-8")
    manifest = manifest_text(members)
    members[f"{name}/{MANIFEST_NAME}"] = manifest.encode("utf-8")
    data = tarball_bytes(members.items())
    atomic_write_text(outdir / PROVENANCE_NAME, provenance)
    atomic_write_text(outdir / MANIFEST_NAME, manifest)
    tarball = atomic_write_bytes(outdir / f"{name}.tar.gz", data)
    return ArchiveOutputs(tarball, sha256_bytes(data), len(members))

"""Check an archive against its own manifest: every member listed, every hash equal."""

from __future__ import annotations

import tarfile
from pathlib import Path

from replifold.archive.manifest import MANIFEST_NAME, parse_manifest
from replifold.archive.tarball import read_members
from replifold.errors import UserError
from replifold.io import sha256_bytes


def archive_root(members: dict[str, bytes]) -> str:
    """The fit name: the archive's single top-level folder."""
    roots = {name.split("/", 1)[0] for name in members}
    if len(roots) != 1:
        raise UserError(f"not a replifold archive: expected one top-level folder, found {sorted(roots)}")
    return roots.pop()


def manifest_problems(members: dict[str, bytes]) -> list[str]:
    """One line per problem, each naming the member; empty when the archive is intact."""
    root = archive_root(members)
    manifest_name = f"{root}/{MANIFEST_NAME}"
    if manifest_name not in members:
        return [f"{manifest_name}: missing"]
    try:
        expected = parse_manifest(members[manifest_name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return [f"{manifest_name}: unreadable ({error})"]
    problems = []
    for name in sorted(set(expected) | set(members) - {manifest_name}):
        if name not in members:
            problems.append(f"{name}: listed in the manifest but missing from the archive")
        elif name not in expected:
            problems.append(f"{name}: in the archive but not in the manifest")
        elif sha256_bytes(members[name]) != expected[name]:
            problems.append(f"{name}: sha256 {sha256_bytes(members[name])} differs from the manifest's {expected[name]}")
    return problems


def load_archive(path: Path) -> dict[str, bytes]:
    if not path.is_file():
        raise UserError(f"no archive at {path}")
    try:
        return read_members(str(path))
    except (OSError, EOFError, tarfile.TarError) as error:
        raise UserError(f"{path} is not a readable .tar.gz: {error}") from None

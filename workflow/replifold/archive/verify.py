"""Check an archive against its manifest, and the manifest against something outside the archive.

An archive's own MANIFEST.sha256 only proves the archive is self-consistent: whoever altered a
member could rewrite the manifest too. The outside references are the archive's sha256 as
published (``--expect-sha256``) or the MANIFEST.sha256 the archive rule wrote beside the
tarball; ``verify`` says which one it used, and that it had none when it had none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replifold.archive.manifest import parse_manifest
from replifold.io import sha256_bytes, sha256_file
from replifold.layout import MANIFEST_NAME
from replifold.tarballs import Tarball


def manifest_problems(tarball: Tarball) -> list[str]:
    """One line per problem, each naming the member; empty when the archive matches its manifest."""
    members = tarball.files
    manifest_name = f"{tarball.root}/{MANIFEST_NAME}"
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
            problems.append(
                f"{name}: sha256 {sha256_bytes(members[name])} differs from the manifest's {expected[name]}"
            )
    return problems


@dataclass(frozen=True)
class OutsideCheck:
    reference: (
        str | None
    )  # what the archive was compared with; None when nothing outside it was found
    problems: tuple[str, ...]


def outside_check(archive: Path, tarball: Tarball, expect_sha256: str | None) -> OutsideCheck:
    if expect_sha256 is not None:
        actual = sha256_file(archive)
        wanted = expect_sha256.strip().lower()
        problems = (
            ()
            if actual == wanted
            else (f"{archive}: sha256 {actual} is not the expected {wanted}",)
        )
        return OutsideCheck(f"the expected sha256 {wanted}", problems)
    sibling = archive.parent / MANIFEST_NAME
    if not sibling.is_file():
        return OutsideCheck(None, ())
    inside = tarball.files.get(f"{tarball.root}/{MANIFEST_NAME}", b"")
    if sibling.read_bytes() != inside:
        return OutsideCheck(
            str(sibling),
            (f"{sibling} differs from the archive's own {MANIFEST_NAME}: the archive was altered",),
        )
    return OutsideCheck(str(sibling), ())

"""MANIFEST.sha256: ``<sha256>  <member>`` per line (``sha256sum -c`` format), sorted by member."""

from __future__ import annotations

from collections.abc import Mapping

from replifold.io import sha256_bytes


def manifest_text(members: Mapping[str, bytes]) -> str:
    return "".join(
        f"{sha256_bytes(content)}  {name}\n" for name, content in sorted(members.items())
    )


def parse_manifest(text: str) -> dict[str, str]:
    """member -> sha256; a malformed line raises ValueError naming it."""
    entries = {}
    for number, line in enumerate(text.splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise ValueError(f"line {number} is not '<sha256>  <member>': {line!r}")
        entries[name] = digest
    return entries

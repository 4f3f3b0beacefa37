"""A byte-deterministic ``.tar.gz``: the archive's sha256 depends only on its members' bytes.

Members are regular files in sorted order with mtime 0, uid/gid 0, no user or group names and
mode 0644, in GNU tar format; the gzip header carries no file name and mtime 0.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterable

COMPRESS_LEVEL = 9


def member_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def tarball_bytes(members: Iterable[tuple[str, bytes]]) -> bytes:
    """``(name, content)`` pairs -> the compressed archive, members sorted by name."""
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=COMPRESS_LEVEL, mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for name, content in sorted(members):
                tar.addfile(member_info(name, len(content)), io.BytesIO(content))
    return raw.getvalue()


def read_members(path: str) -> dict[str, bytes]:
    """Every regular file of an archive by name; anything else is reported by the caller as unexpected."""
    members = {}
    with tarfile.open(path, mode="r:gz") as tar:
        for info in tar.getmembers():
            if info.isfile():
                handle = tar.extractfile(info)
                members[info.name] = handle.read() if handle is not None else b""
    return members

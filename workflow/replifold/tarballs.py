"""Deterministic ``.tar.gz`` files, and the one safe way to read them back.

Writing: members are regular files in sorted order with mtime 0, uid/gid 0, no user or group
names and mode 0644, in GNU tar format; the gzip header carries no file name and mtime 0, so
the archive's sha256 depends only on its members' bytes.

Reading: an archive is hostile input (a fit archive handed over by a colleague, a scan dump
from another site). ``read_tarball`` looks at every header before any content is kept or
written, and refuses the whole archive, naming every offending member, if one of them is not
a regular file or folder (links, devices, FIFOs), has an absolute name, a ``..``, ``.`` or
empty component, a backslash or a control character, lies outside the single top-level folder
(whose name must be a valid fit name), appears twice, or if the archive is larger than the
limit. ``write_tree`` then creates only the validated regular files, inside a folder it owns.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from replifold.errors import UserError

COMPRESS_LEVEL = 9
MAX_TOTAL_BYTES = (
    4 << 30
)  # archives are read into memory; a fit's archive is a few MB to a few hundred
MAX_MEMBERS = 200_000
ROOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # a fit name (replifold.runcard.fit_name)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, compresslevel=COMPRESS_LEVEL, mtime=0
    ) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for name, content in sorted(members):
                tar.addfile(member_info(name, len(content)), io.BytesIO(content))
    return raw.getvalue()


class UnsafeArchive(UserError):
    """An archive refused before anything of it was written; ``problems`` names each member."""

    def __init__(self, archive: Path, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:50]) + (
            f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        )
        super().__init__(f"{archive}: refused, nothing was extracted:\n  {shown}")


@dataclass(frozen=True)
class Tarball:
    """A validated archive: its single top-level folder and its regular files by full name."""

    path: Path
    root: str
    files: dict[str, bytes]


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be extracted safely, or None."""
    if not name:
        return "empty name"
    if _CONTROL.search(name):
        return "control character in the name"
    if "\\" in name:
        return "backslash in the name"
    if name.startswith("/") or PurePosixPath(name).is_absolute():
        return "absolute path"
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "'..', '.' or empty path component"
    return None


def _kind(info: tarfile.TarInfo) -> str:
    if info.issym():
        return f"symbolic link to {info.linkname!r}"
    if info.islnk():
        return f"hard link to {info.linkname!r}"
    if info.ischr() or info.isblk():
        return "device"
    if info.isfifo():
        return "FIFO"
    return f"tar member of type {info.type!r}"


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise UserError(f"no archive at {path}")
    try:
        return tarfile.open(path, mode="r:gz")
    except (OSError, EOFError, zlib.error, tarfile.TarError) as error:
        raise UserError(f"{path} is not a readable .tar.gz ({error})") from None


def _headers(path: Path) -> list[tarfile.TarInfo]:
    with _open(path) as tar:
        try:
            infos = []
            for info in tar:
                infos.append(info)
                if len(infos) > MAX_MEMBERS:
                    raise UserError(
                        f"{path}: more than {MAX_MEMBERS} members; not an archive replifold wrote"
                    )
            return infos
        except (OSError, EOFError, zlib.error, tarfile.TarError) as error:
            raise UserError(
                f"{path} is truncated or corrupt ({type(error).__name__}: {error})"
            ) from None


def read_tarball(path: str | os.PathLike) -> Tarball:
    """The archive's regular files, after every member passed the checks of the module docstring."""
    path = Path(path)
    infos = _headers(path)
    problems: list[str] = []
    seen: set[str] = set()
    root: str | None = (
        None  # the first member's top-level folder; every other member must be inside it
    )
    total = 0
    for info in infos:
        name = info.name
        problem = name_problem(name)
        if problem is None and not (info.isfile() or info.isdir()):
            problem = _kind(info)
        key = name.rstrip("/")
        top = key.split("/", 1)[0]
        if problem is None and root is not None and top != root:
            problem = f"outside the archive's top-level folder {root!r}"
        if problem is None and info.isfile() and "/" not in key:
            problem = "a file outside the archive's top-level folder"
        if problem is None and key in seen:
            problem = "appears twice"
        if problem is not None:
            problems.append(f"{name!r}: {problem}")
            continue
        if root is None:
            root = top
            if not ROOT_NAME.fullmatch(root):
                problems.append(f"top-level folder {root!r}: not a valid fit name")
        seen.add(key)
        total += max(info.size, 0)
    if not any(info.isfile() for info in infos):
        problems.append("no files at all")
    if total > MAX_TOTAL_BYTES:
        problems.append(f"{total} bytes uncompressed, over the limit of {MAX_TOTAL_BYTES}")
    if problems:
        raise UnsafeArchive(path, problems)
    files: dict[str, bytes] = {}
    with _open(path) as tar:
        try:
            for info in tar:
                if info.isfile():
                    handle = tar.extractfile(info)
                    files[info.name] = handle.read() if handle is not None else b""
        except (OSError, EOFError, zlib.error, tarfile.TarError) as error:
            raise UserError(
                f"{path} is truncated or corrupt ({type(error).__name__}: {error})"
            ) from None
    return Tarball(path, root or "", files)


def write_tree(tarball: Tarball, dest: str | os.PathLike) -> Path:
    """Write the validated files under ``dest`` (a new folder); the top-level folder's path.

    Files are created exclusively (``O_EXCL``, never following a link) so nothing outside
    ``dest`` can be reached even if ``dest`` is not as fresh as promised.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=False)
    base = dest.resolve()
    for name, content in sorted(tarball.files.items()):
        target = base.joinpath(*name.split("/"))
        if not target.resolve().is_relative_to(base):
            raise UnsafeArchive(tarball.path, [f"{name!r}: would land outside {dest}"])
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(
            target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    return base / tarball.root

"""A scan's database as a tar.gz and back, so a scan restarts from an archive on any server.

The archive holds the scan's hyperopt job documents as MongoDB canonical extended JSON (types
such as dates and ObjectIds survive), in a deterministic tarball. Extraction refuses every
member that is not a plain file inside the target directory (absolute paths, ``..``, links,
devices), before anything is written.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path, PurePosixPath

from bson import json_util

from replifold.errors import UserError
from replifold.hyperopt.mongo.jobs import JOBS, ScanJobs
from replifold.io import atomic_write_bytes

JOBS_MEMBER = "jobs.json"
JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS


def _tar_bytes(members: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
            tar.addfile(info, io.BytesIO(members[name]))
    return gzip.compress(raw.getvalue(), mtime=0)


def compress(jobs: ScanJobs, archive: Path) -> int:
    """Write the scan's jobs to ``archive``; the number of jobs."""
    docs = list(jobs.db[JOBS].find({"exp_key": jobs.exp_key}, sort=[("tid", 1)]))
    text = json_util.dumps(docs, json_options=JSON_OPTIONS, sort_keys=True, indent=1)
    atomic_write_bytes(archive, _tar_bytes({f"{jobs.exp_key}/{JOBS_MEMBER}": text.encode("utf-8")}))
    return len(docs)


def safe_extract(archive: Path, target: Path) -> list[Path]:
    """Extract ``archive`` under ``target``, refusing any member that would land elsewhere."""
    root = target.resolve()
    try:
        tar = tarfile.open(archive, mode="r:gz")
    except (OSError, tarfile.TarError) as error:
        raise UserError(f"{archive}: not a readable tar.gz ({error})") from None
    with tar:
        members = tar.getmembers()
        for member in members:
            inside = (root / member.name).resolve()
            if (
                PurePosixPath(member.name).is_absolute()
                or ".." in PurePosixPath(member.name).parts
                or not inside.is_relative_to(root)
                or not (member.isfile() or member.isdir())
            ):
                raise UserError(f"{archive}: refusing member {member.name!r}: it is not a plain file inside {target}")
        target.mkdir(parents=True, exist_ok=True)
        tar.extractall(root, members=members, filter="data")
    return [root / m.name for m in members if m.isfile()]


def extract(jobs: ScanJobs, archive: Path, target: Path, replace: bool) -> int:
    """Load the jobs of ``archive`` into the scan (as its ``exp_key``); the number of jobs."""
    files = [f for f in safe_extract(archive, target) if f.name == JOBS_MEMBER]
    if len(files) != 1:
        raise UserError(f"{archive}: expected one {JOBS_MEMBER}, found {len(files)}; was it made by 'replifold mongo-compress'?")
    docs = json_util.loads(files[0].read_text(encoding="utf-8"), json_options=JSON_OPTIONS)
    existing = jobs.db[JOBS].count_documents({"exp_key": jobs.exp_key})
    if existing and not replace:
        raise UserError(f"the database already holds {existing} jobs of {jobs.exp_key!r}; pass --replace to overwrite them")
    jobs.db[JOBS].delete_many({"exp_key": jobs.exp_key})
    if docs:
        jobs.db[JOBS].insert_many([{**doc, "exp_key": jobs.exp_key} for doc in docs])
    return len(docs)

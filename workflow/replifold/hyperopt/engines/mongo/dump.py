"""A scan's database as a tar.gz and back, so a scan restarts from an archive on any server.

The archive holds the scan's hyperopt job documents as MongoDB canonical extended JSON (types
such as dates and ObjectIds survive) in a deterministic tarball; it is read back only through
``replifold.tarballs``, which refuses unsafe members before anything is used.

Loading with ``replace`` never deletes before the new jobs are safely in: they are first
inserted under a staging ``exp_key``, and only then are the scan's old jobs moved aside, the
staged ones renamed to the scan's ``exp_key`` and the old ones deleted; at every moment the
jobs exist somewhere, and an insert that fails leaves the scan's jobs untouched.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bson import json_util
from bson.errors import BSONError
from pymongo.errors import PyMongoError

from replifold.errors import UserError
from replifold.hyperopt.engines.mongo.jobs import JOBS, ScanJobs
from replifold.io import atomic_write_bytes
from replifold.tarballs import read_tarball, tarball_bytes

log = logging.getLogger(__name__)
JOBS_MEMBER = "jobs.json"
JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS
STAGING_SUFFIX, REPLACED_SUFFIX = ".staging", ".replaced"


def compress(jobs: ScanJobs, archive: Path) -> int:
    """Write the scan's jobs to ``archive``; the number of jobs."""
    docs = list(jobs.db[JOBS].find({"exp_key": jobs.exp_key}, sort=[("tid", 1)]))
    text = json_util.dumps(docs, json_options=JSON_OPTIONS, sort_keys=True, indent=1)
    atomic_write_bytes(
        archive, tarball_bytes([(f"{jobs.exp_key}/{JOBS_MEMBER}", text.encode("utf-8"))])
    )
    return len(docs)


def read_jobs(archive: Path) -> list[dict[str, Any]]:
    """The job documents of a ``mongo-compress`` archive, checked to be job documents."""
    tarball = read_tarball(archive)
    found = [name for name in tarball.files if name.endswith(f"/{JOBS_MEMBER}")]
    if found != [f"{tarball.root}/{JOBS_MEMBER}"]:
        raise UserError(
            f"{archive}: expected one {tarball.root}/{JOBS_MEMBER}; was it made by 'replifold mongo-compress'?"
        )
    try:
        docs = json_util.loads(tarball.files[found[0]].decode("utf-8"), json_options=JSON_OPTIONS)
    except (UnicodeDecodeError, ValueError, TypeError, BSONError) as error:
        raise UserError(
            f"{archive}: {JOBS_MEMBER} is not extended JSON ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(docs, list) or not all(
        isinstance(d, dict) and isinstance(d.get("tid"), int) for d in docs
    ):
        raise UserError(
            f"{archive}: {JOBS_MEMBER} is not a list of hyperopt job documents (each with an integer tid)"
        )
    if len({d["tid"] for d in docs}) != len(docs):
        raise UserError(f"{archive}: {JOBS_MEMBER} holds some trial id twice")
    return docs


def extract(jobs: ScanJobs, archive: Path, docs: list[dict[str, Any]], replace: bool) -> int:
    """Load ``docs`` (``read_jobs(archive)``) into the scan (as its ``exp_key``); the number of jobs."""
    collection, key = jobs.db[JOBS], jobs.exp_key
    staging, replaced = key + STAGING_SUFFIX, key + REPLACED_SUFFIX
    existing = collection.count_documents({"exp_key": key})
    if existing and not replace:
        raise UserError(
            f"the database already holds {existing} jobs of {key!r}; pass --replace to overwrite them"
        )
    try:
        collection.delete_many(
            {"exp_key": {"$in": [staging, replaced]}}
        )  # leftovers of an interrupted load
        if docs:
            collection.insert_many(
                [
                    {**{k: v for k, v in doc.items() if k != "_id"}, "exp_key": staging}
                    for doc in docs
                ]
            )
    except (PyMongoError, BSONError) as error:
        collection.delete_many({"exp_key": staging})
        raise UserError(
            f"loading {archive} failed ({type(error).__name__}); the scan's {existing} jobs are untouched"
        ) from None
    collection.update_many({"exp_key": key}, {"$set": {"exp_key": replaced}})
    collection.update_many({"exp_key": staging}, {"$set": {"exp_key": key}})
    collection.delete_many({"exp_key": replaced})
    return len(docs)


def restore_if_empty(jobs: ScanJobs, archive: Path) -> int | None:
    """The driver's ``--restore``: load ``archive`` unless the database already holds this scan."""
    if jobs.db[JOBS].count_documents({"exp_key": jobs.exp_key}):
        log.info(
            f"the database already holds jobs of {jobs.exp_key}: --restore {archive} is not needed"
        )
        return None
    return extract(jobs, archive, read_jobs(archive), replace=False)

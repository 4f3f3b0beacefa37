"""hyperopt's job documents on pymongo 4: insert, reserve, heartbeat, finish, re-queue.

Every state change is one atomic ``find_one_and_update``/``update_one`` whose filter names the
state (and owner) it expects, so two workers never hold the same job, and a worker whose job
was re-queued after its heartbeat stopped cannot overwrite the result of the worker that ran
it again. Each update bumps ``version`` as hyperopt's ``MongoJobs.update`` does, which is how
hyperopt's ``MongoTrials.refresh`` notices changes. ``owners`` (an extra top-level key that
hyperopt ignores) lists every worker that reserved the job, in order.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hyperopt import JOB_STATE_DONE, JOB_STATE_ERROR, JOB_STATE_NEW, JOB_STATE_RUNNING
from hyperopt.utils import coarse_utcnow
from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.database import Database
from pymongo.errors import OperationFailure, PyMongoError

from replifold.errors import UserError
from replifold.hyperopt.engines.mongo.settings import MongoSettings, credentials

JOBS = "jobs"  # hyperopt's collection name
SCANS = (
    "replifold_scans"  # one control document per scan (exp_key): the driver's state and heartbeat
)
WORKERS = "replifold_workers"  # one heartbeat document per worker process
SCAN_RUNNING, SCAN_FINISHED, SCAN_FAILED = "running", "finished", "failed"


def connect(settings: MongoSettings, timeout_s: float = 5.0) -> Database:
    """The scan's database; the password goes to the driver only, never into a message."""
    login = credentials()
    client: MongoClient = MongoClient(
        host=settings.host,
        port=settings.port,
        username=login.username if login else None,
        password=login.password if login else None,
        serverSelectionTimeoutMS=int(timeout_s * 1000),
        connect=False,
    )
    return client[settings.name]


AUTHENTICATION_FAILED = 18  # MongoDB's error code


def ping(db: Database) -> bool:
    """Whether a server answers; a server that refuses the login is an error, not an absent server."""
    try:
        db.client.admin.command("ping")
    except OperationFailure as error:
        if error.code == AUTHENTICATION_FAILED or "auth" in str(error).lower():
            raise UserError(
                f"the MongoDB server at {db.client.address or 'the configured address'} refused the login: check "
                "REPLIFOLD_MONGO_USERNAME/REPLIFOLD_MONGO_PASSWORD or the file named by REPLIFOLD_MONGO_CREDENTIALS"
            ) from None
        return False
    except PyMongoError:
        return False
    return True


def _ago(seconds: float) -> datetime.datetime:
    return coarse_utcnow() - datetime.timedelta(seconds=seconds)


@dataclass(frozen=True)
class ScanJobs:
    """The jobs of one scan (hyperopt's ``exp_key``) in one database."""

    db: Database
    exp_key: str

    def _query(self, **conditions: Any) -> dict[str, Any]:
        return {"exp_key": self.exp_key, **conditions}

    def ensure_indexes(self) -> None:
        self.db[JOBS].create_index([("exp_key", ASCENDING), ("tid", ASCENDING)], unique=True)
        self.db[JOBS].create_index([("exp_key", ASCENDING), ("state", ASCENDING)])

    def insert(self, tid: int, spec: Mapping[str, Any], misc: Mapping[str, Any]) -> None:
        """A new job in hyperopt's ``new_trial_docs`` shape; ``spec`` holds the readable parameters."""
        self.db[JOBS].insert_one(
            {
                "state": JOB_STATE_NEW,
                "tid": tid,
                "spec": dict(spec),
                "result": {"status": "new"},
                "misc": dict(misc),
                "exp_key": self.exp_key,
                "owner": None,
                "version": 0,
                "book_time": None,
                "refresh_time": None,
                "owners": [],
            }
        )

    def doc(self, tid: int) -> dict[str, Any] | None:
        return self.db[JOBS].find_one(self._query(tid=tid))

    def tids(self) -> list[int]:
        return sorted(doc["tid"] for doc in self.db[JOBS].find(self._query(), projection=["tid"]))

    def count(self, *states: int) -> int:
        return self.db[JOBS].count_documents(self._query(state={"$in": list(states)}))

    def docs(self, *states: int) -> list[dict[str, Any]]:
        return list(
            self.db[JOBS].find(self._query(state={"$in": list(states)}), sort=[("tid", ASCENDING)])
        )

    def reserve(self, owner: str) -> dict[str, Any] | None:
        """The queued job of lowest tid, now owned by ``owner``; ``None`` when none is queued."""
        now = coarse_utcnow()
        return self.db[JOBS].find_one_and_update(
            self._query(state=JOB_STATE_NEW, owner=None),
            {
                "$set": {
                    "state": JOB_STATE_RUNNING,
                    "owner": owner,
                    "book_time": now,
                    "refresh_time": now,
                },
                "$push": {"owners": owner},
                "$inc": {"version": 1},
            },
            sort=[("tid", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    def _owned(self, doc: Mapping[str, Any], owner: str) -> dict[str, Any]:
        return {"_id": doc["_id"], "state": JOB_STATE_RUNNING, "owner": owner}

    def heartbeat(self, doc: Mapping[str, Any], owner: str) -> bool:
        """Refresh the job's ``refresh_time``; ``False`` when it is no longer ``owner``'s."""
        done = self.db[JOBS].update_one(
            self._owned(doc, owner),
            {"$set": {"refresh_time": coarse_utcnow()}, "$inc": {"version": 1}},
        )
        return done.matched_count == 1

    def finish(self, doc: Mapping[str, Any], owner: str, result: Mapping[str, Any]) -> bool:
        update = {"state": JOB_STATE_DONE, "result": dict(result), "refresh_time": coarse_utcnow()}
        done = self.db[JOBS].update_one(
            self._owned(doc, owner), {"$set": update, "$inc": {"version": 1}}
        )
        return done.matched_count == 1

    def fail(self, doc: Mapping[str, Any], owner: str, error: BaseException) -> bool:
        """hyperopt's JOB_STATE_ERROR with ``misc.error``, as its worker records a crash."""
        update = {
            "state": JOB_STATE_ERROR,
            "misc.error": [type(error).__name__, str(error)],
            "refresh_time": coarse_utcnow(),
        }
        done = self.db[JOBS].update_one(
            self._owned(doc, owner), {"$set": update, "$inc": {"version": 1}}
        )
        return done.matched_count == 1

    def requeue(self, state: int, older_than_s: float | None = None) -> list[int]:
        """Put jobs in ``state`` (whose heartbeat is older than ``older_than_s``) back in the queue."""
        query = self._query(state=state)
        if older_than_s is not None:
            query["refresh_time"] = {"$lt": _ago(older_than_s)}
        tids = []
        for doc in self.db[JOBS].find(query, projection=["tid"], sort=[("tid", ASCENDING)]):
            reset = {"state": JOB_STATE_NEW, "owner": None, "book_time": None, "refresh_time": None}
            if (
                self.db[JOBS]
                .update_one(
                    {**query, "_id": doc["_id"]},
                    {"$set": reset, "$unset": {"misc.error": ""}, "$inc": {"version": 1}},
                )
                .matched_count
            ):
                tids.append(doc["tid"])
        return tids

    def set_scan_state(self, state: str) -> None:
        """The driver's state; the driver sets it on every poll, so its time is the driver's heartbeat."""
        self.db[SCANS].update_one(
            {"_id": self.exp_key},
            {"$set": {"state": state, "refresh_time": coarse_utcnow()}},
            upsert=True,
        )

    def scan_state(self) -> str | None:
        doc = self.db[SCANS].find_one({"_id": self.exp_key})
        return doc["state"] if doc else None

    def driver_running(self, stale_after_s: float) -> bool:
        """A driver runs the scan and its heartbeat is recent."""
        query = {
            "_id": self.exp_key,
            "state": SCAN_RUNNING,
            "refresh_time": {"$gte": _ago(stale_after_s)},
        }
        return self.db[SCANS].find_one(query, projection=["_id"]) is not None

    def worker_seen(self, owner: str, running: bool) -> None:
        self.db[WORKERS].update_one(
            {"_id": owner},
            {
                "$set": {
                    "exp_key": self.exp_key,
                    "running": running,
                    "refresh_time": coarse_utcnow(),
                }
            },
            upsert=True,
        )

    def live_workers(self, stale_after_s: float) -> list[str]:
        """Workers that have not said they left and whose heartbeat is recent."""
        query = {
            "exp_key": self.exp_key,
            "running": True,
            "refresh_time": {"$gte": _ago(stale_after_s)},
        }
        return sorted(doc["_id"] for doc in self.db[WORKERS].find(query, projection=["_id"]))


def scan_jobs(settings: MongoSettings, exp_key: str, timeout_s: float = 5.0) -> ScanJobs:
    jobs = ScanJobs(connect(settings, timeout_s), exp_key)
    if not ping(jobs.db):
        raise UserError(f"no MongoDB server answers at {settings.address}")
    return jobs

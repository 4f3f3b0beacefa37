"""A worker: reserves queued trials one at a time and evaluates them until the scan ends.

While it trains, a thread refreshes the job's heartbeat every quarter of ``stale_after_s``;
a worker killed holding a job stops refreshing, and the driver queues the job again. The
result is written only while the job is still this worker's, so a trial re-run elsewhere is
recorded once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hyperopt import JOB_STATE_DONE
from pymongo.errors import PyMongoError

from replifold.errors import UserError
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.engines.mongo.driver import Timing
from replifold.hyperopt.engines.mongo.engine import job_result
from replifold.hyperopt.engines.mongo.jobs import SCAN_FINISHED, ScanJobs
from replifold.hyperopt.evaluation import evaluate_trial
from replifold.hyperopt.records import STATUS_OK
from replifold.problem import load_problem


def owner_name(label: str) -> str:
    """hyperopt's ``host:pid`` owner, with the worker's label."""
    return f"{socket.gethostname()}:{os.getpid()}:{label}"


@dataclass(frozen=True)
class WorkerReport:
    owner: str
    trials: tuple[int, ...]  # evaluated and recorded by this worker, in order
    lost: tuple[int, ...]  # evaluated, but re-queued meanwhile (recorded by another worker)


class _Heartbeat:
    """Calls ``beat`` every ``every_s`` in a thread; a beat that misses the server is retried next time."""

    def __init__(self, beat: Callable[[], object], every_s: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(beat, every_s), daemon=True)

    def _run(self, beat: Callable[[], object], every_s: float) -> None:
        while not self._stop.wait(every_s):
            with contextlib.suppress(PyMongoError):
                beat()

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _scan_over(ctx: ScanContext, jobs: ScanJobs) -> bool:
    return jobs.scan_state() == SCAN_FINISHED and jobs.count(JOB_STATE_DONE) >= ctx.scan.n_trials


class _DriverWatch:
    """Fails once the scan's driver, seen running before, is gone; or when none comes in ``wait_s``.

    The state left by an earlier driver means nothing until a driver has been seen running:
    a worker may well start before the driver it serves.
    """

    def __init__(self, jobs: ScanJobs, stale_after_s: float, wait_s: float) -> None:
        self.jobs, self.stale_after_s, self.wait_s = jobs, stale_after_s, wait_s
        self.deadline = time.monotonic() + wait_s
        self.seen = False

    def check(self) -> None:
        if self.jobs.driver_running(self.stale_after_s):
            self.seen = True
        elif self.seen:
            raise UserError(
                f"the driver stopped before the scan finished (state {self.jobs.scan_state()!r}; see its log): "
                "rerun the driver and the workers to continue the scan"
            )
        elif time.monotonic() > self.deadline:
            raise UserError(
                f"no driver ran this scan within {self.wait_s:g} s: start 'replifold mongo-driver' too"
            )


def work(
    ctx: ScanContext,
    jobs: ScanJobs,
    owner: str,
    timing: Timing,
    report: Callable[[str], None] = print,
    driver_wait_s: float = 600.0,
) -> WorkerReport:
    driver = _DriverWatch(jobs, timing.stale_after_s, driver_wait_s)
    problem = None
    done: list[int] = []
    lost: list[int] = []
    every = timing.stale_after_s / 4

    def seen() -> None:
        jobs.worker_seen(owner, running=True)

    seen()
    try:
        with _Heartbeat(seen, every):
            while not _scan_over(ctx, jobs):
                driver.check()
                doc = jobs.reserve(owner)
                if doc is None:
                    time.sleep(timing.poll_s)
                    continue
                if problem is None:
                    problem = load_problem(ctx.layout.data_dir, ctx.scan.replica_ids)
                trial = int(doc["tid"])
                report(f"trial {trial}: evaluating {doc['spec']}")
                with _Heartbeat(lambda doc=doc: jobs.heartbeat(doc, owner), every):
                    try:
                        outcome = evaluate_trial(ctx, problem, trial, dict(doc["spec"]))
                    except Exception as error:
                        jobs.fail(doc, owner, error)
                        raise
                if jobs.finish(doc, owner, job_result(outcome)):
                    done.append(trial)
                    loss = (
                        f"loss {outcome.loss:.6g}"
                        if outcome.status == STATUS_OK
                        else f"failed: {outcome.reason}"
                    )
                    report(f"trial {trial}: {loss}")
                else:
                    lost.append(trial)
                    report(
                        f"trial {trial}: re-queued while it ran (heartbeat too late); its result is another worker's"
                    )
    except PyMongoError as error:
        raise UserError(
            f"the MongoDB server stopped answering ({type(error).__name__}); if the driver started it, the driver "
            "has ended: see its log, then rerun the driver and the workers to continue the scan"
        ) from None
    finally:
        with contextlib.suppress(PyMongoError):
            jobs.worker_seen(owner, running=False)
    return WorkerReport(owner, tuple(done), tuple(lost))

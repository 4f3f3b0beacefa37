"""The driver: keeps ``workers`` trials queued, proposes each new one from every finished trial.

Unlike the files engine's synchronous rounds, a trial is proposed as soon as a worker is free,
from the trials finished by then; the store files are rewritten after every new result and
jobs whose heartbeat stopped go back to the queue. The scan ends when ``rounds x
trials_per_round`` trials are done; a trial that crashed (not one that diverged, which is a
``fail`` result) stops it with an error, and rerunning the driver queues that trial again.
The driver's state in the database, refreshed on every poll, tells the workers whether it
still runs, so none waits for a driver that crashed or was killed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from hyperopt import JOB_STATE_ERROR, JOB_STATE_NEW, JOB_STATE_RUNNING
from pymongo.errors import PyMongoError

from replifold.errors import UserError
from replifold.hyperopt.engines.mongo.engine import MongoEngine
from replifold.hyperopt.engines.mongo.jobs import SCAN_FAILED, SCAN_FINISHED, SCAN_RUNNING, ScanJobs
from replifold.hyperopt.records import STATUS_OK, TrialOutcome, progress_line
from replifold.hyperopt.store import write_store


@dataclass(frozen=True)
class Timing:
    stale_after_s: float  # a running job without heartbeat for this long is queued again
    poll_s: float


def _crashed(jobs: ScanJobs) -> None:
    errors = jobs.docs(JOB_STATE_ERROR)
    if errors:
        shown = "\n  ".join(
            f"trial {d['tid']} ({d['owner']}): {': '.join(d['misc']['error'])}" for d in errors
        )
        raise UserError(
            f"trials crashed on their workers (rerun the driver to queue them again):\n  {shown}"
        )


def drive(
    engine: MongoEngine, workers: int, timing: Timing, report: Callable[[str], None]
) -> list[TrialOutcome]:
    """Run the scan to its end; the finished trials in tid order.

    However the driver stops short of the end, the scan is marked failed, so workers stop too.
    """
    try:
        return _drive(engine, workers, timing, report)
    except BaseException:
        with contextlib.suppress(PyMongoError):
            engine.jobs.set_scan_state(SCAN_FAILED)
        raise


def _drive(
    engine: MongoEngine, workers: int, timing: Timing, report: Callable[[str], None]
) -> list[TrialOutcome]:
    ctx, jobs = engine.ctx, engine.jobs
    jobs.ensure_indexes()
    for tid in jobs.requeue(JOB_STATE_ERROR) + jobs.requeue(
        JOB_STATE_RUNNING, timing.stale_after_s
    ):
        report(f"trial {tid} queued again (left unfinished by an earlier run)")
    n_trials, written = ctx.scan.n_trials, None
    unattended_since = time.monotonic()
    while True:
        jobs.set_scan_state(SCAN_RUNNING)
        for tid in jobs.requeue(JOB_STATE_RUNNING, timing.stale_after_s):
            report(f"trial {tid} queued again: its worker's heartbeat stopped")
        finished = engine.history(n_trials)
        if len(finished) != written and any(o.status == STATUS_OK for o in finished):
            write_store(ctx, finished)
            written = len(finished)
            report(f"scan: {progress_line(ctx, finished)}")
        if len(finished) >= n_trials:
            break
        _crashed(jobs)
        if jobs.live_workers(timing.stale_after_s):
            unattended_since = time.monotonic()
        elif time.monotonic() - unattended_since > timing.stale_after_s:
            report(
                f"no worker seen for {timing.stale_after_s:g} s: start 'replifold mongo-worker' (with snakemake, "
                "ask for a target that includes the workers: the default one, 'scan', or a fit's outputs)"
            )
            unattended_since = time.monotonic()
        tids = jobs.tids()
        while jobs.count(JOB_STATE_NEW, JOB_STATE_RUNNING) < workers and len(tids) < n_trials:
            (proposal,) = engine.propose([len(tids)], finished)
            engine.submit([proposal])
            tids.append(proposal.trial)
            report(
                f"trial {proposal.trial}: {proposal.algorithm} proposal from {len(finished)} finished trials"
            )
        time.sleep(timing.poll_s)
    write_store(ctx, finished)
    jobs.set_scan_state(SCAN_FINISHED)
    return finished


def wait_for_workers(jobs: ScanJobs, timing: Timing) -> list[str]:
    """Give live workers time to see the end before a server this driver started goes away."""
    deadline = time.monotonic() + timing.stale_after_s
    while (live := jobs.live_workers(timing.stale_after_s)) and time.monotonic() < deadline:
        time.sleep(timing.poll_s)
    return live

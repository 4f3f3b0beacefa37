"""Finished job documents as the files engine's ``TrialOutcome`` records, and new trials' documents.

A job's ``spec`` holds the trial's readable parameters (what hyperopt's ``Trials.specs``
shows) and ``misc`` hyperopt's own ``idxs``/``vals``; ``result`` carries the status, loss,
reason and per-fold losses, so ``tries.json``/``tries.pkl``/``best.json`` are written by the
files engine's ``write_store`` from the database alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from hyperopt import rand, tpe

from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.records import STATUS_OK, TrialOutcome
from replifold.hyperopt.store import build_trials, domain
from replifold.hyperopt.suggest import ALGORITHM_SEED_BOUND
from replifold.seeding import derive_seed

ASYNC_COORDINATE = 1  # keeps trial t's proposal seed apart from the files engine's round seeds


def outcome_of(ctx: ScanContext, doc: Mapping[str, Any]) -> TrialOutcome:
    result = doc["result"]
    return TrialOutcome(
        trial=int(doc["tid"]),
        round=ctx.scan.round_of(int(doc["tid"])),
        params=dict(doc["spec"]),
        status=result["status"],
        loss=result.get("loss"),
        reason=result.get("reason"),
        fold_losses=tuple(result.get("fold_losses", ())),
    )


@dataclass(frozen=True)
class Proposal:
    trial: int
    algorithm: str  # "random" or "tpe"
    params: dict[str, Any]
    misc: dict[str, Any]  # hyperopt's tid, cmd, workdir, idxs, vals


def propose(ctx: ScanContext, trial: int, finished: Sequence[TrialOutcome]) -> Proposal:
    """Trial ``trial`` from the finished trials (in tid order), as ``suggest`` does for a round.

    Random search while fewer than ``n_startup`` trials succeeded, TPE after; the algorithm
    seed depends on ``hyperopt.seed`` and the trial id only, so the proposal is a function of
    which trials had finished when it was made.
    """
    trials = build_trials(sorted(finished, key=lambda o: o.trial), ctx.space)
    if sum(o.status == STATUS_OK for o in finished) < ctx.scan.n_startup:
        algorithm, suggest = "random", rand.suggest
    else:
        algorithm, suggest = "tpe", partial(tpe.suggest, n_startup_jobs=ctx.scan.n_startup, verbose=False)
    seed = np.random.default_rng(derive_seed(ctx.scan.seed, "hyperopt", trial, ASYNC_COORDINATE))
    (doc,) = suggest([trial], domain(ctx.space), trials, int(seed.integers(ALGORITHM_SEED_BOUND)))
    misc = doc["misc"]
    point = {label: values[0] for label, values in misc["vals"].items() if len(values)}
    return Proposal(trial, algorithm, ctx.space.readable(point), misc)

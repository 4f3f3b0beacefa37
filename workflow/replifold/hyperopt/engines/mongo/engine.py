"""The mongo engine's side of ``ScanEngine``: job documents in, ``TrialOutcome`` records out.

A job's ``spec`` holds the trial's readable parameters (what hyperopt's ``Trials.specs``
shows) and ``misc`` hyperopt's own ``idxs``/``vals``; ``result`` carries the status, loss,
reason and per-fold losses, so ``tries.json``/``tries.pkl``/``best.json`` are written by the
shared ``write_store`` from the database alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hyperopt import JOB_STATE_DONE
from hyperopt.base import SONify

from replifold.errors import UserError
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.engines.base import ScanEngine
from replifold.hyperopt.engines.mongo.jobs import ScanJobs
from replifold.hyperopt.proposals import ALGORITHM_SEED_BOUND, Proposal, propose
from replifold.hyperopt.records import STATUS_OK, TrialOutcome
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


def job_result(outcome: TrialOutcome) -> dict[str, Any]:
    """hyperopt's ``result`` document: the files engine's, plus what ``tries.json`` needs back."""
    result = outcome.hyperopt_result()
    result.setdefault("fold_losses", list(outcome.fold_losses))
    if outcome.status != STATUS_OK:
        result["loss"] = None
    return result


class MongoEngine(ScanEngine):
    name = "mongo"

    def __init__(self, ctx: ScanContext, jobs: ScanJobs):
        super().__init__(ctx)
        self.jobs = jobs

    def history(self, before: int) -> list[TrialOutcome]:
        return [
            outcome_of(self.ctx, doc)
            for doc in self.jobs.docs(JOB_STATE_DONE)
            if int(doc["tid"]) < before
        ]

    def propose(self, trials: Sequence[int], history: Sequence[TrialOutcome]) -> list[Proposal]:
        """The algorithm seed depends on ``hyperopt.seed`` and the trial id only, so a proposal
        is a function of which trials had finished when it was made."""
        seeds = [
            int(
                np.random.default_rng(
                    derive_seed(self.ctx.scan.seed, "hyperopt", t, ASYNC_COORDINATE)
                ).integers(ALGORITHM_SEED_BOUND)
            )
            for t in trials
        ]
        return propose(self.ctx, trials, history, seeds)

    def submit(self, proposals: Sequence[Proposal]) -> None:
        for proposal in proposals:
            self.jobs.insert(proposal.trial, SONify(proposal.params), SONify(proposal.misc))

    def params(self, trial: int) -> dict[str, Any]:
        doc = self.jobs.doc(trial)
        if doc is None:
            raise UserError(f"trial {trial} is not in the scan's database {self.jobs.exp_key!r}")
        return dict(doc["spec"])

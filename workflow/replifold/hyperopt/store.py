"""Finished trials as a hyperopt ``Trials`` object, and the scan's store files.

``build_trials`` writes hyperopt's own documents (``new_trial_docs`` + ``insert_trial_docs``)
with each trial's readable parameters turned back into ``misc.vals``, so TPE reads our history
exactly as it reads the history of its own ``fmin``, and ``tries.pkl`` is a plain ``Trials``
that unpickles with hyperopt alone. No document carries a time, so the bytes depend only on
the trials.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np
from hyperopt import JOB_STATE_DONE, Trials
from hyperopt.base import Domain

from replifold.errors import UserError
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.records import STATUS_OK, TrialOutcome
from replifold.hyperopt.space import SearchSpace
from replifold.io import atomic_write_bytes, write_json
from replifold.seeding import hyperopt_seed

PICKLE_PROTOCOL = 4


def _not_evaluated(_params: Any) -> None:
    raise RuntimeError(
        "replifold evaluates trials with 'replifold train-fold', not through hyperopt"
    )


def domain(space: SearchSpace) -> Domain:
    return Domain(_not_evaluated, space.expression())


def build_trials(
    outcomes: Sequence[TrialOutcome], space: SearchSpace, rstate: np.random.Generator | None = None
) -> Trials:
    """A ``Trials`` holding ``outcomes`` as finished jobs, in the given (trial-id) order."""
    cmd = domain(space).cmd
    miscs = []
    for outcome in outcomes:
        try:
            vals = space.vals(outcome.params)
        except ValueError as error:
            raise UserError(
                f"trial {outcome.trial} does not fit this runcard's search space: {error}"
            ) from None
        idxs = {label: [outcome.trial] if value else [] for label, value in vals.items()}
        miscs.append(
            {"tid": outcome.trial, "cmd": cmd, "workdir": None, "idxs": idxs, "vals": vals}
        )
    trials = Trials()
    docs = trials.new_trial_docs(
        [o.trial for o in outcomes],
        [None] * len(outcomes),
        [o.hyperopt_result() for o in outcomes],
        miscs,
    )
    for doc in docs:
        doc["state"] = JOB_STATE_DONE
    trials.insert_trial_docs(docs)
    trials.refresh()
    if rstate is not None:
        trials.rstate = rstate
    return trials


def best_outcome(outcomes: Sequence[TrialOutcome]) -> TrialOutcome:
    """The successful trial of lowest loss (the earliest on a tie), as hyperopt's ``best_trial``."""
    ok = [o for o in outcomes if o.status == STATUS_OK]
    if not ok:
        reasons = "\n  ".join(f"trial {o.trial}: {o.reason}" for o in outcomes)
        raise UserError(
            f"every trial of the scan failed, so there are no best parameters:\n  {reasons}"
        )
    return min(ok, key=lambda o: (o.loss, o.trial))


def write_store(ctx: ScanContext, outcomes: Sequence[TrialOutcome]) -> TrialOutcome:
    """``tries.json``, ``tries.pkl`` (with the random state the next round would start from) and ``best.json``."""
    best = best_outcome(outcomes)
    next_round = max(o.round for o in outcomes) + 1
    trials = build_trials(
        outcomes, ctx.space, np.random.default_rng(hyperopt_seed(ctx.scan.seed, next_round))
    )
    write_json(ctx.layout.tries_json, [o.record() for o in outcomes])
    atomic_write_bytes(ctx.layout.tries_pkl, pickle.dumps(trials, protocol=PICKLE_PROTOCOL))
    best_record = {
        "trial": best.trial,
        "round": best.round,
        "params": best.params,
        "loss": best.loss,
    }
    write_json(ctx.layout.best_json, best_record)
    return best

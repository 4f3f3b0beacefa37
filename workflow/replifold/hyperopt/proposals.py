"""Proposing a trial's parameters from finished trials: random search, then TPE, as fmin does.

Both engines propose through ``propose``; they differ only in which finished trials they pass
and in the algorithm seed (a round's random state for the files engine, the trial id for the
mongo engine), so the same history and seed give the same parameters, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from hyperopt import rand, tpe

from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.records import STATUS_OK, TrialOutcome
from replifold.hyperopt.store import build_trials, domain

ALGORITHM_SEED_BOUND = 2**31 - 1  # what fmin draws algorithm seeds below


@dataclass(frozen=True)
class Proposal:
    trial: int
    algorithm: str  # "random" or "tpe"
    params: dict[str, Any]  # readable parameters (the search space's names and values)
    misc: dict[str, Any]  # hyperopt's own tid, cmd, workdir, idxs, vals


def algorithm_for(ctx: ScanContext, history: Sequence[TrialOutcome]) -> str:
    """Random search while fewer than ``hyperopt.n_startup`` trials succeeded, TPE after."""
    return "random" if sum(o.status == STATUS_OK for o in history) < ctx.scan.n_startup else "tpe"


def propose(
    ctx: ScanContext, trials: Sequence[int], history: Sequence[TrialOutcome], seeds: Sequence[int]
) -> list[Proposal]:
    """Proposals for ``trials`` (one algorithm seed each) from ``history``, in trial-id order."""
    known = build_trials(sorted(history, key=lambda o: o.trial), ctx.space)
    algorithm = algorithm_for(ctx, history)
    suggest = (
        rand.suggest
        if algorithm == "random"
        else partial(tpe.suggest, n_startup_jobs=ctx.scan.n_startup, verbose=False)
    )
    search = domain(ctx.space)
    proposals = []
    for trial, seed in zip(trials, seeds, strict=True):
        (doc,) = suggest([trial], search, known, int(seed))
        misc = doc["misc"]
        point = {label: values[0] for label, values in misc["vals"].items() if len(values)}
        proposals.append(Proposal(trial, algorithm, ctx.space.readable(point), misc))
    return proposals

"""A round's suggestions: hyperopt's TPE (or random search) over the finished earlier rounds.

The history is rebuilt from files in trial-id order (``store.build_trials``), and round r's
random state is ``default_rng(seeding.hyperopt_seed(seed, r))``, from which each trial of
the round draws its own algorithm seed in turn, as ``fmin`` does. A round is random search
while fewer than ``n_startup`` earlier trials succeeded, TPE with ``n_startup_jobs=n_startup``
after; so the same finished trials always give the same suggestions, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from hyperopt import rand, tpe

from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.records import STATUS_OK, read_outcomes
from replifold.hyperopt.store import build_trials, domain
from replifold.seeding import hyperopt_seed

ALGORITHM_SEED_BOUND = 2**31 - 1  # what fmin draws algorithm seeds below


@dataclass(frozen=True)
class RoundSuggestion:
    round: int
    algorithm: str  # "random" or "tpe"
    history: tuple[int, ...]  # the finished trials the suggestions are based on
    params: tuple[dict[str, Any], ...]  # one per trial of the round, in trial-id order


def suggest_round(ctx: ScanContext, round_: int) -> RoundSuggestion:
    outcomes = read_outcomes(ctx, range(round_ * ctx.scan.trials_per_round))
    trials = build_trials(outcomes, ctx.space)
    succeeded = sum(o.status == STATUS_OK for o in outcomes)
    if succeeded < ctx.scan.n_startup:
        algorithm, suggest = "random", rand.suggest
    else:
        algorithm, suggest = "tpe", partial(tpe.suggest, n_startup_jobs=ctx.scan.n_startup, verbose=False)
    search = domain(ctx.space)
    rstate = np.random.default_rng(hyperopt_seed(ctx.scan.seed, round_))
    params = []
    for trial in ctx.scan.trial_ids(round_):
        (doc,) = suggest([trial], search, trials, int(rstate.integers(ALGORITHM_SEED_BOUND)))
        point = {label: values[0] for label, values in doc["misc"]["vals"].items() if len(values)}
        params.append(ctx.space.readable(point))
    return RoundSuggestion(round_, algorithm, tuple(o.trial for o in outcomes), tuple(params))

"""The files engine: synchronous rounds of Snakemake jobs, every step a file (``round{r}.json``).

Round r's random state is ``default_rng(seeding.hyperopt_seed(seed, r))``, from which each
trial of the round draws its own algorithm seed in turn, as ``fmin`` does; the history is
every trial of the earlier rounds, read back from their ``hyperloss.json`` in trial-id order.
So the same finished trials always give the same suggestions, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from replifold.errors import UserError, require_files
from replifold.hyperopt.engines.base import ScanEngine
from replifold.hyperopt.proposals import ALGORITHM_SEED_BOUND, Proposal, propose
from replifold.hyperopt.records import TrialOutcome, read_outcomes
from replifold.io import read_json, write_json
from replifold.seeding import hyperopt_seed


class FilesEngine(ScanEngine):
    name = "files"

    def history(self, before: int) -> list[TrialOutcome]:
        return read_outcomes(self.ctx, range(before))

    def propose(self, trials: Sequence[int], history: Sequence[TrialOutcome]) -> list[Proposal]:
        round_ = self.ctx.scan.round_of(trials[0])
        rstate = np.random.default_rng(hyperopt_seed(self.ctx.scan.seed, round_))
        seeds = [int(rstate.integers(ALGORITHM_SEED_BOUND)) for _ in trials]
        return propose(self.ctx, trials, history, seeds)

    def propose_round(self, round_: int) -> tuple[list[Proposal], list[TrialOutcome]]:
        """Round ``round_``'s proposals and the history (all earlier rounds) they come from."""
        scan = self.ctx.scan
        history = self.history(round_ * scan.trials_per_round)
        return self.propose(list(scan.trial_ids(round_)), history), history

    def submit(self, proposals: Sequence[Proposal], history: Sequence[TrialOutcome] = ()) -> None:
        round_ = self.ctx.scan.round_of(proposals[0].trial)
        write_json(
            self.ctx.layout.round_file(round_),
            {
                "round": round_,
                "algorithm": proposals[0].algorithm,
                "history": [o.trial for o in history],
                "trials": [{"trial": p.trial, "params": p.params} for p in proposals],
            },
        )

    def params(self, trial: int) -> dict[str, Any]:
        """Trial ``trial``'s readable parameters, as its round's ``suggest`` wrote them."""
        ctx = self.ctx
        round_ = ctx.scan.round_of(trial)
        path = ctx.layout.round_file(round_)
        require_files([path], f"replifold suggest {ctx.layout.root} --round {round_}")
        for entry in read_json(path)["trials"]:
            if entry["trial"] == trial:
                params = entry["params"]
                try:
                    ctx.space.point(params)
                except ValueError as error:
                    raise UserError(
                        f"{path}: trial {trial} does not fit this runcard's search space: {error}"
                    ) from None
                return params
        raise UserError(
            f"{path} has no trial {trial}; rerun 'replifold suggest {ctx.layout.root} --round {round_}'"
        )

"""The per-round and per-trial files a scan is rebuilt from: ``round{r}.json`` and ``hyperloss.json``.

Everything downstream (the next round's suggestions, the trials store) is a function of
these files read in trial-id order, never of directory listings, so the order in which jobs
finished or files were copied cannot change a result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from replifold.errors import UserError
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.layout import require_files
from replifold.io import read_json, write_json

STATUS_OK, STATUS_FAIL = "ok", "fail"  # hyperopt's STATUS_OK / STATUS_FAIL


def write_round(ctx: ScanContext, round_: int, algorithm: str, history: Sequence[int], params: Sequence[dict]) -> None:
    trials = [{"trial": t, "params": p} for t, p in zip(ctx.scan.trial_ids(round_), params, strict=True)]
    write_json(
        ctx.layout.round_file(round_),
        {"round": round_, "algorithm": algorithm, "history": list(history), "trials": trials},
    )


def read_params(ctx: ScanContext, trial: int) -> dict[str, Any]:
    """Trial ``trial``'s readable parameters, as its round's ``suggest`` wrote them."""
    round_ = ctx.scan.round_of(trial)
    path = ctx.layout.round_file(round_)
    require_files([path], f"replifold suggest {ctx.layout.fit_dir} --round {round_}")
    for entry in read_json(path)["trials"]:
        if entry["trial"] == trial:
            params = entry["params"]
            try:
                ctx.space.point(params)
            except ValueError as error:
                raise UserError(f"{path}: trial {trial} does not fit this runcard's search space: {error}") from None
            return params
    raise UserError(f"{path} has no trial {trial}; rerun 'replifold suggest {ctx.layout.fit_dir} --round {round_}'")


@dataclass(frozen=True)
class TrialOutcome:
    """A finished trial: its parameters and what ``reduce`` made of its folds."""

    trial: int
    round: int
    params: dict[str, Any]
    status: str
    loss: float | None
    reason: str | None
    fold_losses: tuple[float | None, ...]

    def hyperopt_result(self) -> dict[str, Any]:
        if self.status == STATUS_OK:
            return {"status": STATUS_OK, "loss": self.loss, "fold_losses": list(self.fold_losses)}
        return {"status": STATUS_FAIL, "reason": self.reason}

    def record(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "round": self.round,
            "params": self.params,
            "status": self.status,
            "loss": self.loss,
            "reason": self.reason,
            "fold_losses": list(self.fold_losses),
        }


def read_outcomes(ctx: ScanContext, trials: Iterable[int]) -> list[TrialOutcome]:
    """The outcomes of ``trials`` in trial-id order; every one must have been reduced."""
    trials = sorted(trials)
    require_files([ctx.layout.hyperloss(t) for t in trials], f"replifold reduce {ctx.layout.fit_dir} --trial T")
    outcomes = []
    for trial in trials:
        hyperloss = read_json(ctx.layout.hyperloss(trial))
        outcomes.append(
            TrialOutcome(
                trial=trial,
                round=ctx.scan.round_of(trial),
                params=read_params(ctx, trial),
                status=hyperloss["status"],
                loss=hyperloss["loss"],
                reason=hyperloss["reason"],
                fold_losses=tuple(fold["loss"] for fold in hyperloss["folds"]),
            )
        )
    return outcomes

"""A finished trial as both engines record it: ``hyperopt/trial{t}/hyperloss.json``.

The file holds the trial's parameters beside its hyper-loss, so the scan's history and its
store are functions of these files read in trial-id order, whichever engine ran the trial,
never of directory listings or of the order in which jobs finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from replifold.errors import require_files
from replifold.hyperopt.context import ScanContext
from replifold.io import read_json

STATUS_OK, STATUS_FAIL = "ok", "fail"  # hyperopt's STATUS_OK / STATUS_FAIL


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

    @classmethod
    def from_hyperloss(cls, ctx: ScanContext, record: Mapping[str, Any]) -> TrialOutcome:
        trial = int(record["trial"])
        return cls(
            trial=trial,
            round=ctx.scan.round_of(trial),
            params=dict(record["params"]),
            status=record["status"],
            loss=record["loss"],
            reason=record["reason"],
            fold_losses=tuple(record["fold_losses"]),
        )


def finished_so_far(ctx: ScanContext) -> list[TrialOutcome]:
    """The trials reduced until now, whichever they are (for progress reports, never for results)."""
    paths = [(t, ctx.layout.hyperloss(t)) for t in range(ctx.scan.n_trials)]
    return [
        TrialOutcome.from_hyperloss(ctx, read_json(path)) for _, path in paths if path.is_file()
    ]


def progress_line(ctx: ScanContext, finished: list[TrialOutcome]) -> str:
    """'3/8 trials finished (1 failed); best so far: trial 2, loss 1.234'."""
    ok = [o for o in finished if o.status == STATUS_OK]
    failed = len(finished) - len(ok)
    head = f"{len(finished)}/{ctx.scan.n_trials} trials finished" + (
        f" ({failed} failed)" if failed else ""
    )
    if not ok:
        return f"{head}; no successful trial yet"
    best = min(ok, key=lambda o: (o.loss, o.trial))
    return f"{head}; best so far: trial {best.trial}, loss {best.loss:.6g}"


def read_outcomes(ctx: ScanContext, trials: Iterable[int]) -> list[TrialOutcome]:
    """The outcomes of ``trials`` in trial-id order; every one must have been reduced."""
    trials = sorted(trials)
    require_files(
        [ctx.layout.hyperloss(t) for t in trials], f"replifold reduce {ctx.layout.root} --trial T"
    )
    return [TrialOutcome.from_hyperloss(ctx, read_json(ctx.layout.hyperloss(t))) for t in trials]

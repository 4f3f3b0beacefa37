"""A fit directory's scan: its runcard and the settings every hyperopt verb reads from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.errors import UserError
from replifold.hyperopt.settings import KfoldSettings, ScanSettings
from replifold.hyperopt.space import SearchSpace, search_space
from replifold.layout import FitLayout


def check_index(kind: str, value: int, count: int, key: str) -> None:
    if not 0 <= value < count:
        raise UserError(
            f"{kind} {value} does not exist: the runcard's {key} gives {kind}s 0 to {count - 1}"
        )


@dataclass(frozen=True)
class ScanContext:
    layout: FitLayout
    runcard: dict[str, Any]
    scan: ScanSettings
    kfold: KfoldSettings
    space: SearchSpace

    @classmethod
    def load(cls, fit_dir: Path) -> ScanContext:
        from replifold.runcard import load_fit_runcard

        runcard = load_fit_runcard(fit_dir)
        return cls(
            FitLayout(fit_dir),
            runcard,
            ScanSettings.from_runcard(runcard),
            KfoldSettings.from_runcard(runcard),
            search_space(runcard),
        )

    def check_round(self, round_: int) -> None:
        check_index("round", round_, self.scan.rounds, "hyperopt.rounds")

    def check_trial(self, trial: int) -> None:
        check_index(
            "trial", trial, self.scan.n_trials, "hyperopt.rounds x hyperopt.trials_per_round"
        )

    def check_fold(self, fold: int) -> None:
        check_index("fold", fold, len(self.kfold.partitions), "kfold.partitions")

"""A fit directory's scan: its runcard and the settings every hyperopt verb reads from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replifold.errors import UserError
from replifold.hyperopt.layout import ScanLayout, check_index
from replifold.hyperopt.settings import KfoldSettings, ScanSettings
from replifold.hyperopt.space import SearchSpace, search_space


@dataclass(frozen=True)
class ScanContext:
    layout: ScanLayout
    runcard: dict[str, Any]
    scan: ScanSettings
    kfold: KfoldSettings
    space: SearchSpace

    @staticmethod
    def read(fit_dir: Path) -> tuple[ScanLayout, dict[str, Any]]:
        """The fit directory's layout and expanded runcard."""
        from replifold.runcard import expand_runcard, load_runcard

        layout = ScanLayout(Path(fit_dir))
        if not layout.runcard.is_file():
            raise UserError(f"{fit_dir} is not a fit directory (no runcard.yml); run 'replifold setup' first")
        return layout, expand_runcard(load_runcard(layout.runcard), source=str(layout.runcard))

    @classmethod
    def load(cls, fit_dir: Path) -> ScanContext:
        layout, runcard = cls.read(fit_dir)
        return cls(
            layout,
            runcard,
            ScanSettings.from_runcard(runcard),
            KfoldSettings.from_runcard(runcard),
            search_space(runcard),
        )

    def check_round(self, round_: int) -> None:
        check_index("round", round_, self.scan.rounds, "hyperopt.rounds")

    def check_trial(self, trial: int) -> None:
        check_index("trial", trial, self.scan.n_trials, "hyperopt.rounds x hyperopt.trials_per_round")

    def check_fold(self, fold: int) -> None:
        check_index("fold", fold, len(self.kfold.partitions), "kfold.partitions")

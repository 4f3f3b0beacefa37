"""Where a scan's files live under a fit directory (see DESIGN.md's DAG), and the checks of
the coordinates a verb is asked about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replifold.errors import UserError


@dataclass(frozen=True)
class ScanLayout:
    fit_dir: Path

    @property
    def runcard(self) -> Path:
        return self.fit_dir / "runcard.yml"

    @property
    def data_dir(self) -> Path:
        return self.fit_dir / "data"

    @property
    def root(self) -> Path:
        return self.fit_dir / "hyperopt"

    def round_file(self, round_: int) -> Path:
        return self.root / f"round{round_}.json"

    def trial_dir(self, trial: int) -> Path:
        return self.root / f"trial{trial}"

    def fold_dir(self, trial: int, fold: int) -> Path:
        return self.trial_dir(trial) / f"fold{fold}"

    def fold_result(self, trial: int, fold: int) -> Path:
        return self.fold_dir(trial, fold) / "result.json"

    def fold_weights(self, trial: int, fold: int) -> Path:
        return self.fold_dir(trial, fold) / "weights.h5"

    def hyperloss(self, trial: int) -> Path:
        return self.trial_dir(trial) / "hyperloss.json"

    @property
    def tries_json(self) -> Path:
        return self.root / "tries.json"

    @property
    def tries_pkl(self) -> Path:
        return self.root / "tries.pkl"

    @property
    def best_json(self) -> Path:
        return self.root / "best.json"


def require_files(paths: list[Path], produced_by: str) -> None:
    """A clear error naming every missing input and the verb that makes it."""
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        shown = "\n  ".join(missing[:10]) + (f"\n  ... and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise UserError(f"missing input files (run '{produced_by}' first):\n  {shown}")


def check_index(kind: str, value: int, count: int, key: str) -> None:
    if not 0 <= value < count:
        raise UserError(f"{kind} {value} does not exist: the runcard's {key} gives {kind}s 0 to {count - 1}")

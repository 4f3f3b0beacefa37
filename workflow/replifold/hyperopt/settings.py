"""The runcard's ``hyperopt`` and ``kfold`` sections, read once and typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from replifold.errors import RuncardError, UserError
from replifold.hyperopt.penalties import Penalty, parse_penalties
from replifold.hyperopt.statistics import STATISTICS

LOSS_TYPES = ("chi2", "phi2", "logp", "chi2p")
HYPER_THRESHOLD = 50.0  # n3fit.model_trainer.HYPER_THRESHOLD


@dataclass(frozen=True)
class ScanSettings:
    """The scan's size and its trial arithmetic: the one place that numbers trials.

    Trial ids are fixed by the runcard, ``t = round * trials_per_round + slot``, so the
    Snakemake DAG is static and both engines name the same trial the same way.
    """

    rounds: int
    trials_per_round: int
    replicas: int
    n_startup: int
    seed: int
    engine: str = "files"  # files: synchronous rounds of jobs; mongo: a driver and workers
    workers: int = 1  # the mongo engine's worker jobs

    @property
    def replica_ids(self) -> tuple[int, ...]:
        """The replicas every trial trains, in every fold: 1 to ``hyperopt.replicas``."""
        return tuple(range(1, self.replicas + 1))

    @property
    def n_trials(self) -> int:
        return self.rounds * self.trials_per_round

    def trial_ids(self, round_: int) -> range:
        return range(round_ * self.trials_per_round, (round_ + 1) * self.trials_per_round)

    def round_of(self, trial: int) -> int:
        return trial // self.trials_per_round

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> ScanSettings:
        section = runcard.get("hyperopt")
        if section is None:
            raise UserError(
                "the runcard has no 'hyperopt' section: this fit has no hyperparameter scan"
            )
        return cls(
            rounds=int(section["rounds"]),
            trials_per_round=int(section["trials_per_round"]),
            replicas=int(section.get("replicas", 1)),
            n_startup=int(section.get("n_startup", 1)),
            seed=int(section["seed"]),
            engine=str(section.get("engine", "files")),
            workers=int(section.get("workers", 1)),
        )


@dataclass(frozen=True)
class KfoldSettings:
    loss_type: str
    replica_statistic: str
    fold_statistic: str
    penalties_in_loss: bool
    penalties: tuple[Penalty, ...]
    threshold: float
    partitions: tuple[tuple[str, ...], ...]
    reduce_proportion: float | None = None  # None: every replica, and today's chi2 (see hyperloss)

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> KfoldSettings:
        section = runcard.get("kfold")
        if section is None:
            raise RuncardError(
                ("kfold",), "missing section: a hyperopt scan needs its k-fold hyper-loss"
            )
        settings = cls(
            loss_type=section.get("loss_type", "chi2"),
            replica_statistic=section.get("replica_statistic", "average"),
            fold_statistic=section.get("fold_statistic", "average"),
            penalties_in_loss=bool(section.get("penalties_in_loss", False)),
            penalties=parse_penalties(section.get("penalties", ())),
            threshold=float(section.get("threshold", HYPER_THRESHOLD)),
            partitions=tuple(tuple(p["datasets"]) for p in section["partitions"]),
            reduce_proportion=None
            if section.get("reduce_proportion") is None
            else float(section["reduce_proportion"]),
        )
        if settings.loss_type not in LOSS_TYPES:
            raise RuncardError(
                ("kfold", "loss_type"),
                "unknown loss type",
                found=settings.loss_type,
                allowed=", ".join(LOSS_TYPES),
            )
        for key in ("replica_statistic", "fold_statistic"):
            if getattr(settings, key) not in STATISTICS:
                raise RuncardError(
                    ("kfold", key),
                    "unknown statistic",
                    found=getattr(settings, key),
                    allowed=", ".join(STATISTICS),
                )
        return settings

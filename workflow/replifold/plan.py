"""The static shape of a fit's DAG, read from its expanded runcard alone.

Snakemake builds its DAG before any job runs, so how many rounds, trials, folds and replica
batches a fit has must follow from the runcard; ``rules/common.smk`` and the archive's
provenance both ask this module, so the workflow and the record of it cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from replifold.hyperopt.settings import ScanSettings


def replica_batches(replicas: int, per_job: int) -> tuple[tuple[int, ...], ...]:
    """Replicas 1..``replicas`` cut into ``fit_batch`` jobs of ``per_job`` (the last may be shorter)."""
    return tuple(
        tuple(range(first, min(first + per_job, replicas + 1)))
        for first in range(1, replicas + 1, per_job)
    )


def _folds(runcard: Mapping[str, Any]) -> int:
    """Folds per trial: the PDF k-fold partitions, or an imnn fit's disjoint simulation folds."""
    if runcard.get("problem") == "imnn":
        return int(runcard["imnn"]["kfold"]["folds"])
    return len(runcard["kfold"]["partitions"])


@dataclass(frozen=True)
class FitPlan:
    scan: (
        ScanSettings | None
    )  # None: no hyperopt section, the fit trains with the runcard's parameters
    folds: int
    batches: tuple[tuple[int, ...], ...]
    threads: int  # cores a training job uses: TensorFlow's larger thread pool
    draws: int = 1  # level-1 draws of a multi-closure test, this fit being draw 0

    @classmethod
    def from_runcard(cls, runcard: Mapping[str, Any]) -> FitPlan:
        scan = ScanSettings.from_runcard(runcard) if runcard.get("hyperopt") else None
        parallelism = runcard["parallelism"]
        return cls(
            scan=scan,
            folds=_folds(runcard) if scan else 0,
            batches=replica_batches(runcard["replicas"], runcard["replicas_per_job"]),
            threads=max(parallelism["intra_op_threads"], parallelism["inter_op_threads"]),
            draws=int(
                (runcard.get("closure") or {}).get("level1_draws", 1)
            ),  # problem: closure only
        )

    @property
    def replicas(self) -> tuple[int, ...]:
        return tuple(r for batch in self.batches for r in batch)

    @property
    def extra_draws(self) -> range:
        """The draws with a fit folder of their own under draws/ (none for a single closure fit)."""
        return range(1, self.draws)

    def batch_of(self, replica: int) -> int:
        for index, batch in enumerate(self.batches):
            if replica in batch:
                return index
        raise KeyError(replica)

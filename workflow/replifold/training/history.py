"""Per-epoch training history of a batch: written inside the compiled loop, saved as ``history.npz``.

Every ``stride`` epochs (epochs 0, stride, 2 stride, ...) the loop records, per replica,

* ``chi2_tr``, ``chi2_vl``: training and validation chi2 per point (NaN without validation points),
* ``positivity_loss``: ``multiplier * sum elu(-observable)`` over every positivity set,
* ``integrability_loss``: ``sum (lambda x f)^2`` over the integrability sets,

and, once per row, the multipliers in force (``positivity_multiplier`` and one column of
``integrability_multipliers`` per set). A replica that has stopped gets NaN from then on, so
each curve ends where its replica stopped. The file is reproducible bit for bit: the values
are those the step computed, in the batch's replica order.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from replifold.io import read_npz, write_npz

QUANTITIES: tuple[str, ...] = ("chi2_tr", "chi2_vl", "positivity_loss", "integrability_loss")


@dataclass(frozen=True, eq=False)
class TrainingHistory:
    stride: int
    epochs: np.ndarray  # (T,) recorded epochs
    values: dict[str, np.ndarray]  # quantity -> (T, R)
    positivity_multiplier: np.ndarray  # (T,)
    integrability_multipliers: np.ndarray  # (T, nsets)
    integrability_sets: tuple[str, ...]

    @classmethod
    def from_buffers(
        cls,
        stride: int,
        epochs_run: int,
        values: np.ndarray,
        multipliers: np.ndarray,
        integrability_sets: Sequence[str],
    ) -> TrainingHistory:
        """From the loop's buffers (rows, quantities, R) and (rows, 1 + nsets), cut to the epochs run."""
        rows = -(-epochs_run // stride)
        return cls(
            stride=int(stride),
            epochs=np.arange(rows, dtype=np.int64) * stride,
            values={
                name: values[:rows, k, :].astype(np.float64) for k, name in enumerate(QUANTITIES)
            },
            positivity_multiplier=multipliers[:rows, 0].astype(np.float64),
            integrability_multipliers=multipliers[:rows, 1:].astype(np.float64),
            integrability_sets=tuple(integrability_sets),
        )

    @property
    def replicas(self) -> int:
        return int(self.values[QUANTITIES[0]].shape[1])

    def select(self, indices: Sequence[int]) -> TrainingHistory:
        """The history of the replicas at ``indices`` (e.g. the first copy of a lone replica)."""
        index = np.asarray(indices, dtype=np.int64)
        return TrainingHistory(
            self.stride,
            self.epochs,
            {name: value[:, index] for name, value in self.values.items()},
            self.positivity_multiplier,
            self.integrability_multipliers,
            self.integrability_sets,
        )

    def save(self, path: str | os.PathLike, replicas: Sequence[int]) -> Path:
        arrays = {
            "stride": np.asarray([self.stride], dtype=np.int64),
            "epochs": self.epochs,
            "replicas": np.asarray(replicas, dtype=np.int64),
            "positivity_multiplier": self.positivity_multiplier,
            "integrability_multipliers": self.integrability_multipliers,
            "integrability_sets": np.asarray(self.integrability_sets, dtype=str),
            **self.values,
        }
        write_npz(path, arrays)
        return Path(path)


def load_history(path: str | os.PathLike) -> tuple[TrainingHistory, list[int]]:
    """A saved history and the replica numbers of its columns."""
    arrays = read_npz(path)
    history = TrainingHistory(
        stride=int(np.ravel(arrays["stride"])[0]),
        epochs=np.asarray(arrays["epochs"]),
        values={name: np.asarray(arrays[name]) for name in QUANTITIES},
        positivity_multiplier=np.asarray(arrays["positivity_multiplier"]),
        integrability_multipliers=np.asarray(arrays["integrability_multipliers"]).reshape(
            len(arrays["epochs"]), -1
        ),
        integrability_sets=tuple(str(s) for s in np.atleast_1d(arrays["integrability_sets"])),
    )
    return history, [int(r) for r in np.atleast_1d(arrays["replicas"])]

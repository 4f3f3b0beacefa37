"""The per-replica outputs of ``replifold split`` read back: what postfit and the report judge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from replifold.errors import UserError
from replifold.io import read_json, read_npz
from replifold.layout import FitLayout


@dataclass(frozen=True, eq=False)
class ReplicaOutput:
    replica: int
    fit: dict[
        str, Any
    ]  # fit.json: chi2s, best epoch, stop reason, positivity, seeds, arc lengths, integrability
    xgrid: np.ndarray  # (nx,)
    xf: np.ndarray  # (8, nx) x f(x) in the flavour basis

    @property
    def chi2_tr_per_point(self) -> float:
        return self.fit["chi2_tr"] / max(self.fit["n_tr"], 1)

    @property
    def chi2_vl_per_point(self) -> float:
        return self.fit["chi2_vl"] / self.fit["n_vl"] if self.fit["n_vl"] else float("nan")

    @property
    def chi2_exp_per_point(self) -> float:
        """Against the level-1 data of every dataset with the full covariance: n3fit's ``chi2``."""
        return self.fit["chi2_exp_total"] / max(self.fit["ndata_exp_total"], 1)

    @property
    def arc_lengths(self) -> list[float]:
        return self.fit["arc_lengths"]

    @property
    def integrability(self) -> list[float]:
        return self.fit["integrability"]


def load_replicas(layout: FitLayout, replicas: range | list[int]) -> list[ReplicaOutput]:
    """Replicas in the given order; a missing one names the file and the step that writes it."""
    outputs = []
    for replica in replicas:
        files = layout.replica(replica)
        if not (files.fit.is_file() and files.grid.is_file()):
            raise UserError(
                f"replica {replica} has no {files.fit.name}/{files.grid.name} in {files.path}; "
                "run 'replifold split' on its batch first"
            )
        grid = read_npz(files.grid)
        outputs.append(ReplicaOutput(replica, read_json(files.fit), grid["xgrid"], grid["xf"]))
    return outputs


def stacked_xf(replicas: list[ReplicaOutput]) -> np.ndarray:
    """(R, 8, nx) of the given replicas."""
    return np.stack([r.xf for r in replicas]).astype(np.float64)

"""The fitted problem as the training code sees it: the data contract between ``setup`` and ``fit``.

``replifold setup`` writes these objects to ``OUTDIR/data/`` and every later rule reads them
back with ``load_problem``; nothing downstream knows how the data were generated, so the
closure test and, later, real data plug in behind the same types.

Conventions shared by every producer and consumer:

* PDFs are handled as ``x f(x)`` in the flavour basis ``FLAVOURS`` on the x-grid ``xgrid``;
* a linear FK table ``fk[d, f, j]`` predicts ``sum_{f,j} fk[d,f,j] * xf[f, x_j]``;
* a bilinear FK table ``fk[d, c, i, j]`` with ``channels[c] = (a, b)`` (two flavour-coefficient
  vectors of length 8) predicts
  ``sum_{c,i,j} fk[d,c,i,j] * (a . xf)[x_i] * (b . xf)[x_j]``;
* all datasets are concatenated in the order of ``Problem.datasets`` (``Dataset.offset``);
* replica ``replica_ids[k]`` has data ``replica_data[k]`` and training mask
  ``training_mask[k]`` (validation = in a dataset with frac < 1 and not training).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FLAVOURS: tuple[str, ...] = ("u", "ubar", "d", "dbar", "s", "sbar", "c", "g")
PROCESS_TYPES: tuple[str, ...] = ("DIS_NC", "DIS_CC", "HADRONIC")


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    process: str
    kinematics: np.ndarray  # (ndata, 3): (x or rapidity, Q [GeV], sqrt(s) [GeV])
    fk: np.ndarray  # linear (ndata, 8, nx) or bilinear (ndata, nchan, nx, nx)
    channels: np.ndarray | None  # bilinear only: (nchan, 2, 8)
    theory: np.ndarray  # (ndata,) the truth's prediction (level 0)
    central: np.ndarray  # (ndata,) level-1 pseudo-data
    stat: np.ndarray  # (ndata,) absolute uncorrelated uncertainty
    sys: np.ndarray  # (ndata, nsys) absolute correlated additive systematics
    norm: float  # relative, fully correlated multiplicative normalisation uncertainty
    covmat: np.ndarray  # (ndata, ndata)
    frac: float  # training fraction
    offset: int  # first index in the concatenated data vector

    @property
    def ndata(self) -> int:
        return int(self.theory.shape[0])

    @property
    def bilinear(self) -> bool:
        return self.channels is not None

    @property
    def slice(self) -> slice:
        return slice(self.offset, self.offset + self.ndata)


@dataclass(frozen=True, eq=False)
class PositivitySet:
    name: str
    fk: np.ndarray  # linear (npoints, 8, nx)
    kinematics: np.ndarray  # (npoints, 3)

    @property
    def npoints(self) -> int:
        return int(self.fk.shape[0])


@dataclass(frozen=True, eq=False)
class Problem:
    xgrid: np.ndarray  # (nx,)
    integration_x: np.ndarray  # (ni,) quadrature nodes for sum rules
    integration_w: np.ndarray  # (ni,) weights: sum_k w_k g(x_k) ~ int_0^1 g(x) dx
    truth_xf: np.ndarray  # (8, nx) x f(x) of the truth on xgrid (closure test only)
    datasets: tuple[Dataset, ...]
    positivity: tuple[PositivitySet, ...]
    folds: tuple[tuple[str, ...], ...]  # k-fold partitions by dataset name
    covmat: np.ndarray  # (ndata, ndata) block diagonal experimental covariance
    replica_ids: np.ndarray  # (nrep,) 1-based replica numbers
    replica_data: np.ndarray  # (nrep, ndata) level-2 data per replica
    training_mask: np.ndarray  # (nrep, ndata) bool
    meta: dict = field(default_factory=dict)

    @property
    def ndata(self) -> int:
        return int(self.covmat.shape[0])

    @property
    def central(self) -> np.ndarray:
        return np.concatenate([d.central for d in self.datasets])

    @property
    def theory(self) -> np.ndarray:
        return np.concatenate([d.theory for d in self.datasets])

    def dataset(self, name: str) -> Dataset:
        for dataset in self.datasets:
            if dataset.name == name:
                return dataset
        raise KeyError(name)

    def replica_index(self, replica: int) -> int:
        """Row of ``replica_data``/``training_mask`` holding 1-based ``replica``."""
        rows = np.flatnonzero(self.replica_ids == replica)
        if rows.size == 0:
            raise KeyError(replica)
        return int(rows[0])

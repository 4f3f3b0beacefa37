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

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from replifold.errors import UserError
from replifold.io import read_json, read_npz, write_json, write_npz

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


# --- on-disk form -------------------------------------------------------------------------
#
# data_dir/meta.json            structure (flavours, datasets, positivity, folds, replica ids)
#                               merged with ``Problem.meta`` (seeds, truth parameters, ...)
# data_dir/grid.npz             xgrid, integration_x, integration_w
# data_dir/truth.npz            xf (8, nx) plus whatever the producer adds (``truth_extra``)
# data_dir/datasets/<NAME>.npz  fk, [channels], kinematics, theory, central, stat, sys, covmat
# data_dir/positivity/<NAME>.npz fk, kinematics
# data_dir/covmat.npz           covmat (full, block diagonal)
# data_dir/replicas.npz         replica_ids, replica_data, training_mask

_STRUCTURE_KEYS = ("flavours", "datasets", "positivity", "folds", "replica_ids")


def save_problem(problem: Problem, data_dir: str | Path, truth_extra: Mapping[str, np.ndarray] | None = None) -> None:
    """Write ``problem`` so that ``load_problem`` returns an equal one; reruns give equal bytes."""
    data_dir = Path(data_dir)
    clash = sorted(set(problem.meta) & set(_STRUCTURE_KEYS))
    if clash:
        raise ValueError(f"Problem.meta may not use the reserved keys {clash}")
    structure = {
        "flavours": list(FLAVOURS),
        "datasets": [
            {
                "name": d.name,
                "process": d.process,
                "ndata": d.ndata,
                "offset": d.offset,
                "frac": d.frac,
                "nsys": int(d.sys.shape[1]),
                "norm": d.norm,
                "bilinear": d.bilinear,
            }
            for d in problem.datasets
        ],
        "positivity": [{"name": p.name, "npoints": p.npoints} for p in problem.positivity],
        "folds": [list(fold) for fold in problem.folds],
        "replica_ids": problem.replica_ids,
    }
    write_json(data_dir / "meta.json", {**problem.meta, **structure})
    write_npz(
        data_dir / "grid.npz",
        {"xgrid": problem.xgrid, "integration_x": problem.integration_x, "integration_w": problem.integration_w},
    )
    write_npz(data_dir / "truth.npz", {**(truth_extra or {}), "xf": problem.truth_xf})
    for d in problem.datasets:
        arrays = {
            "fk": d.fk,
            "kinematics": d.kinematics,
            "theory": d.theory,
            "central": d.central,
            "stat": d.stat,
            "sys": d.sys,
            "covmat": d.covmat,
        }
        if d.channels is not None:
            arrays["channels"] = d.channels
        write_npz(data_dir / "datasets" / f"{d.name}.npz", arrays)
    for p in problem.positivity:
        write_npz(data_dir / "positivity" / f"{p.name}.npz", {"fk": p.fk, "kinematics": p.kinematics})
    write_npz(data_dir / "covmat.npz", {"covmat": problem.covmat})
    write_npz(
        data_dir / "replicas.npz",
        {
            "replica_ids": problem.replica_ids,
            "replica_data": problem.replica_data,
            "training_mask": problem.training_mask,
        },
    )


def load_problem(data_dir: str | Path) -> Problem:
    """The problem ``replifold setup`` wrote to ``data_dir``; incomplete or damaged data is a user error."""
    data_dir = Path(data_dir)
    meta_path = data_dir / "meta.json"
    if not meta_path.is_file():
        raise UserError(f"no problem data in {data_dir} (missing meta.json); run 'replifold setup' first")
    try:
        return _read_problem(data_dir, meta_path)
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:
        raise UserError(
            f"the problem data in {data_dir} is incomplete or damaged ({type(error).__name__}: {error}); "
            "rerun 'replifold setup' (with snakemake: remove the folder and rerun)"
        ) from None


def _read_problem(data_dir: Path, meta_path: Path) -> Problem:
    meta = read_json(meta_path)
    if tuple(meta["flavours"]) != FLAVOURS:
        raise UserError(f"{meta_path}: flavours {meta['flavours']} differ from this version's {list(FLAVOURS)}")
    datasets = []
    for entry in meta["datasets"]:
        arrays = read_npz(data_dir / "datasets" / f"{entry['name']}.npz")
        datasets.append(
            Dataset(
                name=entry["name"],
                process=entry["process"],
                kinematics=arrays["kinematics"],
                fk=arrays["fk"],
                channels=arrays.get("channels"),
                theory=arrays["theory"],
                central=arrays["central"],
                stat=arrays["stat"],
                sys=arrays["sys"],
                norm=float(entry["norm"]),
                covmat=arrays["covmat"],
                frac=float(entry["frac"]),
                offset=int(entry["offset"]),
            )
        )
    positivity = []
    for entry in meta["positivity"]:
        arrays = read_npz(data_dir / "positivity" / f"{entry['name']}.npz")
        positivity.append(PositivitySet(name=entry["name"], fk=arrays["fk"], kinematics=arrays["kinematics"]))
    grid = read_npz(data_dir / "grid.npz")
    replicas = read_npz(data_dir / "replicas.npz")
    return Problem(
        xgrid=grid["xgrid"],
        integration_x=grid["integration_x"],
        integration_w=grid["integration_w"],
        truth_xf=read_npz(data_dir / "truth.npz")["xf"],
        datasets=tuple(datasets),
        positivity=tuple(positivity),
        folds=tuple(tuple(fold) for fold in meta["folds"]),
        covmat=read_npz(data_dir / "covmat.npz")["covmat"],
        replica_ids=replicas["replica_ids"],
        replica_data=replicas["replica_data"],
        training_mask=replicas["training_mask"],
        meta={k: v for k, v in meta.items() if k not in _STRUCTURE_KEYS},
    )

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
  ``training_mask[k]`` (validation = in a dataset with frac < 1 and not training). The data
  folder stores no replica: each is drawn from its own seeds by ``ReplicaSampling`` when a
  job loads the problem for the replicas it trains, so the data do not depend on how many
  replicas a runcard asks for, and adding replicas leaves them untouched.
"""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from replifold import seeding
from replifold.errors import UserError
from replifold.io import read_json, read_npz, write_json, write_npz
from replifold.pseudodata import replica_data, training_masks

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
class ReplicaSampling:
    """How replica r's level-2 data and training mask are drawn: from r's own seeds alone."""

    mcseed: int
    trvlseed: int
    genrep: bool
    dataset_indices: tuple[
        int, ...
    ]  # each dataset's coordinate in the training/validation seed stream
    covmat: np.ndarray  # (ndata, ndata) the covariance Monte Carlo replicas are drawn from

    def draw(
        self, datasets: tuple[Dataset, ...], central: np.ndarray, replica_ids: tuple[int, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(replica_data, training_mask), each (len(replica_ids), ndata)."""
        ndata = central.shape[0]
        if not replica_ids:
            return np.zeros((0, ndata)), np.zeros((0, ndata), dtype=bool)
        cholesky = np.linalg.cholesky(self.covmat)
        data = replica_data(central, cholesky, self.mcseed, replica_ids, self.genrep)
        sizes, fracs = [d.ndata for d in datasets], [d.frac for d in datasets]
        return data, training_masks(sizes, fracs, self.dataset_indices, self.trvlseed, replica_ids)

    def seeds(
        self, datasets: tuple[Dataset, ...], replica: int
    ) -> tuple[int | None, dict[str, int]]:
        """Replica ``replica``'s Monte Carlo seed (None without genrep) and its split seed per dataset."""
        mc = seeding.mc_seed(self.mcseed, replica) if self.genrep else None
        trvl = {
            d.name: seeding.trvl_seed(self.trvlseed, replica, index)
            for d, index in zip(datasets, self.dataset_indices, strict=True)
        }
        return mc, trvl


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
    sampling: ReplicaSampling | None = (
        None  # None: a problem made in memory with its replicas given
    )

    def with_replicas(self, replica_ids) -> Problem:
        """This problem holding exactly replicas ``replica_ids``, drawn by ``sampling``."""
        if self.sampling is None:
            raise ValueError("this problem has no replica sampling: its replicas are fixed")
        ids = tuple(int(r) for r in replica_ids)
        if any(r < 1 for r in ids) or len(set(ids)) != len(ids):
            raise UserError(f"replicas are distinct numbers from 1, got {list(ids)[:10]}")
        data, mask = self.sampling.draw(self.datasets, self.central, ids)
        return dataclasses.replace(
            self, replica_ids=np.asarray(ids, dtype=np.int64), replica_data=data, training_mask=mask
        )

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
# data_dir/meta.json            structure (flavours, datasets, positivity, folds, replica sampling)
#                               merged with ``Problem.meta`` (seeds, truth parameters, ...)
# data_dir/grid.npz             xgrid, integration_x, integration_w
# data_dir/truth.npz            xf (8, nx) plus whatever the producer adds (``truth_extra``)
# data_dir/datasets/<NAME>.npz  fk, [channels], kinematics, theory, central, stat, sys, covmat
# data_dir/positivity/<NAME>.npz fk, kinematics
# data_dir/covmat.npz           covmat (full, block diagonal)
# data_dir/sampling.npz         the covariance replicas are drawn from (absent when it is covmat)

_STRUCTURE_KEYS = ("flavours", "datasets", "positivity", "folds", "sampling")


def save_problem(
    problem: Problem, data_dir: str | Path, truth_extra: Mapping[str, np.ndarray] | None = None
) -> None:
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
        "sampling": _sampling_json(problem),
    }
    write_json(data_dir / "meta.json", {**problem.meta, **structure})
    write_npz(
        data_dir / "grid.npz",
        {
            "xgrid": problem.xgrid,
            "integration_x": problem.integration_x,
            "integration_w": problem.integration_w,
        },
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
        write_npz(
            data_dir / "positivity" / f"{p.name}.npz", {"fk": p.fk, "kinematics": p.kinematics}
        )
    write_npz(data_dir / "covmat.npz", {"covmat": problem.covmat})
    sampling = problem.sampling
    if sampling is not None and not np.array_equal(sampling.covmat, problem.covmat):
        write_npz(data_dir / "sampling.npz", {"covmat": sampling.covmat})


def _sampling_json(problem: Problem) -> dict | None:
    sampling = problem.sampling
    if sampling is None:
        raise ValueError(
            "only a problem with a replica sampling can be saved: replicas are drawn when loading"
        )
    return {
        "mcseed": sampling.mcseed,
        "trvlseed": sampling.trvlseed,
        "genrep": sampling.genrep,
        "dataset_indices": list(sampling.dataset_indices),
        "covmat": "covmat" if np.array_equal(sampling.covmat, problem.covmat) else "sampling",
    }


def load_problem(data_dir: str | Path, replicas: Sequence[int] = ()) -> Problem:
    """The problem ``replifold setup`` wrote to ``data_dir``, holding ``replicas`` (drawn from their seeds).

    Incomplete or damaged data is a user error.
    """
    data_dir = Path(data_dir)
    meta_path = data_dir / "meta.json"
    if not meta_path.is_file():
        raise UserError(
            f"no problem data in {data_dir} (missing meta.json); run 'replifold setup' first"
        )
    try:
        return _read_problem(data_dir, meta_path).with_replicas(replicas)
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:
        raise UserError(
            f"the problem data in {data_dir} is incomplete or damaged ({type(error).__name__}: {error}); "
            "rerun 'replifold setup' (with snakemake: remove the folder and rerun)"
        ) from None


def _read_problem(data_dir: Path, meta_path: Path) -> Problem:
    meta = read_json(meta_path)
    if tuple(meta["flavours"]) != FLAVOURS:
        raise UserError(
            f"{meta_path}: flavours {meta['flavours']} differ from this version's {list(FLAVOURS)}"
        )
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
        positivity.append(
            PositivitySet(name=entry["name"], fk=arrays["fk"], kinematics=arrays["kinematics"])
        )
    grid = read_npz(data_dir / "grid.npz")
    covmat = read_npz(data_dir / "covmat.npz")["covmat"]
    stored = meta["sampling"]
    sampling = ReplicaSampling(
        mcseed=int(stored["mcseed"]),
        trvlseed=int(stored["trvlseed"]),
        genrep=bool(stored["genrep"]),
        dataset_indices=tuple(int(i) for i in stored["dataset_indices"]),
        covmat=covmat
        if stored["covmat"] == "covmat"
        else read_npz(data_dir / "sampling.npz")["covmat"],
    )
    ndata = covmat.shape[0]
    return Problem(
        xgrid=grid["xgrid"],
        integration_x=grid["integration_x"],
        integration_w=grid["integration_w"],
        truth_xf=read_npz(data_dir / "truth.npz")["xf"],
        datasets=tuple(datasets),
        positivity=tuple(positivity),
        folds=tuple(tuple(fold) for fold in meta["folds"]),
        covmat=covmat,
        replica_ids=np.zeros(0, dtype=np.int64),
        replica_data=np.zeros((0, ndata)),
        training_mask=np.zeros((0, ndata), dtype=bool),
        meta={k: v for k, v in meta.items() if k not in _STRUCTURE_KEYS},
        sampling=sampling,
    )

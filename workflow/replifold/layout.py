"""The fit folder: where every stage puts its outputs, spelled out once.

Every command, the report, the archive, postfit, both hyperopt engines and the Snakemake rules
(``rules/common.smk``) ask this module for paths, so a file cannot be written under one name
and looked for under another. A fit folder ``results/<fit>/`` holds::

    runcard.yml, runcard.sha256          setup_fit: the expanded runcard and its hash
    views/<stage>.json                   the part of the runcard each stage reads (replifold.views)
    data/                                setup_fit: the problem (inner layout: replifold.problem)
    simulations/                         simulate (imnn fits only): the seeded simulation sets
    hyperopt/round<r>.json               suggest: the parameters of round r's trials (files engine)
    hyperopt/trial<t>/fold<k>/           train_fold: a trained stacked model (TrainedModelDir)
    hyperopt/trial<t>/hyperloss.json     reduce_trial
    hyperopt/tries.json, tries.pkl, best.json   collect (or the mongo engine's driver)
    fit/batch<b>/                        fit_batch: a trained stacked model and its history.npz (TrainedModelDir)
    fit/replica_<i>/                     split_replicas: fit.json, grid.npz, weights.h5 (ReplicaDir);
                                         imnn fits: fit.json, weights.h5, history.npz, statistics.npz
    postfit/selected.json, veto.json     postfit
    draws/draw<k>/                       a multi-closure test's level-1 draw k >= 1: a fit folder of its
                                         own (runcard, data, fit, postfit), made by setup-draw
    closure/estimators.json              multiclosure: R_bv, xi_1sigma, chi2s over the draws
    lhapdf/<fit>/, lhapdf/evolution.json evolve: the LHAPDF6 set and the evolution's record
    report/index.html, report/figures/   report
    archive/<fit>.tar.gz, MANIFEST.sha256, provenance.json   archive
    logs/, benchmarks/                   Snakemake's log: and benchmark: files, TensorBoard logs (never archived)
    mongodb/                             the mongo engine's server files (never archived)

Indices are ints, or Snakemake wildcards such as ``"{trial}"``: ``FitLayout("results/{fit}")``
gives the rules their output patterns from the same methods the commands call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

Index = int | str

RUNCARD_NAME = "runcard.yml"
RUNCARD_HASH_NAME = "runcard.sha256"
WEIGHTS_NAME = "weights.h5"
MODEL_NAME = "model.json"
RESULT_NAME = "result.json"
HISTORY_NAME = "history.npz"
MANIFEST_NAME = "MANIFEST.sha256"
PROVENANCE_NAME = "provenance.json"
TIMING_SUFFIX = ".timing.json"  # machine-dependent: kept out of the archive
# An IMNN batch's and replica's kept weights' statistics (replifold.imnn); its history.npz is HISTORY_NAME.
STATISTICS_NAME = "statistics.npz"

# What the archive holds, by top-level entry of the fit folder; the rest (logs, benchmarks,
# the mongo server's files, the archive itself) describes one run on one machine, or, for an
# imnn fit's simulations/, is remade from the runcard's seeds (and can be large).
ARCHIVED = (
    RUNCARD_NAME,
    RUNCARD_HASH_NAME,
    "data",
    "hyperopt",
    "fit",
    "postfit",
    "draws",
    "closure",
    "lhapdf",
    "report",
)
# What a finished fit must have before it can be archived.
REQUIRED_FOR_ARCHIVE = (RUNCARD_NAME, RUNCARD_HASH_NAME, "data", "fit", "postfit", "report")


@dataclass(frozen=True)
class TrainedModelDir:
    """A stacked model as ``replifold fit`` (a batch) or ``train-fold`` (a fold) leaves it.

    A batch also keeps its per-epoch training history (``history.npz``); a fold does not.
    """

    path: Path
    timing_name: str
    has_history: bool = False

    @property
    def weights(self) -> Path:
        return self.path / WEIGHTS_NAME

    @property
    def model(self) -> Path:
        return self.path / MODEL_NAME

    @property
    def result(self) -> Path:
        return self.path / RESULT_NAME

    @property
    def history(self) -> Path:
        return self.path / HISTORY_NAME

    @property
    def timing(self) -> Path:
        return self.path / self.timing_name

    @property
    def statistics(self) -> Path:
        return self.path / STATISTICS_NAME

    @property
    def reproducible(self) -> tuple[Path, ...]:
        """The files a rerun must reproduce bit for bit."""
        return (self.result, self.weights, self.model) + (
            (self.history,) if self.has_history else ()
        )

    @property
    def imnn_reproducible(self) -> tuple[Path, ...]:
        """An IMNN batch's: the per-epoch history and the statistics beside the model."""
        return (self.result, self.weights, self.model, self.history, self.statistics)


def batch_dir(path: str | Path) -> TrainedModelDir:
    """Any folder ``replifold fit -o`` writes into (a fit batch, or a verify rerun's)."""
    return TrainedModelDir(Path(path), "fit" + TIMING_SUFFIX, has_history=True)


def fold_dir(path: str | Path) -> TrainedModelDir:
    return TrainedModelDir(Path(path), "result" + TIMING_SUFFIX)


@dataclass(frozen=True)
class ReplicaDir:
    """One replica as ``replifold split`` leaves it."""

    path: Path

    @property
    def weights(self) -> Path:
        return self.path / WEIGHTS_NAME

    @property
    def grid(self) -> Path:
        return self.path / "grid.npz"

    @property
    def fit(self) -> Path:
        return self.path / "fit.json"

    @property
    def history(self) -> Path:
        return self.path / HISTORY_NAME

    @property
    def statistics(self) -> Path:
        return self.path / STATISTICS_NAME

    @property
    def reproducible(self) -> tuple[Path, ...]:
        return (self.fit, self.grid, self.weights)

    @property
    def imnn_reproducible(self) -> tuple[Path, ...]:
        """What ``replifold split`` writes for an IMNN replica (no PDF grid)."""
        return (self.weights, self.fit, self.history, self.statistics)


def replica_dir(replicas_root: str | Path, replica: Index) -> ReplicaDir:
    """``replica_<i>/`` under any folder ``replifold split -o`` writes into."""
    return ReplicaDir(Path(replicas_root) / f"replica_{replica}")


@dataclass(frozen=True)
class FitLayout:
    root: Path

    def __init__(self, root: str | Path):
        object.__setattr__(self, "root", Path(root))

    @property
    def name(self) -> str:
        """The fit's name, which is its folder's."""
        return self.root.name

    def relative(self, path: Path) -> str:
        """``path`` as a POSIX path inside the fit folder (the archive's member names)."""
        return Path(path).relative_to(self.root).as_posix()

    # setup_fit
    @property
    def runcard(self) -> Path:
        return self.root / RUNCARD_NAME

    @property
    def runcard_hash(self) -> Path:
        return self.root / RUNCARD_HASH_NAME

    def view(self, stage: str) -> Path:
        return self.root / "views" / f"{stage}.json"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def simulations_dir(self) -> Path:
        """``simulations/`` (imnn fits): what ``replifold simulate`` writes beside ``data/``."""
        return self.root / "simulations"

    # hyperopt
    @property
    def hyperopt_dir(self) -> Path:
        return self.root / "hyperopt"

    def round_file(self, round_: Index) -> Path:
        return self.hyperopt_dir / f"round{round_}.json"

    def trial_dir(self, trial: Index) -> Path:
        return self.hyperopt_dir / f"trial{trial}"

    def fold(self, trial: Index, fold: Index) -> TrainedModelDir:
        return fold_dir(self.trial_dir(trial) / f"fold{fold}")

    def hyperloss(self, trial: Index) -> Path:
        return self.trial_dir(trial) / "hyperloss.json"

    @property
    def tries_json(self) -> Path:
        return self.hyperopt_dir / "tries.json"

    @property
    def tries_pkl(self) -> Path:
        return self.hyperopt_dir / "tries.pkl"

    @property
    def best_json(self) -> Path:
        return self.hyperopt_dir / "best.json"

    # the final fit
    @property
    def fit_dir(self) -> Path:
        """``fit/``: the batches and the replicas split from them."""
        return self.root / "fit"

    def batch(self, batch: Index) -> TrainedModelDir:
        return batch_dir(self.fit_dir / f"batch{batch}")

    def replica(self, replica: Index) -> ReplicaDir:
        return replica_dir(self.fit_dir, replica)

    # postfit, report, archive
    @property
    def postfit_dir(self) -> Path:
        return self.root / "postfit"

    @property
    def selected_json(self) -> Path:
        return self.postfit_dir / "selected.json"

    @property
    def veto_json(self) -> Path:
        return self.postfit_dir / "veto.json"

    # a multi-closure test
    @property
    def draws_dir(self) -> Path:
        return self.root / "draws"

    def draw(self, draw: Index) -> FitLayout:
        """Level-1 draw ``draw`` >= 1, itself a fit folder (draw 0 is this fit)."""
        return FitLayout(self.draws_dir / f"draw{draw}")

    @property
    def closure_dir(self) -> Path:
        return self.root / "closure"

    @property
    def closure_estimators(self) -> Path:
        return self.closure_dir / "estimators.json"

    @property
    def lhapdf_dir(self) -> Path:
        return self.root / "lhapdf"

    @property
    def lhapdf_set(self) -> Path:
        """The LHAPDF6 set, named after the fit: lhapdf/<fit>/{<fit>.info, <fit>_NNNN.dat}."""
        return self.lhapdf_dir / self.name

    @property
    def evolution_json(self) -> Path:
        return self.lhapdf_dir / "evolution.json"

    @property
    def report_dir(self) -> Path:
        return self.root / "report"

    @property
    def report_html(self) -> Path:
        return self.report_dir / "index.html"

    @property
    def report_figures(self) -> Path:
        return self.report_dir / "figures"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def tarball(self) -> Path:
        return self.archive_dir / f"{self.name}.tar.gz"

    @property
    def manifest(self) -> Path:
        return self.archive_dir / MANIFEST_NAME

    @property
    def provenance(self) -> Path:
        return self.archive_dir / PROVENANCE_NAME

    # run records, never archived
    def log(self, *parts: str) -> Path:
        """``logs/<parts>``: a rule's ``log:`` file."""
        return self.root.joinpath("logs", *parts)

    def benchmark(self, *parts: str) -> Path:
        """``benchmarks/<parts>``: a rule's ``benchmark:`` file."""
        return self.root.joinpath("benchmarks", *parts)

    def tensorboard_dir(self, batch: Index) -> Path:
        """``logs/tensorboard/batch<b>/``: a batch's TensorBoard event files (wall-clock stamped)."""
        return self.log("tensorboard", f"batch{batch}")

    @property
    def mongodb_dir(self) -> Path:
        return self.root / "mongodb"

    @property
    def mongod_log(self) -> Path:
        return self.log("mongod.log")

    def mongo_worker_record(self, worker: Index) -> Path:
        """What a mongo worker job leaves: which trials it ran (not reproducible, so under logs/)."""
        return self.log("mongo", f"worker{worker}.json")

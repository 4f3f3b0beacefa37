"""The fits of this invocation and the static shape of each one's DAG.

Each configured runcard is expanded once, here, with the same code `replifold setup` uses, so
the number of rounds, trials, folds and replica batches is known when the DAG is built:
trial ids are fixed (t = r * trials_per_round + s) and no rule needs a checkpoint.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from replifold.errors import UserError
from replifold.imnn.results import REPLICA_FILES as IMNN_REPLICA_FILES
from replifold.imnn.stages import hyperopt_folds, is_imnn
from replifold.runcard import expand_runcard, fit_name, load_runcard

RESULTS = config["results"]
CONDA_ENV = "../envs/replifold.yaml"
# Set (not read) for envs/replifold.post-deploy.sh, which installs this checkout into the conda env.
os.environ.update(REPLIFOLD_SOURCE=workflow.basedir)


@dataclass(frozen=True)
class Batch:
    index: int
    replicas: tuple[int, ...]

    @property
    def range(self) -> str:
        return f"{self.replicas[0]}-{self.replicas[-1]}"


@dataclass(frozen=True)
class Fit:
    name: str
    runcard: str
    rounds: int
    trials_per_round: int
    folds: int
    batches: tuple[Batch, ...]
    threads: int
    engine: str = "files"  # hyperopt.engine: files (rounds of jobs) or mongo (a driver and workers)
    workers: int = 0  # hyperopt.workers of the mongo engine
    problem: str = "closure"  # the runcard's problem; imnn fits add the simulate stage

    @property
    def dir(self) -> str:
        return os.path.join(RESULTS, self.name)

    def path(self, *parts: str) -> str:
        return os.path.join(self.dir, *parts)

    @property
    def ident(self) -> str:
        """The fit name as a Python identifier, for the rules stamped out per fit."""
        return re.sub(r"\W", "_", self.name)

    @property
    def scan(self) -> bool:
        return self.rounds > 0

    def trials(self, round_: int) -> range:
        return range(round_ * self.trials_per_round, (round_ + 1) * self.trials_per_round)

    def round_of(self, trial: int) -> int:
        return trial // self.trials_per_round

    @property
    def replicas(self) -> tuple[int, ...]:
        return tuple(r for batch in self.batches for r in batch.replicas)

    @property
    def imnn(self) -> bool:
        return self.problem == "imnn"

    @property
    def replica_outputs(self) -> tuple[str, ...]:
        """What `replifold split` writes per replica."""
        return IMNN_REPLICA_FILES if self.imnn else ("weights.h5", "grid.npz", "fit.json")


def _locate(runcard: str) -> str:
    """Relative runcards are looked up in the working directory, then beside the Snakefile."""
    if os.path.isabs(runcard) or os.path.exists(runcard):
        return runcard
    beside = os.path.join(workflow.basedir, runcard)
    if os.path.exists(beside):
        return beside
    raise UserError(f"config runcards: {runcard} not found in {os.getcwd()} nor in {workflow.basedir}")


def _plan(runcard: str) -> Fit:
    path = _locate(runcard)
    card = expand_runcard(load_runcard(path), source=path)
    scan = card.get("hyperopt")
    size = card["replicas_per_job"]
    first = range(1, card["replicas"] + 1, size)
    return Fit(
        name=fit_name(path),
        runcard=path,
        rounds=scan["rounds"] if scan else 0,
        trials_per_round=scan["trials_per_round"] if scan else 0,
        folds=(hyperopt_folds(card) if is_imnn(card) else len(card["kfold"]["partitions"])) if scan else 0,
        batches=tuple(
            Batch(b, tuple(range(r, min(r + size, card["replicas"] + 1)))) for b, r in enumerate(first)
        ),
        threads=max(card["parallelism"]["intra_op_threads"], card["parallelism"]["inter_op_threads"]),
        engine=scan.get("engine", "files") if scan else "files",
        workers=scan.get("workers", 1) if scan else 0,
        problem=card["problem"],
    )


def _fits(runcards) -> dict[str, Fit]:
    fits = {}
    for runcard in [runcards] if isinstance(runcards, str) else runcards:
        fit = _plan(runcard)
        if fit.name in fits:
            raise UserError(f"config runcards: two runcards are named {fit.name!r}; fits are named after the runcard file")
        fits[fit.name] = fit
    return fits


FITS = _fits(config["runcards"])


wildcard_constraints:
    fit="|".join(re.escape(name) for name in FITS),
    round=r"\d+",
    trial=r"\d+",
    fold=r"\d+",
    batch=r"\d+",


def fit_path(*parts: str) -> str:
    """A path pattern under results/{fit}/."""
    return os.path.join(RESULTS, "{fit}", *parts)


def fit_dir(wildcards) -> str:
    return FITS[wildcards.fit].dir


def fit_threads(wildcards) -> int:
    return FITS[wildcards.fit].threads


def replica_files(fit: Fit, name: str) -> list[str]:
    return [fit.path("fit", f"replica_{r}", name) for r in fit.replicas]


def get_replica_outputs(wildcards) -> list[str]:
    """Every per-replica file `replifold split` writes (postfit and the report judge them)."""
    fit = FITS[wildcards.fit]
    return [path for name in fit.replica_outputs for path in replica_files(fit, name)]


def get_simulations(wildcards) -> list[str]:
    """An imnn fit's training jobs read the simulations `replifold simulate` wrote; PDF fits have none."""
    fit = FITS[wildcards.fit]
    return [fit.path("simulations")] if fit.imnn else []


def hyperloss_files(fit: Fit, rounds: range) -> list[str]:
    return [fit.path("hyperopt", f"trial{t}", "hyperloss.json") for r in rounds for t in fit.trials(r)]


def mongo_worker_records(fit: Fit) -> list[str]:
    """What each mongo-engine worker job leaves (under logs/: which trials it ran is not reproducible)."""
    return [fit.path("logs", "mongo", f"worker{w}.json") for w in range(fit.workers)] if fit.engine == "mongo" else []


def scan_files(fit: Fit) -> list[str]:
    """The finished scan: its store, and with the mongo engine the worker jobs too, so that any
    target needing the scan schedules the workers beside the driver (else the driver waits forever)."""
    store = [fit.path("hyperopt", name) for name in ("tries.json", "best.json")] if fit.scan else []
    return store + mongo_worker_records(fit)


def scan_store(wildcards) -> list[str]:
    return scan_files(FITS[wildcards.fit])


def params_option(wildcards) -> str:
    """With a scan, the final fit trains with the best trial's parameters."""
    fit = FITS[wildcards.fit]
    return f"--params {fit.path('hyperopt', 'best.json')}" if fit.scan else ""


def batch_replicas(wildcards) -> str:
    return FITS[wildcards.fit].batches[int(wildcards.batch)].range


MEM_TRAINING = config["mem_mb_training"]
MEM_OTHER = config["mem_mb_other"]
RUNTIME_TRAINING = config["runtime_training"]
RUNTIME_OTHER = config["runtime_other"]

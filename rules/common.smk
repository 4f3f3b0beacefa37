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
        folds=len(card["kfold"]["partitions"]) if scan else 0,
        batches=tuple(
            Batch(b, tuple(range(r, min(r + size, card["replicas"] + 1)))) for b, r in enumerate(first)
        ),
        threads=max(card["parallelism"]["intra_op_threads"], card["parallelism"]["inter_op_threads"]),
        engine=scan.get("engine", "files") if scan else "files",
        workers=scan.get("workers", 1) if scan else 0,
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


# --- Theory of real-data fits (problem: dis): planned here, built by rules/theory.smk ----------
# Every grid, operator and FK table a fit needs is an entry of the shared theory cache, named by
# a content hash; planning writes each entry's key.json, which its rule takes as input, so a
# second fit needing the same entries finds them built (snakemake -n lists no theory job).

import shlex

from replifold.dis.workflow import plan_workflow_theory
from replifold.theory.cache import TheoryCache
from replifold.theory.fktables import FKTABLE_FILE
from replifold.theory.grids import GRID_FILE
from replifold.theory.operators import OPERATOR_FILE

THEORY_CACHE = config["theory_cache"]
THEORY = plan_workflow_theory(
    {fit.name: expand_runcard(load_runcard(fit.runcard), source=fit.runcard) for fit in FITS.values()},
    TheoryCache(THEORY_CACHE),
    config["theory_scales_per_operator"],
)
MEM_THEORY = config["mem_mb_theory"]
RUNTIME_THEORY = config["runtime_theory"]


wildcard_constraints:
    digest=r"[0-9a-f]{24}",


def theory_entry(kind: str, filename: str) -> str:
    """A path pattern of a theory-cache entry's file."""
    return os.path.join(THEORY_CACHE, kind, "{digest}", filename)


def theory_log(kind: str, suffix: str) -> str:
    return os.path.join(THEORY_CACHE, "logs", kind, f"{{digest}}{suffix}")


def get_theory_cache_root(wildcards, output) -> str:
    """The theory cache folder, from an entry's output path ``<cache>/<kind>/<digest>/<file>``."""
    return os.path.dirname(os.path.dirname(os.path.dirname(output[0])))


def get_numba_env(wildcards) -> str:
    """Where numba keeps its compiled eko/yadism kernels across jobs (config numba_cache_dir; empty:
    numba's default, beside the installed packages or in the user's cache)."""
    folder = config["numba_cache_dir"]
    return f"NUMBA_CACHE_DIR={shlex.quote(folder)} " if folder else ""


def get_fktable_inputs(wildcards) -> list[str]:
    """The grid and operator files an FK-table entry is combined from."""
    job = THEORY.job("fktable", wildcards.digest)
    return [os.path.join(THEORY_CACHE, "grid", job.grid, GRID_FILE)] + [
        os.path.join(THEORY_CACHE, "operator", op, OPERATOR_FILE) for op in job.operators
    ]


def get_fktable_operators(wildcards) -> str:
    return " ".join(THEORY.job("fktable", wildcards.digest).operators)


def get_fit_fktables(wildcards) -> list[str]:
    """The FK tables a real-data fit is set up from (none for other problems)."""
    return [os.path.join(THEORY_CACHE, "fktable", d, FKTABLE_FILE) for d in THEORY.fktables.get(wildcards.fit, [])]


def get_fit_t0(wildcards) -> list[str]:
    """The t0 fit's selection and replica grids, if the runcard names one; when that fit is part of
    this run, all its replicas (its selection is not known when the DAG is built)."""
    t0 = THEORY.t0.get(wildcards.fit)
    if t0 is None:
        return []
    producer = [f for f in FITS.values() if os.path.abspath(f.dir) == os.path.abspath(t0)]
    if producer and producer[0].name == wildcards.fit:
        raise UserError(f"fit {wildcards.fit}: datacuts.t0fit names the fit itself; t0 comes from a previous fit")
    return THEORY.t0_inputs(wildcards.fit, list(producer[0].replicas) if producer else None)


def get_theory_option(wildcards) -> str:
    return f"--theory-cache {shlex.quote(THEORY_CACHE)}" if wildcards.fit in THEORY.fktables else ""


# --- evolve (LHAPDF export) ------------------------------------------------------------------
def get_replica_weights(wildcards) -> list[str]:
    """Every replica's weights: which of them postfit selects is only known when evolve runs."""
    return replica_files(FITS[wildcards.fit], "weights.h5")


def get_batch_models(wildcards) -> list[str]:
    """The batches' model.json, which rebuild each replica's network around its weights."""
    fit = FITS[wildcards.fit]
    return [fit.path("fit", f"batch{batch.index}", "model.json") for batch in fit.batches]


def get_lhapdf_set(wildcards) -> str:
    return FITS[wildcards.fit].path("lhapdf", wildcards.fit)

"""The fits of this invocation and the static shape of each one's DAG.

Each configured runcard is expanded once, here, with the same code `replifold setup` uses, so
the number of rounds, trials, folds and replica batches is known when the DAG is built
(replifold.plan): trial ids are fixed (t = r * trials_per_round + s) and no rule needs a
checkpoint. Every path comes from replifold.layout, the one description of a fit folder.

Planning also refreshes each fit's runcard.yml and its per-stage views (replifold.views),
rewriting only the files whose bytes change: rules read the views, so Snakemake's own rerun
logic reruns exactly the stages a runcard edit touches. This happens on every plan, a dry run
included, since the plan must be made against the edited runcard.
"""

import os
import re
import shlex
from dataclasses import dataclass

from replifold.errors import UserError
from replifold.layout import FitLayout
from replifold.plan import FitPlan
from replifold.runcard import dump_runcard, expand_runcard, fit_name, load_runcard, runcard_sha256
from replifold.setup_fit import write_runcard_files

RESULTS = config["results"]
# Short CPU jobs run beside snakemake (the `localrule:` of those rules), not as cluster jobs.
LOCAL_SHORT_JOBS = config["local_short_jobs"]
CONDA_ENV = "../envs/replifold.yaml"
# Set (not read) for envs/replifold.post-deploy.sh, which installs this checkout into the conda env.
os.environ.update(REPLIFOLD_SOURCE=workflow.basedir)

# Output patterns: the fit folder with the fit's name as a wildcard, and a level-1 draw's fit folder.
PATTERN = FitLayout(os.path.join(RESULTS, "{fit}"))
DRAW_PATTERN = PATTERN.draw("{draw}")
# Every job of one level-1 draw (setup, batches, splits, postfit) forms one group job: one
# submission per draw on a cluster. Draws are not connected to each other, so each is its own group.
DRAW_GROUP = "level1_draw"


@dataclass(frozen=True)
class Fit:
    name: str
    runcard: str
    expanded: dict
    plan: FitPlan
    layout: FitLayout

    @property
    def ident(self) -> str:
        """The fit name as a Python identifier, for the rules stamped out per fit."""
        return re.sub(r"\W", "_", self.name)

    @property
    def scan(self) -> bool:
        return self.plan.scan is not None

    @property
    def engine(self) -> str:
        return self.plan.scan.engine if self.scan else "files"

    @property
    def rounds(self) -> range:
        return range(self.plan.scan.rounds if self.scan else 0)

    @property
    def imnn(self) -> bool:
        """An imnn fit: a simulate stage, no PDF grids and no LHAPDF set."""
        return self.expanded["problem"] == "imnn"

    def batch_files(self, batch: int) -> list[str]:
        """What `replifold split` reads of batch ``batch``: the fit_batch rule's outputs (an imnn
        batch's history.npz and statistics.npz are written by the same job, undeclared)."""
        return [str(path) for path in self.layout.batch(batch).reproducible]

    def replica_outputs(self, replica: int) -> list[str]:
        """What `replifold split` writes for replica ``replica``."""
        target = self.layout.replica(replica)
        return [
            str(path) for path in (target.imnn_reproducible if self.imnn else target.reproducible)
        ]

    def batch_range(self, batch: int) -> str:
        replicas = self.plan.batches[batch]
        return f"{replicas[0]}-{replicas[-1]}"


def _locate(runcard: str) -> str:
    """Relative runcards are looked up in the working directory, then beside the Snakefile."""
    if os.path.isabs(runcard) or os.path.exists(runcard):
        return runcard
    beside = os.path.join(workflow.basedir, runcard)
    if os.path.exists(beside):
        return beside
    raise UserError(
        f"config runcards: {runcard} not found in {os.getcwd()} nor in {workflow.basedir}"
    )


def _plan(runcard: str) -> Fit:
    path = _locate(runcard)
    name = fit_name(path)
    card = expand_runcard(load_runcard(path), source=path)
    layout = FitLayout(os.path.join(RESULTS, name))
    text = dump_runcard(card)
    write_runcard_files(card, text, runcard_sha256(text), layout)
    return Fit(name, path, card, FitPlan.from_runcard(card), layout)


def _fits(runcards) -> dict[str, Fit]:
    fits = {}
    for runcard in [runcards] if isinstance(runcards, str) else runcards:
        fit = _plan(runcard)
        if fit.name in fits:
            raise UserError(
                f"config runcards: two runcards are named {fit.name!r}; fits are named after the runcard file"
            )
        fits[fit.name] = fit
    return fits


FITS = _fits(config["runcards"])


def _one_of(names) -> str:
    """A wildcard pattern matching exactly these fit names (nothing when there are none)."""
    names = [re.escape(name) for name in names]
    return "|".join(names) if names else r"(?!)"


MONGO_FITS = _one_of(name for name, fit in FITS.items() if fit.engine == "mongo")
FILES_SCANS = _one_of(name for name, fit in FITS.items() if fit.engine == "files")


wildcard_constraints:
    fit="|".join(re.escape(name) for name in FITS),
    round=r"\d+",
    trial=r"\d+",
    fold=r"\d+",
    batch=r"\d+",
    draw=r"\d+",


def hyperloss_files(fit: Fit, rounds: range) -> list[str]:
    scan = fit.plan.scan
    return [str(fit.layout.hyperloss(t)) for r in rounds for t in scan.trial_ids(r)] if scan else []


def replica_files(fit: Fit, name: str, layout: FitLayout | None = None) -> list[str]:
    """A file of every replica of the fit, or of one of its draws (``layout``)."""
    layout = layout or fit.layout
    return [str(getattr(layout.replica(r), name)) for r in fit.plan.replicas]


def draw_selections(fit: Fit) -> list[str]:
    """postfit/selected.json of every extra level-1 draw (none for a single closure fit)."""
    return [str(fit.layout.draw(k).selected_json) for k in fit.plan.extra_draws]


def mongo_worker_records(fit: Fit) -> list[str]:
    """What each mongo-engine worker job leaves (under logs/: which trials it ran is not reproducible)."""
    if fit.engine != "mongo":
        return []
    return [str(fit.layout.mongo_worker_record(w)) for w in range(fit.plan.scan.workers)]


def scan_files(fit: Fit) -> list[str]:
    """The finished scan: its store, and with the mongo engine the worker jobs too, so that any
    target needing the scan schedules the workers beside the driver (else the driver waits forever).
    """
    store = [str(fit.layout.tries_json), str(fit.layout.best_json)] if fit.scan else []
    return store + mongo_worker_records(fit)


# Input functions and params of the rules, by wildcards.


def get_fit(wildcards) -> Fit:
    return FITS[wildcards.fit]


def get_runcard(wildcards) -> str:
    """The fit's expanded runcard, which the verbs read (the rules depend on its views)."""
    return str(get_fit(wildcards).layout.runcard)


def get_fit_dir(wildcards) -> str:
    return str(get_fit(wildcards).layout.root)


def get_threads(wildcards) -> int:
    return get_fit(wildcards).plan.threads


def get_history(wildcards) -> list[str]:
    """Round r suggests from the hyper-losses of every trial of rounds < r."""
    return hyperloss_files(get_fit(wildcards), range(int(wildcards.round)))


def get_round_of_trial(wildcards) -> str:
    fit = get_fit(wildcards)
    return str(fit.layout.round_file(fit.plan.scan.round_of(int(wildcards.trial))))


def get_trial_folds(wildcards) -> list[str]:
    fit = get_fit(wildcards)
    return [str(fit.layout.fold(wildcards.trial, k).result) for k in range(fit.plan.folds)]


def get_all_hyperlosses(wildcards) -> list[str]:
    fit = get_fit(wildcards)
    return hyperloss_files(fit, fit.rounds)


def get_scan_store(wildcards) -> list[str]:
    return scan_files(get_fit(wildcards))


def get_params_option(wildcards) -> str:
    """With a scan, the final fit trains with the best trial's parameters."""
    fit = get_fit(wildcards)
    return f"--params {shlex.quote(str(fit.layout.best_json))}" if fit.scan else ""


def get_tensorboard_option(wildcards) -> str:
    """With `--config tensorboard=true`, each batch also writes TensorBoard logs under logs/."""
    if not config["tensorboard"]:
        return ""
    return f"--tensorboard {shlex.quote(str(get_fit(wildcards).layout.tensorboard_dir(wildcards.batch)))}"


def get_batch_replicas(wildcards) -> str:
    return get_fit(wildcards).batch_range(int(wildcards.batch))


def get_batch_dir(wildcards) -> str:
    return str(get_fit(wildcards).layout.batch(wildcards.batch).path)


def get_batch_results(wildcards) -> list[str]:
    fit = get_fit(wildcards)
    return [str(fit.layout.batch(b).result) for b in range(len(fit.plan.batches))]


def get_replica_fits(wildcards) -> list[str]:
    return replica_files(get_fit(wildcards), "fit")


def get_replica_grids(wildcards) -> list[str]:
    fit = get_fit(wildcards)
    return [] if fit.imnn else replica_files(fit, "grid")


def get_imnn_replica_arrays(wildcards) -> list[str]:
    """An imnn fit's per-replica history and statistics, which its report plots (none for PDF fits)."""
    fit = get_fit(wildcards)
    return replica_files(fit, "history") + replica_files(fit, "statistics") if fit.imnn else []


def get_simulations(wildcards) -> list[str]:
    """An imnn fit's training jobs read the simulations `replifold simulate` wrote; PDF fits have none."""
    fit = get_fit(wildcards)
    return [str(fit.layout.simulations_dir)] if fit.imnn else []


def get_draw_dir(wildcards) -> str:
    return str(get_fit(wildcards).layout.draw(wildcards.draw).root)


def get_draw_batch_dir(wildcards) -> str:
    return str(get_fit(wildcards).layout.draw(wildcards.draw).batch(wildcards.batch).path)


def get_draw_replica_fits(wildcards) -> list[str]:
    fit = get_fit(wildcards)
    return replica_files(fit, "fit", fit.layout.draw(wildcards.draw))


def get_draw_replica_grids(wildcards) -> list[str]:
    fit = get_fit(wildcards)
    return replica_files(fit, "grid", fit.layout.draw(wildcards.draw))


def get_draw_selections(wildcards) -> list[str]:
    return draw_selections(get_fit(wildcards))


def get_closure_estimators(wildcards) -> list[str]:
    """closure/estimators.json for a multi-closure test, nothing for a single closure fit."""
    fit = get_fit(wildcards)
    return [str(fit.layout.closure_estimators)] if fit.plan.draws > 1 else []


def get_folder_of_input(wildcards, input) -> str:
    """The folder of a rule's first input: the fit folder, or a batch, for the stamped-out rules."""
    return os.path.dirname(input[0])


def get_replicas_root(wildcards, output) -> str:
    """fit/, where `replifold split` writes replica_<i>/: two folders above the first output."""
    return os.path.dirname(os.path.dirname(output[0]))


def get_report_dir(wildcards) -> str:
    return str(get_fit(wildcards).layout.report_dir)


def get_archive_dir(wildcards) -> str:
    return str(get_fit(wildcards).layout.archive_dir)


# Memory (MB) and wall time (minutes) grow with each attempt, so that a job killed for lack of
# either (and resubmitted through `retries`) asks for more the next time.


def get_mem_training(wildcards, attempt) -> int:
    return config["mem_mb_training"] * attempt


def get_mem_other(wildcards, attempt) -> int:
    return config["mem_mb_other"] * attempt


def get_runtime_training(wildcards, attempt) -> int:
    return config["runtime_training"] * attempt


def get_runtime_other(wildcards, attempt) -> int:
    return config["runtime_other"] * attempt


# --- Theory of real-data fits (problem: dis): planned here, built by rules/theory.smk ----------
# Every grid, operator and FK table a fit needs is an entry of the shared theory cache, named by
# a content hash; planning writes each entry's key.json, which its rule takes as input, so a
# second fit needing the same entries finds them built (snakemake -n lists no theory job).

from replifold.dis.workflow import plan_workflow_theory
from replifold.theory.cache import TheoryCache
from replifold.theory.fktables import FKTABLE_FILE
from replifold.theory.grids import GRID_FILE
from replifold.theory.operators import OPERATOR_FILE

THEORY_CACHE = config["theory_cache"]
THEORY = plan_workflow_theory(
    {fit.name: fit.expanded for fit in FITS.values()},
    TheoryCache(THEORY_CACHE),
    config["theory_scales_per_operator"],
)


def get_mem_theory(wildcards, attempt) -> int:
    return config["mem_mb_theory"] * attempt


def get_runtime_theory(wildcards, attempt) -> int:
    return config["runtime_theory"] * attempt


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
    return [
        os.path.join(THEORY_CACHE, "fktable", d, FKTABLE_FILE)
        for d in THEORY.fktables.get(wildcards.fit, [])
    ]


def get_fit_t0(wildcards) -> list[str]:
    """The t0 fit's selection and replica grids, if the runcard names one; when that fit is part of
    this run, all its replicas (its selection is not known when the DAG is built)."""
    t0 = THEORY.t0.get(wildcards.fit)
    if t0 is None:
        return []
    producer = [f for f in FITS.values() if os.path.abspath(f.layout.root) == os.path.abspath(t0)]
    if producer and producer[0].name == wildcards.fit:
        raise UserError(
            f"fit {wildcards.fit}: datacuts.t0fit names the fit itself; t0 comes from a previous fit"
        )
    return THEORY.t0_inputs(wildcards.fit, list(producer[0].plan.replicas) if producer else None)


def get_theory_option(wildcards) -> str:
    return f"--theory-cache {shlex.quote(THEORY_CACHE)}" if wildcards.fit in THEORY.fktables else ""


# --- evolve (LHAPDF export) ------------------------------------------------------------------
def get_replica_weights(wildcards) -> list[str]:
    """Every replica's weights: which of them postfit selects is only known when evolve runs."""
    return replica_files(get_fit(wildcards), "weights")


def get_batch_models(wildcards) -> list[str]:
    """The batches' model.json, which rebuild each replica's network around its weights."""
    fit = get_fit(wildcards)
    return [str(fit.layout.batch(b).model) for b in range(len(fit.plan.batches))]


def get_lhapdf_set(wildcards) -> list[str]:
    """The fit's LHAPDF set; an imnn fit has none (it fits no PDF)."""
    fit = get_fit(wildcards)
    return [] if fit.imnn else [str(fit.layout.lhapdf_set)]


def get_evolution_dir(wildcards) -> str:
    return str(get_fit(wildcards).layout.lhapdf_dir)

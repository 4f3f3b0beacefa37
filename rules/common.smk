"""The fits of this invocation and the static shape of each one's DAG.

Each configured runcard is expanded once, here, with the same code `replifold setup` uses, so
the number of rounds, trials, folds and replica batches is known when the DAG is built
(replifold.plan): trial ids are fixed (t = r * trials_per_round + s) and no rule needs a
checkpoint. Every path comes from replifold.layout, the one description of a fit folder.
"""

import os
import re
import shlex
from dataclasses import dataclass

from replifold.errors import UserError
from replifold.layout import FitLayout
from replifold.plan import FitPlan
from replifold.runcard import expand_runcard, fit_name, load_runcard

RESULTS = config["results"]
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
    return Fit(name, path, FitPlan.from_runcard(card), FitLayout(os.path.join(RESULTS, name)))


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


wildcard_constraints:
    fit="|".join(re.escape(name) for name in FITS),
    round=r"\d+",
    trial=r"\d+",
    fold=r"\d+",
    batch=r"\d+",
    draw=r"\d+",


def hyperloss_files(fit: Fit, rounds: range) -> list[str]:
    scan = fit.plan.scan
    return [
        str(fit.layout.hyperloss(t)) for r in rounds for t in scan.trial_ids(r)
    ] if scan else []


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


def get_runcard_source(wildcards) -> str:
    return get_fit(wildcards).runcard


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
    return replica_files(get_fit(wildcards), "grid")


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


MEM_TRAINING = config["mem_mb_training"]
MEM_OTHER = config["mem_mb_other"]
RUNTIME_TRAINING = config["runtime_training"]
RUNTIME_OTHER = config["runtime_other"]

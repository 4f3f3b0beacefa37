"""The workflow's stages for an imnn runcard: what each ``replifold`` verb does when the
runcard says ``problem: imnn``.

The verbs (``replifold.commands``) stay thin and shared by both problem families: each one
checks the problem and hands an imnn fit to the function of the same name here. Fit
directory layout (``replifold.layout``), as for PDF fits, plus ``simulations/`` (written by
``replifold simulate``, not archived: it is reproducible from the runcard and can be large;
every result records the hash of its ``index.json``). The functions return the status line
their verb logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from replifold import seeding
from replifold.errors import UserError
from replifold.imnn import records
from replifold.imnn.sets import all_sets, fit_sets, fold_sets
from replifold.imnn.settings import ImnnSettings
from replifold.io import atomic_directory, read_json, write_json
from replifold.layout import FitLayout, batch_dir

META_NAME = "meta.json"


def is_imnn(runcard: Mapping[str, Any]) -> bool:
    return runcard.get("problem") == "imnn"


def is_imnn_fit(fit_dir: Path) -> bool:
    """Whether ``fit_dir``'s runcard fits an IMNN (read as written by ``replifold setup``)."""
    from replifold.runcard import load_runcard

    runcard = FitLayout(fit_dir).runcard
    return runcard.is_file() and is_imnn(load_runcard(runcard))


def hyperopt_folds(runcard: Mapping[str, Any]) -> int:
    """Folds a scan of this runcard trains (0 without a hyperopt section)."""
    return int(runcard["imnn"]["kfold"]["folds"]) if runcard.get("hyperopt") else 0


def _initial_state(runcard: Mapping[str, Any], seed: int) -> None:
    parallelism = runcard.get("parallelism", {})
    seeding.set_initial_state(
        seed,
        intra_op_threads=int(parallelism.get("intra_op_threads", 1)),
        inter_op_threads=int(parallelism.get("inter_op_threads", 1)),
        double_precision=bool(runcard.get("double_precision", False)),
    )


# --- setup and simulate ---------------------------------------------------------------------


def write_setup(runcard: Mapping[str, Any], data_dir: Path) -> str:
    """``data/meta.json``: the problem as the later stages and the report see it; a summary line."""
    settings = ImnnSettings.from_runcard(runcard)
    simulator = settings.simulator
    fisher = simulator.fisher(settings.theta_fid)
    sets = all_sets(settings, hyperopt_folds(runcard))
    write_json(
        data_dir / META_NAME,
        {
            "problem": "imnn",
            "simulator": simulator.describe(),
            "parameters": list(simulator.parameters),
            "theta_fid": settings.theta_fid,
            "input_size": simulator.input_size,
            "fisher_analytic": None if fisher is None else fisher,
            "det_fisher_analytic": None if fisher is None else float(np.linalg.det(fisher)),
            "derivatives": settings.derivatives,
            "dtheta": settings.dtheta,
            "simseed": settings.simseed,
            "sets": {s.name: {"n_s": s.n_s, "n_d": s.n_d} for s in sets},
            "held_out": {
                "theta": settings.held_out_theta,
                "simulations": settings.held_out_simulations,
            },
        },
    )
    detf = "unknown" if fisher is None else f"{np.linalg.det(fisher):.6g}"
    return (
        f"imnn: simulator {simulator.name} ({', '.join(simulator.parameters)} at {settings.theta_fid.tolist()}), "
        f"analytic det F {detf}; {len(sets)} simulation sets of n_s = {settings.n_s}, n_d = {settings.n_d}"
    )


def simulate(fit_dir: Path) -> dict[str, Any]:
    """Write every simulation set of the fit to ``fit_dir/simulations`` (replacing it as a whole)."""
    from replifold.imnn.storage import write_simulations
    from replifold.runcard import load_fit_runcard

    layout = FitLayout(fit_dir)
    runcard = load_fit_runcard(layout.root)
    if not is_imnn(runcard):
        raise UserError(
            f"{layout.runcard}: 'replifold simulate' is for 'problem: imnn' runcards; "
            f"this one fits {runcard['problem']}"
        )
    settings = ImnnSettings.from_runcard(runcard)
    with atomic_directory(layout.simulations_dir) as tmp:
        return write_simulations(settings, all_sets(settings, hyperopt_folds(runcard)), tmp)


def simulations_of(data_dir: Path) -> Path:
    """The simulations beside a fit's ``data/``; a clear error when they were not written."""
    root = FitLayout(Path(data_dir).parent).simulations_dir
    if not (root / records.INDEX_NAME).is_file():
        raise UserError(
            f"no simulations in {root}; run 'replifold simulate {Path(data_dir).parent}' first"
        )
    return root


# --- the final fit ----------------------------------------------------------------------------


def fit(
    runcard: Mapping[str, Any],
    data_dir: Path,
    replicas: list[int],
    params: Path | None,
    outdir: Path,
) -> list[int]:
    """Train one batch of the final fit into ``outdir``; the replicas that diverged."""
    from replifold.imnn.outputs import save_batch
    from replifold.imnn.replicas import train_imnn_replicas
    from replifold.imnn.scan import trial_runcard

    if params is not None and not params.is_file():
        raise UserError(
            f"--params {params}: no such file (run 'replifold collect' to write best.json)"
        )
    runcard = trial_runcard(runcard, read_json(params)["params"] if params is not None else None)
    settings = ImnnSettings.from_runcard(runcard)
    simulations = simulations_of(data_dir)
    _initial_state(
        runcard, seeding.job_seed(int(runcard["nnseed"]), batch_first_replica=replicas[0])
    )
    training, validation = fit_sets(settings)
    trained = train_imnn_replicas(
        settings,
        int(runcard["nnseed"]),
        replicas,
        simulations,
        training,
        validation,
        label=f"fit {replicas[0]}-{replicas[-1]}",
    )
    save_batch(trained, batch_dir(outdir), replicas)
    return [r.replica for r in trained.result.replicas if r.failed]


def split(batch_dir: Path, outdir: Path) -> list[int]:
    from replifold.imnn.outputs import split_batch

    return split_batch(batch_dir, outdir)


# --- hyperopt ---------------------------------------------------------------------------------


def suggest(fit_dir: Path, round_: int) -> str:
    from replifold.hyperopt.engines.files import FilesEngine
    from replifold.imnn.scan import ImnnScan

    ctx = ImnnScan.load(fit_dir)
    ctx.check_round(round_)
    engine = FilesEngine(ctx)
    proposals, history = engine.propose_round(round_)
    engine.submit(proposals, history)
    return (
        f"round {round_}: {proposals[0].algorithm} suggestions for trials {proposals[0].trial}-{proposals[-1].trial} "
        f"from {len(history)} finished trials -> {ctx.layout.round_file(round_)}"
    )


def train_fold(fit_dir: Path, trial: int, fold: int) -> str:
    """Train trial ``trial``'s replicas on fold ``fold``'s simulations and judge them on its test set."""
    from replifold.hyperopt.engines.files import FilesEngine
    from replifold.hyperopt.fold import check_simulated_crash
    from replifold.imnn.outputs import save_batch
    from replifold.imnn.replicas import train_imnn_replicas
    from replifold.imnn.scan import ImnnScan, fold_record, trial_runcard

    ctx = ImnnScan.load(fit_dir)
    ctx.check_trial(trial)
    ctx.check_fold(fold)
    params = FilesEngine(ctx).params(trial)
    check_simulated_crash(trial, fold)
    runcard = trial_runcard(ctx.runcard, params)
    settings = ImnnSettings.from_runcard(runcard)
    simulations = simulations_of(ctx.layout.data_dir)
    _initial_state(runcard, seeding.job_seed(int(runcard["nnseed"]), trial=trial, fold=fold))
    training, validation, test = fold_sets(settings, fold)
    replicas = list(range(1, ctx.scan.replicas + 1))
    trained = train_imnn_replicas(
        settings,
        int(runcard["nnseed"]),
        replicas,
        simulations,
        training,
        validation,
        test_set=test,
        label=f"trial {trial} fold {fold}",
    )
    lndet = trained.test_lndetF
    per_replica = [
        {
            "replica": r.replica,
            "loss": float(-lndet[k]) if np.isfinite(lndet[k]) else None,
            "det_fisher_test": float(np.exp(lndet[k])) if np.isfinite(lndet[k]) else None,
            "det_fisher_validation": r.det_fisher_validation,
            "best_epoch": r.best_epoch,
            "last_epoch": r.last_epoch,
            "stop_reason": r.stop_reason,
        }
        for k, r in enumerate(trained.result.replicas)
    ]
    out = ctx.layout.fold(trial, fold)
    record = {
        **fold_record(trial, fold, per_replica, ctx.kfold),
        "sets": [training.name, validation.name, test.name],
        "simulations_sha256": trained.result.simulations_sha256,
    }
    save_batch(trained, out, replicas, result=record)
    outcome = "ok" if record["status"] == "ok" else f"failed: {record['reason']}"
    return f"trial {trial}, fold {fold} (sets {', '.join(record['sets'])}): {outcome} -> {out.path}"


def reduce(fit_dir: Path, trial: int) -> str:
    from replifold.errors import require_files
    from replifold.hyperopt.engines.files import FilesEngine
    from replifold.imnn.scan import ImnnScan, trial_record

    ctx = ImnnScan.load(fit_dir)
    ctx.check_trial(trial)
    paths = [ctx.layout.fold(trial, k).result for k in range(ctx.kfold.folds)]
    require_files(paths, f"replifold train-fold {ctx.layout.root} --trial {trial} --fold K")
    record = trial_record(
        trial, [read_json(p) for p in paths], ctx.kfold, FilesEngine(ctx).params(trial)
    )
    write_json(ctx.layout.hyperloss(trial), record)
    outcome = (
        f"loss {record['loss']:.6g}"
        if record["loss"] is not None
        else f"failed: {record['reason']}"
    )
    return f"trial {trial}: {outcome} -> {ctx.layout.hyperloss(trial)}"


def collect(fit_dir: Path) -> str:
    from replifold.hyperopt.engines.files import FilesEngine
    from replifold.hyperopt.records import STATUS_OK
    from replifold.imnn.scan import ImnnScan

    ctx = ImnnScan.load(fit_dir)
    engine = FilesEngine(ctx)
    outcomes = engine.history(ctx.scan.n_trials)
    best = engine.write_store()
    failed = sum(o.status != STATUS_OK for o in outcomes)
    return (
        f"{len(outcomes)} trials ({failed} failed); best: trial {best.trial} with loss {best.loss:.6g} "
        f"-> {ctx.layout.best_json}"
    )


# --- postfit ----------------------------------------------------------------------------------


def postfit(fit_dir: Path, runcard: Mapping[str, Any]) -> str:
    from replifold.imnn.selection import load_replica_fits, select, selection_json, veto_json

    layout = FitLayout(fit_dir)
    fits = load_replica_fits(layout, range(1, int(runcard["replicas"]) + 1))
    selection = select(fits, ImnnSettings.from_runcard(runcard).detf_ratio)
    write_json(layout.veto_json, veto_json(selection))
    if not selection.selected:
        raise UserError(f"postfit vetoed every replica (reasons in {layout.veto_json})")
    write_json(layout.selected_json, selection_json(selection))
    counts = ", ".join(f"{n} {c}" for c, n in selection.counts().items() if n)
    return f"postfit: {len(selection.selected)}/{len(fits)} replicas selected" + (
        f"; vetoes: {counts}" if counts else ""
    )

"""suggest / reduce / collect on fabricated fold results: determinism, the trials store, hyperopt compatibility.

No network is trained here: each fold's result.json is written from the trial's parameters by
a made-up rule, so these tests run in seconds; the real training is in test_hyperopt_scan.py.
"""

from __future__ import annotations

import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hyperopt import STATUS_OK, fmin, tpe

from replifold.cli import main
from replifold.hyperopt.context import ScanContext
from replifold.hyperopt.engines.files import FilesEngine
from replifold.hyperopt.foldresult import FoldResult, PdfSample, ReplicaFoldResult
from replifold.hyperopt.metrics import HyperoptMetrics
from replifold.io import read_json, write_json

RUNCARD = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"


def make_fit_dir(tmp: Path, **hyperopt) -> Path:
    card = yaml.safe_load(RUNCARD.read_text(encoding="utf-8"))
    card["hyperopt"].update(hyperopt)
    path = tmp / "card.yml"
    path.write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    assert main(["setup", str(path), "-o", str(tmp / "fit")]) == 0
    return tmp / "fit"


def made_up_loss(params: dict, fold: int, replica: int) -> float:
    """Lower for larger learning rates and fewer epochs: something for TPE to find."""
    return (
        1.0
        + 1e-2 / params["optimizer"]["learning_rate"]
        + params["epochs"] / 1000
        + 0.1 * fold
        + 0.01 * replica
    )


def write_fold(ctx: ScanContext, trial: int, fold: int, failed: bool = False) -> None:
    params = FilesEngine(ctx).params(trial)
    replicas = range(1, ctx.scan.replicas + 1)
    samples = {}
    for penalty in ctx.kfold.penalties:
        probe = penalty.probe()
        if probe is not None:
            slope = -np.log10(np.array(probe.x))
            samples[penalty.name] = PdfSample(
                probe, np.tile(0.01 * slope, (len(replicas), len(probe.flavours), 1))
            )
    result = FoldResult(
        trial=trial,
        fold=fold,
        held_out=ctx.kfold.partitions[fold],
        ndata=40,
        status="fail" if failed else "ok",
        reason="the fold's loss is not finite" if failed else None,
        epochs=params["epochs"],
        patience=int(params["stopping_patience"] * params["epochs"]),
        metrics=HyperoptMetrics(chi2p=1.0, logp=1.0, phi=0.1 * fold, chi2exp=1.0),
        metric_replicas=tuple(replicas),
        replicas=tuple(
            ReplicaFoldResult(
                replica=r,
                loss=made_up_loss(params, fold, r),
                chi2_tr=1.0,
                chi2_vl=1.0,
                best_epoch=params["epochs"] // 2,
                last_epoch=params["epochs"] - 1,
                stop_reason="patience",
                positivity="POS_PASS",
            )
            for r in replicas
        ),
        pdf_samples=samples,
    )
    write_json(ctx.layout.fold(trial, fold).result, result.to_json())


def run_round(fit: Path, round_: int, failing: tuple[int, ...] = ()) -> None:
    assert main(["suggest", str(fit), "--round", str(round_)]) == 0
    ctx = ScanContext.load(fit)
    for trial in ctx.scan.trial_ids(round_):
        for fold in range(len(ctx.kfold.partitions)):
            write_fold(ctx, trial, fold, failed=trial in failing and fold == 1)
        assert main(["reduce", str(fit), "--trial", str(trial)]) == 0


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> Path:
    """Three rounds of three trials (TPE from round 1 on), trial 1 failing."""
    fit = make_fit_dir(tmp_path_factory.mktemp("scan"), rounds=3, trials_per_round=3, n_startup=2)
    for round_ in range(3):
        run_round(fit, round_, failing=(1,))
    assert main(["collect", str(fit)]) == 0
    return fit


def test_rounds_switch_from_random_to_tpe_and_record_their_history(scan):
    rounds = [read_json(scan / "hyperopt" / f"round{r}.json") for r in range(3)]
    assert [r["algorithm"] for r in rounds] == ["random", "tpe", "tpe"]
    assert [r["history"] for r in rounds] == [[], [0, 1, 2], [0, 1, 2, 3, 4, 5]]
    assert [[t["trial"] for t in r["trials"]] for r in rounds] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    params = [t["params"] for r in rounds for t in r["trials"]]
    assert len({repr(p) for p in params}) == 9


def _copy_shuffled(source: Path, target: Path) -> None:
    """The same files, created in a shuffled order, plus files suggest must ignore."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    random.Random(3).shuffle(files)
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    shutil.copyfile(
        target / "hyperopt/trial0/fold0/result.json", target / "hyperopt/trial7/fold0/result.json"
    )


def test_suggest_is_bitwise_deterministic_across_processes_and_file_order(scan, tmp_path):
    copy = tmp_path / "fit"
    _copy_shuffled(scan, copy)
    for round_ in (1, 2):
        (copy / "hyperopt" / f"round{round_}.json").unlink()
        argv = [sys.executable, "-m", "replifold.cli", "suggest", str(copy), "--round", str(round_)]
        subprocess.run(argv, check=True, capture_output=True)
        original = (scan / "hyperopt" / f"round{round_}.json").read_bytes()
        assert (copy / "hyperopt" / f"round{round_}.json").read_bytes() == original


def test_suggestions_follow_the_finished_results(scan, tmp_path):
    copy = tmp_path / "fit"
    shutil.copytree(scan, copy)
    hyperloss = read_json(copy / "hyperopt/trial0/hyperloss.json")
    write_json(
        copy / "hyperopt/trial0/hyperloss.json", {**hyperloss, "loss": hyperloss["loss"] + 50.0}
    )
    assert main(["suggest", str(copy), "--round", "1"]) == 0
    assert (copy / "hyperopt/round1.json").read_bytes() != (
        scan / "hyperopt/round1.json"
    ).read_bytes()


def test_tries_json_lists_every_trial_and_best_has_the_lowest_loss(scan):
    tries = read_json(scan / "hyperopt/tries.json")
    assert [t["trial"] for t in tries] == list(range(9))
    assert [t["round"] for t in tries] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    failed = [t for t in tries if t["status"] == "fail"]
    assert (
        [t["trial"] for t in failed] == [1]
        and failed[0]["loss"] is None
        and "fold 1" in failed[0]["reason"]
    )
    ok = [t for t in tries if t["status"] == "ok"]
    best = read_json(scan / "hyperopt/best.json")
    assert best["loss"] == min(t["loss"] for t in ok)
    suggested = read_json(scan / "hyperopt" / f"round{best['round']}.json")["trials"][
        best["trial"] % 3
    ]
    assert best["params"] == tries[best["trial"]]["params"] == suggested["params"]
    assert all(len(t["fold_losses"]) == 2 for t in tries)


def test_tries_pkl_is_a_plain_hyperopt_trials_that_restarts(scan):
    with open(scan / "hyperopt/tries.pkl", "rb") as handle:
        trials = pickle.load(handle)
    tries = read_json(scan / "hyperopt/tries.json")
    assert type(trials).__module__ == "hyperopt.base"
    assert trials.losses() == [t["loss"] for t in tries]
    assert trials.statuses() == [t["status"] for t in tries]
    assert trials.best_trial["tid"] == read_json(scan / "hyperopt/best.json")["trial"]
    assert trials.best_trial["result"]["status"] == STATUS_OK
    assert isinstance(trials.rstate, np.random.Generator)
    space = ScanContext.load(scan).space
    fmin(
        lambda _: 1.0,
        space.expression(),
        tpe.suggest,
        10,
        trials=trials,
        rstate=trials.rstate,
        show_progressbar=0,
    )
    assert len(trials) == 10


def test_collect_rebuilds_the_same_bytes(scan, tmp_path):
    names = ("tries.json", "tries.pkl", "best.json")
    before = {name: (scan / "hyperopt" / name).read_bytes() for name in names}
    copy = tmp_path / "fit"
    shutil.copytree(scan, copy)
    for name in names:
        (copy / "hyperopt" / name).unlink()
    subprocess.run(
        [sys.executable, "-m", "replifold.cli", "collect", str(copy)],
        check=True,
        capture_output=True,
    )
    assert {name: (copy / "hyperopt" / name).read_bytes() for name in names} == before


def test_a_longer_scan_reuses_every_finished_trial(scan, tmp_path):
    copy = tmp_path / "fit"
    shutil.copytree(scan, copy)
    card = yaml.safe_load((copy / "runcard.yml").read_text(encoding="utf-8"))
    card["hyperopt"]["rounds"] = 4
    (copy / "runcard.yml").write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    run_round(copy, 3)
    assert main(["collect", str(copy)]) == 0
    tries = read_json(copy / "hyperopt/tries.json")
    assert tries[:9] == read_json(scan / "hyperopt/tries.json") and len(tries) == 12

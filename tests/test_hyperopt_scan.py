"""A tiny real scan through the verbs alone: 2 rounds x 2 trials x 2 folds x 2 replicas, short training.

Trial 1's folds are trained under a tiny ``kfold.threshold`` (the runcard is swapped for those
jobs only), so they diverge by definition: the trial must come out ``fail`` while the scan
carries on and picks its best among the others.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import h5py
import pytest
import yaml

from replifold.cli import main
from replifold.io import read_json
from replifold.problem import load_problem

RUNCARD = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"
FAILING_TRIAL = 1


def _tiny_card() -> dict:
    card = yaml.safe_load(RUNCARD.read_text(encoding="utf-8"))
    card["replicas"] = card["replicas_per_job"] = 2
    card["parameters"]["epochs"] = 60
    stopping = {"min_epochs": 40, "max_epochs": 90, "min_patience": 0.1, "max_patience": 0.3}
    card["hyperscan_config"]["stopping"] = stopping
    card["hyperscan_config"]["architecture"].update(min_units=4, max_units=8)
    # Short fits hold out whole datasets badly, and their preprocessing is not integrable: only
    # the forced divergence may fail a fold, so penalties are recorded but left out of the loss.
    card["kfold"].update(threshold=1.0e9, penalties_in_loss=False)
    card["hyperopt"].update(rounds=2, trials_per_round=2, replicas=2, n_startup=2)
    return card


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("tinyscan")
    card = _tiny_card()
    path = tmp / "card.yml"
    path.write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    fit = tmp / "fit"
    assert main(["setup", str(path), "-o", str(fit)]) == 0
    runcard = fit / "runcard.yml"
    expanded = runcard.read_text(encoding="utf-8")
    strict_card = yaml.safe_load(expanded)
    strict_card["kfold"]["threshold"] = 1.0e-6
    strict = yaml.safe_dump(strict_card, sort_keys=False)
    for round_ in range(2):
        assert main(["suggest", str(fit), "--round", str(round_)]) == 0
        for trial in (2 * round_, 2 * round_ + 1):
            runcard.write_text(strict if trial == FAILING_TRIAL else expanded, encoding="utf-8")
            for fold in range(2):
                assert (
                    main(["train-fold", str(fit), "--trial", str(trial), "--fold", str(fold)]) == 0
                )
            runcard.write_text(expanded, encoding="utf-8")
            assert main(["reduce", str(fit), "--trial", str(trial)]) == 0
    assert main(["collect", str(fit)]) == 0
    return fit


def test_fold_results_describe_every_replica(scan):
    result = read_json(scan / "hyperopt/trial0/fold1/result.json")
    assert result["status"] == "ok" and result["held_out"] == ["DIS_CC_NUB", "DY_W_Y"]
    problem = load_problem(scan / "data")
    assert (
        result["ndata"] == sum(problem.dataset(name).ndata for name in result["held_out"])
        and result["metrics"]["phi"] > 0
    )
    assert result["metric_replicas"] == [1, 2]
    assert [r["replica"] for r in result["replicas"]] == [1, 2]
    for replica in result["replicas"]:
        assert replica["loss"] > 0 and replica["chi2_tr"] > 0 and replica["chi2_vl"] > 0
        assert replica["stop_reason"] in ("patience", "max_epochs")
        assert replica["positivity"] in ("POS_PASS", "POS_VETO")
    assert set(result["pdf_samples"]) == {"saturation", "integrability"}
    assert (scan / "hyperopt/trial0/fold1/weights.h5").is_file()


def test_scan_finishes_with_the_forced_divergence_as_a_failed_trial(scan):
    tries = read_json(scan / "hyperopt/tries.json")
    assert [t["status"] for t in tries] == ["ok", "fail", "ok", "ok"]
    assert "above kfold.threshold" in tries[FAILING_TRIAL]["reason"]
    folds = read_json(scan / f"hyperopt/trial{FAILING_TRIAL}/hyperloss.json")["folds"]
    assert [f["status"] for f in folds] == ["fail", "fail"]
    assert all(set(f["penalties"]) == {"saturation", "patience", "integrability"} for f in folds)
    best = read_json(scan / "hyperopt/best.json")
    assert best["loss"] == min(t["loss"] for t in tries if t["status"] == "ok")
    assert (
        read_json(scan / "hyperopt/round1.json")["algorithm"] == "random"
    )  # one success < n_startup = 2


def test_tries_pkl_loads_with_plain_pickle(scan):
    with open(scan / "hyperopt/tries.pkl", "rb") as handle:
        trials = pickle.load(handle)
    tries = read_json(scan / "hyperopt/tries.json")
    assert trials.losses() == [t["loss"] for t in tries]
    assert trials.best_trial["tid"] == read_json(scan / "hyperopt/best.json")["trial"]


def _weights(path: Path) -> dict[str, bytes]:
    arrays: dict[str, bytes] = {}

    def keep(name: str, item: object) -> None:
        if isinstance(item, h5py.Dataset):
            arrays[name] = item[()].tobytes()

    with h5py.File(path, "r") as handle:
        handle.visititems(keep)
    return arrays


def test_rerunning_a_fold_gives_the_same_result_and_weights(scan):
    """Bitwise, in one process (where Keras' auto-numbered model name may differ inside weights.h5)."""
    fold = scan / "hyperopt/trial2/fold0"
    result, weights = (fold / "result.json").read_bytes(), _weights(fold / "weights.h5")
    (fold / "result.json").unlink()
    assert main(["train-fold", str(scan), "--trial", "2", "--fold", "0"]) == 0
    assert (fold / "result.json").read_bytes() == result
    assert weights and _weights(fold / "weights.h5") == weights

"""Every hyperopt verb rejects bad arguments and missing inputs with a clear message and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from replifold.cli import main
from replifold.hyperopt.fold import FAIL_FOLD_ENV, SimulatedCrash

RUNCARD = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"


@pytest.fixture(scope="module")
def fit(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("errors")
    path = tmp / "card.yml"
    path.write_text(RUNCARD.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["setup", str(path), "-o", str(tmp / "fit")]) == 0
    return tmp / "fit"


@pytest.fixture(scope="module")
def no_scan_fit(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("noscan")
    card = yaml.safe_load(RUNCARD.read_text(encoding="utf-8"))
    del card["hyperopt"]
    path = tmp / "card.yml"
    path.write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    assert main(["setup", str(path), "-o", str(tmp / "fit")]) == 0
    return tmp / "fit"


def _fails(argv: list[str], capsys, *fragments: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, err


def test_suggest_rejects_unknown_rounds_and_missing_history(fit, capsys):
    _fails(
        ["suggest", str(fit), "--round", "2"],
        capsys,
        "round 2 does not exist",
        "hyperopt.rounds",
        "0 to 1",
    )
    _fails(["suggest", str(fit), "--round", "-1"], capsys, "round -1 does not exist")
    missing = ("missing input files", "trial0/hyperloss.json", "replifold reduce")
    _fails(["suggest", str(fit), "--round", "1"], capsys, *missing)


def test_train_fold_rejects_unknown_trials_folds_and_unsuggested_trials(fit, capsys):
    _fails(
        ["train-fold", str(fit), "--trial", "4", "--fold", "0"],
        capsys,
        "trial 4 does not exist",
        "0 to 3",
    )
    _fails(
        ["train-fold", str(fit), "--trial", "0", "--fold", "2"],
        capsys,
        "fold 2 does not exist",
        "kfold.partitions",
    )
    _fails(
        ["train-fold", str(fit), "--trial", "2", "--fold", "0"],
        capsys,
        "round1.json",
        "replifold suggest",
    )


def test_reduce_and_collect_need_their_inputs(fit, capsys):
    _fails(["reduce", str(fit), "--trial", "9"], capsys, "trial 9 does not exist")
    missing = ("trial0/fold0/result.json", "trial0/fold1/result.json", "train-fold")
    _fails(["reduce", str(fit), "--trial", "0"], capsys, *missing)
    _fails(["collect", str(fit)], capsys, "missing input files", "trial3/hyperloss.json")


def test_verbs_need_a_fit_directory_with_a_scan(tmp_path, no_scan_fit, capsys):
    _fails(["collect", str(tmp_path)], capsys, "not a fit directory", "replifold setup")
    _fails(["suggest", str(no_scan_fit), "--round", "0"], capsys, "no 'hyperopt' section")


def test_round_file_that_does_not_fit_the_runcard_is_rejected(fit, capsys):
    assert main(["suggest", str(fit), "--round", "0"]) == 0
    path = fit / "hyperopt" / "round0.json"
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(
            original.replace('"optimizer_name": "', '"optimizer_name": "X'), encoding="utf-8"
        )
        argv = ["train-fold", str(fit), "--trial", "0", "--fold", "0"]
        _fails(argv, capsys, "does not fit this runcard's search space")
    finally:
        path.write_text(original, encoding="utf-8")


def test_simulated_crash_stops_the_fold_before_any_output(fit, monkeypatch):
    assert main(["suggest", str(fit), "--round", "0"]) == 0
    monkeypatch.setenv(FAIL_FOLD_ENV, "1:0")
    with pytest.raises(SimulatedCrash, match="trial 1, fold 0"):
        main(["train-fold", str(fit), "--trial", "1", "--fold", "0"])
    assert not (fit / "hyperopt" / "trial1").exists()

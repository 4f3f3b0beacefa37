"""``replifold fit`` / ``replifold split`` end to end, in separate processes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from replifold.closure.generate import write_problem
from replifold.commands.fit import parse_replicas
from replifold.errors import UserError
from replifold.io import read_json
from replifold.runcard import dump_runcard, expand_runcard, load_runcard

QUICK = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"
HAVE_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None


def replifold(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "replifold.cli", *map(str, args)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def fit_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("fit")
    raw = load_runcard(QUICK)
    raw["parameters"] = {**raw["parameters"], "epochs": 250}
    expanded = expand_runcard(raw)
    (root / "runcard.yml").write_text(dump_runcard(expanded))
    write_problem(expanded, root / "data")
    return root


@pytest.fixture(scope="module")
def two_runs(fit_dir):
    outputs = []
    for run in ("a", "b"):
        batch, split = fit_dir / run / "batch", fit_dir / run / "replicas"
        # the second run also writes TensorBoard logs: they must not change a reproducible byte
        tensorboard = (
            ["--tensorboard", fit_dir / run / "tensorboard"]
            if run == "b" and HAVE_TENSORBOARD
            else []
        )
        done = replifold(
            "fit",
            fit_dir / "runcard.yml",
            fit_dir / "data",
            "--replicas",
            "2-4",
            *tensorboard,
            "-o",
            batch,
        )
        assert done.returncode == 0, done.stderr
        done = replifold("split", batch, "-o", split)
        assert done.returncode == 0, done.stderr
        outputs.append((batch, split))
    return outputs


def test_two_processes_write_byte_identical_outputs(two_runs):
    (batch_a, split_a), (batch_b, split_b) = two_runs
    for name in ("weights.h5", "model.json", "result.json", "history.npz"):
        assert (batch_a / name).read_bytes() == (batch_b / name).read_bytes(), name
    for replica in (2, 3, 4):
        for name in ("weights.h5", "grid.npz", "fit.json"):
            a, b = split_a / f"replica_{replica}" / name, split_b / f"replica_{replica}" / name
            assert a.read_bytes() == b.read_bytes(), (replica, name)
    timing = read_json(batch_a / "fit.timing.json")
    assert timing["replicas"] == 3 and timing["epochs_run"] > 0


def test_split_replica_reloads_into_a_single_replica_model(two_runs):
    from replifold.layout import batch_dir
    from replifold.model import StackedPDF
    from replifold.training.replicas import compiled_xf
    from replifold.training.weights import load_model, load_weights

    batch, split = two_runs[0]
    stacked, replicas = load_model(batch_dir(batch))
    assert replicas == [2, 3, 4]
    xf = compiled_xf(stacked)
    for index, replica in enumerate(replicas):
        config = dict(stacked.get_config(), replica_seeds=[stacked.replica_seeds[index]])
        single = StackedPDF.from_config(config)
        load_weights(single, split / f"replica_{replica}" / "weights.h5")
        predicted = compiled_xf(single)[0]
        assert np.max(np.abs(predicted - xf[index])) < 1e-6
        grid = np.load(split / f"replica_{replica}" / "grid.npz")
        assert grid["xf"].shape == (8, grid["xgrid"].size) and list(grid["flavours"])[:2] == [
            "u",
            "ubar",
        ]
        assert np.max(np.abs(grid["xf"] - xf[index])) < 1e-6
        fit = read_json(split / f"replica_{replica}" / "fit.json")
        assert fit["replica"] == replica and fit["positivity"] in ("POS_PASS", "POS_VETO")
        assert {
            "chi2_tr",
            "chi2_vl",
            "chi2_exp",
            "chi2_exp_total",
            "best_epoch",
            "stop_reason",
            "seeds",
        } <= set(fit)
        assert (
            len(fit["arc_lengths"]) == 5 and len(fit["integrability"]) == 5
        )  # what postfit vetoes on


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1-8", list(range(1, 9))), ("3,7", [3, 7]), ("1-4,9", [1, 2, 3, 4, 9]), (" 5 ", [5])],
)
def test_replica_ranges(text, expected):
    assert parse_replicas(text) == expected


@pytest.mark.parametrize("text", ["", "0-3", "4-2", "a", "1-3,2", "1--2"])
def test_bad_replica_ranges(text):
    with pytest.raises(UserError):
        parse_replicas(text)


def test_bad_input_exits_with_status_2(fit_dir, tmp_path):
    runcard, data = fit_dir / "runcard.yml", fit_dir / "data"
    for args in (
        ("fit", runcard, data, "--replicas", "7-12", "-o", tmp_path / "x"),
        ("fit", runcard, tmp_path / "nowhere", "--replicas", "1", "-o", tmp_path / "x"),
        ("fit", tmp_path / "missing.yml", data, "--replicas", "1", "-o", tmp_path / "x"),
        ("fit", runcard, data, "--replicas", "2-1", "-o", tmp_path / "x"),
        ("split", tmp_path / "no-batch", "-o", tmp_path / "y"),
    ):
        done = replifold(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and "error" in done.stderr


def test_history_is_saved_with_the_batch_and_tensorboard_gets_it_per_replica(two_runs, fit_dir):
    from replifold.training.history import QUANTITIES, load_history

    (batch, _), _ = two_runs
    history, replicas = load_history(batch / "history.npz")
    assert replicas == [2, 3, 4] and history.stride == 10 and history.epochs[0] == 0
    result = read_json(batch / "result.json")
    last = max(r["last_epoch"] for r in result["replicas"])
    assert history.epochs[-1] <= last < history.epochs[-1] + history.stride
    assert set(history.values) == set(QUANTITIES) and history.values["chi2_tr"].shape == (
        len(history.epochs),
        3,
    )
    if not HAVE_TENSORBOARD:
        pytest.skip("tensorboard is not installed (TensorFlow 2.20+ no longer installs it)")
    for replica in replicas:
        events = list(
            (fit_dir / "b" / "tensorboard" / f"replica_{replica}").glob("events.out.tfevents.*")
        )
        assert len(events) == 1 and events[0].stat().st_size > 0


@pytest.mark.skipif(HAVE_TENSORBOARD, reason="tensorboard is installed")
def test_tensorboard_without_the_package_is_refused_before_training(fit_dir, tmp_path):
    done = replifold(
        "fit",
        fit_dir / "runcard.yml",
        fit_dir / "data",
        "--replicas",
        "2-4",
        "--tensorboard",
        tmp_path / "tb",
        "-o",
        tmp_path / "batch",
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "needs the tensorboard package" in done.stderr and "tensorboard: false" in done.stderr
    assert not (tmp_path / "batch").exists()

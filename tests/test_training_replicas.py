"""Stacked training equals training alone; a diverging replica fails alone (issue 3)."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from replifold import seeding
from replifold.closure.generate import write_problem
from replifold.problem import load_problem
from replifold.runcard import expand_runcard, load_runcard

QUICK = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"
BATCH = list(range(1, 11))


@pytest.fixture(scope="module")
def runcard():
    """The quick runcard with 10 replicas, short, and settings under which replicas stop early."""
    expanded = expand_runcard({**load_runcard(QUICK), "replicas": 10})
    expanded = copy.deepcopy(expanded)
    parameters = expanded["parameters"]
    parameters.update(epochs=400, stopping_patience=0.1, threshold_chi2=50.0)
    parameters["positivity"]["threshold"] = 1.0e-2
    assert parameters["optimizer"]["clipnorm"] > 0 and parameters["positivity"]["initial"] > 0
    seeding.set_initial_state(seeding.job_seed(expanded["nnseed"]))
    return expanded


@pytest.fixture(scope="module")
def problem(runcard, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    write_problem(runcard, data_dir)
    return load_problem(data_dir, range(1, runcard["replicas"] + 1))


@pytest.fixture(scope="module")
def stacked(runcard, problem):
    from replifold.training.replicas import train_replicas

    return train_replicas(runcard, problem, BATCH)


def _largest_relative_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-30)) for x, y in zip(a, b))


@pytest.mark.parametrize("replica", [3, 7])
def test_replica_trained_among_ten_equals_replica_trained_alone(runcard, problem, stacked, replica):
    from replifold.training.replicas import train_replicas

    alone = train_replicas(runcard, problem, [replica])
    index = BATCH.index(replica)
    difference = _largest_relative_difference(
        stacked.model.replica_weights(index), alone.model.replica_weights(0)
    )
    print(
        f"replica {replica}: largest relative weight difference stacked vs alone = {difference:.3g}"
    )
    assert difference < 1e-5
    mine, theirs = stacked.result.replica(replica), alone.result.replica(replica)
    for key in ("stop_reason", "best_epoch", "last_epoch", "positivity", "n_tr", "n_vl", "seeds"):
        assert getattr(mine, key) == getattr(theirs, key), key
    for key in ("chi2_tr", "chi2_vl", "chi2_exp_total"):
        assert getattr(mine, key) == pytest.approx(getattr(theirs, key), rel=1e-5), key
    for name, values in alone.history.values.items():  # the curves too, NaN where it had stopped
        np.testing.assert_allclose(
            values[:, 0], stacked.history.values[name][:, index], rtol=1e-4, atol=1e-9, err_msg=name
        )
    # The settings must exercise what could leak: early stopping of some replicas, not all at once.
    reasons = [r.stop_reason for r in stacked.result.replicas]
    assert "patience" in reasons
    assert len({r.last_epoch for r in stacked.result.replicas}) > 1


def test_results_are_complete_and_consistent(stacked, problem):
    for result in stacked.result.replicas:
        assert result.stop_reason in ("patience", "max_epochs") and not result.failed
        assert -1 <= result.best_epoch <= result.last_epoch
        if (
            result.best_epoch == -1
        ):  # never good enough to count: trained to the end, last weights kept
            assert (
                result.stop_reason == "max_epochs"
                and result.last_epoch == stacked.result.epochs - 1
            )
        assert set(result.chi2_exp) == {d.name for d in problem.datasets}
        assert result.ndata_exp_total == problem.ndata
        assert result.chi2_exp_total == pytest.approx(sum(result.chi2_exp.values()))
        assert result.seeds.nn == seeding.nn_seed(2, result.replica)


def test_diverging_replica_fails_and_the_others_are_untouched(runcard, problem, stacked):
    from replifold.training.replicas import train_replicas

    poisoned_row = problem.replica_index(4)
    data = problem.replica_data.copy()
    data[poisoned_row] = np.inf
    batch = train_replicas(runcard, dataclasses.replace(problem, replica_data=data), BATCH)
    failed = [r.replica for r in batch.result.replicas if r.failed]
    assert failed == [4]
    assert batch.result.replica(4).stop_reason == "nan"
    for index, replica in enumerate(BATCH):
        if replica == 4:
            continue
        assert batch.result.replica(replica) == stacked.result.replica(replica)
        for mine, clean in zip(
            batch.model.replica_weights(index), stacked.model.replica_weights(index)
        ):
            np.testing.assert_array_equal(mine, clean)


def test_stopping_is_n3fits_patience_truncated_and_exceeded(stacked):
    """n3fit: patience = int(epochs * stopping_patience), a replica stops once more than that many
    epochs passed without a new best (the old rule rounded up and stopped on reaching it)."""
    assert stacked.result.patience == int(400 * 0.1) == 40
    stopped = [r for r in stacked.result.replicas if r.stop_reason == "patience"]
    assert stopped
    for result in stopped:
        assert result.last_epoch == result.best_epoch + 40 + 1


def test_patience_is_truncated_not_rounded_up():
    from replifold.training.lagrange import LagrangeSchedule
    from replifold.training.settings import TrainingSettings

    settings = TrainingSettings(
        333, 0.1, "Adam", 1e-3, None, LagrangeSchedule(1.0, 1.0, 100), 1e-6, 10.0
    )
    assert settings.patience == 33  # 33.3; ceil gave 34
    assert (
        dataclasses.replace(settings, stopping_patience=0.001).patience == 0
    )  # n3fit's int(); the old max(1, .) gave 1


def test_history_is_recorded_in_the_loop_and_ends_where_each_replica_stopped(
    runcard, problem, stacked
):
    from replifold.backend import tf
    from replifold.model import Observables
    from replifold.training.losses import fitted_indices, replica_chi2_layout
    from replifold.training.replicas import build_model, compiled_xf

    history = stacked.history
    stride = runcard["history"]["stride"]
    assert history.stride == stride and history.epochs[1] - history.epochs[0] == stride
    assert history.replicas == len(BATCH)
    # epoch 0 is the untrained model: the recorded chi2 is the chi2 of its predictions
    model = build_model(runcard, problem, BATCH)
    predictions = tf.convert_to_tensor(
        Observables(problem)(tf.constant(compiled_xf(model)))
    ).numpy()
    layout = replica_chi2_layout(
        problem, [problem.replica_index(r) for r in BATCH], fitted_indices(problem)
    )
    chi2_tr, chi2_vl = layout.chi2(predictions)
    np.testing.assert_allclose(history.values["chi2_tr"][0], chi2_tr / layout.n_training, rtol=1e-4)
    np.testing.assert_allclose(
        history.values["chi2_vl"][0], chi2_vl / layout.n_validation, rtol=1e-4
    )
    # computed in the model's float32 inside the loop, as n3fit's multipliers are
    np.testing.assert_allclose(
        history.positivity_multiplier,
        [100.0 * 1.2 ** (e // 100) for e in history.epochs],
        rtol=1e-6,
    )
    for column, result in enumerate(stacked.result.replicas):
        values = history.values["chi2_vl"][:, column]
        assert np.all(np.isfinite(values[history.epochs <= result.last_epoch]))
        assert np.all(np.isnan(values[history.epochs > result.last_epoch]))

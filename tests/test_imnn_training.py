"""Training stacked IMNN replicas: a replica is itself alone or stacked (issue 17).

That every input source trains the same bits is checked on full fits in test_imnn_quality.py
(suite imnn); here the sources' batches are compared in test_imnn_pipeline.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from replifold import seeding
from replifold.imnn.replicas import train_imnn_replicas
from replifold.imnn.sets import fit_sets
from replifold.imnn.settings import ImnnSettings
from replifold.imnn.storage import write_simulations
from replifold.io import atomic_directory
from replifold.runcard import expand_runcard

BATCH = [1, 2, 3]


def _card(imnn_runcard: dict, source: str) -> dict:
    imnn_runcard["imnn"].update(
        n_s=200,
        n_d=100,
        n_per_device=50,
        epochs=30,
        patience=3,
        min_epochs=5,
        optimizer={"optimizer_name": "Adam", "learning_rate": 0.05},  # noisy enough to stop early
        network={"nodes_per_layer": [16, 16], "activation_per_layer": ["elu", "elu"]},
        input={"source": source, "record_size_mb": 0.01},
    )
    imnn_runcard.pop("hyperopt")
    imnn_runcard.pop("hyperscan_config")
    return expand_runcard(imnn_runcard)


def _train(card: dict, root, replicas):
    settings = ImnnSettings.from_runcard(card)
    if not root.exists():
        with atomic_directory(root) as tmp:
            write_simulations(settings, list(fit_sets(settings)), tmp)
    seeding.set_initial_state(seeding.job_seed(card["nnseed"], batch_first_replica=replicas[0]))
    return train_imnn_replicas(settings, card["nnseed"], replicas, root, *fit_sets(settings))


@pytest.fixture(scope="module")
def runs(tmp_path_factory, imnn_runcard_path):
    import yaml

    card = _card(yaml.safe_load(imnn_runcard_path.read_text()), "memory")
    root = tmp_path_factory.mktemp("imnn") / "sims"
    return {"stacked": _train(card, root, BATCH), "alone": _train(card, root, [2])}


def _same_replica(mine, theirs, i: int, j: int) -> None:
    for a, b in zip(mine.model.replica_weights(i), theirs.model.replica_weights(j), strict=True):
        np.testing.assert_array_equal(a, b)
    assert mine.result.replicas[i] == theirs.result.replicas[j]
    last = mine.result.replicas[i].last_epoch
    for key, values in mine.history.items():
        np.testing.assert_array_equal(
            values[: last + 1, i], theirs.history[key][: last + 1, j], err_msg=key
        )
    for key, values in mine.statistics.items():
        np.testing.assert_array_equal(values[i], theirs.statistics[key][j], err_msg=key)


def test_replica_trained_alone_equals_the_same_replica_stacked(runs):
    _same_replica(runs["stacked"], runs["alone"], BATCH.index(2), 0)
    # the settings exercise what could leak between replicas: early stopping at different epochs
    results = runs["stacked"].result.replicas
    assert "patience" in [r.stop_reason for r in results]
    assert len({r.last_epoch for r in results}) > 1


def test_results_are_complete(runs):
    batch = runs["stacked"]
    assert batch.result.det_fisher_analytic == pytest.approx(50.0)
    assert (
        batch.result.training_set == "fit/training"
        and batch.result.validation_set == "fit/validation"
    )
    for k, result in enumerate(batch.result.replicas):
        assert result.replica == BATCH[k] and not result.failed
        assert 0 <= result.best_epoch <= result.last_epoch < batch.result.epochs
        assert result.det_fisher_validation == pytest.approx(
            np.exp(batch.history["lndetF_validation"][result.best_epoch, k])
        )
        assert result.seeds == {"nn": seeding.nn_seed(3, BATCH[k]), "simseed": 11}
    statistics = batch.statistics
    assert statistics["held_out_estimates"].shape == (
        3,
        3,
        5,
        2,
    )  # replicas, points, simulations, parameters
    assert np.all(np.isfinite(statistics["fisher_errors"]))
    # training went somewhere: det F grew from its initial value for every replica
    assert np.all(
        batch.history["lndetF_validation"].max(axis=0) > batch.history["lndetF_validation"][0] + 1.0
    )
    assert batch.history["lndetF_validation"].shape == (batch.timing.epochs_run, len(BATCH))

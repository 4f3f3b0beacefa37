"""The stacked PDF: runcard spec, basis rotation, sum rules, replica weights and equivalence."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from replifold.backend import keras, tf
from replifold.closure.generate import build_problem
from replifold.closure.grids import make_integration_grid, make_xgrid
from replifold.closure.request import ClosureRequest
from replifold.errors import RuncardError
from replifold.model import (
    EVOL_BASIS,
    EVOLUTION_FROM_FLAVOUR,
    FLAVOUR_FROM_EVOLUTION,
    ModelSpec,
    StackedPDF,
    to_evolution,
    to_flavour,
)
from replifold.runcard import expand_runcard, load_runcard
from replifold.seeding import nn_seed
from replifold.training.replicas import compiled_xf, replica_xfs

QUICK = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"
XGRID = make_xgrid(30, 20, 1e-5, 0.1)
INTEGRATION_X, INTEGRATION_W = make_integration_grid(256)
SEEDS = [nn_seed(2, replica) for replica in (1, 2, 3, 4)]
SUM_RULE_TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


@pytest.fixture(scope="module")
def runcard() -> dict:
    return expand_runcard(load_runcard(QUICK))


@pytest.fixture
def spec(runcard) -> ModelSpec:
    return ModelSpec.from_runcard(runcard)


@pytest.fixture(params=["float32", "float64"])
def floatx(request):
    previous = keras.config.floatx()
    keras.config.set_floatx(request.param)
    yield request.param
    keras.config.set_floatx(previous)


def stacked(spec: ModelSpec, seeds=SEEDS) -> StackedPDF:
    return StackedPDF(spec, seeds, XGRID, INTEGRATION_X, INTEGRATION_W)


def with_sum_rules(spec: ModelSpec, mode: str) -> ModelSpec:
    return ModelSpec.from_dict({**spec.to_dict(), "sum_rules": mode})


def evolution_integrals(model: StackedPDF) -> tuple[np.ndarray, np.ndarray]:
    """(int x f dx, int f dx) per replica and evolution flavour."""
    xf = model.evolution_at(INTEGRATION_X).astype(np.float64)
    return xf @ INTEGRATION_W, xf @ (INTEGRATION_W / INTEGRATION_X)


def test_spec_reads_the_runcard(spec, runcard):
    assert spec.nodes_per_layer == (25, 20, 8)
    assert spec.activation_per_layer == ("tanh", "tanh", "linear")
    assert spec.sum_rules == "ALL"
    assert [entry.fl for entry in spec.basis] == [
        entry["fl"] for entry in runcard["fitting"]["basis"]
    ]
    assert ModelSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        (
            "parameters",
            "activation_per_layer",
            ["tanh", "tanhh", "linear"],
            "parameters.activation_per_layer[1]",
        ),
        ("parameters", "activation_per_layer", ["tanh", "linear"], "one activation per layer"),
        ("parameters", "nodes_per_layer", [25, 20, 7], "one unit per basis flavour"),
        ("parameters", "initializer", "glorot", "parameters.initializer"),
        ("fitting", "sum_rules", "MRS", "fitting.sum_rules"),
        ("parameters", "dropout", 0.1, "parameters.dropout"),
    ],
)
def test_bad_model_settings_name_the_runcard_key(runcard, section, key, value, message):
    broken = copy.deepcopy(runcard)
    broken[section][key] = value
    with pytest.raises(RuncardError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ModelSpec.from_runcard(broken)


def test_basis_missing_a_flavour_is_a_runcard_error(runcard):
    broken = copy.deepcopy(runcard)
    broken["fitting"]["basis"][3]["fl"] = "v"
    with pytest.raises(RuncardError, match="exactly once"):
        ModelSpec.from_runcard(broken)


def test_rotation_round_trips_and_the_truth_obeys_the_sum_rules_in_the_evolution_basis(runcard):
    np.testing.assert_allclose(
        EVOLUTION_FROM_FLAVOUR @ FLAVOUR_FROM_EVOLUTION, np.eye(8), atol=1e-14
    )
    problem, extra = build_problem(ClosureRequest.from_runcard(runcard))
    np.testing.assert_allclose(
        to_flavour(to_evolution(problem.truth_xf)), problem.truth_xf, rtol=1e-12, atol=1e-14
    )
    evolution = to_evolution(extra["xf_integration"])
    number = evolution @ (problem.integration_w / problem.integration_x)
    momentum = evolution @ problem.integration_w
    index = EVOL_BASIS.index
    np.testing.assert_allclose(
        number[[index("v"), index("v3"), index("v8")]], [3.0, 1.0, 3.0], rtol=1e-6
    )
    np.testing.assert_allclose(momentum[index("sng")] + momentum[index("g")], 1.0, rtol=1e-6)


@pytest.mark.parametrize("mode", ["ALL", "MSR", "VSR"])
def test_sum_rules_hold_for_untrained_replicas(spec, mode, floatx):
    model = stacked(with_sum_rules(spec, mode))
    assert model().dtype == floatx
    momentum, number = evolution_integrals(model)
    index = EVOL_BASIS.index
    tolerance = SUM_RULE_TOLERANCE[floatx]
    if mode in ("ALL", "MSR"):
        np.testing.assert_allclose(
            momentum[:, index("sng")] + momentum[:, index("g")], 1.0, rtol=tolerance
        )
    if mode in ("ALL", "VSR"):
        valence = number[:, [index("v"), index("v3"), index("v8")]]
        np.testing.assert_allclose(
            valence, np.broadcast_to([3.0, 1.0, 3.0], valence.shape), rtol=tolerance
        )


def test_sum_rules_only_rescale_the_normalised_flavours(spec):
    # NONE evaluates the x-grid without the integration nodes: other matrix products, so the
    # unnormalised outputs agree to float precision rather than bitwise (compared in absolute
    # terms: a flavour crossing zero makes ratios meaningless there).
    normalised = stacked(spec).evolution_at(XGRID).astype(np.float64)
    plain = stacked(with_sum_rules(spec, "NONE")).evolution_at(XGRID).astype(np.float64)
    for k, name in enumerate(EVOL_BASIS):
        scale = np.abs(normalised[:, k, :]).max()
        if name in ("g", "v", "v3", "v8"):
            factor = np.median(normalised[:, k, :] / plain[:, k, :], axis=1, keepdims=True)
            np.testing.assert_allclose(
                normalised[:, k, :], factor * plain[:, k, :], rtol=0, atol=1e-5 * scale
            )
            assert not np.allclose(factor, 1.0)
        else:
            np.testing.assert_allclose(
                normalised[:, k, :], plain[:, k, :], rtol=0, atol=1e-6 * scale
            )


def test_evolution_output_rotates_to_the_flavour_output(spec):
    model = stacked(spec)
    np.testing.assert_allclose(
        to_flavour(model.evolution_at(XGRID).astype(np.float64)),
        model().numpy(),
        rtol=1e-5,
        atol=1e-5,
    )


def test_replica_i_is_initialised_bitwise_as_a_model_of_its_own(spec):
    model = stacked(spec)
    for i, seed in enumerate(SEEDS):
        alone = stacked(spec, [seed])
        for mine, theirs in zip(model.replica_weights(i), alone.replica_weights(0)):
            np.testing.assert_array_equal(mine, theirs)


def test_output_shape_and_pdf_at_use_the_training_normalisation(spec):
    model = stacked(spec)
    output = model().numpy()
    assert output.shape == (len(SEEDS), 8, XGRID.size)
    np.testing.assert_allclose(model.pdf_at(XGRID), output, rtol=1e-6)
    np.testing.assert_allclose(model.pdf_at(XGRID[::7]), output[..., ::7], rtol=1e-6)


def test_replica_weights_round_trip_and_touch_only_that_replica(spec):
    model = stacked(spec)
    other = stacked(spec, [nn_seed(2, 99)])
    before = model().numpy()
    model.set_replica_weights(2, other.replica_weights(0))
    for mine, theirs in zip(model.replica_weights(2), other.replica_weights(0)):
        np.testing.assert_array_equal(mine, theirs)
    after = model().numpy()
    np.testing.assert_array_equal(np.delete(after, 2, axis=0), np.delete(before, 2, axis=0))
    np.testing.assert_allclose(after[2], other()[0].numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="one per variable"):
        model.set_replica_weights(0, other.replica_weights(0)[:-1])


def test_single_replica_predicts_what_the_stacked_model_predicts(spec, floatx):
    model = stacked(spec)
    for variable in model.replica_variables[:6]:
        variable.assign(variable.numpy() * 1.3 + 0.01)
    output = model().numpy()
    # Eager TF matmuls round differently for different batch sizes: agreement to float precision.
    atol = {"float32": 1e-6, "float64": 1e-14}[floatx] * np.abs(output).max()
    for i in range(model.replicas):
        single = model.single_replica(i)
        assert single.replica_seeds == (SEEDS[i],)
        np.testing.assert_allclose(single()[0].numpy(), output[i], rtol=0, atol=atol)


def test_compiled_single_replica_reproduces_the_stacked_output(spec):
    """Bitwise as two copies (how a lone replica is trained and evaluated); XLA compiles an axis of size 1 otherwise."""
    model = stacked(spec)
    output = tf.function(model.call, jit_compile=True)().numpy()
    for i in range(model.replicas):
        single = model.single_replica(i)
        np.testing.assert_array_equal(compiled_xf(single)[0], output[i])
        bare = tf.function(single.call, jit_compile=True)().numpy()
        assert np.abs(bare[0] - output[i]).max() < 1e-5


def test_one_compiled_probe_gives_every_replica_its_own_compiled_grid(spec):
    """What split writes (``replica_xfs``) is bitwise what each replica alone computes."""
    model = stacked(spec)
    for variable in model.replica_variables:
        variable.assign(variable.numpy() * 1.1 + 0.01)  # every replica differs, exponents too
    found = list(replica_xfs(model))
    assert len(found) == model.replicas
    for i, xf in enumerate(found):
        np.testing.assert_array_equal(xf, compiled_xf(model.single_replica(i))[0])
    assert not np.array_equal(found[0], found[1])


def test_gradients_of_one_replica_leave_the_others_alone(runcard):
    basis = [{**entry, "trainable": True} for entry in runcard["fitting"]["basis"]]
    model = stacked(
        ModelSpec.from_runcard({**runcard, "fitting": {**runcard["fitting"], "basis": basis}})
    )
    assert len(model.trainable_variables) == len(model.replica_variables) == 8
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model()[1] ** 2)
    for variable, gradient in zip(
        model.trainable_variables, tape.gradient(loss, model.trainable_variables)
    ):
        gradient = gradient.numpy()
        assert np.any(gradient[1] != 0), variable.path
        assert not np.any(np.delete(gradient, 1, axis=0)), variable.path


def test_config_and_weights_file_rebuild_the_model(spec, tmp_path):
    model = stacked(spec)
    for variable in model.replica_variables:
        variable.assign(variable.numpy() + 0.05)
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    rebuilt = StackedPDF.from_config(model.get_config())
    rebuilt.load_weights(path)
    assert rebuilt.replica_seeds == model.replica_seeds
    np.testing.assert_array_equal(rebuilt().numpy(), model().numpy())


def test_forward_and_backward_compile_with_xla(spec):
    model = stacked(spec)

    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model() ** 2, axis=(1, 2))
        return loss, tape.gradient(loss, model.trainable_variables)

    loss, gradients = step()
    np.testing.assert_allclose(loss.numpy(), np.sum(model().numpy() ** 2, axis=(1, 2)), rtol=1e-4)
    assert all(np.all(np.isfinite(g.numpy())) for g in gradients)

"""A replica's compiled arithmetic does not depend on how many replicas share its batch: bitwise.

The training tests compare a replica trained in a batch of 10 with the same replica alone; this
checks one compiled training step's forward pass and gradients at 66 and 130 replicas, above the
sizes at which XLA's CPU matrix product changes algorithm and rounding (33 and 51 rows for the
FK convolutions; between 66 and 100 replicas for the sum rules and the basis rotation, see
``replifold.model.replica_blocks``), so that such a product cannot slip back in unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from replifold.backend import tf
from replifold.closure.generate import build_problem
from replifold.closure.request import ClosureRequest
from replifold.model import ModelSpec, Observables, PositivityObservables, StackedPDF
from replifold.runcard import expand_runcard, load_runcard
from replifold.seeding import nn_seed

QUICK = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"
CHECKED = {66: (0, 37, 65), 130: (0, 129)}  # batch size -> replicas compared with themselves alone


@pytest.fixture(scope="module")
def setup():
    runcard = expand_runcard(load_runcard(QUICK))
    problem = build_problem(ClosureRequest.from_runcard(runcard))[0]
    basis = [{**entry, "trainable": True} for entry in runcard["fitting"]["basis"]]
    spec = ModelSpec.from_runcard({**runcard, "fitting": {**runcard["fitting"], "basis": basis}})
    return problem, spec


def compiled_step(problem, spec, seeds):
    """Outputs and gradients of a loss that touches every observable, as the training step computes them."""
    model = StackedPDF(spec, seeds, problem.xgrid, problem.integration_x, problem.integration_w)
    fitted, positivity = Observables(problem), PositivityObservables(problem)
    assert {d.bilinear for d in problem.datasets} == {True, False}

    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as tape:
            xf = model(None, training=True)
            predictions, positive = fitted(xf), positivity(xf)
            loss = tf.reduce_sum(tf.square(predictions), axis=1) + tf.reduce_sum(
                tf.square(positive), axis=1
            )
            total = tf.reduce_sum(loss)
        return xf, predictions, positive, tape.gradient(total, model.trainable_variables)

    xf, predictions, positive, gradients = step()
    return [xf.numpy(), predictions.numpy(), positive.numpy()] + [g.numpy() for g in gradients]


@pytest.mark.parametrize(
    "batch", [66, pytest.param(130, marks=pytest.mark.slow)]
)  # 130: minutes of XLA compilation
def test_a_replica_computes_the_same_bits_in_a_large_batch_as_alone(setup, batch):
    problem, spec = setup
    seeds = [nn_seed(2, replica) for replica in range(1, batch + 1)]
    stacked = compiled_step(problem, spec, seeds)
    for k in CHECKED[batch]:
        alone = compiled_step(
            problem, spec, [seeds[k], seeds[k]]
        )  # a lone replica trains as two copies
        for mine, theirs in zip(stacked, alone, strict=True):
            np.testing.assert_array_equal(mine[k], theirs[0])

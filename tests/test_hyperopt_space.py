"""The search space: n3fit's sampling rules, readable parameters, and their exact round trip to hyperopt."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from hyperopt import Trials, rand
from hyperopt.base import Domain

from replifold.errors import RuncardError
from replifold.hyperopt.space import Steps, apply_params, search_space
from replifold.runcard import expand_runcard

RUNCARD = Path(__file__).resolve().parents[1] / "config" / "runcards" / "closure-quick.yml"


@pytest.fixture(scope="module")
def runcard() -> dict:
    return expand_runcard(yaml.safe_load(RUNCARD.read_text(encoding="utf-8")))


def _samples(space, n: int, seed: int = 5) -> list[dict]:
    domain = Domain(lambda _: 0.0, space.expression())
    trials = Trials()
    docs = rand.suggest(list(range(n)), domain, trials, seed)
    return [doc["misc"]["vals"] for doc in docs]


def test_labels_are_the_hyperopt_domain_labels(runcard):
    space = search_space(runcard)
    assert sorted(Domain(lambda _: 0.0, space.expression()).params) == list(space.labels())


def test_samples_follow_n3fit_rules_and_round_trip_exactly(runcard):
    space = search_space(runcard)
    scan = runcard["hyperscan_config"]
    for vals in _samples(space, 40):
        point = {label: v[0] for label, v in vals.items() if v}
        params = space.readable(point)
        nodes = params["nodes_per_layer"]
        assert len(nodes) in scan["architecture"]["n_layers"] and nodes[-1] == 8
        assert all(10 <= n <= 30 and isinstance(n, int) for n in nodes[:-1])
        activations = params["activation_per_layer"]
        assert (
            len(activations) == len(nodes)
            and activations[-1] == "linear"
            and len(set(activations[:-1])) == 1
        )
        optimizer = params["optimizer"]
        assert optimizer["optimizer_name"] in ("Nadam", "Adam")
        assert 1e-3 <= optimizer["learning_rate"] <= 1e-2 and 1e-3 <= optimizer["clipnorm"] <= 1e-1
        stopping = scan["stopping"]
        assert (
            params["epochs"]
            in np.linspace(stopping["min_epochs"], stopping["max_epochs"], 6).round()
        )
        assert any(
            np.isclose(
                params["stopping_patience"],
                np.linspace(stopping["min_patience"], stopping["max_patience"], 6),
            )
        )
        bounds = scan["positivity"]
        assert (
            bounds["min_multiplier"]
            <= params["positivity"]["multiplier"]
            <= bounds["max_multiplier"]
        )
        assert bounds["min_initial"] <= params["positivity"]["initial"] <= bounds["max_initial"]
        assert params["dropout"] == 0.0 and params["layer_type"] == "dense"
        assert space.vals(params) == {
            label: [float(v[0])] if v else [] for label, v in vals.items()
        }


def test_log_uniform_learning_rate_covers_decades_evenly(runcard):
    space = search_space(runcard)
    points = [{k: v[0] for k, v in vals.items() if v} for vals in _samples(space, 400)]
    rates = [space.readable(point)["optimizer"]["learning_rate"] for point in points]
    below = np.mean(np.array(rates) < 10**-2.5)  # the middle of [1e-3, 1e-2] in log
    assert 0.4 < below < 0.6


def test_trial_params_make_a_valid_runcard(runcard):
    space = search_space(runcard)
    for vals in _samples(space, 5):
        params = space.readable({k: v[0] for k, v in vals.items() if v})
        parameters = apply_params(runcard["parameters"], params)
        assert (
            parameters["positivity"]["update_freq"]
            == runcard["parameters"]["positivity"]["update_freq"]
        )
        assert parameters["threshold_chi2"] == runcard["parameters"]["threshold_chi2"]
        expanded = expand_runcard({**runcard, "parameters": parameters})
        assert expanded["parameters"]["nodes_per_layer"] == params["nodes_per_layer"]


def test_params_outside_the_space_are_rejected(runcard):
    space = search_space(runcard)
    params = space.readable({k: v[0] for k, v in _samples(space, 1)[0].items() if v})
    bad = [
        {**params, "epochs": 600},
        {**params, "optimizer": {**params["optimizer"], "optimizer_name": "SGD"}},
        {**params, "optimizer": {**params["optimizer"], "learning_rate": 0.5}},
        {
            **params,
            "nodes_per_layer": [25, 20, 12, 8],
            "activation_per_layer": ["tanh"] * 3 + ["linear"],
        },
        {**params, "nodes_per_layer": [40] * (len(params["nodes_per_layer"]) - 1) + [8]},
    ]
    for case in bad:
        with pytest.raises(ValueError):
            space.point(case)


def test_sections_absent_from_hyperscan_config_keep_the_runcard_parameters(runcard):
    card = copy.deepcopy(runcard)
    card["hyperscan_config"] = {"optimizer": [{"optimizer_name": "Adam", "clipnorm": [1e-3, 1e-3]}]}
    space = search_space(card)
    assert space.labels() == ("optimizer",)
    params = space.readable({"optimizer": 0})
    assert params == {
        "optimizer": {"optimizer_name": "Adam", "learning_rate": 5e-3, "clipnorm": 1e-3}
    }


def test_stopping_grid_has_n3fit_steps():
    steps = Steps("epochs", 500, 1500, 5, integer=True)
    assert [steps.at(i) for i in range(6)] == [500, 700, 900, 1100, 1300, 1500]
    assert steps.value({"epochs": 5.0}) == 1500 and steps.value({"epochs": 6.0}) == 1500


def test_duplicate_choices_are_a_runcard_error(runcard):
    card = copy.deepcopy(runcard)
    card["hyperscan_config"]["architecture"]["n_layers"] = [2, 3, 2]
    with pytest.raises(RuncardError, match=r"hyperscan_config.architecture.n_layers\[2\]"):
        search_space(card)

"""The imnn runcard contract: problem selection, defaults, and one clear message per mistake (issue 17)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from replifold import cli
from replifold.imnn.settings import ImnnSettings, regularisation_rate
from replifold.imnn.simulators import SIMULATORS
from replifold.runcard import dump_runcard, expand_runcard, load_runcard, parse_runcard
from replifold.runcard.schema import load_schema


def set_(path, value):
    def mutate(card):
        node = card
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


def delete(path):
    def mutate(card):
        node = card
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return mutate


MALFORMED = {
    "simulator typo": (
        set_(("imnn", "simulator"), {"name": "gausian"}),
        ("'imnn.simulator.name'", "unknown value", "did you mean: 'gaussian'"),
    ),
    "setting of another simulator": (
        set_(("imnn", "simulator"), {"name": "gaussian", "dof": 3}),
        ("'imnn.simulator.dof'", "unknown key"),
    ),
    "missing imnn section": (
        delete(("imnn",)),
        ("'imnn'", "missing required key", "a mapping with keys: simseed"),
    ),
    "missing simseed": (delete(("imnn", "simseed")), ("'imnn.simseed'", "missing required key")),
    "PDF section in an imnn runcard": (
        set_(("mcseed",), 3),
        ("'mcseed'", "belongs to the PDF problems"),
    ),
    "PDF kfold in an imnn runcard": (
        set_(("kfold",), {"partitions": [{"datasets": ["DIS_NC_P"]}]}),
        ("'kfold'", "belongs to the PDF problems", "imnn.kfold"),
    ),
    "unknown source": (
        set_(("imnn", "input", "source"), "tfrecord"),
        ("'imnn.input.source'", "did you mean: 'tfrecords'"),
    ),
    "record size too large": (
        set_(("imnn", "input", "record_size_mb"), 1.0e5),
        ("'imnn.input.record_size_mb'", "out of range", "<= 10000"),
    ),
    "n_d above n_s": (
        set_(("imnn", "n_d"), 4000),
        ("'imnn.n_d'", "the first n_d fiducial ones", "<= n_s = 2000"),
    ),
    "chunk does not divide": (
        set_(("imnn", "n_per_device"), 300),
        ("'imnn.n_per_device'", "does not divide n_d = 2000", "a common divisor"),
    ),
    "too few summaries": (
        set_(("imnn", "n_summaries"), 1),
        ("'imnn.n_summaries'", "det F would be 0", ">= 2"),
    ),
    "numerical without dtheta": (
        set_(("imnn", "derivatives"), "numerical"),
        ("'imnn.dtheta'", "missing required key"),
    ),
    "dtheta of wrong length": (
        lambda card: card["imnn"].update(derivatives="numerical", dtheta=[0.1]),
        ("'imnn.dtheta'", "one step per parameter (mean, variance)"),
    ),
    "dtheta leaves the parameter space": (
        lambda card: card["imnn"].update(derivatives="numerical", dtheta=[0.1, 3.0]),
        ("'imnn.dtheta[1]'", "the variance must be positive"),
    ),
    "theta_fid of wrong length": (
        set_(("imnn", "theta_fid"), [0.0]),
        ("'imnn.theta_fid'", "has 2 parameters"),
    ),
    "negative variance": (
        set_(("imnn", "theta_fid"), [0.0, -1.0]),
        ("'imnn.theta_fid'", "variance must be positive"),
    ),
    "held-out point outside": (
        set_(("imnn", "held_out", "theta"), [[0.0, 1.0], [0.0, 0.0]]),
        ("'imnn.held_out.theta[1]'", "variance must be positive"),
    ),
    "no regularisation rate": (
        set_(("imnn", "regularisation"), {"lambda": 20.0, "epsilon": 0.5}),
        ("'imnn.regularisation.epsilon'", "no positive rate alpha"),
    ),
    "activations and layers differ": (
        set_(("imnn", "network", "activation_per_layer"), ["elu"]),
        ("'imnn.network.activation_per_layer'", "1 activations for 2 layers"),
    ),
    "too many layers": (
        set_(("imnn", "network", "nodes_per_layer"), [8] * 33),
        ("'imnn.network.nodes_per_layer'", "wrong number of entries (33)"),
    ),
    "mongo engine": (
        set_(("hyperopt", "engine"), "mongo"),
        ("'hyperopt.engine'", "files engine only"),
    ),
    "dropout scan": (
        set_(
            ("hyperscan_config", "architecture"),
            {"n_layers": [2, 3], "min_units": 8, "max_units": 32, "max_drop": 0.2},
        ),
        ("'hyperscan_config.architecture.max_drop'", "without dropout"),
    ),
    "epochs above the maximum": (
        set_(("imnn", "epochs"), 2_000_000),
        ("'imnn.epochs'", "<= 1000000"),
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_imnn_runcard_exits_2_naming_the_key(
    case, imnn_runcard, write_runcard, tmp_path, capsys
):
    mutation, fragments = MALFORMED[case]
    mutation(imnn_runcard)
    path = write_runcard(imnn_runcard)

    status = cli.main(["setup", str(path), "-o", str(tmp_path / "out")])

    stderr = capsys.readouterr().err
    assert status == 2
    assert stderr.startswith(f"replifold setup: error: {path}: invalid runcard at ")
    for fragment in fragments:
        assert fragment in stderr, stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "out").exists()


def test_imnn_section_in_a_closure_runcard_is_an_error(
    quick_runcard, imnn_runcard, write_runcard, tmp_path, capsys
):
    quick_runcard["imnn"] = imnn_runcard["imnn"]
    assert cli.main(["setup", str(write_runcard(quick_runcard)), "-o", str(tmp_path / "out")]) == 2
    stderr = capsys.readouterr().err
    assert (
        "section 'imnn' belongs to problem: imnn, but this runcard has problem: closure" in stderr
    )
    assert "set problem: imnn" in stderr and "Traceback" not in stderr


def test_pdf_runcards_default_to_the_closure_problem_and_keep_their_defaults(quick_runcard):
    del quick_runcard["positivity"], quick_runcard["genrep"]
    expanded = expand_runcard(quick_runcard)
    assert expanded["problem"] == "closure"
    assert expanded["positivity"] == {"posdatasets": []} and expanded["genrep"] is True
    assert expanded["postfit"] == {
        "chi2_nsigma": 4.0,
        "arclength_nsigma": 4.0,
        "integrability_threshold": 0.5,
    }
    assert "imnn" not in expanded


def test_imnn_defaults_are_filled_and_pdf_sections_stay_out(imnn_runcard):
    for key in ("regularisation", "input", "held_out", "kfold", "derivatives", "min_epochs"):
        imnn_runcard["imnn"].pop(key)
    expanded = expand_runcard(imnn_runcard)
    section = expanded["imnn"]
    assert section["regularisation"] == {"lambda": 10.0, "epsilon": 0.1}
    assert section["input"] == {
        "source": "memory",
        "record_size_mb": 200,
        "cache": False,
        "prefetch": True,
    }
    assert section["derivatives"] == "gradient" and section["min_epochs"] == 0
    assert section["held_out"] == {"simulations": 5}
    assert section["kfold"] == {
        "folds": 2,
        "replica_statistic": "average",
        "fold_statistic": "average",
    }
    assert section["postfit"] == {"detf_ratio": 0.5}
    assert section["simulator"] == {"name": "gaussian", "n_data": 10}
    assert not {"closure", "positivity", "genrep", "postfit", "parameters", "mcseed"} & set(
        expanded
    )
    assert expand_runcard(parse_runcard(dump_runcard(expanded), "again")) == expanded


def test_student_t_runcard_expands_with_numerical_derivatives(imnn_runcard_path):
    settings = ImnnSettings.from_runcard(
        expand_runcard(load_runcard(imnn_runcard_path.with_name("imnn-student-t.yml")))
    )
    assert settings.simulator.name == "student_t" and settings.numerical
    assert settings.n_derivative_simulations == 4000
    assert float(np.linalg.det(settings.simulator.fisher(settings.theta_fid))) == pytest.approx(
        100 * 4 / 6
    )


def test_shipped_imnn_runcard_expands_to_settings(imnn_runcard_path):
    settings = ImnnSettings.from_runcard(expand_runcard(load_runcard(imnn_runcard_path)))
    assert settings.simulator.name == "gaussian" and settings.simulator.n_data == 10
    assert settings.theta_fid.tolist() == [0.0, 1.0]
    assert settings.simulator.fisher(settings.theta_fid).tolist() == [[10.0, 0.0], [0.0, 5.0]]
    assert settings.held_out_theta.shape == (3, 2)


def test_schema_lists_every_simulator_of_the_registry():
    schema = load_schema()["$defs"]["simulator"]
    assert schema["properties"]["name"]["enum"] == list(SIMULATORS)
    branches = {part["if"]["properties"]["name"]["const"] for part in schema["allOf"]}
    assert branches == set(SIMULATORS)


@pytest.mark.parametrize(("coupling", "closeness"), [(10.0, 0.1), (5.0, 0.01), (100.0, 0.001)])
def test_regularisation_rate_meets_the_closeness_condition(coupling, closeness):
    """exp(-alpha epsilon) = epsilon (lambda - 1) + epsilon^2 / (1 + epsilon), with alpha > 0."""
    alpha = regularisation_rate(coupling, closeness)
    assert alpha > 0
    import math

    assert math.exp(-alpha * closeness) == pytest.approx(
        closeness * (coupling - 1) + closeness**2 / (1 + closeness)
    )
    with pytest.raises(ValueError):
        regularisation_rate(20.0, 0.5)


def test_postfit_vetoes_diverged_replicas_and_those_far_below_the_median():
    from replifold.imnn.selection import select, selection_json, veto_json

    def fit(replica, detf, failed=False):
        return {
            "replica": replica,
            "det_fisher_validation": detf,
            "failed": failed,
            "stop_reason": "nan" if failed else "patience",
        }

    selection = select(
        [fit(1, 48.0), fit(2, 20.0), fit(3, None, failed=True), fit(4, 47.0), fit(5, 49.5)], 0.5
    )
    assert selection.selected == (1, 4, 5)
    assert (
        selection.vetoes[2][0] == "detf" and "below 0.5 x the median 47.5" in selection.vetoes[2][1]
    )
    assert selection.vetoes[3][0] == "diverged"
    assert selection_json(selection)["vetoed"] == [2, 3]
    assert veto_json(selection)["counts"] == {"diverged": 1, "detf": 1}


def test_trial_parameters_apply_to_the_imnn_section(imnn_runcard):
    """The PDF search space over a parameters-shaped view of the imnn section, and back."""
    from hyperopt import Trials, rand

    from replifold.hyperopt.space import search_space
    from replifold.hyperopt.store import domain
    from replifold.imnn.scan import apply_trial, parameters_view, trial_runcard

    imnn_runcard["hyperscan_config"] = {
        "stopping": {
            "min_epochs": 200,
            "max_epochs": 400,
            "min_patience": 0.1,
            "max_patience": 0.3,
        },
        "optimizer": [
            {"optimizer_name": "Adam", "learning_rate": [1.0e-3, 1.0e-2]},
            {"optimizer_name": "SGD"},
        ],
        "architecture": {
            "n_layers": [2, 3],
            "min_units": 8,
            "max_units": 32,
            "activations": ["elu", "tanh"],
            "initializers": ["glorot_normal", "glorot_uniform"],
        },
    }
    card = expand_runcard(imnn_runcard)
    view = parameters_view(card["imnn"])
    assert view["nodes_per_layer"] == [64, 64, 2] and view["activation_per_layer"] == [
        "elu",
        "elu",
        "linear",
    ]
    space = search_space({"hyperscan_config": card["hyperscan_config"], "parameters": view})
    for doc in rand.suggest(list(range(20)), domain(space), Trials(), 3):
        params = space.readable({k: v[0] for k, v in doc["misc"]["vals"].items() if v})
        section = apply_trial(card["imnn"], params)
        assert section["network"]["nodes_per_layer"] == params["nodes_per_layer"][:-1]
        assert section["network"]["activation_per_layer"] == params["activation_per_layer"][:-1]
        assert (
            section["epochs"] == params["epochs"]
            and 1 <= section["patience"] <= 0.3 * section["epochs"] + 1
        )
        assert section["optimizer"] == params["optimizer"]
        settings = ImnnSettings.from_runcard(
            trial_runcard(card, params)
        )  # a runcard the fit can train with
        assert settings.network.initializer == params["initializer"]
    assert trial_runcard(card, None) == card


def test_imnn_data_view_follows_the_simulations_not_the_training(imnn_runcard):
    """The simulate stage reads the data view: a scan's presence changes it (fold sets), its
    length, the network and imnn.postfit do not; imnn.postfit stays out of the fit view."""
    from replifold.views import stage_view

    base = expand_runcard(imnn_runcard)
    edited = copy.deepcopy(imnn_runcard)
    edited["imnn"]["epochs"] += 1
    edited["imnn"]["network"]["nodes_per_layer"] = [8, 8]
    edited["hyperopt"]["rounds"] += 1
    edited["imnn"].setdefault("postfit", {})["detf_ratio"] = 0.25
    edited = expand_runcard(edited)
    assert stage_view(edited, "data") == stage_view(base, "data")
    assert stage_view(edited, "fit") != stage_view(base, "fit")  # the network
    assert stage_view(edited, "postfit") != stage_view(base, "postfit")
    no_scan = copy.deepcopy(imnn_runcard)
    del no_scan["hyperopt"]
    assert stage_view(expand_runcard(no_scan), "data") != stage_view(base, "data")
    only_postfit = copy.deepcopy(imnn_runcard)
    only_postfit["imnn"].setdefault("postfit", {})["detf_ratio"] = 0.25
    assert stage_view(expand_runcard(only_postfit), "fit") == stage_view(base, "fit")

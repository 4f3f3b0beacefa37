"""The runcard contract: schema, defaults, canonical text, and one clear message per bad runcard."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import yaml

from replifold import cli
from replifold.errors import RuncardError, UserError
from replifold.runcard import (
    Seeds,
    dump_runcard,
    expand_runcard,
    fit_name,
    load_runcard,
    parse_runcard,
    runcard_sha256,
)
from replifold.runcard.schema import RuncardValidator, load_schema

Mutation = Callable[[dict], object]


def _walk(card: dict, path: tuple) -> tuple[object, object]:
    node = card
    for part in path[:-1]:
        node = node[part]
    return node, path[-1]


def set_(path: tuple, value: object) -> Mutation:
    def mutate(card: dict) -> None:
        node, key = _walk(card, path)
        node[key] = value

    return mutate


def delete(path: tuple) -> Mutation:
    def mutate(card: dict) -> None:
        node, key = _walk(card, path)
        del node[key]

    return mutate


def rename(path: tuple, new: str) -> Mutation:
    def mutate(card: dict) -> None:
        node, key = _walk(card, path)
        node[new] = node.pop(key)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(card: dict) -> None:
        for mutation in mutations:
            mutation(card)

    return mutate


MALFORMED: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "wrong type": (
        set_(("parameters", "epochs"), "many"),
        ("'parameters.epochs'", "wrong type", "an integer >= 1"),
    ),
    "float where integer": (
        set_(("replicas",), 2.5),
        ("'replicas'", "wrong type", "an integer >= 1"),
    ),
    "empty value": (set_(("parameters", "epochs"), None), ("'parameters.epochs'", "empty value")),
    "list where mapping": (
        set_(("closure",), [7]),
        ("'closure'", "a mapping with keys: filterseed"),
    ),
    "unknown top-level key": (
        set_(("verbose",), True),
        ("'verbose'", "unknown key", "allowed: known keys: description"),
    ),
    "top-level key typo": (
        rename(("nnseed",), "nnsed"),
        ("'nnsed'", "unknown key", "did you mean: 'nnseed'"),
    ),
    "nested key typo": (
        rename(("parameters", "optimizer", "learning_rate"), "learning_rat"),
        ("'parameters.optimizer.learning_rat'", "did you mean: 'learning_rate'"),
    ),
    "value typo": (
        set_(("parameters", "optimizer", "optimizer_name"), "Adamm"),
        (
            "'parameters.optimizer.optimizer_name'",
            "found: 'Adamm'",
            "Nadam",
            "did you mean: 'Adam'",
        ),
    ),
    "activation typo": (
        set_(("parameters", "activation_per_layer", 1), "tahn"),
        ("'parameters.activation_per_layer[1]'", "did you mean: 'tanh'"),
    ),
    "engine typo": (
        set_(("hyperopt", "engine"), "mongodb"),
        ("'hyperopt.engine'", "did you mean: 'mongo'"),
    ),
    "frac out of range": (
        set_(("dataset_inputs", 0, "frac"), 1.5),
        ("'dataset_inputs[0].frac'", "out of range", "found: 1.5", "a number > 0 and <= 1"),
    ),
    "dropout of one": (
        set_(("parameters", "dropout"), 1.0),
        ("'parameters.dropout'", "a number >= 0 and < 1"),
    ),
    "negative seed": (set_(("trvlseed",), -1), ("'trvlseed'", "out of range", "found: -1", ">= 0")),
    "zero replicas": (set_(("replicas",), 0), ("'replicas'", "an integer >= 1")),
    "negative learning rate": (
        set_(("parameters", "optimizer", "learning_rate"), -0.1),
        ("'parameters.optimizer.learning_rate'", "a number > 0"),
    ),
    "missing required key": (
        delete(("nnseed",)),
        ("'nnseed'", "missing required key", "an integer >= 0"),
    ),
    "missing section": (delete(("fitting",)), ("'fitting'", "missing required key")),
    "missing nested key": (
        delete(("parameters", "optimizer", "optimizer_name")),
        ("'parameters.optimizer.optimizer_name'", "missing required key", "one of: Adam"),
    ),
    "nodes and activations differ": (
        set_(("parameters", "activation_per_layer"), ["tanh", "linear"]),
        ("'parameters.activation_per_layer'", "2 activations for 3 layers"),
    ),
    "last layer not the basis size": (
        set_(("parameters", "nodes_per_layer"), [25, 20, 7]),
        (
            "'parameters.nodes_per_layer[2]'",
            "one output per basis flavour",
            "found: 7",
            "allowed: 8",
        ),
    ),
    "basis flavour twice": (
        set_(("fitting", "basis", 1, "fl"), "sng"),
        ("'fitting.basis[1].fl'", "appears twice"),
    ),
    "basis flavour missing": (
        lambda card: card["fitting"]["basis"].pop(),
        ("'fitting.basis'", "missing: t15"),
    ),
    "reversed exponent range": (
        set_(("fitting", "basis", 0, "smallx"), [1.19, 1.05]),
        ("'fitting.basis[0].smallx'", "reversed", "lo <= hi"),
    ),
    "range of three numbers": (
        set_(("fitting", "basis", 0, "largex"), [1.0, 2.0, 3.0]),
        ("'fitting.basis[0].largex'", "wrong number of entries (3)", "exactly 2 entries"),
    ),
    "unknown fitted dataset": (
        set_(("dataset_inputs", 2, "dataset"), "DIS_CC_NUU"),
        (
            "'dataset_inputs[2].dataset'",
            "unknown dataset",
            "DIS_NC_P, DIS_NC_D",
            "did you mean: 'DIS_CC_NU'",
        ),
    ),
    "dataset fitted twice": (
        set_(("dataset_inputs", 1, "dataset"), "DIS_NC_P"),
        ("'dataset_inputs[1].dataset'", "listed twice", "dataset_inputs[0].dataset"),
    ),
    "unknown positivity set": (
        set_(("positivity", "posdatasets", 0, "dataset"), "POS_XUQQ"),
        (
            "'positivity.posdatasets[0].dataset'",
            "unknown positivity set",
            "did you mean: 'POS_XUQ'",
        ),
    ),
    "unknown dataset in partition": (
        set_(("kfold", "partitions", 0, "datasets", 0), "DIS_NC_PP"),
        ("'kfold.partitions[0].datasets[0]'", "unknown dataset", "did you mean: 'DIS_NC_P'"),
    ),
    "partition dataset not fitted": (
        lambda card: card.update(
            dataset_inputs=[d for d in card["dataset_inputs"] if d["dataset"] != "DY_W_Y"]
        ),
        ("'kfold.partitions[1].datasets[1]'", "not among dataset_inputs", "found: 'DY_W_Y'"),
    ),
    "no partitions": (set_(("kfold", "partitions"), []), ("'kfold.partitions'", "empty list")),
    "empty partition": (
        set_(("kfold", "partitions", 1, "datasets"), []),
        ("'kfold.partitions[1].datasets'", "empty list"),
    ),
    "dataset in two partitions": (
        set_(("kfold", "partitions", 1, "datasets", 0), "DIS_NC_D"),
        ("'kfold.partitions[1].datasets[0]'", "already in partition 0"),
    ),
    "penalty typo": (
        set_(("kfold", "penalties", 0), "saturaton"),
        ("'kfold.penalties[0]'", "did you mean: 'saturation'"),
    ),
    "penalty setting typo": (
        set_(("kfold", "penalties", 1), {"name": "patience", "alfa": 1.0e-4}),
        ("'kfold.penalties[1].alfa'", "unknown key", "did you mean: 'alpha'"),
    ),
    "penalty of wrong type": (
        set_(("kfold", "penalties", 0), 3),
        ("'kfold.penalties[0]'", "wrong type (int)"),
    ),
    "replicas per job above replicas": (
        set_(("replicas_per_job",), 9),
        ("'replicas_per_job'", "found: 9", "<= replicas = 8"),
    ),
    "scan bounds reversed": (
        set_(("hyperscan_config", "stopping", "min_epochs"), 4000),
        ("'hyperscan_config.stopping.min_epochs'", "above max_epochs = 3000"),
    ),
    "hyperopt without kfold": (
        delete(("kfold",)),
        ("'kfold'", "missing section", "remove 'hyperopt'"),
    ),
    "no startup trials": (
        set_(("hyperopt", "n_startup"), 0),
        ("'hyperopt.n_startup'", "an integer >= 1"),
    ),
    "x_switch below x_min": (
        set_(("closure", "xgrid", "x_switch"), 1.0e-6),
        ("'closure.xgrid.x_switch'", "above x_min"),
    ),
    "typo reported before the missing key it causes": (
        both(rename(("mcseed",), "mcsed"), set_(("parameters", "epochs"), "many")),
        ("'mcsed'", "did you mean: 'mcseed'"),
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_runcard_exits_2_with_clear_message(
    case, quick_runcard, write_runcard, tmp_path, capsys
):
    mutation, fragments = MALFORMED[case]
    mutation(quick_runcard)
    path = write_runcard(quick_runcard)
    outdir = tmp_path / "out"

    status = cli.main(["setup", str(path), "-o", str(outdir)])

    stderr = capsys.readouterr().err
    assert status == 2
    assert stderr.startswith(f"replifold setup: error: {path}: invalid runcard at ")
    for fragment in fragments:
        assert fragment in stderr
    assert "Failed validating" not in stderr and "Traceback" not in stderr
    assert not outdir.exists()


BAD_FILES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "missing file": (None, ("runcard not found",)),
    "YAML syntax error": (
        "description: x\nparameters: [1, 2\nnnseed: 3\n",
        ("YAML syntax error at line 3, column",),
    ),
    "bad indentation": (
        "closure:\n  filterseed: 7\n fakenoise: true\n",
        ("YAML syntax error at line 3",),
    ),
    "duplicate key": (
        "nnseed: 1\nmcseed: 2\nnnseed: 3\n",
        ("line 3, column 1", "'nnseed' is given twice"),
    ),
    "top level is a list": ("- nnseed: 1\n", ("must be a mapping", "found a list")),
    "empty file": ("", ("must be a mapping", "found an empty file")),
    "python tag": ("nnseed: !!python/object:os.system 1\n", ("YAML syntax error at line 1",)),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_unreadable_runcard_exits_2(case, tmp_path, write_runcard, capsys):
    text, fragments = BAD_FILES[case]
    path = tmp_path / "absent.yml" if text is None else write_runcard(text)

    status = cli.main(["setup", str(path), "-o", str(tmp_path / "out")])

    stderr = capsys.readouterr().err
    assert status == 2
    assert str(path) in stderr
    for fragment in fragments:
        assert fragment in stderr
    assert "Traceback" not in stderr


def test_schema_is_valid_json_schema():
    RuncardValidator.check_schema(load_schema())


def test_schema_forbids_unknown_keys_everywhere():
    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    def closed(node):
        # closed itself, or keys checked by replifold's code (documented in the schema), or every
        # if/then branch closed (the penalty pattern)
        if node.get("additionalProperties") is False or "x-keys-checked-by" in node:
            return True
        branches = [part["then"] for part in node.get("allOf", [])]
        return bool(branches) and all(
            branch.get("additionalProperties") is False for branch in branches
        )

    found = list(objects(load_schema()))
    assert len(found) > 15
    assert all(closed(node) for node in found)


def test_defaults_are_filled(quick_runcard):
    for key in (
        "description",
        "positivity",
        "genrep",
        "replicas_per_job",
        "parallelism",
        "debug",
        "double_precision",
    ):
        del quick_runcard[key]
    del quick_runcard["parameters"]["positivity"]
    del quick_runcard["closure"]["xgrid"]
    quick_runcard["kfold"]["penalties"] = ["patience"]

    expanded = expand_runcard(quick_runcard)

    assert expanded["description"] == ""
    assert expanded["positivity"] == {"posdatasets": []}
    assert expanded["genrep"] is True
    assert expanded["replicas_per_job"] == expanded["replicas"] == 8
    assert expanded["parallelism"] == {"intra_op_threads": 1, "inter_op_threads": 1}
    assert expanded["parameters"]["positivity"] == {
        "initial": 1.0,
        "multiplier": 1.05,
        "update_freq": 100,
        "threshold": 1.0e-6,
    }
    assert expanded["closure"]["xgrid"] == {
        "n_small": 30,
        "n_large": 20,
        "x_min": 1.0e-5,
        "x_switch": 0.1,
    }
    assert expanded["kfold"]["penalties"] == [{"name": "patience", "alpha": 1.0e-4}]
    assert expanded["debug"] is False and expanded["double_precision"] is False


def test_expand_returns_new_dict_and_is_idempotent(quick_runcard):
    pristine = copy.deepcopy(quick_runcard)
    expanded = expand_runcard(quick_runcard)
    assert quick_runcard == pristine
    assert expand_runcard(expanded) == expanded
    assert expand_runcard(parse_runcard(dump_runcard(expanded), "expanded")) == expanded


def test_dump_is_canonical_and_byte_stable(quick_runcard):
    text = dump_runcard(expand_runcard(quick_runcard))
    reordered = dict(reversed(list(quick_runcard.items())))
    reordered["parameters"] = dict(reversed(list(reordered["parameters"].items())))
    assert dump_runcard(expand_runcard(reordered)) == text
    assert dump_runcard(parse_runcard(text, "again")) == text
    assert text.splitlines()[0].startswith("description: ")
    assert runcard_sha256(text) == runcard_sha256(dump_runcard(expand_runcard(quick_runcard)))
    assert runcard_sha256(text) != runcard_sha256(text.replace("nnseed: 2", "nnseed: 5"))


def test_exponent_floats_without_a_dot_are_numbers(quick_runcard):
    text = yaml.safe_dump(quick_runcard, sort_keys=False).replace("0.005", "5e-3")
    assert "5e-3" in text
    assert (
        expand_runcard(parse_runcard(text, "card"))["parameters"]["optimizer"]["learning_rate"]
        == 5e-3
    )


def test_error_choice_is_deterministic(quick_runcard):
    quick_runcard["hyperopt"]["engine"] = "mongodb"
    quick_runcard["trvlseed"] = -3
    quick_runcard["parameters"]["epochs"] = 0
    messages = {str(_expansion_error(quick_runcard)) for _ in range(3)}
    reordered = dict(reversed(list(quick_runcard.items())))
    assert len(messages) == 1
    assert "'trvlseed'" in messages.pop()
    assert "'hyperopt.engine'" in str(_expansion_error(reordered))


def _expansion_error(card: dict) -> RuncardError:
    with pytest.raises(RuncardError) as caught:
        expand_runcard(card, "card")
    return caught.value


@pytest.mark.parametrize("name", ["closure-quick", "closure-full"])
def test_shipped_runcards_expand(name, quick_runcard_path):
    expanded = expand_runcard(load_runcard(quick_runcard_path.with_name(f"{name}.yml")))
    assert expanded == expand_runcard(expanded)
    assert len(expanded["parameters"]["nodes_per_layer"]) == len(
        expanded["parameters"]["activation_per_layer"]
    )


def test_full_runcard_is_cluster_sized(quick_runcard_path):
    full = expand_runcard(load_runcard(quick_runcard_path.with_name("closure-full.yml")))
    assert full["replicas"] == 100 and full["replicas"] % full["replicas_per_job"] == 0
    assert len(full["kfold"]["partitions"]) == 4
    assert full["hyperopt"]["rounds"] * full["hyperopt"]["trials_per_round"] >= 100
    assert full["closure"]["xgrid"]["n_small"] + full["closure"]["xgrid"]["n_large"] >= 50


def test_hyperopt_sections_are_optional(quick_runcard):
    for section in ("kfold", "hyperscan_config", "hyperopt"):
        del quick_runcard[section]
    expanded = expand_runcard(quick_runcard)
    assert not {"kfold", "hyperscan_config", "hyperopt"} & set(expanded)
    assert Seeds.from_runcard(expanded).hyperopt_seed is None


def test_seeds_and_fit_name(quick_runcard):
    seeds = Seeds.from_runcard(expand_runcard(quick_runcard))
    assert seeds == Seeds(filterseed=7, mcseed=3, trvlseed=1, nnseed=2, hyperopt_seed=42)
    assert fit_name("config/runcards/closure-quick.yml") == "closure-quick"


def test_load_runcard_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="is a directory"):
        load_runcard(tmp_path)


def test_a_history_stride_that_would_fill_memory_is_refused(quick_runcard):
    quick_runcard["parameters"]["epochs"] = 1_000_000
    quick_runcard["history"] = {"stride": 1}
    with pytest.raises(RuncardError, match="history.stride") as error:
        expand_runcard(quick_runcard)
    assert "a stride of at least 10" in str(error.value)
    quick_runcard["history"] = {"stride": 10}
    assert expand_runcard(quick_runcard)["history"]["stride"] == 10


def test_more_draws_rerun_no_stage_of_the_fit_and_the_history_stride_only_its_training(
    quick_runcard,
):
    """Draw 0 is the fit whatever the number of draws; the stride changes what training records."""
    from replifold.views import stage_views

    before = stage_views(expand_runcard(quick_runcard))
    quick_runcard["closure"]["level1_draws"] = 3
    quick_runcard["history"] = {"stride": 20}
    after = stage_views(expand_runcard(quick_runcard))
    assert [stage for stage in before if before[stage] != after[stage]] == ["fit"]
    assert (
        after["fit"]["history"] == {"stride": 20} and "level1_draws" not in after["fit"]["closure"]
    )


@pytest.mark.parametrize(
    ("edit", "stages", "words"),
    [
        (lambda card: card.update(description="edited"), [], "only the report's inputs change"),
        (
            lambda card: card["evolution"].update(q_points=9),
            ["evolve"],
            "the LHAPDF export's settings change (evolution.q_points): evolve, report, archive",
        ),
        (
            lambda card: card.update(postfit={"arclength_nsigma": 5.0}),
            ["postfit"],
            "postfit, evolve, report, archive",
        ),
    ],
)
def test_the_lhapdf_export_reruns_for_its_own_keys_only(quick_runcard, edit, stages, words):
    """evolve reads its view: an edit of the report's text or of postfit's settings leaves it alone."""
    from replifold.edits import explain
    from replifold.views import stage_views

    old = expand_runcard(copy.deepcopy(quick_runcard))
    edit(quick_runcard)
    new = expand_runcard(quick_runcard)
    before, after = stage_views(old), stage_views(new)
    assert [stage for stage in before if before[stage] != after[stage]] == stages
    assert any(words in line for line in explain(old, new).lines), explain(old, new).lines

"""Fuzzing the runcard surface: hundreds of seeded mutations of the quick runcard through `setup`.

Every mutated runcard must end with exit status 0 (and a fit folder), or exit status 2 with one
error message naming the problem, never a traceback or another status. The mutations are
drawn from a fixed seed, so a failure names the case that reproduces it.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from typing import Any

import pytest
import yaml

from replifold.cli import main

FUZZ_SEED = 20261203
CASES = 400
VALUES: list[Any] = [
    None,
    "",
    "abc",
    "Adam",
    -1,
    0,
    1,
    2,
    10**20,
    -(10**20),
    0.5,
    -0.5,
    1.0e-300,
    1.0e300,
    True,
    False,
    [],
    {},
    [1, 2],
    [0.1, 0.2],
    {"x": 1},
    "x" * 5000,
    "\x00",
    "ä€😀",
    [[1]],
    {"dataset": "DIS_NC_P"},
    "__NAN__",
    "__INF__",
    "__NINF__",
    "1e-5",
    "0x10",
    "null",
    3.5,
    17,
    2**31,
    2**63,
]
TEXT_MUTATIONS = (
    "truncate",
    "insert",
    "delete_line",
    "duplicate_line",
    "tab",
    "alias",
    "merge_key",
    "bom",
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _parent(card: Any, path: tuple) -> tuple[Any, Any]:
    node = card
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


def _mutate_structure(card: dict, rng: random.Random) -> str:
    path = rng.choice(_paths(card))
    parent, key = _parent(card, path)
    kind = rng.choice(
        ["delete", "replace", "replace", "replace", "rename", "add", "wrap", "duplicate"]
    )
    if kind == "delete":
        del parent[key]
    elif kind == "replace":
        parent[key] = copy.deepcopy(rng.choice(VALUES))
    elif kind == "rename" and isinstance(parent, dict):
        parent[f"{key}_" if rng.random() < 0.5 else str(key)[:-1] or "k"] = parent.pop(key)
    elif kind == "add" and isinstance(parent, dict):
        parent[rng.choice(["extra", "learning_rate", "Replicas", "seed"])] = copy.deepcopy(
            rng.choice(VALUES)
        )
    elif kind == "wrap":
        parent[key] = [parent[key]] if rng.random() < 0.5 else {"value": parent[key]}
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    text = yaml.safe_dump(card, sort_keys=False, allow_unicode=True)
    return text.replace("__NAN__", ".nan").replace("__NINF__", "-.inf").replace("__INF__", ".inf")


def _mutate_text(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    kind = rng.choice(TEXT_MUTATIONS)
    at = rng.randrange(len(lines))
    if kind == "truncate":
        return text[: rng.randrange(len(text))]
    if kind == "insert":
        position = rng.randrange(len(text))
        return (
            text[:position]
            + rng.choice([":", "- ", "{", "]", "&a ", "*a", "!!python/object:os.system", "'", "%"])
            + text[position:]
        )
    if kind == "delete_line":
        return "".join(lines[:at] + lines[at + 1 :])
    if kind == "duplicate_line":
        return "".join(lines[: at + 1] + lines[at:])
    if kind == "tab":
        return "".join([*lines[:at], "\t" + lines[at], *lines[at + 1 :]])
    if kind == "alias":
        return "x: &x [1, 2]\ny: *x\n" + text
    if kind == "merge_key":
        return "base: &base {nnseed: 1}\n<<: *base\n" + text
    return "\ufeff" + text


def fuzzed_runcards(base: dict, seed: int, count: int):
    rng = random.Random(seed)
    for case in range(count):
        card = copy.deepcopy(base)
        if rng.random() < 0.7:
            text = ""
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                text = _mutate_structure(card, rng)
                card = yaml.safe_load(
                    text.replace(".nan", "__NAN__")
                    .replace("-.inf", "__NINF__")
                    .replace(".inf", "__INF__")
                )
        else:
            text = _mutate_text(yaml.safe_dump(card, sort_keys=False), rng)
        yield case, text


def test_fuzzed_runcards_end_in_exit_0_or_a_one_message_exit_2(quick_runcard, tmp_path, capsys):
    base = {**quick_runcard, "replicas": 2, "replicas_per_job": 2}
    outcomes: Counter[str] = Counter()
    for case, text in fuzzed_runcards(base, FUZZ_SEED, CASES):
        card = tmp_path / f"case{case}.yml"
        card.write_text(text, encoding="utf-8")
        try:
            status = main(["setup", str(card), "-o", str(tmp_path / f"fit{case}")])
        except BaseException as error:
            pytest.fail(
                f"case {case} (seed {FUZZ_SEED}) escaped with {type(error).__name__}: {error}\n{text[:2000]}"
            )
        err = capsys.readouterr().err
        assert status in (0, 2), f"case {case}: exit status {status}\n{err[-2000:]}\n{text[:2000]}"
        assert "Traceback" not in err, f"case {case}:\n{err[-3000:]}"
        if status == 2:
            errors = [
                line for line in err.splitlines() if line.startswith("replifold setup: error:")
            ]
            assert len(errors) == 1 and len(err) < 3000, f"case {case}:\n{err[-3000:]}"
            outcomes["refused (exit 2)"] += 1
        else:
            assert (tmp_path / f"fit{case}" / "runcard.sha256").is_file()
            outcomes["accepted (exit 0)"] += 1
    print(f"fuzzed runcards (seed {FUZZ_SEED}): {dict(outcomes)}")
    assert sum(outcomes.values()) == CASES and outcomes["refused (exit 2)"] > CASES // 2

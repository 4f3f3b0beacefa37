"""Theory cache keys: equal inputs give equal keys, any change of inputs, kind or versions a new one."""

from __future__ import annotations

import pytest

from replifold.errors import UserError
from replifold.io import read_json
from replifold.theory import cache
from replifold.theory.cache import TheoryCache, make_key


def test_key_is_stable_and_order_independent():
    a = make_key("grid", {"x": [0.1, 0.2], "card": {"PTO": 1, "FNS": "ZM-VFNS"}}, ["numpy"])
    b = make_key("grid", {"card": {"FNS": "ZM-VFNS", "PTO": 1}, "x": [0.1, 0.2]}, ["numpy"])
    assert a.digest == b.digest and len(a.digest) == cache.DIGEST_LENGTH


@pytest.mark.parametrize(
    "kind, inputs, packages",
    [
        ("operator", {"x": [0.1, 0.2]}, ["numpy"]),  # other kind
        ("grid", {"x": [0.1, 0.20000000001]}, ["numpy"]),  # other kinematics
        ("grid", {"x": [0.1, 0.2], "extra": None}, ["numpy"]),  # other input
        ("grid", {"x": [0.1, 0.2]}, ["numpy", "pyyaml"]),  # other packages
    ],
)
def test_any_change_changes_the_key(kind, inputs, packages):
    reference = make_key("grid", {"x": [0.1, 0.2]}, ["numpy"])
    assert make_key(kind, inputs, packages).digest != reference.digest


def test_versions_are_part_of_the_document():
    key = make_key("grid", {}, ["numpy"])
    import numpy

    assert key.document["packages"] == {"numpy": numpy.__version__}
    assert key.document["layout"] == cache.LAYOUT_VERSION


def test_layout_and_record(tmp_path):
    store = TheoryCache(tmp_path)
    key = make_key("grid", {"x": [1.0]}, ["numpy"])
    assert (
        store.path(key, "grid.pineappl.lz4") == tmp_path / "grid" / key.digest / "grid.pineappl.lz4"
    )
    store.write_record(key)
    record = read_json(store.record_path(key))
    assert record["document"]["inputs"] == {"x": [1.0]} and record["digest"] == key.digest
    assert store.read_record("grid", key.digest) == record
    with pytest.raises(UserError, match="replifold theory-grid"):
        store.require(key, "grid.pineappl.lz4", "run replifold theory-grid")
    store.path(key, "grid.pineappl.lz4").write_bytes(b"")
    assert store.has(key, "grid.pineappl.lz4")


def test_recipe_is_recorded_but_not_hashed(tmp_path):
    plain = make_key("grid", {"x": [1.0]}, ["numpy"])
    with_recipe = make_key("grid", {"x": [1.0]}, ["numpy"], recipe={"card": {"PTO": 1}})
    assert plain.digest == with_recipe.digest
    store = TheoryCache(tmp_path)
    store.write_record(with_recipe)
    assert store.read_record("grid", plain.digest)["recipe"] == {"card": {"PTO": 1}}


def test_missing_record_names_the_planning_verb(tmp_path):
    with pytest.raises(UserError, match="theory-plan"):
        TheoryCache(tmp_path).read_record("grid", "0" * cache.DIGEST_LENGTH)


def test_missing_package_is_a_user_error():
    with pytest.raises(UserError, match="not installed"):
        make_key("grid", {}, ["no-such-package-replifold"])

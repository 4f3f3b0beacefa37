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
    assert store.path(key, "grid.pineappl.lz4") == tmp_path / "grid" / key.digest / "grid.pineappl.lz4"
    store.write_record(key)
    assert read_json(store.record_path(key))["inputs"] == {"x": [1.0]}
    with pytest.raises(UserError, match="replifold theory-grid"):
        store.require(key, "grid.pineappl.lz4", "run replifold theory-grid")
    store.path(key, "grid.pineappl.lz4").write_bytes(b"")
    assert store.has(key, "grid.pineappl.lz4")


def test_missing_package_is_a_user_error():
    with pytest.raises(UserError, match="not installed"):
        make_key("grid", {}, ["no-such-package-replifold"])

"""Real-data runcards: the problem key, sections of one problem only, and the errors a physicist
gets for data set names, variants and theory cards (key path, closest real names)."""

from __future__ import annotations

import copy

import pytest
from dis_stubs import REPO

from replifold.errors import RuncardError
from replifold.runcard import Seeds, expand_runcard, load_runcard

DIS = REPO / "config" / "runcards" / "dis-real.yml"


@pytest.fixture(scope="module")
def _pristine() -> dict:
    return load_runcard(DIS)


@pytest.fixture
def dis(_pristine) -> dict:
    return copy.deepcopy(_pristine)


def _error(raw: dict) -> RuncardError:
    with pytest.raises(RuncardError) as info:
        expand_runcard(raw, source="card.yml")
    return info.value


def test_dis_runcard_expands_with_nnpdf40_cuts(dis):
    dis.pop("datacuts")
    expanded = expand_runcard(dis)
    assert expanded["problem"] == "dis"
    assert expanded["datacuts"] == {"q2min": 3.49, "w2min": 12.5}
    assert Seeds.from_runcard(expanded).filterseed is None  # real data: no level-1 noise
    closure = expand_runcard({**dis, "closuretest": {"filterseed": 4}})
    assert closure["closuretest"] == {"filterseed": 4, "fakenoise": True}
    assert Seeds.from_runcard(closure).filterseed == 4


def test_closure_runcards_default_to_the_closure_problem(quick_runcard):
    expanded = expand_runcard(quick_runcard)
    assert expanded["problem"] == "closure" and "datacuts" not in expanded


@pytest.mark.parametrize(
    "mutate, path, words",
    [
        (
            lambda r: r["dataset_inputs"][1].update(dataset="BCDMS_NC_NOTFIXED_P_EM-F22"),
            ("dataset_inputs", 1, "dataset"),
            "unknown data set",
        ),
        (
            lambda r: r["dataset_inputs"][0].update(variant="legacy_DW"),
            ("dataset_inputs", 0, "variant"),
            "no such variant",
        ),
        (
            lambda r: r["dataset_inputs"].append(dict(r["dataset_inputs"][0])),
            ("dataset_inputs", 5, "dataset"),
            "listed twice",
        ),
        (
            lambda r: r["theory"].update(PTO=1, FNSS="ZM-VFNS"),
            ("theory", "FNSS"),
            "unknown theory card key",
        ),
        (lambda r: r["theory"].update(FNS="FONLL-C"), ("theory", "FNS"), "not supported by yadism"),
        (lambda r: r["theory"].update(id=123456), ("theory", "id"), "no NNPDF theory card"),
        (
            lambda r: r.update(closure={"filterseed": 1}),
            ("closure",),
            "belongs to problem: closure",
        ),
        (lambda r: r.pop("theory"), ("theory",), "missing required key"),
        (lambda r: r["datacuts"].update(q2max=100.0), ("datacuts", "q2max"), "unknown key"),
    ],
)
def test_errors_name_the_key(dis, mutate, path, words):
    mutate(dis)
    error = _error(dis)
    assert error.path == path and words in error.problem and error.source == "card.yml"


def test_typos_get_the_closest_real_names(dis):
    dis["dataset_inputs"][3]["dataset"] = "HERA_NC_318GEV_EP_SIGMARED"
    assert _error(dis).suggestion == "HERA_NC_318GEV_EP-SIGMARED"
    dis["dataset_inputs"][3]["dataset"] = "HERA_NC_318GEV_EP-SIGMARED"
    dis["dataset_inputs"][0]["variant"] = "legacy-dw"
    assert _error(dis).suggestion == "legacy_dw"


@pytest.mark.parametrize("section", ["theory", "datacuts", "closuretest"])
def test_dis_sections_are_refused_in_closure_runcards(quick_runcard, section):
    quick_runcard[section] = (
        {"id": 1} if section == "theory" else {"filterseed": 1} if section == "closuretest" else {}
    )
    error = _error(quick_runcard)
    assert error.path == (section,) and "problem: dis" in error.problem


def test_commondata_keys_are_refused_in_closure_runcards(quick_runcard):
    quick_runcard["dataset_inputs"][0]["variant"] = "legacy"
    assert _error(quick_runcard).path == ("dataset_inputs", 0, "variant")

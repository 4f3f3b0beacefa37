"""Real DIS data: names and variants, n3fit's cuts, and the covariance against hand computations
from the commondata files."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from replifold.dis.commondata import commondata_dir, load_dataset
from replifold.dis.covariance import Uncertainties, covariance_of, decompose
from replifold.dis.cuts import DisCuts, kinematic_mask
from replifold.errors import RuncardError

PROTON_MASS = 0.938


def _load(name: str, variant: str | None = "legacy"):
    return load_dataset(name, variant, ["dataset_inputs", 0], PROTON_MASS)


def _yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _by_hand(setname: str, data_file: str, uncertainty_file: str, points: list[int]) -> dict:
    """Central values and absolute uncertainties of ``points`` (0-based), straight from the files."""
    folder = commondata_dir() / setname
    central = np.array(_yaml(folder / data_file)["data_central"], dtype=float)[points]
    content = _yaml(folder / uncertainty_file)
    definitions = content["definitions"]
    rows = [content["bins"][p] for p in points]
    columns = {name: np.array([row[name] for row in rows], dtype=float) for name in definitions}
    return {"central": central, "definitions": definitions, "columns": columns}


def _covariance_by_hand(hand: dict, t0: np.ndarray | None = None) -> np.ndarray:
    """stat and UNCORR on the diagonal, everything else fully correlated; MULT rescaled to t0."""
    n = hand["central"].shape[0]
    covmat = np.zeros((n, n))
    for name, definition in hand["definitions"].items():
        values = hand["columns"][name].copy()
        if definition["type"] == "SKIP":
            continue
        if definition["treatment"] == "MULT" and t0 is not None:
            values *= t0 / hand["central"]
        if definition["type"] in ("UNCORR", "THEORYUNCORR"):
            covmat += np.diag(values**2)
        else:
            covmat += np.outer(values, values)
    return covmat


def _uncertainties(name: str, points: list[int]) -> Uncertainties:
    return Uncertainties.from_commondata(_load(name).commondata().with_cuts(points))


def test_hera_cc_covariance_by_hand():
    points = [0, 3, 7, 20]
    hand = _by_hand(
        "HERA_CC_318GEV", "data_EP-SIGMARED.yaml", "uncertainties_legacy_EP-SIGMARED.yaml", points
    )
    uncertainties = _uncertainties("HERA_CC_318GEV_EP-SIGMARED", points)
    np.testing.assert_allclose(uncertainties.central, hand["central"])
    np.testing.assert_allclose(
        covariance_of([uncertainties]), _covariance_by_hand(hand), rtol=1e-10
    )
    t0 = hand["central"] * np.array([1.1, 0.9, 1.05, 0.97])
    np.testing.assert_allclose(
        covariance_of([uncertainties], [t0]), _covariance_by_hand(hand, t0), rtol=1e-10
    )


def test_special_systematics_correlate_data_sets():
    """BCDMS proton and deuteron share their normalisation and other special systematics."""
    p_points, d_points = [0, 5, 40], [1, 30]
    hand_p = _by_hand(
        "BCDMS_NC_NOTFIXED_P", "data_legacy_EM-F2.yaml", "uncertainties_legacy_EM-F2.yaml", p_points
    )
    hand_d = _by_hand(
        "BCDMS_NC_NOTFIXED_D", "data_legacy_EM-F2.yaml", "uncertainties_legacy_EM-F2.yaml", d_points
    )
    covmat = covariance_of(
        [
            _uncertainties("BCDMS_NC_NOTFIXED_P_EM-F2", p_points),
            _uncertainties("BCDMS_NC_NOTFIXED_D_EM-F2", d_points),
        ]
    )
    intra = ("UNCORR", "CORR", "THEORYUNCORR", "THEORYCORR", "SKIP")
    special_p = {
        d["type"]: hand_p["columns"][n]
        for n, d in hand_p["definitions"].items()
        if d["type"] not in intra
    }
    special_d = {
        d["type"]: hand_d["columns"][n]
        for n, d in hand_d["definitions"].items()
        if d["type"] not in intra
    }
    shared = sorted(set(special_p) & set(special_d))
    assert shared, "BCDMS p and d should share special systematics"
    off_diagonal = sum(np.outer(special_p[t], special_d[t]) for t in shared)
    np.testing.assert_allclose(covmat[:3, 3:], off_diagonal, rtol=1e-10)
    np.testing.assert_allclose(covmat[:3, :3], _covariance_by_hand(hand_p), rtol=1e-10)
    np.testing.assert_allclose(covmat[3:, 3:], _covariance_by_hand(hand_d), rtol=1e-10)


def test_decomposition_rebuilds_the_block():
    uncertainties = _uncertainties("HERA_CC_318GEV_EP-SIGMARED", list(range(10)))
    parts = decompose(uncertainties)
    columns = np.concatenate([parts.correlated, parts.special], axis=1)
    np.testing.assert_allclose(
        np.diag(parts.uncorrelated**2) + columns @ columns.T,
        covariance_of([uncertainties]),
        rtol=1e-12,
    )


def test_cuts_are_strict_and_use_w2_without_the_proton_mass():
    cuts = DisCuts(q2min=3.49, w2min=12.5)
    x = np.array([0.1, 0.1, 0.5, 0.2])
    q2 = np.array([3.49, 3.5, 12.5, 3.125])  # W2 = Q2 (1 - x) / x: 31.4, 31.5, 12.5, 12.5
    assert kinematic_mask(x, q2, cuts).tolist() == [False, True, False, False]


@pytest.mark.parametrize(
    "name, kept",  # NNPDF4.0's numbers of points after cuts (Ball et al., Eur. Phys. J. C 82 (2022) 428, Table 2.1)
    [
        ("SLAC_NC_NOTFIXED_P_EM-F2", 33),
        ("BCDMS_NC_NOTFIXED_P_EM-F2", 333),
        ("BCDMS_NC_NOTFIXED_D_EM-F2", 248),
        ("HERA_CC_318GEV_EP-SIGMARED", 39),
    ],
)
def test_nnpdf40_cuts_keep_nnpdf40_points(name, kept):
    data = _load(name)
    assert int(kinematic_mask(data.x, data.q2, DisCuts()).sum()) == kept


def test_theory_kinematics_come_from_the_kinematics_file():
    data = _load("NMC_NC_NOTFIXED_P_EM-SIGMARED")
    table = _yaml(commondata_dir() / "NMC_NC_NOTFIXED_P" / "kinematics_EM-SIGMARED.yaml")["bins"]
    assert (
        data.theory_kinematics.x[0] == table[0]["xraw"]["mid"]
    )  # unbinned x, as NNPDF's pinecards
    assert data.x[0] == table[0]["x"]["mid"]  # binned x for the cuts, as validphys
    assert data.theory_kinematics.y[0] == table[0]["y"]["mid"]


@pytest.mark.parametrize(
    "name, variant, key, suggestion",
    [
        ("HERA_NC_318GEV_EP-SIGMAREDD", "legacy", "dataset", "HERA_NC_318GEV_EP-SIGMARED"),
        ("SLAC_NC_NOTFIXED_P_EM-F2", "legcy", "variant", "legacy"),
        ("SLAC_NC_NOTFIXED_P_EM-F2", None, "variant", None),  # no uncertainties without a variant
        ("NMC_NC_NOTFIXED_EM-F2", None, "dataset", None),  # a ratio: real, but not computable here
    ],
)
def test_bad_names_point_at_the_key(name, variant, key, suggestion):
    with pytest.raises(RuncardError) as info:
        load_dataset(name, variant, ["dataset_inputs", 2], PROTON_MASS)
    assert info.value.path == ("dataset_inputs", 2, key)
    if suggestion is not None:
        assert info.value.suggestion == suggestion

"""Postfit's replica selection, as NNPDF's postfit (validphys.fitveto), on synthetic replicas with known flaws."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.cli import main
from replifold.io import read_json, write_json, write_npz
from replifold.postfit.replicas import ReplicaOutput
from replifold.postfit.selection import PostfitSettings, distribution_veto, select, veto_json
from replifold.problem import FLAVOURS
from replifold.runcard import dump_runcard, expand_runcard

XGRID = np.geomspace(1e-5, 0.9, 40)
SETTINGS = PostfitSettings()  # NNPDF's defaults: 4 sigma, 4 sigma, 0.5


def smooth_xf(scale: float) -> np.ndarray:
    base = XGRID**0.2 * (1 - XGRID) ** 3
    return np.stack([base * (1 + 0.1 * f) * scale for f in range(len(FLAVOURS))])


def replica(
    i: int,
    *,
    chi2: float | None = None,
    arc: float | None = None,
    integ: float = 0.01,
    best_epoch: int = 500,
    positivity: str = "POS_PASS",
    chi2_tr: float = 100.0,
    xf: np.ndarray | None = None,
) -> ReplicaOutput:
    """Replica i of a well-behaved ensemble: chi2/point and arc lengths scatter a little with i."""
    wobble = 0.01 * np.sin(i)
    fit = {
        "chi2_tr": chi2_tr,
        "n_tr": 100,
        "chi2_vl": 110.0,
        "n_vl": 100,
        "chi2_exp_total": 200.0 * ((1.0 + wobble) if chi2 is None else chi2),
        "ndata_exp_total": 200,
        "best_epoch": best_epoch,
        "last_epoch": 999,
        "stop_reason": "max_epochs" if best_epoch < 0 else "patience",
        "positivity": positivity,
        "arc_lengths": [(1.5 + wobble) if arc is None else arc] + [1.2 + wobble] * 4,
        "integrability": [integ, 0.01, 0.01, 0.01, 0.01],
    }
    return ReplicaOutput(i, fit, XGRID, smooth_xf(1 + 0.01 * i) if xf is None else xf)


def ensemble(n: int = 20) -> list[ReplicaOutput]:
    return [replica(i) for i in range(1, n + 1)]


def criteria(selection, replica_number):
    return [v.criterion for v in selection.vetoes.get(replica_number, ())]


def test_a_clean_ensemble_keeps_every_replica():
    selection = select(ensemble(), SETTINGS)
    assert selection.selected == tuple(range(1, 21)) and selection.vetoes == {}


def test_distribution_veto_is_validphys_rule():
    rng = np.random.default_rng(1)
    values = rng.normal(size=30)
    values[3] = 9.0
    prior = np.ones(30, bool)
    prior[[3, 7]] = False
    passing = values[prior]
    expected = (values - passing.mean()) <= 4.0 * passing.std()
    np.testing.assert_array_equal(distribution_veto(values, prior, 4.0), expected)
    assert not expected[3] and expected[7]  # judged against the prior survivors, for every replica
    lone = np.zeros(30, bool)
    lone[0] = True
    np.testing.assert_array_equal(
        distribution_veto(values, lone, 4.0), lone
    )  # nothing to judge against


def test_a_replica_without_best_epoch_is_a_named_veto():
    replicas = ensemble()
    replicas[4] = replica(5, best_epoch=-1, positivity="POS_VETO")
    selection = select(replicas, SETTINGS)
    assert criteria(selection, 5) == ["no_best_epoch", "positivity"]
    assert "carries its last weights" in selection.vetoes[5][0].detail
    assert 5 not in selection.selected and len(selection.selected) == 19


def test_the_chi2_veto_is_iterated_until_stable():
    """A huge outlier hides a milder one from the first pass; the second pass finds it."""
    replicas = ensemble()
    replicas[0] = replica(1, chi2=100.0)
    replicas[9] = replica(10, chi2=1.5)
    chi2 = np.array([r.chi2_exp_per_point for r in replicas])
    first = (chi2 - chi2.mean()) <= 4 * chi2.std()
    assert not first[0] and first[9]  # the mild one passes the first pass
    selection = select(replicas, SETTINGS)
    assert criteria(selection, 1) == ["chi2"] and criteria(selection, 10) == ["chi2"]
    assert selection.iterations >= 3 and len(selection.selected) == 18


def test_integrability_is_an_absolute_cut_on_the_integrability_number():
    """An ensemble that all shares a non-integrable V is vetoed whole: no outlier rule would see it."""
    replicas = [replica(i, integ=0.6) for i in range(1, 11)] + [replica(11, integ=0.4)]
    selection = select(replicas, SETTINGS)
    assert selection.selected == (11,)
    assert criteria(selection, 3) == ["integrability"] and "v 0.6" in selection.vetoes[3][0].detail


def test_the_arclength_veto_is_iterated_too():
    replicas = ensemble()
    replicas[1] = replica(2, arc=50.0)
    replicas[2] = replica(3, arc=1.8)
    selection = select(replicas, SETTINGS)
    assert criteria(selection, 2) == ["arclength"] and criteria(selection, 3) == ["arclength"]
    assert "arc length of sng" in selection.vetoes[3][0].detail


def test_replifolds_former_vetoes_are_options_that_are_off_by_default():
    replicas = ensemble()
    replicas[2] = replica(3, chi2_tr=400.0)  # 4 per point
    xf = smooth_xf(1.0)
    xf[FLAVOURS.index("u"), 0] += 5.0  # u - ubar (valence) far off at the smallest x of the grid
    replicas[4] = replica(5, xf=xf)
    assert select(replicas, SETTINGS).vetoes == {}
    options = PostfitSettings(max_training_chi2=3.0, small_x_outlier_nsigma=4.0)
    selection = select(replicas, options)
    assert criteria(selection, 3) == ["training_chi2"] and criteria(selection, 5) == [
        "small_x_outlier"
    ]


def _fit_dir(tmp_path, quick_runcard, replicas: list[ReplicaOutput]):
    quick_runcard["replicas"] = quick_runcard["replicas_per_job"] = len(replicas)
    (tmp_path / "runcard.yml").write_text(
        dump_runcard(expand_runcard(quick_runcard)), encoding="utf-8"
    )
    for r in replicas:
        folder = tmp_path / "fit" / f"replica_{r.replica}"
        write_json(folder / "fit.json", r.fit)
        write_npz(folder / "grid.npz", {"xgrid": r.xgrid, "xf": r.xf})
    return tmp_path


def test_postfit_verb_writes_selection_and_the_reason_of_every_veto(tmp_path, quick_runcard):
    replicas = ensemble(6)
    replicas[1] = replica(2, best_epoch=-1, positivity="POS_VETO")
    fit_dir = _fit_dir(tmp_path, quick_runcard, replicas)
    assert main(["postfit", str(fit_dir)]) == 0
    selected = read_json(fit_dir / "postfit" / "selected.json")
    assert selected["selected"] == [1, 3, 4, 5, 6] and selected["vetoed"] == [2]
    vetoes = read_json(fit_dir / "postfit" / "veto.json")
    assert [v["criterion"] for v in vetoes["replicas"]["2"]] == ["no_best_epoch", "positivity"]
    assert vetoes["counts"]["no_best_epoch"] == 1 and vetoes["criteria"]["chi2_nsigma"] == 4.0
    assert veto_json(select(replicas, SETTINGS)) == vetoes


def test_postfit_verb_fails_when_every_replica_is_vetoed_and_says_why(
    tmp_path, quick_runcard, capsys
):
    fit_dir = _fit_dir(tmp_path, quick_runcard, [replica(1, integ=2.0), replica(2, best_epoch=-1)])
    assert main(["postfit", str(fit_dir)]) == 2
    assert "vetoed every replica" in capsys.readouterr().err
    assert not (fit_dir / "postfit" / "selected.json").exists()
    assert set(read_json(fit_dir / "postfit" / "veto.json")["replicas"]) == {"1", "2"}


def test_postfit_verb_names_a_missing_replica(tmp_path, quick_runcard, capsys):
    fit_dir = _fit_dir(tmp_path, quick_runcard, ensemble(3))
    (fit_dir / "fit" / "replica_2" / "grid.npz").unlink()
    assert main(["postfit", str(fit_dir)]) == 2
    assert "replica 2" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["chi2_nsigma", "arclength_nsigma", "integrability_threshold"])
def test_runcard_rejects_a_non_positive_threshold(quick_runcard, key):
    from replifold.errors import RuncardError

    quick_runcard["postfit"] = {key: 0}
    with pytest.raises(RuncardError, match=f"postfit.{key}"):
        expand_runcard(quick_runcard)

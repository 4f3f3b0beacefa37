"""Postfit's replica selection on synthetic replicas with known flaws."""

from __future__ import annotations

import numpy as np
import pytest

from replifold.cli import main
from replifold.io import read_json, write_json, write_npz
from replifold.postfit.replicas import ReplicaOutput
from replifold.postfit.selection import PostfitSettings, select, veto_json
from replifold.problem import FLAVOURS
from replifold.runcard import dump_runcard, expand_runcard

XGRID = np.geomspace(1e-5, 0.9, 40)
SETTINGS = PostfitSettings(threshold_chi2=3.0, arclength_nsigma=3.0, integrability_nsigma=3.0)


def smooth_xf(scale: float) -> np.ndarray:
    base = XGRID**0.2 * (1 - XGRID) ** 3
    return np.stack([base * (1 + 0.1 * f) * scale for f in range(len(FLAVOURS))])


def replica(i: int, *, xf: np.ndarray | None = None, chi2: float = 100.0, positivity: str = "POS_PASS", failed: bool = False) -> ReplicaOutput:
    fit = {"chi2_tr": chi2, "n_tr": 100, "chi2_vl": 110.0, "n_vl": 100, "failed": failed,
           "stop_reason": "nan" if failed else "patience", "positivity": positivity}
    return ReplicaOutput(i, fit, XGRID, smooth_xf(1 + 0.01 * i) if xf is None else xf)


def ensemble(n: int = 20) -> list[ReplicaOutput]:
    return [replica(i) for i in range(1, n + 1)]


def test_a_clean_ensemble_keeps_every_replica():
    selection = select(ensemble(), SETTINGS)
    assert selection.selected == tuple(range(1, 21))
    assert selection.vetoes == {}


def test_chi2_positivity_and_divergence_are_vetoed_with_reasons():
    replicas = ensemble()
    replicas[2] = replica(3, chi2=400.0)  # 4 per point > 3
    replicas[4] = replica(5, positivity="POS_VETO")
    replicas[6] = replica(7, failed=True, chi2=float("nan"))
    selection = select(replicas, SETTINGS)
    assert set(selection.vetoes) == {3, 5, 7}
    assert [v.criterion for v in selection.vetoes[3]] == ["chi2"]
    assert "4 above threshold_chi2 3" in selection.vetoes[3][0].detail
    assert [v.criterion for v in selection.vetoes[5]] == ["positivity"]
    assert {v.criterion for v in selection.vetoes[7]} == {"diverged", "chi2"}
    assert veto_json(selection)["counts"] == {"diverged": 1, "chi2": 2, "positivity": 1, "arclength": 0, "integrability": 0}


def test_a_wiggly_replica_is_an_arclength_outlier():
    replicas = ensemble()
    wiggly = smooth_xf(1.0) * (1 + 0.5 * np.sin(60 * np.log(XGRID)))
    replicas[9] = replica(10, xf=wiggly)
    selection = select(replicas, SETTINGS)
    assert set(selection.vetoes) == {10}
    assert selection.vetoes[10][0].criterion == "arclength"


def test_outliers_are_judged_against_the_survivors_only():
    """A broken replica vetoed for chi2 must not widen the spread that hides a milder outlier."""
    replicas = ensemble()
    replicas[0] = replica(1, xf=smooth_xf(1.0) * (1 + 5 * np.sin(60 * np.log(XGRID))), chi2=1000.0)
    replicas[9] = replica(10, xf=smooth_xf(1.0) * (1 + 0.5 * np.sin(60 * np.log(XGRID))))
    selection = select(replicas, SETTINGS)
    assert [v.criterion for v in selection.vetoes[1]] == ["chi2"]
    assert [v.criterion for v in selection.vetoes[10]] == ["arclength"]


def test_non_vanishing_valence_at_small_x_is_an_integrability_outlier():
    replicas = ensemble()
    xf = smooth_xf(1.0)
    xf[FLAVOURS.index("u"), 0] += 5.0  # u - ubar (valence) does not vanish at the smallest x
    replicas[4] = replica(5, xf=xf)
    selection = select(replicas, SETTINGS)
    assert "integrability" in [v.criterion for v in selection.vetoes[5]]


def _fit_dir(tmp_path, quick_runcard, replicas: list[ReplicaOutput]):
    quick_runcard["replicas"] = quick_runcard["replicas_per_job"] = len(replicas)
    quick_runcard["parameters"]["threshold_chi2"] = SETTINGS.threshold_chi2
    (tmp_path / "runcard.yml").write_text(dump_runcard(expand_runcard(quick_runcard)), encoding="utf-8")
    for r in replicas:
        folder = tmp_path / "fit" / f"replica_{r.replica}"
        write_json(folder / "fit.json", r.fit)
        write_npz(folder / "grid.npz", {"xgrid": r.xgrid, "xf": r.xf})
    return tmp_path


def test_postfit_verb_writes_selection_and_vetoes(tmp_path, quick_runcard):
    replicas = ensemble(6)
    replicas[1] = replica(2, chi2=1000.0)
    fit_dir = _fit_dir(tmp_path, quick_runcard, replicas)
    assert main(["postfit", str(fit_dir)]) == 0
    selected = read_json(fit_dir / "postfit" / "selected.json")
    assert selected["selected"] == [1, 3, 4, 5, 6] and selected["vetoed"] == [2]
    assert read_json(fit_dir / "postfit" / "veto.json")["replicas"]["2"][0]["criterion"] == "chi2"


def test_postfit_verb_fails_when_every_replica_is_vetoed(tmp_path, quick_runcard, capsys):
    fit_dir = _fit_dir(tmp_path, quick_runcard, [replica(1, chi2=1000.0), replica(2, positivity="POS_VETO")])
    assert main(["postfit", str(fit_dir)]) == 2
    assert "vetoed every replica" in capsys.readouterr().err
    assert not (fit_dir / "postfit" / "selected.json").exists()


def test_postfit_verb_names_a_missing_replica(tmp_path, quick_runcard, capsys):
    fit_dir = _fit_dir(tmp_path, quick_runcard, ensemble(3))
    (fit_dir / "fit" / "replica_2" / "grid.npz").unlink()
    assert main(["postfit", str(fit_dir)]) == 2
    assert "replica 2" in capsys.readouterr().err


@pytest.mark.parametrize("nsigma", [0, -1])
def test_runcard_rejects_a_non_positive_nsigma(quick_runcard, nsigma):
    from replifold.errors import RuncardError

    quick_runcard["postfit"] = {"arclength_nsigma": nsigma}
    with pytest.raises(RuncardError, match="postfit.arclength_nsigma"):
        expand_runcard(quick_runcard)

"""Planning a runcard's theory: scale groups, and which change of the runcard changes which key."""

from __future__ import annotations

import copy

import pytest
from dis_stubs import small_dis_runcard

from replifold.dis.theory_plan import plan_from_runcard
from replifold.theory.operators import group_scales


def test_scale_groups_are_consecutive_balanced_and_bounded():
    scales = [5.0, 1.0, 3.0, 2.0, 4.0, 3.0, 6.0]  # 6 distinct
    groups = group_scales(scales, 4)
    assert groups == ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0))
    assert group_scales(scales, 6) == ((1.0, 2.0, 3.0, 4.0, 5.0, 6.0),)
    assert [len(g) for g in group_scales(range(1, 34), 20)] == [17, 16]
    with pytest.raises(ValueError):
        group_scales(scales, 0)


@pytest.fixture(scope="module")
def runcard():
    return small_dis_runcard()


@pytest.fixture(scope="module")
def reference(runcard):
    return plan_from_runcard(runcard, 40)


def _keys(plan):
    return [
        (d.grid.digest, tuple(o.key.digest for o in d.operators), d.fktable.digest)
        for d in plan.datasets
    ]


def test_grouping_changes_operators_only(runcard, reference):
    regrouped = plan_from_runcard(runcard, 10)
    (slac, hera), (slac2, hera2) = _keys(reference), _keys(regrouped)
    assert [len(d.operators) for d in regrouped.datasets] == [4, 1]  # SLAC: 33 scales, HERA CC: 10
    assert slac[0] == slac2[0] and slac[2] == slac2[2] and slac[1] != slac2[1]
    assert hera == hera2  # 10 scales are one group either way


def _changed(runcard, **theory):
    changed = copy.deepcopy(runcard)
    changed["theory"].update(theory)
    return plan_from_runcard(changed, 40)


def test_dis_only_setting_keeps_the_operators(runcard, reference):
    keys, changed = _keys(reference), _keys(_changed(runcard, TMC=0))
    for (grid, operators, fktable), (grid2, operators2, fktable2) in zip(
        keys, changed, strict=True
    ):
        assert grid != grid2 and fktable != fktable2 and operators == operators2


def test_coupling_changes_everything(runcard, reference):
    for before, after in zip(_keys(reference), _keys(_changed(runcard, alphas=0.119)), strict=True):
        assert all(a != b for a, b in zip(before, after, strict=True))


def test_cuts_change_the_affected_data_sets_only(runcard, reference):
    changed = copy.deepcopy(runcard)
    changed["datacuts"]["q2min"] = 10.0  # SLAC loses points; HERA CC (Q2 >= 300) keeps all
    plan = plan_from_runcard(changed, 40)
    slac, hera = _keys(plan)
    assert slac[0] != _keys(reference)[0][0]
    assert hera == _keys(reference)[1]
    assert plan.datasets[0].ndata < reference.datasets[0].ndata

from __future__ import annotations

import numpy as np

from replifold.closure import catalogue
from replifold.closure.catalogue import DisSpec, HadronicSpec
from replifold.problem import FLAVOURS, PROCESS_TYPES


def test_names_are_the_published_ones():
    assert catalogue.dataset_names() == (
        "DIS_NC_P",
        "DIS_NC_D",
        "DIS_CC_NU",
        "DIS_CC_NUB",
        "DY_Z_Y",
        "DY_W_Y",
        "FT_DY_PP",
        "JET_GG",
    )
    assert catalogue.positivity_names() == (
        "POS_XUQ",
        "POS_XUB",
        "POS_XDQ",
        "POS_XDB",
        "POS_XSQ",
        "POS_XSB",
        "POS_XGL",
        "POS_F2U",
    )


def test_specs_are_consistent():
    for spec in catalogue.DATASETS:
        assert spec.process in PROCESS_TYPES
        assert 15 <= spec.ndata <= 60
        assert spec.kinematics().shape == (spec.ndata, 3)
        assert isinstance(spec, HadronicSpec) == (spec.process == "HADRONIC")
        if isinstance(spec, DisSpec):
            assert len(spec.quarks) == len(FLAVOURS)
        else:
            assert all(len(c.a) == len(c.b) == len(FLAVOURS) for c in spec.channels)
        assert 2 <= len(spec.uncertainties.sys) <= 5
    assert {spec.process for spec in catalogue.DATASETS} == set(PROCESS_TYPES)
    for spec in catalogue.POSITIVITY:
        assert len(spec.x) == 20 and np.all(np.diff(spec.x) > 0)

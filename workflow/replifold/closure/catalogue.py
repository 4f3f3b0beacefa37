"""Names and kinematics of the closure test's datasets (placeholder list; generator to follow)."""

from __future__ import annotations

DATASET_PROCESSES: dict[str, str] = {
    "DIS_NC_P": "DIS_NC",
    "DIS_NC_D": "DIS_NC",
    "DIS_CC_NU": "DIS_CC",
    "DIS_CC_NUB": "DIS_CC",
    "DY_Z_Y": "HADRONIC",
    "DY_W_Y": "HADRONIC",
    "FT_DY_PP": "HADRONIC",
    "JET_GG": "HADRONIC",
}
POSITIVITY_NAMES: tuple[str, ...] = (
    "POS_XUQ", "POS_XUB", "POS_XDQ", "POS_XDB", "POS_XSQ", "POS_XSB", "POS_XGL", "POS_F2U",
)


def dataset_names() -> tuple[str, ...]:
    return tuple(DATASET_PROCESSES)


def positivity_names() -> tuple[str, ...]:
    return POSITIVITY_NAMES

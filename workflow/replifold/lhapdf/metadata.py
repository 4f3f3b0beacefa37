"""The ``.info`` metadata of a replica set: what LHAPDF needs to open it and interpolate alpha_s.

LHAPDF reads the grid's ranges, the flavours and the member count from here, and with
``AlphaS_Type: ipol`` it interpolates alpha_s from ``AlphaS_Qs``/``AlphaS_Vals``, so a tool
using the set gets the coupling of the set's own theory. Keys follow the LHAPDF6 convention
(and the order NNPDF's sets write them in); nothing here depends on the machine or the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from replifold.lhapdf.grid import GLUON


@dataclass(frozen=True)
class QcdMetadata:
    """The theory behind a set, as LHAPDF records it."""

    order_qcd: int  # 0 LO, 1 NLO, 2 NNLO (of the evolution and of alpha_s)
    mz: float  # the reference scale of alpha_s [GeV]
    alphas_mz: float
    quark_masses: tuple[float, float, float]  # charm, bottom, top [GeV]
    num_flavors: int  # the largest number of active flavours in the grid
    flavor_scheme: str  # "variable" (thresholds crossed) or "fixed"
    alphas_q: tuple[float, ...]  # the Q knots alpha_s is given at (thresholds twice)
    alphas_values: tuple[float, ...]


def set_flavours(num_flavors: int) -> tuple[int, ...]:
    """The flavours a set lists: antiquarks up to ``num_flavors``, the gluon, then the quarks."""
    quarks = range(1, num_flavors + 1)
    return (*(-q for q in reversed(quarks)), GLUON, *quarks)


def set_info(
    description: str,
    x: np.ndarray,
    q_knots: np.ndarray,
    pids: Sequence[int],
    num_members: int,
    qcd: QcdMetadata,
    authors: str = "replifold",
    reference: str = "",
) -> dict:
    """The ``.info`` entries in writing order."""
    if len(qcd.alphas_q) != len(qcd.alphas_values):
        raise ValueError("alpha_s needs one value per Q knot")
    return {
        "SetDesc": description,
        "SetIndex": 0,
        "Authors": authors,
        "Reference": reference,
        "Format": "lhagrid1",
        "DataVersion": 1,
        "NumMembers": int(num_members),
        "Particle": 2212,
        "Flavors": [int(p) for p in pids],
        "OrderQCD": int(qcd.order_qcd),
        "FlavorScheme": qcd.flavor_scheme,
        "NumFlavors": int(qcd.num_flavors),
        "ErrorType": "replicas",
        "XMin": float(x[0]),
        "XMax": float(x[-1]),
        "QMin": float(np.min(q_knots)),
        "QMax": float(np.max(q_knots)),
        "MZ": float(qcd.mz),
        "MUp": 0.0,
        "MDown": 0.0,
        "MStrange": 0.0,
        "MCharm": float(qcd.quark_masses[0]),
        "MBottom": float(qcd.quark_masses[1]),
        "MTop": float(qcd.quark_masses[2]),
        "AlphaS_MZ": float(qcd.alphas_mz),
        "AlphaS_OrderQCD": int(qcd.order_qcd),
        "AlphaS_Type": "ipol",
        "AlphaS_Qs": [float(q) for q in qcd.alphas_q],
        "AlphaS_Vals": [float(a) for a in qcd.alphas_values],
    }

"""Which DIS data sets replifold can compute, and what yadism computes for each.

NNPDF's commondata name a data set's FK tables but not how they are made; NNPDF makes them from
yadism "observable cards" (the pinecards repository), which fix the observable, projectile,
target and current. This catalogue copies those settings for the unpolarised DIS data sets
whose theory is a single linear FK convolution: structure functions F2 (fixed target) and
reduced cross sections (NMC, HERA NC and CC). Ratios (NMC d/p) and nuclear neutrino data
(CHORUS, NuTeV) are not here. ``fktables`` records the FK tables NNPDF concatenates for the
data set, in order, so that a variant that changes the theory is caught.

Theory kinematics: yadism receives Bjorken x, Q^2 and y from the data set's kinematics file, as
the pinecards do; for NMC the pinecards use the unbinned ``xraw`` (cuts use the binned ``x``,
as validphys does).
"""

from __future__ import annotations

from dataclasses import dataclass

from replifold.theory.grids import DisObservable


@dataclass(frozen=True)
class DisDataset:
    observable: DisObservable
    fktables: tuple[str, ...]  # NNPDF's FK tables of the data set, concatenated in this order
    x_variable: str = "x"  # the kinematics-file variable that is Bjorken x for the theory


def _f2(target: str) -> DisObservable:
    return DisObservable("F2_total", projectile="electron", target=target, current="NC")


def _hera(current: str, projectile: str) -> DisObservable:
    return DisObservable(
        f"XSHERA{current}", projectile=projectile, target="proton", current=current
    )


CATALOGUE: dict[str, DisDataset] = {
    "SLAC_NC_NOTFIXED_P_EM-F2": DisDataset(_f2("proton"), ("SLAC_NC_EM_P_F2",)),
    "SLAC_NC_NOTFIXED_D_EM-F2": DisDataset(_f2("isoscalar"), ("SLAC_NC_EM_D_F2",)),
    "BCDMS_NC_NOTFIXED_P_EM-F2": DisDataset(
        _f2("proton"),
        (
            "BCDMS_NC_100GEV_EM_P_F2",
            "BCDMS_NC_120GEV_EM_P_F2",
            "BCDMS_NC_200GEV_EM_P_F2",
            "BCDMS_NC_280GEV_EM_P_F2",
        ),
    ),
    "BCDMS_NC_NOTFIXED_D_EM-F2": DisDataset(
        _f2("isoscalar"),
        ("BCDMS_NC_100GEV_EM_D_F2", "BCDMS_NC_200GEV_EM_D_F2", "BCDMS_NC_280GEV_EM_D_F2"),
    ),
    "NMC_NC_NOTFIXED_P_EM-SIGMARED": DisDataset(
        DisObservable("XSHERANC", projectile="electron", target="proton", current="NC"),
        ("NMC_NC_EM_P_SIGMARED",),
        x_variable="xraw",
    ),
    "HERA_NC_225GEV_EP-SIGMARED": DisDataset(
        _hera("NC", "positron"), ("HERA_NC_225GEV_EP_SIGMARED",)
    ),
    "HERA_NC_251GEV_EP-SIGMARED": DisDataset(
        _hera("NC", "positron"), ("HERA_NC_251GEV_EP_SIGMARED",)
    ),
    "HERA_NC_300GEV_EP-SIGMARED": DisDataset(
        _hera("NC", "positron"), ("HERA_NC_300GEV_EP_SIGMARED",)
    ),
    "HERA_NC_318GEV_EP-SIGMARED": DisDataset(
        _hera("NC", "positron"), ("HERA_NC_318GEV_EP_SIGMARED",)
    ),
    "HERA_NC_318GEV_EM-SIGMARED": DisDataset(
        _hera("NC", "electron"), ("HERA_NC_318GEV_EM_SIGMARED",)
    ),
    "HERA_CC_318GEV_EP-SIGMARED": DisDataset(
        _hera("CC", "positron"), ("HERA_CC_318GEV_EP_SIGMARED",)
    ),
    "HERA_CC_318GEV_EM-SIGMARED": DisDataset(
        _hera("CC", "electron"), ("HERA_CC_318GEV_EM_SIGMARED",)
    ),
}


def supported_names() -> tuple[str, ...]:
    return tuple(CATALOGUE)

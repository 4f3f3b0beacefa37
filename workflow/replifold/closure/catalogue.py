"""The closure test's datasets and positivity sets: what each measures, where, and how precisely.

A dataset's index in ``DATASETS`` is part of its identity (its training/validation split is
seeded with it), so new entries go at the end. In flavour vectors the single ``c`` entry stands
for charm *and* anticharm (the truth has ``c = cbar``): a process seeing ``c + cbar`` carries
coefficient 2 on ``c``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from replifold.problem import FLAVOURS

EU2, ED2 = 4.0 / 9.0, 1.0 / 9.0  # squared quark charges
Z_UP, Z_DOWN = 0.29, 0.37  # squared Z couplings (v^2 + a^2) of up- and down-type quarks, rounded
ANTIQUARK_WEIGHT = (
    0.5  # <(1 - y)^2>: how much a (anti)neutrino sees the helicity-suppressed partons
)
Q_POSITIVITY = float(np.sqrt(5.0))  # GeV, the scale n3fit imposes positivity at


def flavour_vector(coefficients: Mapping[str, float]) -> tuple[float, ...]:
    """A length-8 coefficient vector in ``FLAVOURS`` order from ``{flavour: coefficient}``."""
    unknown = set(coefficients) - set(FLAVOURS)
    if unknown:
        raise ValueError(f"unknown flavours {sorted(unknown)}")
    return tuple(float(coefficients.get(f, 0.0)) for f in FLAVOURS)


def _logspan(lo: float, hi: float, n: int) -> tuple[float, ...]:
    return tuple(float(v) for v in np.geomspace(lo, hi, n))


def _linspan(lo: float, hi: float, n: int) -> tuple[float, ...]:
    return tuple(float(v) for v in np.linspace(lo, hi, n))


@dataclass(frozen=True)
class Uncertainties:
    """Relative sizes: uncorrelated ``stat``, additive correlated ``sys`` (one per source), ``norm``."""

    stat: float
    sys: tuple[float, ...]
    norm: float


@dataclass(frozen=True)
class DisSpec:
    """Structure-function-like data: x-weighted parton combination at (x, Q), linear in the PDF.

    Points are log-spaced in x over ``x_range``; ``Q^2 = q2_min + q2_slope * x`` mimics the
    kinematic reach of a collider (large slope) or a fixed-target experiment (small slope).
    """

    name: str
    process: str
    quarks: tuple[float, ...]
    gluon: float  # gluon coefficient at full kernel strength (an O(alpha_s) admixture)
    x_range: tuple[float, float]
    ndata: int
    q2_min: float
    q2_slope: float
    sqrt_s: float
    uncertainties: Uncertainties

    def kinematics(self) -> np.ndarray:
        x = np.geomspace(*self.x_range, self.ndata)
        q = np.sqrt(self.q2_min + self.q2_slope * x)
        return np.stack([x, q, np.full_like(x, self.sqrt_s)], axis=1)


@dataclass(frozen=True)
class Channel:
    """A parton-parton luminosity ``weight * (a . xf)(x1) * (b . xf)(x2)``."""

    a: tuple[float, ...]
    b: tuple[float, ...]
    weight: float


@dataclass(frozen=True)
class Subprocess:
    """Points (mass-major product of ``masses`` and ``rapidities``) sharing one set of channels."""

    channels: tuple[Channel, ...]
    masses: tuple[float, ...]
    rapidities: tuple[float, ...]

    @property
    def npoints(self) -> int:
        return len(self.masses) * len(self.rapidities)


@dataclass(frozen=True)
class HadronicSpec:
    """Hadron-hadron data bilinear in the PDF, at ``x1,2 = M / sqrt(s) * exp(+-y)``."""

    name: str
    process: str
    subprocesses: tuple[Subprocess, ...]
    sqrt_s: float
    uncertainties: Uncertainties

    @property
    def ndata(self) -> int:
        return sum(s.npoints for s in self.subprocesses)

    @property
    def channels(self) -> tuple[Channel, ...]:
        return tuple(c for s in self.subprocesses for c in s.channels)

    def kinematics(self) -> np.ndarray:
        rows = [
            (y, m, self.sqrt_s) for s in self.subprocesses for m in s.masses for y in s.rapidities
        ]
        return np.asarray(rows, dtype=np.float64)


@dataclass(frozen=True)
class PositivitySpec:
    """A combination that must stay non-negative, at ``Q_POSITIVITY`` on fixed x points.

    ``smeared`` observables go through the same evolution-like kernel as the DIS data; the
    others are plain ``x f(x)`` values.
    """

    name: str
    coefficients: tuple[float, ...]
    smeared: bool
    x: tuple[float, ...] = _logspan(5.0e-5, 0.1, 10) + _linspan(0.18, 0.9, 10)

    def kinematics(self) -> np.ndarray:
        x = np.asarray(self.x)
        return np.stack([x, np.full_like(x, Q_POSITIVITY), np.zeros_like(x)], axis=1)


def _both_orderings(
    a: Mapping[str, float], b: Mapping[str, float], weight: float
) -> tuple[Channel, ...]:
    return (
        Channel(flavour_vector(a), flavour_vector(b), weight),
        Channel(flavour_vector(b), flavour_vector(a), weight),
    )


def _unit(flavour: str) -> Mapping[str, float]:
    return {flavour: 1.0}


_ALL_QUARKS = {"u": 1.0, "ubar": 1.0, "d": 1.0, "dbar": 1.0, "s": 1.0, "sbar": 1.0, "c": 2.0}
_PROTON_NC = {"u": EU2, "ubar": EU2, "d": ED2, "dbar": ED2, "s": ED2, "sbar": ED2, "c": 2 * EU2}
_DEUTERON_NC = {
    "u": (EU2 + ED2) / 2,
    "ubar": (EU2 + ED2) / 2,
    "d": (EU2 + ED2) / 2,
    "dbar": (EU2 + ED2) / 2,
    "s": ED2,
    "sbar": ED2,
    "c": 2 * EU2,
}
_NEUTRINO_CC = {"d": 1.0, "s": 1.0, "ubar": ANTIQUARK_WEIGHT, "c": ANTIQUARK_WEIGHT}
_ANTINEUTRINO_CC = {"dbar": 1.0, "sbar": 1.0, "u": ANTIQUARK_WEIGHT, "c": ANTIQUARK_WEIGHT}

DATASETS: tuple[DisSpec | HadronicSpec, ...] = (
    DisSpec(
        name="DIS_NC_P",
        process="DIS_NC",
        quarks=flavour_vector(_PROTON_NC),
        gluon=0.04,
        x_range=(1.0e-4, 0.65),
        ndata=40,
        q2_min=3.0,
        q2_slope=3.0e4,
        sqrt_s=318.0,
        uncertainties=Uncertainties(stat=0.015, sys=(0.010, 0.008, 0.005), norm=0.015),
    ),
    DisSpec(
        name="DIS_NC_D",
        process="DIS_NC",
        quarks=flavour_vector(_DEUTERON_NC),
        gluon=0.02,
        x_range=(8.0e-3, 0.7),
        ndata=30,
        q2_min=4.0,
        q2_slope=150.0,
        sqrt_s=23.0,
        uncertainties=Uncertainties(stat=0.02, sys=(0.012, 0.006), norm=0.025),
    ),
    DisSpec(
        name="DIS_CC_NU",
        process="DIS_CC",
        quarks=flavour_vector(_NEUTRINO_CC),
        gluon=0.02,
        x_range=(1.5e-2, 0.6),
        ndata=25,
        q2_min=2.0,
        q2_slope=60.0,
        sqrt_s=20.0,
        uncertainties=Uncertainties(stat=0.03, sys=(0.015, 0.01, 0.008), norm=0.03),
    ),
    DisSpec(
        name="DIS_CC_NUB",
        process="DIS_CC",
        quarks=flavour_vector(_ANTINEUTRINO_CC),
        gluon=0.02,
        x_range=(1.5e-2, 0.5),
        ndata=25,
        q2_min=2.0,
        q2_slope=60.0,
        sqrt_s=20.0,
        uncertainties=Uncertainties(stat=0.035, sys=(0.015, 0.01, 0.008), norm=0.03),
    ),
    HadronicSpec(
        name="DY_Z_Y",
        process="HADRONIC",
        sqrt_s=7000.0,
        subprocesses=(
            Subprocess(
                channels=(
                    *_both_orderings(_unit("u"), _unit("ubar"), Z_UP),
                    *_both_orderings(_unit("d"), _unit("dbar"), Z_DOWN),
                    *_both_orderings(_unit("s"), _unit("sbar"), Z_DOWN),
                    Channel(flavour_vector(_unit("c")), flavour_vector(_unit("c")), 2 * Z_UP),
                ),
                masses=(91.1876,),
                rapidities=_linspan(0.0, 3.4, 20),
            ),
        ),
        uncertainties=Uncertainties(stat=0.01, sys=(0.008, 0.005, 0.004, 0.003), norm=0.018),
    ),
    HadronicSpec(
        name="DY_W_Y",
        process="HADRONIC",
        sqrt_s=7000.0,
        subprocesses=(
            Subprocess(
                channels=(
                    *_both_orderings(_unit("u"), _unit("dbar"), 1.0),
                    *_both_orderings(_unit("c"), _unit("sbar"), 1.0),
                ),
                masses=(80.379,),
                rapidities=_linspan(0.0, 2.4, 12),
            ),
            Subprocess(
                channels=(
                    *_both_orderings(_unit("d"), _unit("ubar"), 1.0),
                    *_both_orderings(_unit("s"), _unit("c"), 1.0),
                ),
                masses=(80.379,),
                rapidities=_linspan(0.0, 2.4, 12),
            ),
        ),
        uncertainties=Uncertainties(stat=0.01, sys=(0.01, 0.006, 0.004), norm=0.018),
    ),
    HadronicSpec(
        name="FT_DY_PP",
        process="HADRONIC",
        sqrt_s=38.8,
        subprocesses=(
            Subprocess(
                channels=(
                    *_both_orderings(_unit("u"), _unit("ubar"), EU2),
                    *_both_orderings(_unit("d"), _unit("dbar"), ED2),
                    *_both_orderings(_unit("s"), _unit("sbar"), ED2),
                ),
                masses=(5.0, 7.0, 9.0, 11.0),
                rapidities=_linspan(-0.2, 0.6, 5),
            ),
        ),
        uncertainties=Uncertainties(stat=0.04, sys=(0.02, 0.01), norm=0.065),
    ),
    HadronicSpec(
        name="JET_GG",
        process="HADRONIC",
        sqrt_s=7000.0,
        subprocesses=(
            Subprocess(
                channels=(
                    Channel(flavour_vector(_unit("g")), flavour_vector(_unit("g")), 1.0),
                    *_both_orderings(_unit("g"), _ALL_QUARKS, 0.4),
                    Channel(flavour_vector(_ALL_QUARKS), flavour_vector(_ALL_QUARKS), 0.15),
                ),
                masses=(60.0, 120.0, 240.0, 480.0, 960.0),
                rapidities=_linspan(0.0, 1.5, 4),
            ),
        ),
        uncertainties=Uncertainties(stat=0.02, sys=(0.02, 0.015, 0.01, 0.008, 0.005), norm=0.025),
    ),
)

POSITIVITY: tuple[PositivitySpec, ...] = (
    PositivitySpec("POS_XUQ", flavour_vector(_unit("u")), smeared=False),
    PositivitySpec("POS_XUB", flavour_vector(_unit("ubar")), smeared=False),
    PositivitySpec("POS_XDQ", flavour_vector(_unit("d")), smeared=False),
    PositivitySpec("POS_XDB", flavour_vector(_unit("dbar")), smeared=False),
    PositivitySpec("POS_XSQ", flavour_vector(_unit("s")), smeared=False),
    PositivitySpec("POS_XSB", flavour_vector(_unit("sbar")), smeared=False),
    PositivitySpec("POS_XGL", flavour_vector(_unit("g")), smeared=False),
    PositivitySpec("POS_F2U", flavour_vector({"u": EU2, "ubar": EU2}), smeared=True),
)


def dataset_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in DATASETS)


def positivity_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in POSITIVITY)


def dataset_index(name: str) -> int:
    """Position of ``name`` in the catalogue: the coordinate its training split is seeded with."""
    return dataset_names().index(name)


def dataset_spec(name: str) -> DisSpec | HadronicSpec:
    return DATASETS[dataset_index(name)]


def positivity_spec(name: str) -> PositivitySpec:
    return POSITIVITY[positivity_names().index(name)]

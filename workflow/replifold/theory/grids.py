"""yadism DIS grids: coefficient functions on an x-grid, exported as PineAPPL grids.

A grid depends on the theory card (order, scheme, masses, couplings, TMC, CKM, ...), on what is
measured (``DisObservable``: structure function or reduced cross section, projectile, target,
NC/CC) and on where (``DisKinematics`` after cuts), and on the interpolation x-grid. The
observable card handed to yadism has the form of NNPDF's pinecards (``observable.yaml``), one
point per data point in data order, so bin ``i`` of the grid is data point ``i``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from replifold.io import atomic_output
from replifold.theory.cache import CacheKey, make_key
from replifold.theory.cards import IDENTITY_KEYS, TheoryCard, yadism_theory

GRID_FILE = "grid.pineappl.lz4"
GRID_PACKAGES = ("yadism", "pineappl", "eko")  # eko: yadism's interpolation and matching atlas
INTERPOLATION_DEGREE = (
    4  # NNPDF's grids and operators interpolate with degree-4 polynomials in log x
)


@dataclass(frozen=True)
class DisObservable:
    """What a DIS data set measures, in yadism's vocabulary (NNPDF's pinecards use the same)."""

    name: str  # yadism observable: F2_total, FL_total, XSHERANC, XSHERACC, ...
    projectile: str  # electron | positron | neutrino | antineutrino
    target: str  # proton | neutron | isoscalar | iron | lead | ...
    current: str  # EM | NC | CC (yadism's prDIS)
    polarization: float = 0.0
    propagator_correction: float = 0.0


@dataclass(frozen=True)
class DisKinematics:
    """Bjorken x, Q^2 [GeV^2] and inelasticity y of every data point, in data order."""

    x: tuple[float, ...]
    q2: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if not len(self.x) == len(self.q2) == len(self.y):
            raise ValueError("x, q2 and y need one entry per data point")

    @classmethod
    def from_arrays(
        cls, x: Sequence[float], q2: Sequence[float], y: Sequence[float]
    ) -> DisKinematics:
        return cls(tuple(map(float, x)), tuple(map(float, q2)), tuple(map(float, y)))

    @property
    def npoints(self) -> int:
        return len(self.x)

    def scales(self) -> tuple[float, ...]:
        """The distinct Q^2 values, sorted: what the evolution operator must reach."""
        return tuple(sorted(set(self.q2)))


def observables_card(
    observable: DisObservable, kinematics: DisKinematics, xgrid: Sequence[float]
) -> dict[str, Any]:
    """yadism's observable runcard (the layout of NNPDF's pinecards)."""
    return {
        "PolarizationDIS": float(observable.polarization),
        "ProjectileDIS": observable.projectile,
        "PropagatorCorrection": float(observable.propagator_correction),
        "TargetDIS": observable.target,
        "prDIS": observable.current,
        "NCPositivityCharge": None,
        "interpolation_is_log": True,
        "interpolation_polynomial_degree": INTERPOLATION_DEGREE,
        "interpolation_xgrid": [float(x) for x in xgrid],
        "observables": {
            observable.name: [
                {"x": x, "Q2": q2, "y": y}
                for x, q2, y in zip(kinematics.x, kinematics.q2, kinematics.y, strict=True)
            ]
        },
    }


def grid_key(
    card: TheoryCard, observable: DisObservable, kinematics: DisKinematics, xgrid: Sequence[float]
) -> CacheKey:
    """Exactly what yadism is given (but the card's id and comment), plus the versions that compute it."""
    theory = {k: v for k, v in yadism_theory(card).items() if k not in IDENTITY_KEYS}
    inputs = {"theory": theory, "observables": observables_card(observable, kinematics, xgrid)}
    recipe = {
        "card": card.recipe(),
        "observable": asdict(observable),
        "kinematics": {"x": list(kinematics.x), "q2": list(kinematics.q2), "y": list(kinematics.y)},
        "xgrid": [float(x) for x in xgrid],
    }
    return make_key("grid", inputs, GRID_PACKAGES, recipe)


@dataclass(frozen=True)
class GridRecipe:
    card: TheoryCard
    observable: DisObservable
    kinematics: DisKinematics
    xgrid: tuple[float, ...]

    @classmethod
    def from_record(cls, recipe: Mapping[str, Any]) -> GridRecipe:
        kinematics = recipe["kinematics"]
        return cls(
            card=TheoryCard.from_recipe(recipe["card"]),
            observable=DisObservable(**recipe["observable"]),
            kinematics=DisKinematics.from_arrays(
                kinematics["x"], kinematics["q2"], kinematics["y"]
            ),
            xgrid=tuple(recipe["xgrid"]),
        )

    def key(self) -> CacheKey:
        return grid_key(self.card, self.observable, self.kinematics, self.xgrid)

    def compute(self, path: str | Path) -> Path:
        return compute_grid(self.card, self.observable, self.kinematics, self.xgrid, path)


def compute_grid(
    card: TheoryCard,
    observable: DisObservable,
    kinematics: DisKinematics,
    xgrid: Sequence[float],
    path: str | Path,
) -> Path:
    """Run yadism and write the PineAPPL grid to ``path`` (atomically)."""
    import yadism
    from yadbox.export import dump_pineappl_to_file

    yadism.log.silent_mode = True  # its banner and progress bars are noise in a job log
    output = yadism.run_yadism(yadism_theory(card), observables_card(observable, kinematics, xgrid))
    with atomic_output(path, suffix=".pineappl.lz4") as tmp:
        dump_pineappl_to_file(output, str(tmp), observable.name)
    return Path(path)


def grid_points(path: str | Path) -> np.ndarray:
    """(nbins, 2): the (Q^2, x) of every bin of a yadism grid, to check it matches the data."""
    import pineappl

    grid = pineappl.grid.Grid.read(str(path))
    limits = np.asarray(grid.bin_limits(), dtype=np.float64)  # (nbins, ndim, 2)
    return limits[:, :2, 0]

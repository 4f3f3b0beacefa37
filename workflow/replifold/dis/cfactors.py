"""C-factors: per-point multiplicative corrections to an FK table's predictions (n3fit's ``cfac``).

nnpdf_data ships them as ``cfactors/CF_<NAME>_<FKTABLE>.dat``: a block of header lines between
lines of stars, then one ``value uncertainty`` pair per point of the FK table (before cuts).
A data set made of several FK tables gets each table's factors, concatenated in order, and
validphys multiplies the FK table (hence the prediction) by them; so does replifold. Only the
central value is used, as in a fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from replifold.errors import RuncardError


def cfactor_dir() -> Path:
    from nnpdf_data import CFACTOR_PATH

    return Path(CFACTOR_PATH)


def available_cfactors(fktables: Sequence[str]) -> tuple[str, ...]:
    """Names NAME with a file ``CF_NAME_<fktable>.dat`` for every table of ``fktables``."""
    names = None
    for table in fktables:
        found = {p.name[3 : -len(f"_{table}.dat")] for p in cfactor_dir().glob(f"CF_*_{table}.dat")}
        names = found if names is None else names & found
    return tuple(sorted(names or ()))


def read_cfactor(path: Path) -> np.ndarray:
    """The central values of one c-factor file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("*"):
        raise ValueError(f"{path}: a c-factor file starts with a line of stars")
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.startswith("*")), None)
    if end is None:
        raise ValueError(f"{path}: no closing line of stars after the header")
    values = np.loadtxt(lines[end + 1 :], ndmin=2)
    return values.reshape(-1, 2)[:, 0]


def cfactor_values(
    names: Sequence[str], fktables: Sequence[str], ndata: int, where: Sequence[str | int]
) -> np.ndarray:
    """(ndata,) product of the c-factors ``names`` over the data set's FK tables (all points)."""
    product = np.ones(ndata)
    for k, name in enumerate(names):
        parts = []
        for table in fktables:
            path = cfactor_dir() / f"CF_{name}_{table}.dat"
            if not path.is_file():
                known = available_cfactors(fktables)
                raise RuncardError(
                    [*where, "cfac", k],
                    f"no c-factor {name!r} for FK table {table} in {cfactor_dir()}",
                    found=name,
                    allowed=", ".join(known)
                    if known
                    else "none exists for this data set: leave 'cfac' out",
                )
            parts.append(read_cfactor(path))
        values = np.concatenate(parts)
        if values.shape[0] != ndata:
            raise ValueError(f"c-factor {name}: {values.shape[0]} values for {ndata} points")
        product *= values
    return product
